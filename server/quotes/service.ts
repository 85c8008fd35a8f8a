import { createHash, randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { quoteItems, quotePhotos, quotes } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { WriteContext } from '../sync/writer.ts';
import { lineAmount } from '../staff/invoice-service.ts';
import { quoteContentText } from '../../shared/quotes.ts';
import { MAX_MINOR } from '../../shared/schemas/common.ts';
import type { QuoteItemInput } from '../../shared/protocol/quotes.ts';

/*
 * Quote writes shared by the console, the integration API and the seed. The server computes
 * every line amount and the content hash, so what a customer signs never depends on arithmetic
 * or hashing done elsewhere.
 */

/** A stored quote row. */
export type QuoteRow = typeof quotes.$inferSelect;

/** What the office writes of a quote. */
export interface QuoteContent {
	title: string;
	notes: string | null;
	validUntil: string | null;
	taxRateBp: number;
	depositRateBp: number;
	items: readonly QuoteItemInput[];
}

/** A new quote. */
export interface NewQuote extends QuoteContent {
	customerId: string;
	currency: string;
	externalId?: string | null;
	number?: string | null;
	status: 'draft' | 'sent';
}

/** The next free `Q-00001`-style number. */
export function nextQuoteNumber(db: Db): string {
	const row = db
		.select({ max: sql<number | null>`max(cast(substr(${quotes.number}, 3) as integer))` })
		.from(quotes)
		.where(sql`${quotes.number} glob 'Q-[0-9]*' and substr(${quotes.number}, 3) not glob '*[^0-9]*'`)
		.get();
	return `Q-${String((row?.max ?? 0) + 1).padStart(5, '0')}`;
}

/** Refuses a number another quote already has, naming the field. */
export function requireFreeQuoteNumber(db: Db, number: string, exceptId: string | null, field = 'number'): void {
	const other = db.select({ id: quotes.id }).from(quotes).where(eq(quotes.number, number)).get();
	if (other && other.id !== exceptId) throw new AppError('CONFLICT', `${field}: another quote already has the number ${number}`, { field });
}

/** Replaces every line of a quote with `items` (amounts computed here), in order. */
export function replaceQuoteItems(w: WriteContext, quoteId: string, items: readonly QuoteItemInput[], field = 'items'): void {
	const rows = items.map((item, i) => {
		const amount = lineAmount(item.quantityMilli, item.unitAmount);
		if (Math.abs(amount) > MAX_MINOR) throw new AppError('VALIDATION', `${field}.${i}: the line's amount is too large`, { field: `${field}.${i}` });
		return {
			id: randomUUID(),
			quoteId,
			position: i,
			kind: item.kind,
			groupName: item.kind === 'choice' ? item.group : null,
			description: item.description,
			quantityMilli: item.quantityMilli,
			unitAmount: item.unitAmount,
			amount,
			selectedByDefault: item.selectedByDefault
		};
	});
	w.db.delete(quoteItems).where(eq(quoteItems.quoteId, quoteId)).run();
	if (rows.length > 0) w.db.insert(quoteItems).values(rows).run();
}

/** The content hash of a quote as stored now (its row, lines and photos). */
export function storedContentHash(db: Db, row: QuoteRow): string {
	const items = db.select().from(quoteItems).where(eq(quoteItems.quoteId, row.id)).orderBy(asc(quoteItems.position), asc(quoteItems.id)).all();
	const photos = db.select().from(quotePhotos).where(eq(quotePhotos.quoteId, row.id)).orderBy(asc(quotePhotos.position), asc(quotePhotos.id)).all();
	const text = quoteContentText({
		id: row.id,
		number: row.number,
		title: row.title,
		currency: row.currency,
		taxRateBp: row.taxRateBp,
		depositRateBp: row.depositRateBp,
		notes: row.notes,
		validUntil: row.validUntil,
		items: items.map((i) => ({
			id: i.id,
			kind: i.kind,
			group: i.groupName,
			description: i.description,
			quantityMilli: i.quantityMilli,
			unitAmount: i.unitAmount,
			amount: i.amount,
			selectedByDefault: i.selectedByDefault
		})),
		photos: photos.map((p) => ({ id: p.id, caption: p.caption, mime: p.mime, size: p.size, width: p.width, height: p.height, fileSha256: p.fileSha256 }))
	});
	return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A quote row by id. */
export function quoteRow(db: Db, id: string): QuoteRow | undefined {
	return db.select().from(quotes).where(eq(quotes.id, id)).get();
}

/**
 * Recomputes a quote's content hash after its content changed in this transaction; when it
 * differs from the stored one the quote gets the next revision. Returns whether it changed.
 */
export function reviseQuote(w: WriteContext, id: string): boolean {
	const row = quoteRow(w.db, id);
	if (!row) throw new AppError('NOT_FOUND', 'No such quote.');
	const hash = storedContentHash(w.db, row);
	if (hash === row.contentHash) return false;
	w.db.update(quotes)
		.set({ contentHash: hash, revision: row.revision + 1, seq: w.touch('quotes', row.customerId, id), updatedAt: w.version(row.updatedAt) })
		.where(eq(quotes.id, id))
		.run();
	return true;
}

/** Inserts a quote (a draft, or sent at once) with its lines. Returns the id. */
export function insertQuote(w: WriteContext, input: NewQuote): string {
	const id = randomUUID();
	const number = input.number ?? nextQuoteNumber(w.db);
	requireFreeQuoteNumber(w.db, number, null);
	w.db.insert(quotes)
		.values({
			id,
			customerId: input.customerId,
			externalId: input.externalId ?? null,
			number,
			title: input.title,
			status: input.status,
			currency: input.currency,
			taxRateBp: input.taxRateBp,
			depositRateBp: input.depositRateBp,
			notes: input.notes,
			validUntil: input.validUntil,
			revision: 1,
			// Filled in below, once the lines exist.
			contentHash: '',
			sentAt: input.status === 'sent' ? w.now : null,
			seq: w.touch('quotes', input.customerId, id),
			deleted: false,
			createdAt: w.now,
			updatedAt: w.now
		})
		.run();
	replaceQuoteItems(w, id, input.items);
	const row = quoteRow(w.db, id)!;
	w.db.update(quotes).set({ contentHash: storedContentHash(w.db, row) }).where(eq(quotes.id, id)).run();
	return id;
}
