import { createHash, randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { quoteItems, quotePhotos, quotes } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { WriteContext } from '../sync/writer.ts';
import { lineAmount } from '../staff/invoice-service.ts';
import { getBusiness } from '../branding/service.ts';
import { quoteContentText } from '../../shared/quotes.ts';
import { MAX_MINOR } from '../../shared/schemas/common.ts';
import type { QuoteItemInput } from '../../shared/protocol/quotes.ts';
import { localDateOf } from '../../shared/time.ts';

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
	checkQuoteItems(input.items);
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

/** Most photos one quote carries (the wire schema's limit). */
export const QUOTE_PHOTOS_MAX = 50;

/** Statuses in which the office may still change what a quote says. */
const EDITABLE = new Set<QuoteRow['status']>(['draft', 'sent', 'changes_requested']);

/** Today on the business's calendar (its time zone), the day quotes expire by. */
export function businessToday(db: Db, now: number): string {
	return localDateOf(now, getBusiness(db, now).timeZone);
}

/**
 * Refuses lines that cannot make a quote, naming the field: two alternatives of one choice group
 * both chosen by default, or a quote whose lines add up past what money on the wire can carry.
 */
export function checkQuoteItems(items: readonly QuoteItemInput[], field = 'items'): void {
	const defaults = new Map<string, number>();
	let sum = 0;
	items.forEach((item, i) => {
		const amount = lineAmount(item.quantityMilli, item.unitAmount);
		if (Math.abs(amount) > MAX_MINOR) throw new AppError('VALIDATION', `${field}.${i}: the line's amount is too large`, { field: `${field}.${i}` });
		sum += Math.abs(amount);
		if (item.kind === 'choice' && item.selectedByDefault) {
			const group = item.group ?? '';
			if (defaults.has(group)) {
				throw new AppError('VALIDATION', `${field}.${i}.selectedByDefault: only one option of "${group}" can be chosen by default`, { field: `${field}.${i}.selectedByDefault` });
			}
			defaults.set(group, i);
		}
	});
	if (sum > MAX_MINOR) throw new AppError('VALIDATION', `${field}: the quote's lines add up to more than can be charged`, { field });
}

/** The stored lines of a quote, in order, as the office wrote them (for comparing with an incoming set). */
export function storedQuoteItems(db: Db, quoteId: string): QuoteItemInput[] {
	return db
		.select()
		.from(quoteItems)
		.where(eq(quoteItems.quoteId, quoteId))
		.orderBy(asc(quoteItems.position), asc(quoteItems.id))
		.all()
		.map((i) => ({
			kind: i.kind,
			group: i.groupName,
			description: i.description,
			quantityMilli: i.quantityMilli,
			unitAmount: i.unitAmount,
			selectedByDefault: i.selectedByDefault
		}));
}

function sameItems(a: readonly QuoteItemInput[], b: readonly QuoteItemInput[]): boolean {
	return (
		a.length === b.length &&
		a.every(
			(x, i) =>
				x.kind === b[i].kind &&
				(x.kind === 'choice' ? x.group : null) === (b[i].kind === 'choice' ? b[i].group : null) &&
				x.description === b[i].description &&
				x.quantityMilli === b[i].quantityMilli &&
				x.unitAmount === b[i].unitAmount &&
				x.selectedByDefault === b[i].selectedByDefault
		)
	);
}

/**
 * After a quote's content changed in this transaction: a draft (never seen by the customer) just
 * gets its new hash; a quote the customer has gets the next revision, so an approval made against
 * the old one is refused. Returns whether anything changed.
 */
export function contentChanged(w: WriteContext, id: string): boolean {
	const row = quoteRow(w.db, id);
	if (!row) throw new AppError('NOT_FOUND', 'There is no such quote.');
	if (row.status !== 'draft') return reviseQuote(w, id);
	const hash = storedContentHash(w.db, row);
	if (hash === row.contentHash) return false;
	w.db.update(quotes)
		.set({ contentHash: hash, seq: w.touch('quotes', row.customerId, id), updatedAt: w.version(row.updatedAt) })
		.where(eq(quotes.id, id))
		.run();
	return true;
}

/** Refuses changes to a quote the customer already answered for good (or the office withdrew). */
export function requireEditable(row: QuoteRow): void {
	if (!EDITABLE.has(row.status)) {
		throw new AppError('CONFLICT', `Quote ${row.number} is ${row.status.replace('_', ' ')}: it can no longer change.`, { details: { status: row.status } });
	}
}

/**
 * Applies an edit of what a quote says (any subset of its fields; `items` replaces every line).
 * An edit that says what the quote already says writes nothing and returns false; otherwise the
 * quote gets its new content, hash and (once sent) revision.
 */
export function updateQuoteContent(w: WriteContext, row: QuoteRow, patch: Partial<QuoteContent>): boolean {
	const next = {
		title: patch.title ?? row.title,
		notes: patch.notes === undefined ? row.notes : patch.notes,
		validUntil: patch.validUntil === undefined ? row.validUntil : patch.validUntil,
		taxRateBp: patch.taxRateBp ?? row.taxRateBp,
		depositRateBp: patch.depositRateBp ?? row.depositRateBp
	};
	const itemsChange = patch.items !== undefined && !sameItems(storedQuoteItems(w.db, row.id), patch.items);
	const fieldsChange = (Object.keys(next) as (keyof typeof next)[]).some((k) => next[k] !== row[k]);
	if (!itemsChange && !fieldsChange) return false;
	requireEditable(row);
	if (patch.items !== undefined) checkQuoteItems(patch.items);
	if (fieldsChange) w.db.update(quotes).set(next).where(eq(quotes.id, row.id)).run();
	if (itemsChange) replaceQuoteItems(w, row.id, patch.items!);
	return contentChanged(w, row.id);
}

/** A photo to add to a quote: bytes already in the file store. */
export interface NewQuotePhoto {
	fileSha256: string;
	mime: string;
	size: number;
	width: number | null;
	height: number | null;
	caption: string | null;
}

/** Adds a photo after the quote's others (a new revision once sent). Returns its id. */
export function addQuotePhoto(w: WriteContext, row: QuoteRow, photo: NewQuotePhoto): string {
	requireEditable(row);
	const existing = w.db.select({ position: quotePhotos.position }).from(quotePhotos).where(eq(quotePhotos.quoteId, row.id)).all();
	if (existing.length >= QUOTE_PHOTOS_MAX) throw new AppError('CONFLICT', `A quote can have at most ${QUOTE_PHOTOS_MAX} photos.`);
	const id = randomUUID();
	const position = existing.reduce((max, p) => Math.max(max, p.position + 1), 0);
	w.db.insert(quotePhotos)
		.values({ id, quoteId: row.id, position, ...photo, createdAt: w.now })
		.run();
	contentChanged(w, row.id);
	return id;
}

/** Removes a photo from a quote (a new revision once sent); false when the quote has no such photo. */
export function removeQuotePhoto(w: WriteContext, row: QuoteRow, photoId: string): boolean {
	const photo = w.db.select().from(quotePhotos).where(eq(quotePhotos.id, photoId)).get();
	if (!photo || photo.quoteId !== row.id) return false;
	requireEditable(row);
	w.db.delete(quotePhotos).where(eq(quotePhotos.id, photoId)).run();
	contentChanged(w, row.id);
	return true;
}

/**
 * Sends a draft, or sends again a quote the customer asked changes on: the customer's devices get
 * it at once. A quote whose last valid day has passed is not sent (it could not be approved).
 */
export function sendQuote(w: WriteContext, row: QuoteRow, today: string): void {
	if (row.status !== 'draft' && row.status !== 'changes_requested') {
		throw new AppError('CONFLICT', `Quote ${row.number} is ${row.status.replace('_', ' ')}: only drafts and quotes with changes asked for can be sent.`, { details: { status: row.status } });
	}
	if (row.validUntil !== null && row.validUntil < today) {
		throw new AppError('VALIDATION', `validUntil: the quote expired on ${row.validUntil}; set a later date before sending it`, { field: 'validUntil' });
	}
	w.db.update(quotes)
		.set({ status: 'sent', sentAt: w.now, seq: w.touch('quotes', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
		.where(eq(quotes.id, row.id))
		.run();
}

/** Withdraws a quote the customer has not approved or declined: it stays on their device, marked withdrawn. */
export function withdrawQuote(w: WriteContext, row: QuoteRow): boolean {
	if (row.status === 'withdrawn') return false;
	if (row.status === 'draft') throw new AppError('CONFLICT', `Quote ${row.number} is a draft the customer never saw: delete it instead.`, { details: { status: row.status } });
	if (row.status !== 'sent' && row.status !== 'changes_requested') {
		throw new AppError('CONFLICT', `Quote ${row.number} is ${row.status}: it can no longer be withdrawn.`, { details: { status: row.status } });
	}
	w.db.update(quotes)
		.set({ status: 'withdrawn', seq: w.touch('quotes', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
		.where(eq(quotes.id, row.id))
		.run();
	return true;
}
