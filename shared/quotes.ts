import { sumMinor, taxOf } from './money.ts';
import type { Quote, QuoteItem } from './schemas/quote.ts';

/*
 * Quote arithmetic and identity, shared so that the total a customer sees on the device is the
 * total the server charges and prints, and the hash the device shows is the hash the server signs.
 */

/** The part of a quote that says what is offered: everything a signature vouches for. */
export type QuoteContentSource = Pick<Quote, 'id' | 'number' | 'title' | 'currency' | 'taxRateBp' | 'depositRateBp' | 'notes' | 'validUntil' | 'items' | 'photos'>;

/**
 * The quote's content as canonical JSON: fixed key order, no state (status, dates of response),
 * so it changes exactly when what is offered changes. Its SHA-256 (hex, of the UTF-8 bytes) is the
 * quote's `contentHash`: the server's node:crypto and the device's Web Crypto compute the same.
 */
export function quoteContentText(q: QuoteContentSource): string {
	return JSON.stringify({
		id: q.id,
		number: q.number,
		title: q.title,
		currency: q.currency,
		taxRateBp: q.taxRateBp,
		depositRateBp: q.depositRateBp,
		notes: q.notes,
		validUntil: q.validUntil,
		items: q.items.map((i) => ({
			id: i.id,
			kind: i.kind,
			group: i.group,
			description: i.description,
			quantityMilli: i.quantityMilli,
			unitAmount: i.unitAmount,
			amount: i.amount,
			selectedByDefault: i.selectedByDefault
		})),
		photos: q.photos.map((p) => ({ id: p.id, caption: p.caption, fileSha256: p.fileSha256 }))
	});
}

/** The lines of each choice group, in quote order, keyed by group name. */
export function choiceGroups(items: readonly QuoteItem[]): Map<string, QuoteItem[]> {
	const groups = new Map<string, QuoteItem[]>();
	for (const item of items) {
		if (item.kind !== 'choice') continue;
		const name = item.group ?? '';
		const list = groups.get(name);
		if (list) list.push(item);
		else groups.set(name, [item]);
	}
	return groups;
}

/** What a customer starts from: optional lines marked so, and each group's marked (or first) alternative. */
export function defaultSelection(items: readonly QuoteItem[]): string[] {
	const chosen = items.filter((i) => i.kind === 'optional' && i.selectedByDefault).map((i) => i.id);
	for (const alternatives of choiceGroups(items).values()) {
		chosen.push((alternatives.find((i) => i.selectedByDefault) ?? alternatives[0]).id);
	}
	return chosen;
}

/**
 * Why a selection cannot be approved, or null when it can: every id must be an optional or choice
 * line of this quote, named once, and each choice group must have exactly one alternative.
 */
export function selectionProblem(items: readonly QuoteItem[], selection: readonly string[]): string | null {
	const byId = new Map(items.map((i) => [i.id, i]));
	const seen = new Set<string>();
	for (const id of selection) {
		const item = byId.get(id);
		if (!item) return `"${id}" is not a line of this quote`;
		if (item.kind === 'included') return `"${item.description}" is always included and cannot be chosen`;
		if (seen.has(id)) return `"${item.description}" is chosen twice`;
		seen.add(id);
	}
	for (const [group, alternatives] of choiceGroups(items)) {
		const picked = alternatives.filter((i) => seen.has(i.id)).length;
		if (picked !== 1) return `choose exactly one option for "${group}"`;
	}
	return null;
}

/** The lines that count for a selection: included ones plus the chosen ones, in quote order. */
export function chosenItems(items: readonly QuoteItem[], selection: readonly string[]): QuoteItem[] {
	const chosen = new Set(selection);
	return items.filter((i) => i.kind === 'included' || chosen.has(i.id));
}

/** Totals of a quote for a selection. */
export interface QuoteTotals {
	subtotal: number;
	tax: number;
	total: number;
	/** The deposit asked at approval (0 when none), rounded like tax. */
	deposit: number;
}

/** Subtotal, tax, total and deposit of the chosen lines. */
export function quoteTotals(q: Pick<Quote, 'items' | 'taxRateBp' | 'depositRateBp'>, selection: readonly string[]): QuoteTotals {
	const subtotal = sumMinor(chosenItems(q.items, selection).map((i) => i.amount));
	const tax = taxOf(subtotal, q.taxRateBp);
	const total = subtotal + tax;
	return { subtotal, tax, total, deposit: q.depositRateBp > 0 ? taxOf(Math.max(0, total), q.depositRateBp) : 0 };
}

/** True when a quote valid until `validUntil` can no longer be approved on `today` (both business-local dates). */
export function isQuoteExpired(validUntil: string | null, today: string): boolean {
	return validUntil !== null && today > validUntil;
}

/** Where a quote photo's bytes are served (same visibility as the quote). */
export function quotePhotoUrl(quoteId: string, photoId: string): string {
	return `/api/quotes/${encodeURIComponent(quoteId)}/photos/${encodeURIComponent(photoId)}`;
}
