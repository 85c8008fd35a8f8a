import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Db, OpenDatabase } from './client.ts';
import * as t from './schema.ts';
import type { Writer } from '../sync/writer.ts';
import { storeFile } from '../files/store.ts';
import { sumMinor, taxOf } from '../../shared/money.ts';
import { addDays, localDateOf, weekdayOf, zonedTimeToUtc, type LocalDate } from '../../shared/time.ts';
import {
	DEMO_BUSINESS,
	DEMO_CUSTOMERS,
	DEMO_DOCUMENTS,
	DEMO_HOURS,
	DEMO_INVOICES,
	DEMO_POSTAL_CODES,
	DEMO_QUOTES,
	DEMO_SERVICE_TYPES,
	DEMO_STAFF,
	DEMO_TAX_BP,
	DEMO_THREADS,
	type DemoCustomer,
	type DemoDocument,
	type ServiceKey,
	type StaffKey
} from './seed-data.ts';
import { renderDocumentPdf } from './seed-pdf.ts';
import { encodePng } from '../branding/png.ts';
import { insertQuote, quoteRow, storedContentHash } from '../quotes/service.ts';

/** The `meta` key that marks a database as holding the demo business; it is never removed. */
export const DEMO_SEEDED_KEY = 'demo_seeded';

/** The addresses to sign in with on the demo business. */
export function demoAccounts(): { customer: string; owner: string; office: string } {
	const staff = (role: string) => DEMO_STAFF.find((s) => s.role === role)!.email;
	return { customer: DEMO_CUSTOMERS[0].users[0].email, owner: staff('owner'), office: staff('office') };
}

function isDemoSeeded(db: Db): boolean {
	return db.select().from(t.meta).where(eq(t.meta.key, DEMO_SEEDED_KEY)).get() !== undefined;
}

/**
 * Only a database nobody has used gets the demo: once seeded, the marker stays even if every
 * customer is later deleted, and a database that already has customers is real data.
 */
function maySeed(db: Db): boolean {
	if (isDemoSeeded(db)) return false;
	const row = db.select({ n: count() }).from(t.customers).get();
	return (row?.n ?? 0) === 0;
}

const KIND_LABEL: Record<DemoDocument['kind'], string> = {
	quote: 'Quote',
	contract: 'Service contract',
	warranty: 'Warranty',
	certificate_of_insurance: 'Certificate of insurance'
};

function slug(s: string): string {
	return s
		.toLowerCase()
		.normalize('NFKD')
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}

function addressText(c: DemoCustomer, index = 0): string {
	const a = c.addresses[index];
	return [a.line1, a.line2, `${a.city}, ${DEMO_BUSINESS.region} ${a.postalCode}`].filter(Boolean).join(', ');
}

function customerByKey(key: string): DemoCustomer {
	const c = DEMO_CUSTOMERS.find((x) => x.key === key);
	if (!c) throw new Error(`demo data names an unknown customer "${key}"`);
	return c;
}

/** Line amounts, subtotal, tax and total of an invoice, all integer cents. */
function priced(lines: [string, number, number][]) {
	const items = lines.map(([description, quantity, unitAmount]) => {
		const quantityMilli = Math.round(quantity * 1000);
		return { description, quantityMilli, unitAmount, amount: Math.round((quantityMilli * unitAmount) / 1000) };
	});
	const subtotal = sumMinor(items.map((i) => i.amount));
	const tax = taxOf(subtotal, DEMO_TAX_BP);
	return { items, subtotal, tax, total: subtotal + tax };
}

/**
 * Calendar arithmetic in the business's zone, anchored on the seed's `now`, so the demo always
 * has something due soon, something overdue and an appointment coming up.
 */
