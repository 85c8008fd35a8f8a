import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import { tombstoneOf, type DocTypes, type SyncDoc } from '../../shared/schemas/index.ts';
import type { Db } from '../db/client.ts';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as schema from '../db/schema.ts';
import { invoiceLineItems, paymentMethods, payments, quoteItems, quotePhotos, resources, serviceAddresses } from '../db/schema.ts';
import { rowsWhereIn } from './rows.ts';
import type { CollectionRows, View } from './visibility.ts';

type Serializer<C extends CollectionName> = (db: Db, rows: CollectionRows[C][]) => DocTypes[C][];

function byKey<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
	const map = new Map<K, T[]>();
	for (const item of items) {
		const k = key(item);
		const list = map.get(k);
		if (list) list.push(item);
		else map.set(k, [item]);
	}
	return map;
}

const profile: Serializer<'profile'> = (db, rows) => {
	const ids = rows.map((r) => r.id);
	const addresses = byKey(
		db
			.select()
			.from(serviceAddresses)
			.where(and(inArray(serviceAddresses.customerId, ids), eq(serviceAddresses.deleted, false)))
			.orderBy(asc(serviceAddresses.createdAt), asc(serviceAddresses.id))
			.all(),
		(a) => a.customerId
	);
	const methodIds = rows.map((r) => r.autopayMethodId).filter((m): m is string => !!m);
	const methods = new Map(
		methodIds.length === 0
			? []
			: db
					.select({ id: paymentMethods.id, label: paymentMethods.label })
					.from(paymentMethods)
					.where(and(inArray(paymentMethods.id, methodIds), isNull(paymentMethods.detachedAt)))
					.all()
					.map((m) => [m.id, m.label] as const)
	);
	return rows.map((r) => ({
		id: r.id,
		name: r.name,
		email: r.email,
		phone: r.phone,
		billing: {
			name: r.billingName,
			email: r.billingEmail,
			line1: r.billingLine1,
			line2: r.billingLine2,
			city: r.billingCity,
			region: r.billingRegion,
			postalCode: r.billingPostalCode,
			country: r.billingCountry
		},
		addresses: (addresses.get(r.id) ?? []).map((a) => ({
			id: a.id,
			label: a.label,
			line1: a.line1,
			line2: a.line2,
			city: a.city,
			region: a.region,
			postalCode: a.postalCode,
			country: a.country,
			lat: a.lat,
			lng: a.lng
		})),
		autopay: { enabled: r.autopay, methodLabel: (r.autopayMethodId && methods.get(r.autopayMethodId)) || null },
		updatedAt: r.updatedAt
	}));
};

const invoices: Serializer<'invoices'> = (db, rows) => {
	const ids = rows.map((r) => r.id);
	const lines = byKey(rowsWhereIn(db, invoiceLineItems, invoiceLineItems.invoiceId, ids, [invoiceLineItems.position, invoiceLineItems.id]), (l) => l.invoiceId);
	const paid = byKey(rowsWhereIn(db, payments, payments.invoiceId, ids, [payments.createdAt, payments.id]), (p) => p.invoiceId);
	return rows.map((r) => ({
		id: r.id,
		number: r.number,
		title: r.title,
		period: r.period,
		// Drafts never get here (they travel as tombstones); the cast keeps the wire enum honest.
		status: r.status as DocTypes['invoices']['status'],
		currency: r.currency,
		subtotal: r.subtotal,
		taxRateBp: r.taxRateBp,
		tax: r.tax,
		total: r.total,
		amountPaid: r.amountPaid,
		amountDue: r.status === 'void' || r.status === 'paid' ? 0 : Math.max(0, r.total - r.amountPaid),
		issuedAt: r.issuedAt,
		dueDate: r.dueDate,
		paidAt: r.paidAt,
		voidedAt: r.voidedAt,
		notes: r.notes,
		lineItems: (lines.get(r.id) ?? []).map((l) => ({
			id: l.id,
			description: l.description,
			quantityMilli: l.quantityMilli,
			unitAmount: l.unitAmount,
			amount: l.amount
		})),
		payments: (paid.get(r.id) ?? []).map((p) => ({
			id: p.id,
			amount: p.amount,
			currency: p.currency,
			method: p.method,
			methodLabel: p.methodLabel,
			status: p.status,
			createdAt: p.createdAt,
			settledAt: p.settledAt,
			receiptNumber: p.receiptNumber
		})),
		updatedAt: r.updatedAt
	}));
};

const documents: Serializer<'documents'> = (_db, rows) =>
	rows.map((r) => ({
		id: r.id,
		kind: r.kind,
		title: r.title,
		fileName: r.fileName,
		mime: r.mime,
		size: r.size,
		sha256: r.fileSha256,
		signerName: r.signerName,
		signedAt: r.signedAt,
		createdAt: r.createdAt,
		updatedAt: r.updatedAt
	}));

const messages: Serializer<'messages'> = (_db, rows) =>
	rows.map((r) => ({
		id: r.id,
		authorKind: r.authorKind,
		authorName: r.authorName,
		body: r.body,
		attachments: (r.attachments ?? []).map((a) => ({
			id: a.id,
			name: a.name,
			mime: a.mime,
			size: a.size,
			width: a.width ?? null,
			height: a.height ?? null,
			fileSha256: a.fileSha256
		})),
		sentAt: r.sentAt,
		createdAt: r.createdAt,
		updatedAt: r.updatedAt
	}));

