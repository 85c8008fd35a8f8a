import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { CustomerRecord, PortalUser, StaffAppointment, StaffCustomer, StaffDocument, StaffInvoice } from '../../shared/protocol/staff.ts';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import type { DocTypes } from '../../shared/schemas/index.ts';
import type { Db } from '../db/client.ts';
import { appointments, customers, documents, invoices, messageThreads, portalUsers } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { serializeRows } from '../sync/serialize.ts';
import type { CollectionRows, View } from '../sync/visibility.ts';

/*
 * Rows as the console sees them: the same wire documents customers' devices get (one serializer
 * per collection, in server/sync/serialize.ts), plus the office-only fields beside them.
 */

/** Every live row, drafts included: what staff may see. */
function staffView<C extends CollectionName>(): View<C> {
	return { scope: undefined, shows: (r) => !r.deleted, hears: () => true };
}

function docs<C extends CollectionName>(db: Db, collection: C, rows: CollectionRows[C][]): DocTypes[C][] {
	return serializeRows(db, collection, staffView<C>(), rows).map((d) => {
		const { _deleted, ...doc } = d as DocTypes[C] & { _deleted: boolean };
		void _deleted;
		return doc as unknown as DocTypes[C];
	});
}

/** A stored customer row. */
export type CustomerRow = CollectionRows['profile'];
/** A stored invoice row. */
export type InvoiceRow = CollectionRows['invoices'];
/** A stored document row. */
export type DocumentRow = CollectionRows['documents'];
/** A stored appointment row. */
export type AppointmentRow = CollectionRows['appointments'];

/** Customers, staff view. */
export function staffCustomers(db: Db, rows: CustomerRow[]): StaffCustomer[] {
	const byId = new Map(rows.map((r) => [r.id, r]));
	return docs(db, 'profile', rows).map((d) => {
		const r = byId.get(d.id)!;
		return { ...d, externalId: r.externalId, notes: r.notes, createdAt: r.createdAt };
	});
}

/** Invoices, staff view (with the customer's name, for lists). */
export function staffInvoices(db: Db, rows: InvoiceRow[]): StaffInvoice[] {
	if (rows.length === 0) return [];
	const byId = new Map(rows.map((r) => [r.id, r]));
	const names = new Map(
		db
			.select({ id: customers.id, name: customers.name })
			.from(customers)
			.where(inArray(customers.id, [...new Set(rows.map((r) => r.customerId))]))
			.all()
			.map((c) => [c.id, c.name] as const)
	);
	return docs(db, 'invoices', rows).map((d) => {
		const r = byId.get(d.id)!;
		return { ...d, status: r.status, customerId: r.customerId, customerName: names.get(r.customerId) ?? '', externalId: r.externalId, createdAt: r.createdAt };
	});
}

/** Documents, staff view. */
export function staffDocuments(db: Db, rows: DocumentRow[]): StaffDocument[] {
	const byId = new Map(rows.map((r) => [r.id, r]));
	return docs(db, 'documents', rows).map((d) => {
		const r = byId.get(d.id)!;
		return { ...d, customerId: r.customerId, externalId: r.externalId };
	});
}

/** Appointments, staff view. */
export function staffAppointments(db: Db, rows: AppointmentRow[]): StaffAppointment[] {
	const byId = new Map(rows.map((r) => [r.id, r]));
	return docs(db, 'appointments', rows).map((d) => {
		const r = byId.get(d.id)!;
		return { ...d, customerId: r.customerId, externalId: r.externalId, source: r.source };
	});
}

/** Portal users of a customer as the console lists them. */
export function portalUserOf(row: typeof portalUsers.$inferSelect): PortalUser {
	return { id: row.id, email: row.email, name: row.name, disabled: row.disabled, lastSignInAt: row.lastSignInAt, createdAt: row.createdAt };
}

/** A live (not deleted) customer, or 404. */
export function requireCustomer(db: Db, id: string): CustomerRow {
	const row = db
		.select()
		.from(customers)
		.where(and(eq(customers.id, id), eq(customers.deleted, false)))
		.get();
	if (!row) throw new AppError('NOT_FOUND', 'There is no such customer.');
	return row;
}

/** Most rows of each kind a record carries; older ones are reached through the lists. */
const RECORD_ROWS = 200;

/** A customer with portal access, invoices, appointments and documents, newest first. */
export function customerRecord(db: Db, customerId: string): CustomerRecord {
	const row = requireCustomer(db, customerId);
	const invoiceRows = db
		.select()
		.from(invoices)
		.where(and(eq(invoices.customerId, customerId), eq(invoices.deleted, false)))
		.orderBy(desc(invoices.createdAt), desc(invoices.seq))
		.limit(RECORD_ROWS)
		.all();
	const appointmentRows = db
		.select()
		.from(appointments)
		.where(and(eq(appointments.customerId, customerId), eq(appointments.deleted, false)))
		.orderBy(desc(appointments.createdAt), desc(appointments.seq))
		.limit(RECORD_ROWS)
		.all();
	const documentRows = db
		.select()
		.from(documents)
		.where(and(eq(documents.customerId, customerId), eq(documents.deleted, false)))
		.orderBy(desc(documents.createdAt), desc(documents.seq))
		.limit(RECORD_ROWS)
		.all();
	const users = db.select().from(portalUsers).where(eq(portalUsers.customerId, customerId)).orderBy(asc(portalUsers.createdAt), asc(portalUsers.email)).all();
	const thread = db.select({ id: messageThreads.id }).from(messageThreads).where(eq(messageThreads.customerId, customerId)).get();
	return {
		customer: staffCustomers(db, [row])[0],
		portalUsers: users.map(portalUserOf),
		invoices: staffInvoices(db, invoiceRows),
		appointments: staffAppointments(db, appointmentRows),
		documents: staffDocuments(db, documentRows),
		threadId: thread?.id ?? null
	};
}
