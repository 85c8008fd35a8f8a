import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ApiError, OfflineError } from '../../client/lib/api/http.ts';
import { answerErrorText, quoteDisplayStatus, quoteSections, refusalOf, selectionOf, validityText } from '../../client/lib/quotes/display.ts';
import { quoteHash, sha256Hex } from '../../client/lib/quotes/hash.ts';
import { defaultSelection, quoteContentText, selectionProblem } from '../../shared/quotes.ts';
import type { Quote, QuoteItem } from '../../shared/schemas/quote.ts';

/*
 * The quote screen's own logic: the hash it sends is the one the server's node:crypto computes
 * (non-ASCII text included), the state and validity it shows, the selection it builds from the
 * customer's picks (always one the server accepts, also after the quote changed under them), and
 * the sentence for each refusal.
 */

function item(id: string, kind: QuoteItem['kind'], extra: Partial<QuoteItem> = {}): QuoteItem {
	return { id, kind, group: kind === 'choice' ? 'Boiler' : null, description: `Line ${id}`, quantityMilli: 1000, unitAmount: 10_000, amount: 10_000, selectedByDefault: false, ...extra };
}

const QUOTE: Quote = {
	id: 'q-1',
	number: 'Q-00042',
	title: 'Chaudière — café “Le Nord” ½ day',
	status: 'sent',
	currency: 'USD',
	taxRateBp: 825,
	depositRateBp: 2500,
	notes: 'Ünïcödé notes: 水 and 🚿',
	validUntil: '2026-06-30',
	quoteRevision: 1,
	contentHash: '0'.repeat(64),
	items: [item('a', 'included'), item('b', 'optional', { selectedByDefault: true }), item('c', 'choice'), item('d', 'choice', { selectedByDefault: true })],
	photos: [{ id: 'p1', caption: 'Old unit', mime: 'image/jpeg', size: 10, width: 4, height: 3, fileSha256: 'a'.repeat(64) }],
	sentAt: 1,
	respondedAt: null,
	selection: [],
	approvedTotal: null,
	signerName: null,
	signedDocumentId: null,
	depositInvoiceId: null,
	responseNote: null,
	createdAt: 1,
	updatedAt: 1
};

test('the device hashes the quote exactly as the server does (UTF-8, hex), non-ASCII text included', async () => {
	const server = createHash('sha256').update(quoteContentText(QUOTE), 'utf8').digest('hex');
	expect(await quoteHash(QUOTE)).toBe(server);
	expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
	await fc.assert(
		fc.asyncProperty(fc.string({ unit: 'grapheme' }), async (text) => {
			expect(await sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
		}),
		{ numRuns: 200 }
	);
});

test('a sent quote is open through its last valid day and expired the day after; answered states show as they are', () => {
	expect(quoteDisplayStatus(QUOTE, '2026-06-30')).toBe('open');
	expect(quoteDisplayStatus(QUOTE, '2026-07-01')).toBe('expired');
	expect(quoteDisplayStatus({ ...QUOTE, validUntil: null }, '2099-01-01')).toBe('open');
	expect(quoteDisplayStatus({ ...QUOTE, status: 'approved' }, '2026-07-01')).toBe('approved');
	expect(validityText(QUOTE, '2026-06-30')).toBe('Valid until June 30, 2026');
	expect(validityText(QUOTE, '2026-07-01')).toBe('Expired on June 30, 2026');
	expect(validityText({ validUntil: null }, '2026-07-01')).toBeNull();
});

test('lines are laid out as included, optional extras and choice groups in quote order', () => {
	const s = quoteSections(QUOTE.items);
	expect(s.included.map((i) => i.id)).toEqual(['a']);
	expect(s.optional.map((i) => i.id)).toEqual(['b']);
	expect(s.groups).toEqual([{ name: 'Boiler', items: [QUOTE.items[2], QUOTE.items[3]] }]);
});

test('picks make the selection: defaults first, then what the customer ticked and chose', () => {
	const none = { optional: {}, groups: {} };
	expect(selectionOf(QUOTE.items, none).sort()).toEqual(defaultSelection(QUOTE.items).sort());
	expect(selectionOf(QUOTE.items, { optional: { b: false }, groups: { Boiler: 'c' } })).toEqual(['c']);
	// The office removed the chosen alternative and added an extra ticked by default: the group
	// falls back to its suggestion, the new extra starts ticked, the customer's "no" stays a no.
	const updated = [item('a', 'included'), item('b', 'optional', { selectedByDefault: true }), item('e', 'optional', { selectedByDefault: true }), item('d', 'choice', { selectedByDefault: true }), item('f', 'choice')];
	expect(selectionOf(updated, { optional: { b: false }, groups: { Boiler: 'c' } }).sort()).toEqual(['d', 'e']);
});

test('whatever the lines and picks, the selection is one the server accepts', () => {
	const kinds = fc.constantFrom<QuoteItem['kind']>('included', 'optional', 'choice');
	const lines = fc
		.array(fc.record({ kind: kinds, group: fc.constantFrom('A', 'B', 'C'), selectedByDefault: fc.boolean() }), { minLength: 1, maxLength: 12 })
		.map((rows) => rows.map((r, i) => item(`i${i}`, r.kind, { group: r.kind === 'choice' ? r.group : null, selectedByDefault: r.selectedByDefault })));
	fc.assert(
		fc.property(lines, fc.dictionary(fc.constantFrom(...Array.from({ length: 14 }, (_, i) => `i${i}`)), fc.boolean()), fc.dictionary(fc.constantFrom('A', 'B', 'C', 'D'), fc.constantFrom(...Array.from({ length: 14 }, (_, i) => `i${i}`))), (items, optional, groups) => {
			expect(selectionProblem(items, selectionOf(items, { optional, groups }))).toBeNull();
		}),
		{ numRuns: 500 }
	);
});

test('each refusal gets its own sentence; other failures read as the request’s error', () => {
	const refused = (reason: string, message = 'This quote is already approved.') => new ApiError(409, { code: 'CONFLICT', message, details: { reason } });
	expect(refusalOf(refused('changed'))).toBe('changed');
	expect(answerErrorText(refused('changed'), 'Brightwater')).toBe('Brightwater changed this quote after you opened it, so it was not signed. Review the changes, then sign again.');
	expect(answerErrorText(refused('expired'), 'Brightwater')).toMatch(/^This quote has expired/);
	expect(answerErrorText(refused('status'), 'Brightwater')).toBe('This quote can no longer be answered: This quote is already approved.');
	// A 409 of another kind, a validation error and no answer at all are not refusals.
	expect(refusalOf(refused('other'))).toBeNull();
	expect(refusalOf(new ApiError(400, { code: 'VALIDATION', message: 'signerName: must be your full name', field: 'signerName' }))).toBeNull();
	expect(answerErrorText(new OfflineError(), 'Brightwater')).toBe('You appear to be offline. Check your connection and try again.');
});
