import { eq, type SQL } from 'drizzle-orm';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import type { Principal } from '../auth/types.ts';
import { appointments, customers, documents, invoices, messages, quotes } from '../db/schema.ts';
import type { Change } from './changes.ts';

/** The stored row behind each collection. */
export interface CollectionRows {
	profile: typeof customers.$inferSelect;
	invoices: typeof invoices.$inferSelect;
	documents: typeof documents.$inferSelect;
	messages: typeof messages.$inferSelect;
	appointments: typeof appointments.$inferSelect;
	quotes: typeof quotes.$inferSelect;
}

/** What one principal may see of one collection. */
export interface View<C extends CollectionName> {
	/**
	 * The rows this principal may know about, as a drizzle condition (undefined: all rows). For a
	 * customer that is every row of their own, including deleted and hidden ones, which reach the
	 * device as tombstones so that a row that stops being visible disappears from it.
	 */
	scope: SQL | undefined;
	/** Whether a row in scope is shown in full; otherwise it travels as a tombstone. */
	shows(row: CollectionRows[C]): boolean;
	/** Whether a committed change concerns this principal's devices. */
	hears(change: Change): boolean;
}

type Visibility = { [C in CollectionName]: (principal: Principal) => View<C> };

const everyone = (_change: Change) => true;

/**
 * Whether a customer's devices get a row of their own in full; otherwise it reaches them as a
 * tombstone. A function of the row alone: the writer stores each row's customer document
 * (server/sync/materialize.ts) on this rule, so a rule that ever depends on the principal or the
 * clock must stop that.
 */
export const customerShows: { [C in CollectionName]: (row: CollectionRows[C]) => boolean } = {
	profile: (r) => !r.deleted,
	// A draft is work in progress: it reaches the device only as a tombstone.
	invoices: (r) => !r.deleted && r.status !== 'draft',
	documents: (r) => !r.deleted,
	messages: (r) => !r.deleted,
	appointments: (r) => !r.deleted,
	// A draft is the office's work in progress, like a draft invoice.
	quotes: (r) => !r.deleted && r.status !== 'draft'
};

/**
 * The one place that decides who sees which replicated rows. Every pull, push, conflict reply,
 * stream notification and file download asks it. Customers see only their own customer's rows
 * and never draft invoices or draft quotes; staff see every row (their console, file downloads), though the
 * customer sync endpoints refuse staff sessions.
 */
export const visibility: Visibility = {
	profile: (p) =>
		p.kind === 'staff'
			? { scope: undefined, shows: (r) => !r.deleted, hears: everyone }
			: { scope: eq(customers.id, p.customerId), shows: customerShows.profile, hears: (c) => c.customerId === p.customerId },
	invoices: (p) =>
		p.kind === 'staff'
			? { scope: undefined, shows: (r) => !r.deleted, hears: everyone }
			: { scope: eq(invoices.customerId, p.customerId), shows: customerShows.invoices, hears: (c) => c.customerId === p.customerId },
	documents: (p) =>
		p.kind === 'staff'
			? { scope: undefined, shows: (r) => !r.deleted, hears: everyone }
			: { scope: eq(documents.customerId, p.customerId), shows: customerShows.documents, hears: (c) => c.customerId === p.customerId },
	messages: (p) =>
		p.kind === 'staff'
			? { scope: undefined, shows: (r) => !r.deleted, hears: everyone }
			: { scope: eq(messages.customerId, p.customerId), shows: customerShows.messages, hears: (c) => c.customerId === p.customerId },
	appointments: (p) =>
		p.kind === 'staff'
			? { scope: undefined, shows: (r) => !r.deleted, hears: everyone }
			: { scope: eq(appointments.customerId, p.customerId), shows: customerShows.appointments, hears: (c) => c.customerId === p.customerId },
	quotes: (p) =>
		p.kind === 'staff'
			? { scope: undefined, shows: (r) => !r.deleted, hears: everyone }
			: { scope: eq(quotes.customerId, p.customerId), shows: customerShows.quotes, hears: (c) => c.customerId === p.customerId }
};