function calendar(now: number) {
	const tz = DEMO_BUSINESS.timeZone;
	const today = localDateOf(now, tz);
	const at = (date: LocalDate, minute: number) => zonedTimeToUtc(date, minute, tz);
	const day = (offset: number) => addDays(today, offset);
	/** The first date on or after `from` whose weekday is in `weekdays`. */
	const onOrAfter = (from: LocalDate, weekdays: readonly number[]) => {
		let d = from;
		while (!weekdays.includes(weekdayOf(d))) d = addDays(d, 1);
		return d;
	};
	/** The last date on or before `from` whose weekday is in `weekdays`. */
	const onOrBefore = (from: LocalDate, weekdays: readonly number[]) => {
		let d = from;
		while (!weekdays.includes(weekdayOf(d))) d = addDays(d, -1);
		return d;
	};
	const longDate = new Intl.DateTimeFormat('en-US', { timeZone: tz, dateStyle: 'long' });
	return { tz, today, at, day, onOrAfter, onOrBefore, formatDate: (ms: number) => longDate.format(new Date(ms)) };
}

const WEEKDAYS = [1, 2, 3, 4, 5];

/**
 * A small picture for the demo quote (a boiler against a basement wall: a dark cabinet, a copper
 * pipe, a gauge), drawn pixel by pixel so the seed needs no image files.
 */
function demoQuotePhoto(): Buffer {
	const width = 160;
	const height = 120;
	const data = new Uint8ClampedArray(width * height * 4);
	const set = (x: number, y: number, [r, g, b]: readonly number[]) => {
		const i = (y * width + x) * 4;
		data[i] = r;
		data[i + 1] = g;
		data[i + 2] = b;
		data[i + 3] = 255;
	};
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			// Block wall above a concrete floor.
			const mortar = y % 12 === 0 || (x + (Math.floor(y / 12) % 2) * 12) % 24 === 0;
			set(x, y, y > 96 ? [128, 124, 118] : mortar ? [170, 166, 158] : [196, 192, 184]);
			// The boiler cabinet.
			if (x >= 50 && x < 110 && y >= 30 && y < 100) set(x, y, x === 50 || x === 109 || y === 30 ? [40, 44, 52] : [72, 78, 90]);
			// Supply and return pipes.
			if ((x >= 62 && x < 66 && y < 30) || (x >= 94 && x < 98 && y < 30)) set(x, y, [184, 115, 51]);
			// The pressure gauge.
			const dx = x - 80;
			const dy = y - 50;
			if (dx * dx + dy * dy <= 36) set(x, y, dx * dx + dy * dy >= 25 ? [30, 30, 30] : [240, 240, 236]);
		}
	}
	return encodePng({ width, height, data });
}

/**
 * Seeds the demo business (a plumbing & heating company) on an empty database: business
 * settings, staff and availability, about twenty customers with invoices in every status, real
 * PDF documents, conversations and appointments. Every replicated row takes its seq inside one
 * transaction, so a device's first pull sees all of it or none. Returns true when it seeded.
 */
