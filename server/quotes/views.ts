import { and, eq, inArray } from 'drizzle-orm';
import type { StaffQuote } from '../../shared/protocol/quotes.ts';
import type { Quote } from '../../shared/schemas/quote.ts';
import type { Principal } from '../auth/types.ts';
import type { Db } from '../db/client.ts';
import { customers, quoteSignatures, quotes } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { rowById } from '../sync/rows.ts';
import { serializeRows } from '../sync/serialize.ts';
import { visibility, type View } from '../sync/visibility.ts';
import type { QuoteRow } from './service.ts';

/*
 * Quotes as each side reads them: customers get exactly the document their devices replicate
 * (one serializer, in server/sync/serialize.ts); staff get it with drafts, the customer and the
 * signature's audit record beside it.
 */

/** Every live quote, drafts included: what staff see. */
const STAFF_VIEW: View<'quotes'> = { scope: undefined, shows: (r) => !r.deleted, hears: () => true };

function withoutDeleted<T extends { _deleted: boolean }>(doc: T): Omit<T, '_deleted'> {
	const { _deleted, ...rest } = doc;
	void _deleted;
	return rest;
}

/** The answer every quote a principal may not see gets, whether it exists or not. */
export function noSuchQuote(): AppError {
	return new AppError('NOT_FOUND', 'There is no such quote.');
}

/**
 * The quote with this id if the principal may see it (the sync visibility rule: a customer's own
 * quotes that are not drafts; staff, every live one), else the same 404 a missing id gets.
 */
export function visibleQuote(db: Db, principal: Principal, id: string): QuoteRow {
	const view = visibility.quotes(principal);
	const row = rowById(db, 'quotes', id, view.scope);
	if (!row || !view.shows(row)) throw noSuchQuote();
	return row;
}

/** A quote as the customer's devices have it. */
export function customerQuote(db: Db, principal: Principal, row: QuoteRow): Quote {
	const [doc] = serializeRows(db, 'quotes', visibility.quotes(principal), [row]);
	if (doc._deleted) throw noSuchQuote();
	return withoutDeleted(doc) as Quote;
}

/** Quotes, staff view, in the order given. */
export function staffQuotes(db: Db, rows: QuoteRow[]): StaffQuote[] {
	if (rows.length === 0) return [];
	const ids = rows.map((r) => r.id);
	const byId = new Map(rows.map((r) => [r.id, r]));
	const names = new Map(
		db
			.select({ id: customers.id, name: customers.name })
			.from(customers)
			.where(inArray(customers.id, [...new Set(rows.map((r) => r.customerId))]))
			.all()
			.map((c) => [c.id, c.name] as const)
	);
	const signatures = new Map(
		db
			.select()
			.from(quoteSignatures)
			.where(inArray(quoteSignatures.quoteId, ids))
			.all()
			.map((s) => [s.quoteId, s] as const)
	);
	return serializeRows(db, 'quotes', STAFF_VIEW, rows).map((d) => {
		const doc = withoutDeleted(d) as Quote;
		const r = byId.get(doc.id)!;
		const s = signatures.get(doc.id);
		return {
			...doc,
			status: r.status,
			customerId: r.customerId,
			customerName: names.get(r.customerId) ?? '',
			externalId: r.externalId,
			signature: s ? { signerName: s.signerName, signerEmail: s.signerEmail, signedAt: s.signedAt, ip: s.ip, userAgent: s.userAgent, contentHash: s.contentHash } : null
		};
	});
}

/** A live quote (drafts included), or 404. */
export function requireQuote(db: Db, id: string): QuoteRow {
	const row = db
		.select()
		.from(quotes)
		.where(and(eq(quotes.id, id), eq(quotes.deleted, false)))
		.get();
	if (!row) throw noSuchQuote();
	return row;
}

/** One quote, staff view. */
export function staffQuote(db: Db, id: string): StaffQuote {
	return staffQuotes(db, [requireQuote(db, id)])[0];
}
