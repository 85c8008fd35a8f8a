import { z } from 'zod';

/** Largest instant the wire carries (ms since the epoch; the ECMAScript Date limit). */
export const MAX_INSTANT = 8_640_000_000_000_000;

/** Largest money amount in minor units the wire carries (well inside the safe-integer range). */
export const MAX_MINOR = 1_000_000_000_000;

/** The id of a replicated document: short, URL-safe, usable as an RxDB primary key. */
export const docIdSchema = z
	.string()
	.min(1, 'must not be empty')
	.max(64, 'must be at most 64 characters')
	.regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits and _ . : -');

/** An instant: integer milliseconds since the epoch, UTC. */
export const instantSchema = z.number().int().min(0).max(MAX_INSTANT);

/** A calendar date in the business's time zone, `YYYY-MM-DD`. */
export const localDateSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date like 2026-05-12');

/** An ISO 4217 currency code, upper case. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be a currency code like USD');

/** A money amount in integer minor units (cents), possibly negative (credits, refunds). */
export const minorSchema = z.number().int().min(-MAX_MINOR).max(MAX_MINOR);

/** A non-negative money amount in integer minor units. */
export const nonNegativeMinorSchema = z.number().int().min(0).max(MAX_MINOR);

/** Free text of at most `max` characters. */
export function textSchema(max: number) {
	return z.string().max(max, `must be at most ${max} characters`);
}

/** An email address as people type it: something@something, no spaces. */
export const emailSchema = z.string().max(320, 'must be at most 320 characters').regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