export async function seedDemoBusiness(input: { store: OpenDatabase; writer: Writer; dataDir: string; now: number }): Promise<boolean> {
	const { store, writer, dataDir, now } = input;
	if (!maySeed(store.db)) return false;
	const cal = calendar(now);

	// Invoices the demo promises by number must add up before anything is written.
	const pricedInvoices = DEMO_INVOICES.map((inv) => ({ inv, ...priced(inv.lines) }));
	for (const p of pricedInvoices) {
		if (p.inv.expectTotal !== undefined && p.total !== p.inv.expectTotal) {
			throw new Error(`demo invoice ${p.inv.number} totals ${p.total}, expected ${p.inv.expectTotal}`);
		}
	}

	// PDF rendering is async; the write transaction is synchronous, so render first.
	const businessAddress = `${DEMO_BUSINESS.addressLine1}, ${DEMO_BUSINESS.addressLine2}, ${DEMO_BUSINESS.city}, ${DEMO_BUSINESS.region} ${DEMO_BUSINESS.postalCode}`;
	const documents = await Promise.all(
		DEMO_DOCUMENTS.map(async (d) => {
			const customer = customerByKey(d.customer);
			const issuedAt = cal.at(cal.day(-d.issuedDaysAgo), 9 * 60);
			const signedAt = d.signed ? cal.at(cal.day(-d.signed.daysAgo), 19 * 60 + 12) : null;
			const paragraphs = [...d.paragraphs];
			if (d.kind === 'certificate_of_insurance') {
				const year = Number(localDateOf(issuedAt, cal.tz).slice(0, 4));
				paragraphs.splice(3, 0, `Policy period: January 1, ${year} to January 1, ${year + 1}.`);
			}
			const bytes = await renderDocumentPdf({
				business: {
					name: DEMO_BUSINESS.name,
					tagline: DEMO_BUSINESS.tagline,
					phone: DEMO_BUSINESS.phone,
					email: DEMO_BUSINESS.email,
					address: businessAddress,
					licence: DEMO_BUSINESS.licence,
					primaryColor: DEMO_BUSINESS.primaryColor
				},
				kindLabel: KIND_LABEL[d.kind],
				ref: d.ref,
				title: d.title,
				customer: { name: customer.name, address: addressText(customer, d.addressIndex) },
				date: cal.formatDate(issuedAt),
				paragraphs,
				lines: d.lines,
				taxBp: DEMO_TAX_BP,
				currency: DEMO_BUSINESS.currency,
				signed: d.signed && signedAt !== null ? { by: d.signed.by, date: cal.formatDate(signedAt) } : undefined,
				createdAt: issuedAt
			});
			return { d, customer, bytes, issuedAt, signedAt };
		})
	);

	return writer.transaction((w) => {
		const db = w.db;
		// Another start may have seeded while the PDFs rendered.
		if (!maySeed(db)) return false;

		const { licence: _licence, officeHours, ...biz } = DEMO_BUSINESS;
		const businessRow = { ...biz, officeHours: [...officeHours], logoFile: null, updatedAt: now };
		db.insert(t.business)
			.values({ id: 1, ...businessRow })
			.onConflictDoUpdate({ target: t.business.id, set: businessRow })
			.run();
		for (const postalCode of DEMO_POSTAL_CODES) db.insert(t.servicePostalCodes).values({ postalCode }).onConflictDoNothing().run();

		// Staff, their bookable time and what can be booked.
		const staffIds = {} as Record<StaffKey, string>;
		const staffNames = {} as Record<StaffKey, string>;
		for (const s of DEMO_STAFF) {
			const id = randomUUID();
			staffIds[s.key] = id;
			staffNames[s.key] = s.name;
			db.insert(t.staffUsers).values({ id, email: s.email, name: s.name, role: s.role, createdAt: cal.at(cal.day(-900), 9 * 60) }).run();
		}
		const resourceIds = { luis: randomUUID(), jake: randomUUID() };
		for (const key of ['luis', 'jake'] as const) {
			db.insert(t.resources)
				.values({ id: resourceIds[key], name: staffNames[key], kind: 'technician', staffUserId: staffIds[key], active: true, createdAt: cal.at(cal.day(-900), 9 * 60) })
				.run();
			for (const h of DEMO_HOURS[key]) {
				db.insert(t.weeklyHours).values({ id: randomUUID(), resourceId: resourceIds[key], weekday: h.weekday, startMinute: h.start, endMinute: h.end }).run();
			}
		}
		const jakeOff = cal.onOrAfter(cal.day(15), [5]);
		db.insert(t.timeOff)
			.values({ id: randomUUID(), resourceId: resourceIds.jake, startsAt: cal.at(jakeOff, 0), endsAt: cal.at(addDays(jakeOff, 1), 0), reason: 'Long weekend' })
			.run();
		const luisTraining = cal.onOrAfter(cal.day(12), [3]);
		db.insert(t.timeOff)
			.values({ id: randomUUID(), resourceId: resourceIds.luis, startsAt: cal.at(luisTraining, 7 * 60 + 30), endsAt: cal.at(luisTraining, 12 * 60), reason: 'Gas code training' })
			.run();
		const serviceIds = {} as Record<ServiceKey, string>;
		DEMO_SERVICE_TYPES.forEach((s, position) => {
			serviceIds[s.key] = randomUUID();
			db.insert(t.serviceTypes)
				.values({ id: serviceIds[s.key], name: s.name, description: s.description, durationMinutes: s.duration, bufferMinutes: s.buffer, active: true, position })
				.run();
		});
		const serviceName = (key: ServiceKey) => DEMO_SERVICE_TYPES.find((s) => s.key === key)!.name;

		// Customers (the `profile` collection), their addresses and who may sign in for them.
		const customers = new Map<string, { id: string; addressIds: string[]; userIds: string[]; c: DemoCustomer }>();
		DEMO_CUSTOMERS.forEach((c, i) => {
			const id = randomUUID();
			const since = cal.at(cal.day(-(200 + i * 11)), 10 * 60);
			const billingAddress = c.addresses[0];
			db.insert(t.customers)
				.values({
					id,
					name: c.name,
					email: c.users[0].email,
					phone: c.phone,
					billingName: c.billing?.name ?? c.name,
					billingEmail: c.billing?.email ?? c.users[0].email,
					billingLine1: c.billing?.line1 ?? billingAddress.line1,
					billingLine2: c.billing ? (c.billing.line2 ?? null) : (billingAddress.line2 ?? null),
					billingCity: c.billing?.city ?? billingAddress.city,
					billingRegion: DEMO_BUSINESS.region,
					billingPostalCode: c.billing?.postalCode ?? billingAddress.postalCode,
					billingCountry: 'US',
					notes: c.notes ?? null,
					seq: w.touch('profile', id, id),
					createdAt: since,
					updatedAt: since
				})
				.run();
			const addressIds = c.addresses.map((a) => {
				const addressId = randomUUID();
				db.insert(t.serviceAddresses)
					.values({ id: addressId, customerId: id, label: a.label, line1: a.line1, line2: a.line2 ?? null, city: a.city, region: DEMO_BUSINESS.region, postalCode: a.postalCode, country: 'US', lat: a.lat, lng: a.lng, createdAt: since })
					.run();
				return addressId;
			});
			const userIds = c.users.map((u) => {
				const userId = randomUUID();
				db.insert(t.portalUsers).values({ id: userId, customerId: id, email: u.email.toLowerCase(), name: u.name, createdAt: since }).run();
				return userId;
			});
			customers.set(c.key, { id, addressIds, userIds, c });
		});
		const cust = (key: string) => {
			const found = customers.get(key);
			if (!found) throw new Error(`demo data names an unknown customer "${key}"`);
			return found;
		};

		// Invoices with their lines and payments; the invoice's own fields agree with them.
		for (const { inv, items, subtotal, tax, total } of pricedInvoices) {
			const { id: customerId } = cust(inv.customer);
			const id = randomUUID();
			let issueDate: LocalDate | null = null;
			if (inv.issuedDaysAgo !== null) issueDate = cal.onOrBefore(cal.day(-inv.issuedDaysAgo), WEEKDAYS);
			const issuedAt = issueDate ? cal.at(issueDate, 9 * 60) : null;
			const payments = (inv.payments ?? []).map((p, i) => {
				const settled = cal.at(addDays(issueDate!, p.afterDays), 10 * 60 + 30 + i * 7);
				// Bank debits take a few days to clear; they were started before they settled.
				const started = p.method === 'us_bank_account' && p.status === 'succeeded' ? settled - 3 * 86_400_000 : settled;
				return { p, settled, started };
			});
			const succeeded = payments.filter((x) => x.p.status === 'succeeded');
			const amountPaid = succeeded.length ? total : 0;
			const paidAt = inv.status === 'paid' ? (succeeded.at(-1)?.settled ?? null) : null;
			const voidedAt = inv.status === 'void' && issueDate ? cal.at(addDays(issueDate, 1), 11 * 60) : null;
			if ((inv.status === 'paid') !== (paidAt !== null)) throw new Error(`demo invoice ${inv.number}: paid status and payments disagree`);
			const createdAt = issuedAt ?? now - 26 * 3_600_000;
			const updatedAt = Math.max(createdAt, paidAt ?? 0, voidedAt ?? 0, ...payments.map((x) => x.settled));
			db.insert(t.invoices)
				.values({
					id,
					customerId,
					number: inv.number,
					title: inv.title,
					period: inv.period ?? null,
					status: inv.status,
					currency: DEMO_BUSINESS.currency,
					subtotal,
					taxRateBp: DEMO_TAX_BP,
					tax,
					total,
					amountPaid,
					issuedAt,
					dueDate: issueDate ? addDays(issueDate, inv.netDays) : null,
					paidAt,
					voidedAt,
					notes: inv.notes ?? null,
					seq: w.touch('invoices', customerId, id),
					createdAt,
					updatedAt
				})
				.run();
			items.forEach((item, position) => {
				db.insert(t.invoiceLineItems).values({ id: randomUUID(), invoiceId: id, position, ...item }).run();
			});
			for (const { p, settled, started } of payments) {
				const viaProvider = p.method === 'card' || p.method === 'us_bank_account';
				db.insert(t.payments)
					.values({
						id: randomUUID(),
						invoiceId: id,
						customerId,
						amount: total,
						currency: DEMO_BUSINESS.currency,
						method: p.method,
						methodLabel: p.label,
						status: p.status,
						provider: viaProvider ? 'demo' : 'manual',
						providerRef: viaProvider ? `demo_${randomUUID()}` : null,
						failureMessage: p.failureMessage ?? null,
						receiptNumber: p.status === 'succeeded' ? `RCPT-${inv.number.slice(4)}` : null,
						createdAt: started,
						updatedAt: settled,
						settledAt: p.status === 'succeeded' ? settled : null
					})
					.run();
			}
		}

		// Documents: the PDFs rendered above, stored by SHA-256 under DATA_DIR/files.
		for (const { d, customer, bytes, issuedAt, signedAt } of documents) {
			const { id: customerId } = cust(customer.key);
			const id = randomUUID();
			const fileSha256 = storeFile(db, dataDir, bytes, 'application/pdf', now);
			db.insert(t.documents)
				.values({
					id,
					customerId,
					kind: d.kind,
					title: d.title,
					fileSha256,
					fileName: `${d.ref}-${slug(d.title)}.pdf`,
					mime: 'application/pdf',
					size: bytes.byteLength,
					signerName: d.signed?.by ?? null,
					signedAt,
					seq: w.touch('documents', customerId, id),
					createdAt: issuedAt,
					updatedAt: signedAt ?? issuedAt
				})
				.run();
		}

		// Conversations with the office, one thread per customer.
		for (const thread of DEMO_THREADS) {
			const { id: customerId, userIds, c } = cust(thread.customer);
			const threadId = randomUUID();
			const sent = thread.messages.map((m) => cal.at(cal.day(-m.daysAgo), m.minute));
			const readThrough = sent[thread.staffReadThrough - 1];
			db.insert(t.messageThreads)
				.values({
					id: threadId,
					customerId,
					subject: null,
					status: thread.status,
					assignedStaffId: thread.assigned ? staffIds[thread.assigned] : null,
					lastMessageAt: sent.at(-1) ?? null,
					staffReadAt: readThrough !== undefined ? readThrough + 60_000 : null,
					createdAt: sent[0]
				})
				.run();
			thread.messages.forEach((m, i) => {
				const id = randomUUID();
				const fromCustomer = m.from === 'customer';
				db.insert(t.messages)
					.values({
						id,
						threadId,
						customerId,
						authorKind: fromCustomer ? 'customer' : 'staff',
						authorId: fromCustomer ? userIds[0] : staffIds[m.from as StaffKey],
						authorName: fromCustomer ? c.users[0].name : staffNames[m.from as StaffKey],
						body: m.body,
						attachments: [],
						sentAt: sent[i],
						seq: w.touch('messages', customerId, id),
						createdAt: sent[i],
						updatedAt: sent[i]
					})
					.run();
			});
		}

		// Appointments: Dana's coming leak inspection and last boiler service, a pending request,
		// a proposal waiting for the customer, a confirmed Saturday install and a cancellation.
		const duration = (key: ServiceKey) => DEMO_SERVICE_TYPES.find((s) => s.key === key)!.duration * 60_000;
		const appointment = (a: {
			customer: string;
			service: ServiceKey;
			status: (typeof t.appointments.$inferInsert)['status'];
			resource?: 'luis' | 'jake';
			date?: LocalDate;
			minute?: number;
			addressIndex?: number;
			preferredDate?: LocalDate;
			preferredWindow?: 'morning' | 'afternoon' | 'any';
			proposals?: { date: LocalDate; minute: number; resource: 'luis' | 'jake' }[];
			notes?: string;
			source: 'customer' | 'staff';
			createdAt: number;
		}) => {
			const { id: customerId, addressIds } = cust(a.customer);
			const id = randomUUID();
			const startsAt = a.date !== undefined && a.minute !== undefined ? cal.at(a.date, a.minute) : null;
			const endsAt = startsAt !== null ? startsAt + duration(a.service) : null;
			const updatedAt = a.status === 'completed' && endsAt !== null ? endsAt : a.createdAt;
			db.insert(t.appointments)
				.values({
					id,
					customerId,
					serviceTypeId: serviceIds[a.service],
					title: serviceName(a.service),
					addressId: addressIds[a.addressIndex ?? 0],
					resourceId: a.resource ? resourceIds[a.resource] : null,
					status: a.status,
					startsAt,
					endsAt,
					preferredDate: a.preferredDate ?? null,
					preferredWindow: a.preferredWindow ?? null,
					proposals: (a.proposals ?? []).map((p) => {
						const s = cal.at(p.date, p.minute);
						return { startsAt: s, endsAt: s + duration(a.service), resourceId: resourceIds[p.resource] };
					}),
					notes: a.notes ?? null,
					source: a.source,
					reminderSentAt: a.status === 'completed' && startsAt !== null ? startsAt - 86_400_000 : null,
					seq: w.touch('appointments', customerId, id),
					createdAt: a.createdAt,
					updatedAt
				})
				.run();
		};
		const danaBooked = cal.at(cal.day(-3), 9 * 60 + 5);
		appointment({
			customer: 'dana',
			service: 'leak',
			status: 'confirmed',
			resource: 'luis',
			date: cal.onOrAfter(cal.day(2), WEEKDAYS),
			minute: 9 * 60,
			notes: 'Drip under the kitchen sink, at the joint above the trap. Side gate unlocked.',
			source: 'staff',
			createdAt: danaBooked
		});
		const danaBoiler = cal.onOrBefore(cal.day(-35), WEEKDAYS);
		appointment({
			customer: 'dana',
			service: 'boiler',
			status: 'completed',
			resource: 'luis',
			date: danaBoiler,
			minute: 8 * 60,
			notes: 'Quarterly contract visit. Boiler pressure topped up; expansion tank valve replaced.',
			source: 'customer',
			createdAt: cal.at(addDays(danaBoiler, -12), 20 * 60)
		});
		appointment({
			customer: 'carter',
			service: 'drain',
			status: 'requested',
			preferredDate: cal.onOrAfter(cal.day(6), WEEKDAYS),
			preferredWindow: 'morning',
			notes: 'Basement floor drain backs up when the washer runs.',
			source: 'customer',
			createdAt: now - 5 * 3_600_000
		});
		const ramanDay = cal.onOrAfter(cal.day(4), WEEKDAYS);
		appointment({
			customer: 'raman',
			service: 'furnace',
			status: 'proposed',
			preferredDate: ramanDay,
			preferredWindow: 'afternoon',
			proposals: [
				{ date: ramanDay, minute: 13 * 60, resource: 'jake' },
				{ date: cal.onOrAfter(addDays(ramanDay, 1), WEEKDAYS), minute: 14 * 60, resource: 'jake' }
			],
			source: 'customer',
			createdAt: now - 30 * 3_600_000
		});
		appointment({
			customer: 'lakeview',
			service: 'heater',
			status: 'confirmed',
			resource: 'jake',
			// Saturday morning: the clinic is closed, so the water can be off for four hours.
			date: cal.onOrAfter(cal.day(5), [6]),
			minute: 8 * 60,
			notes: 'Replace the 40-gallon electric heater in the utility closet. Clinic closed; door code from Rosa.',
			source: 'staff',
			createdAt: cal.at(cal.day(-9), 11 * 60)
		});
		const mapleDay = cal.onOrBefore(cal.day(-10), WEEKDAYS);
		appointment({
			customer: 'maplecourt',
			service: 'drain',
			status: 'completed',
			resource: 'jake',
			date: mapleDay,
			minute: 13 * 60,
			notes: 'Building A laundry room drain jetted.',
			source: 'staff',
			createdAt: cal.at(addDays(mapleDay, -6), 10 * 60)
		});
		appointment({
			customer: 'schultz',
			service: 'furnace',
			status: 'cancelled',
			resource: 'luis',
			date: cal.onOrAfter(cal.day(3), WEEKDAYS),
			minute: 10 * 60 + 30,
			notes: 'Cancelled by the customer: the furnace was serviced with the rental unit visit.',
			source: 'customer',
			createdAt: cal.at(cal.day(-8), 19 * 60)
		});

		// A quote waiting for the customer's signature, with a choice, an option and a photo. The
		// quote takes one seq like every other seeded row; its hash covers the photo added after it.
		const photo = demoQuotePhoto();
		for (const q of DEMO_QUOTES) {
			const { id: customerId } = cust(q.customer);
			const sentAt = cal.at(cal.onOrBefore(cal.day(-q.sentDaysAgo), WEEKDAYS), 15 * 60 + 40);
			const quoteId = insertQuote(w, {
				customerId,
				currency: DEMO_BUSINESS.currency,
				number: q.number,
				status: 'sent',
				title: q.title,
				notes: q.notes,
				validUntil: addDays(localDateOf(sentAt, cal.tz), q.validForDays),
				taxRateBp: DEMO_TAX_BP,
				depositRateBp: q.depositRateBp,
				items: q.lines.map((l) => ({
					kind: l.kind,
					group: l.group ?? null,
					description: l.description,
					quantityMilli: Math.round(l.quantity * 1000),
					unitAmount: l.unitAmount,
					selectedByDefault: l.selectedByDefault ?? false
				}))
			});
			const fileSha256 = storeFile(db, dataDir, photo, 'image/png', now);
			db.insert(t.quotePhotos)
				.values({ id: randomUUID(), quoteId, position: 0, fileSha256, mime: 'image/png', size: photo.byteLength, width: 160, height: 120, caption: q.photoCaption, createdAt: sentAt })
				.run();
			const row = quoteRow(db, quoteId)!;
			db.update(t.quotes).set({ contentHash: storedContentHash(db, row), sentAt, createdAt: sentAt - 3_600_000, updatedAt: sentAt }).where(eq(t.quotes.id, quoteId)).run();
		}

		db.insert(t.auditLog)
			.values({ at: now, actorKind: 'system', action: 'demo.seeded', entity: 'business', entityId: '1', detail: { customers: DEMO_CUSTOMERS.length, invoices: DEMO_INVOICES.length, documents: DEMO_DOCUMENTS.length } })
			.run();
		db.insert(t.meta).values({ key: DEMO_SEEDED_KEY, value: new Date(now).toISOString() }).run();
		return true;
	});
}

