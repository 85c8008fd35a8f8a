import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { AddressInput, BillingInput } from '../../shared/protocol/staff.ts';
import { customers, serviceAddresses } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { WriteContext } from '../sync/writer.ts';
import type { CustomerRow } from './views.ts';

/*
 * Writes to customers (the replicated `profile` collection, service addresses embedded) shared
 * by the console and the integration API. Every write goes through the writer, so the
 * customer's devices hear about it at once; a write that changes nothing takes no new seq.
 */

/** The customer fields staff and integrations set (billing as stored columns). */
export interface CustomerFields {
	name: string;
	email: string | null;
	phone: string | null;
	notes: string | null;
	billingName: string | null;
	billingEmail: string | null;
	billingLine1: string | null;
	billingLine2: string | null;
	billingCity: string | null;
	billingRegion: string | null;
	billingPostalCode: string | null;
	billingCountry: string | null;
}

const BILLING_COLUMNS = {
	name: 'billingName',
	email: 'billingEmail',
	line1: 'billingLine1',
	line2: 'billingLine2',
	city: 'billingCity',
	region: 'billingRegion',
	postalCode: 'billingPostalCode',
	country: 'billingCountry'
} as const satisfies Record<keyof BillingInput, keyof CustomerFields>;

/** Billing input as column values; parts left out keep `base`'s value. */
export function billingColumns(billing: BillingInput, base?: Partial<CustomerFields>): Partial<CustomerFields> {
	const out: Record<string, string | null> = {};
	for (const [part, column] of Object.entries(BILLING_COLUMNS) as [keyof BillingInput, keyof CustomerFields][]) {
		const value = billing[part];
		out[column] = value === undefined ? (base?.[column] ?? null) : value;
	}
	return out as Partial<CustomerFields>;
}

function fieldsOf(row: CustomerRow): CustomerFields {
	return {
		name: row.name,
		email: row.email,
		phone: row.phone,
		notes: row.notes,
		billingName: row.billingName,
		billingEmail: row.billingEmail,
		billingLine1: row.billingLine1,
		billingLine2: row.billingLine2,
		billingCity: row.billingCity,
		billingRegion: row.billingRegion,
		billingPostalCode: row.billingPostalCode,
		billingCountry: row.billingCountry
	};
}

/** A new customer with its service addresses. Returns the id. */
export function insertCustomer(w: WriteContext, fields: CustomerFields, addresses: readonly AddressInput[], externalId: string | null = null): string {
	const id = randomUUID();
	w.db.insert(customers)
		.values({ id, externalId, ...fields, seq: w.touch('profile', id, id), deleted: false, createdAt: w.now, updatedAt: w.now })
		.run();
	applyAddresses(w, id, addresses, 'id');
	return id;
}

/**
 * Applies changed fields (and, when given, the full address list) to a customer. Returns whether
 * anything changed; when nothing did, nothing is written and no seq is taken.
 */
export function updateCustomer(
	w: WriteContext,
	row: CustomerRow,
	changes: Partial<CustomerFields>,
	addresses: readonly AddressInput[] | undefined,
	match: 'id' | 'content'
): boolean {
	const current = fieldsOf(row);
	const next = { ...current, ...changes };
	const fieldsChanged = (Object.keys(current) as (keyof CustomerFields)[]).some((k) => current[k] !== next[k]);
	const addressesChanged = addresses === undefined ? false : applyAddresses(w, row.id, addresses, match);
	if (fieldsChanged) {
		w.db.update(customers)
			.set({ ...next, seq: w.touch('profile', row.id, row.id), updatedAt: w.version(row.updatedAt) })
			.where(eq(customers.id, row.id))
			.run();
	} else if (addressesChanged) {
		// Addresses travel inside the profile document: it needs a new seq and version.
		w.bump('profile', row.id, row.id);
	}
	return fieldsChanged || addressesChanged;
}

type AddressRow = typeof serviceAddresses.$inferSelect;
const ADDRESS_FIELDS = ['label', 'line1', 'line2', 'city', 'region', 'postalCode', 'country', 'lat', 'lng'] as const;

function sameAddress(row: AddressRow, input: AddressInput): boolean {
	return ADDRESS_FIELDS.every((f) => (row[f] ?? null) === (input[f] ?? null));
}

/**
 * Makes the customer's live service addresses exactly `list`. With `match: 'id'` (the console)
 * an entry with an id updates that address and one without is new; with `match: 'content'` (an
 * integration, which has no address ids) an entry equal to a live address keeps it. Addresses
 * left out are removed (soft: bookings still point at them). Returns whether anything changed.
 */
export function applyAddresses(w: WriteContext, customerId: string, addresses: readonly AddressInput[], match: 'id' | 'content'): boolean {
	const list = addresses.map((a) => ({ ...a, label: a.label || 'Home' }));
	const live = w.db
		.select()
		.from(serviceAddresses)
		.where(and(eq(serviceAddresses.customerId, customerId), eq(serviceAddresses.deleted, false)))
		.orderBy(asc(serviceAddresses.createdAt), asc(serviceAddresses.id))
		.all();
	const kept = new Set<string>();
	let changed = false;
	list.forEach((input, index) => {
		let existing: AddressRow | undefined;
		if (match === 'id' && input.id !== undefined) {
			existing = live.find((a) => a.id === input.id);
			if (!existing) throw new AppError('VALIDATION', `addresses.${index}.id: is not one of this customer's addresses`, { field: `addresses.${index}.id` });
		} else if (match === 'content') {
			existing = live.find((a) => !kept.has(a.id) && sameAddress(a, input));
		}
		if (existing) {
			kept.add(existing.id);
			if (!sameAddress(existing, input)) {
				const values = Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, input[f] ?? null])) as Partial<AddressRow>;
				w.db.update(serviceAddresses).set(values).where(eq(serviceAddresses.id, existing.id)).run();
				changed = true;
			}
			return;
		}
		const id = randomUUID();
		kept.add(id);
		w.db.insert(serviceAddresses)
			.values({
				id,
				customerId,
				label: input.label,
				line1: input.line1,
				line2: input.line2 ?? null,
				city: input.city,
				region: input.region,
				postalCode: input.postalCode,
				country: input.country,
				lat: input.lat ?? null,
				lng: input.lng ?? null,
				deleted: false,
				createdAt: w.now
			})
			.run();
		changed = true;
	});
	for (const a of live) {
		if (kept.has(a.id)) continue;
		w.db.update(serviceAddresses).set({ deleted: true }).where(eq(serviceAddresses.id, a.id)).run();
		changed = true;
	}
	return changed;
}