const appointments: Serializer<'appointments'> = (db, rows) => {
	const resourceIds = [...new Set(rows.map((r) => r.resourceId).filter((id): id is string => !!id))];
	const names = new Map(
		resourceIds.length === 0
			? []
			: db
					.select({ id: resources.id, name: resources.name })
					.from(resources)
					.where(inArray(resources.id, resourceIds))
					.all()
					.map((r) => [r.id, r.name] as const)
	);
	return rows.map((r) => ({
		id: r.id,
		serviceTypeId: r.serviceTypeId,
		title: r.title,
		addressId: r.addressId,
		resourceName: (r.resourceId && names.get(r.resourceId)) || null,
		status: r.status,
		startsAt: r.startsAt,
		endsAt: r.endsAt,
		preferredDate: r.preferredDate,
		preferredWindow: r.preferredWindow,
		proposals: (r.proposals ?? []).map((p) => ({ startsAt: p.startsAt, endsAt: p.endsAt })),
		notes: r.notes,
		createdAt: r.createdAt,
		updatedAt: r.updatedAt
	}));
};

const quotes: Serializer<'quotes'> = (db, rows) => {
	const ids = rows.map((r) => r.id);
	const items = byKey(rowsWhereIn(db, quoteItems, quoteItems.quoteId, ids, [quoteItems.position, quoteItems.id]), (i) => i.quoteId);
	const photos = byKey(rowsWhereIn(db, quotePhotos, quotePhotos.quoteId, ids, [quotePhotos.position, quotePhotos.id]), (p) => p.quoteId);
	return rows.map((r) => ({
		id: r.id,
		number: r.number,
		title: r.title,
		// Drafts never get here (they travel as tombstones); the cast keeps the wire enum honest.
		status: r.status as DocTypes['quotes']['status'],
		currency: r.currency,
		taxRateBp: r.taxRateBp,
		depositRateBp: r.depositRateBp,
		notes: r.notes,
		validUntil: r.validUntil,
		quoteRevision: r.revision,
		contentHash: r.contentHash,
		items: (items.get(r.id) ?? []).map((i) => ({
			id: i.id,
			kind: i.kind,
			group: i.groupName,
			description: i.description,
			quantityMilli: i.quantityMilli,
			unitAmount: i.unitAmount,
			amount: i.amount,
			selectedByDefault: i.selectedByDefault
		})),
		photos: (photos.get(r.id) ?? []).map((p) => ({
			id: p.id,
			caption: p.caption,
			mime: p.mime,
			size: p.size,
			width: p.width,
			height: p.height,
			fileSha256: p.fileSha256
		})),
		sentAt: r.sentAt,
		respondedAt: r.respondedAt,
		selection: r.selection,
		approvedTotal: r.approvedTotal,
		signerName: r.signerName,
		signedDocumentId: r.signedDocumentId,
		depositInvoiceId: r.depositInvoiceId,
		responseNote: r.responseNote,
		createdAt: r.createdAt,
		updatedAt: r.updatedAt
	}));
};

const SERIALIZERS: { [C in CollectionName]: Serializer<C> } = { profile, invoices, documents, messages, appointments, quotes };

/** Rows of `table` whose `key` equals the embedding row's `parent` column are part of its document. */
export interface Embed {
	table: SQLiteTable;
	key: SQLiteColumn;
	parent: SQLiteColumn;
}

/**
 * What each collection's documents embed from other tables, as the serializers above read it. A
 * change to such a row clears the stored document of every row that embeds it (the triggers
 * server/sync/materialize.ts installs), so this must stay in step with the serializers.
 */
export const EMBEDDED: { [C in CollectionName]: Embed[] } = {
	profile: [
		{ table: serviceAddresses, key: serviceAddresses.customerId, parent: schema.customers.id },
		// The autopay method's label (and whether it is still attached).
		{ table: paymentMethods, key: paymentMethods.id, parent: schema.customers.autopayMethodId }
	],
	invoices: [
		{ table: invoiceLineItems, key: invoiceLineItems.invoiceId, parent: schema.invoices.id },
		{ table: payments, key: payments.invoiceId, parent: schema.invoices.id }
	],
	documents: [],
	// Attachments live in the message row itself.
	messages: [],
	appointments: [{ table: resources, key: resources.id, parent: schema.appointments.resourceId }],
	quotes: [
		{ table: quoteItems, key: quoteItems.quoteId, parent: schema.quotes.id },
		{ table: quotePhotos, key: quotePhotos.quoteId, parent: schema.quotes.id }
	]
};

/**
 * Turns stored rows into wire documents for one principal: rows the view shows in full (with
 * their children embedded), every other row as a content-free tombstone. Children are loaded
 * in one query per kind for the whole batch.
 */
export function serializeRows<C extends CollectionName>(db: Db, collection: C, view: View<C>, rows: CollectionRows[C][]): SyncDoc<C>[] {
	const shown = rows.filter((r) => view.shows(r));
	const docs = shown.length === 0 ? [] : (SERIALIZERS[collection] as Serializer<C>)(db, shown);
	const byId = new Map(docs.map((d) => [d.id, d]));
	return rows.map((r) => {
		const doc = byId.get(r.id);
		return doc ? ({ ...doc, _deleted: false } as SyncDoc<C>) : tombstoneOf(collection, r.id, r.updatedAt);
	});
}

/**
 * Bump when documents change shape through code the fingerprint below does not cover (a helper a
 * serializer calls, the order children are read in), so stored documents are rebuilt.
 */
const DOC_FORMAT = 1;

/**
 * A hash of the code that shapes documents (the serializers, `serializeRows`, the tombstones):
 * documents stored by another version of it are rebuilt (server/sync/materialize.ts).
 */
export function serializerFingerprint(): string {
	const hash = createHash('sha256').update(String(DOC_FORMAT));
	for (const c of COLLECTIONS) hash.update(c).update(String(SERIALIZERS[c])).update(JSON.stringify(tombstoneOf(c, '', 0)));
	return hash.update(String(serializeRows)).update(String(byKey)).digest('hex');
}
