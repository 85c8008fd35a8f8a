import { ApiError, describeError } from '../api/http.ts';
import { formatLocalDate } from '../../../shared/invoice-display.ts';
import { choiceGroups, defaultSelection, isQuoteExpired } from '../../../shared/quotes.ts';
import type { Quote, QuoteItem } from '../../../shared/schemas/quote.ts';
import type { LocalDate } from '../../../shared/time.ts';

// Relative imports, so unit tests in Node read this file as it is; type-only imports of the
// schemas, so the quote screens stay free of zod.

/** A quote's state as the customer reads it: `expired` is a sent quote past its last valid day. */
export type QuoteDisplayStatus = 'open' | 'expired' | 'approved' | 'declined' | 'changes_requested' | 'withdrawn';

/** The word for each state. */
export const QUOTE_STATUS_LABELS: Record<QuoteDisplayStatus, string> = {
	open: 'Awaiting your answer',
	expired: 'Expired',
	approved: 'Approved',
	declined: 'Declined',
	changes_requested: 'Changes asked for',
	withdrawn: 'Withdrawn'
};

/** The state to show on `today` (the business's calendar). */
export function quoteDisplayStatus(q: Pick<Quote, 'status' | 'validUntil'>, today: LocalDate): QuoteDisplayStatus {
	if (q.status !== 'sent') return q.status;
	return isQuoteExpired(q.validUntil, today) ? 'expired' : 'open';
}

/** "Valid until May 30, 2026", "Expired on May 30, 2026", or null when the quote has no limit. */
export function validityText(q: Pick<Quote, 'validUntil'>, today: LocalDate, style: 'medium' | 'long' = 'long'): string | null {
	if (!q.validUntil) return null;
	const date = formatLocalDate(q.validUntil, undefined, style);
	return isQuoteExpired(q.validUntil, today) ? `Expired on ${date}` : `Valid until ${date}`;
}

/** A quote's lines as the screen lays them out: always included, optional extras, then each choice. */
export interface QuoteSections {
	included: QuoteItem[];
	optional: QuoteItem[];
	groups: { name: string; items: QuoteItem[] }[];
}

/** Splits a quote's lines into what is always included, the optional extras and the choice groups. */
export function quoteSections(items: readonly QuoteItem[]): QuoteSections {
	return {
		included: items.filter((i) => i.kind === 'included'),
		optional: items.filter((i) => i.kind === 'optional'),
		groups: [...choiceGroups(items)].map(([name, list]) => ({ name, items: list }))
	};
}

/**
 * What the customer picked on screen: optional lines ticked or not, and the alternative of each
 * group by name. Kept apart from the quote so that an update while the screen is open keeps the
 * picks that still make sense and falls back to the office's defaults for the rest.
 */
export interface QuotePicks {
	optional: Record<string, boolean>;
	groups: Record<string, string>;
}

/** The selection (`approve`'s `selection`) the picks make on these lines. */
export function selectionOf(items: readonly QuoteItem[], picks: QuotePicks): string[] {
	const defaults = new Set(defaultSelection(items));
	const chosen: string[] = [];
	for (const item of items) {
		if (item.kind === 'optional' && (picks.optional[item.id] ?? defaults.has(item.id))) chosen.push(item.id);
	}
	for (const [name, alternatives] of choiceGroups(items)) {
		const picked = alternatives.find((i) => i.id === picks.groups[name]) ?? alternatives.find((i) => defaults.has(i.id)) ?? alternatives[0];
		chosen.push(picked.id);
	}
	return chosen;
}

/** The lines of a selection that the customer chose (optional and choice lines), in quote order. */
export function chosenExtras(items: readonly QuoteItem[], selection: readonly string[]): QuoteItem[] {
	const chosen = new Set(selection);
	return items.filter((i) => i.kind !== 'included' && chosen.has(i.id));
}

/** Why answering a quote was refused, as the 409's `details.reason` says. */
export type QuoteRefusalReason = 'changed' | 'expired' | 'status';

/** The refusal reason of an error, when it is one. */
export function refusalOf(err: unknown): QuoteRefusalReason | null {
	if (!(err instanceof ApiError) || err.status !== 409) return null;
	const reason = (err.details as { reason?: unknown } | undefined)?.reason;
	return reason === 'changed' || reason === 'expired' || reason === 'status' ? reason : null;
}

/** A sentence for a failed answer (approve, decline, ask for changes), refusals first. */
export function answerErrorText(err: unknown, business: string): string {
	switch (refusalOf(err)) {
		case 'changed':
			return `${business} changed this quote after you opened it, so it was not signed. Review the changes, then sign again.`;
		case 'expired':
			return 'This quote has expired and can no longer be approved. Ask us for an updated quote.';
		case 'status':
			return `This quote can no longer be answered: ${err instanceof ApiError ? err.message : 'it was already answered or withdrawn.'}`;
		default:
			return describeError(err);
	}
}
