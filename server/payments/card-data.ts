import { AppError } from '../http/errors.ts';

/*
 * PCI SAQ A: card data never reaches our server. Card fields live in Stripe's iframe; our pay
 * routes take Stripe ids and amounts only. Anything that looks like card data is refused before
 * validation, by field name, without echoing (or logging) the value.
 */

/** Field names that only card data has. */
const CARD_FIELD = /^(card[_-]?(number|num|no)|cc[_-]?(number|num)|pan|primary[_-]?account[_-]?number|cvc2?|cvv2?|csc|security[_-]?code|exp(iry|iration)?[_-]?(month|year|date)?|track[12]?)$/i;

/** True when the digits pass the Luhn check every card number passes. */
function luhn(digits: string): boolean {
	let sum = 0;
	for (let i = 0; i < digits.length; i++) {
		let d = digits.charCodeAt(digits.length - 1 - i) - 48;
		if (i % 2 === 1) {
			d *= 2;
			if (d > 9) d -= 9;
		}
		sum += d;
	}
	return sum % 10 === 0;
}

/**
 * True for text holding 13–19 digits (spaces and dashes allowed between) that start like a card
 * network's numbers (2–6) and pass Luhn. The first digit keeps millisecond timestamps (1…) and
 * most other long numbers from being mistaken for cards.
 */
export function looksLikeCardNumber(value: string | number): boolean {
	const text = typeof value === 'number' ? (Number.isFinite(value) ? BigInt(Math.trunc(value)).toString() : '') : value;
	for (const m of text.matchAll(/(?<!\d)[2-6](?:[ -]?\d){12,18}(?!\d)/g)) {
		const digits = m[0].replace(/[ -]/g, '');
		if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return true;
	}
	return false;
}

/** The path of the first field carrying card data, or null. */
export function findCardData(value: unknown, path = '', depth = 0): string | null {
	if (depth > 8 || value === null || value === undefined) return null;
	if (typeof value === 'string' || typeof value === 'number') return looksLikeCardNumber(value) ? path || 'body' : null;
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length && i < 1000; i++) {
			const hit = findCardData(value[i], path ? `${path}.${i}` : String(i), depth + 1);
			if (hit) return hit;
		}
		return null;
	}
	if (typeof value === 'object') {
		for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
			const p = path ? `${path}.${k}` : k;
			if (CARD_FIELD.test(k)) return p;
			const hit = findCardData(v, p, depth + 1);
			if (hit) return hit;
		}
	}
	return null;
}

/** Refuses a request that carries card data, naming the field (never the value). */
export function refuseCardData(body: unknown, query: unknown): void {
	const field = findCardData(body) ?? findCardData(query);
	if (field) {
		throw new AppError('VALIDATION', `${field}: card details must never be sent to this server; they are entered in the secure payment form only.`, { field });
	}
}