/**
 * Prints how to sign in to the demo business: the URL, a demo customer, the owner and office
 * staff, and where sign-in mail lands when no SMTP server is configured. Prints nothing for a
 * database that does not hold the demo, and leaves out demo accounts since removed or disabled.
 */
export async function printSignInHelp(app: FastifyInstance): Promise<void> {
	const db = app.store.db;
	if (!isDemoSeeded(db)) return;
	const accounts = demoAccounts();
	const customerOk = db.select().from(t.portalUsers).where(eq(t.portalUsers.email, accounts.customer)).get();
	const staffOk = (email: string) => {
		const row = db.select().from(t.staffUsers).where(eq(t.staffUsers.email, email)).get();
		return row !== undefined && !row.disabled;
	};
	const staff = [
		staffOk(accounts.owner) ? `${accounts.owner} (owner)` : null,
		staffOk(accounts.office) ? `${accounts.office} (office)` : null
	].filter((s): s is string => s !== null);
	if ((!customerOk || customerOk.disabled) && staff.length === 0) return;

	const name = db.select({ name: t.business.name }).from(t.business).where(eq(t.business.id, 1)).get()?.name ?? DEMO_BUSINESS.name;
	const lines = ['', `  Demo business: ${name}, at ${app.config.publicUrl}`];
	if (customerOk && !customerOk.disabled) lines.push(`  Sign in as a demo customer: ${accounts.customer}`);
	if (staff.length) lines.push(`  Sign in as staff: ${staff.join(', ')}`);
	if (app.config.smtpUrl) {
		lines.push('  Sign-in emails go out through SMTP_URL; the demo addresses are not real mailboxes.');
	} else {
		lines.push(`  No SMTP server configured: the sign-in email is printed in this log and saved to ${path.join(app.config.dataDir, 'outbox')}${path.sep}`);
	}
	lines.push('');
	console.log(lines.join('\n'));
}
