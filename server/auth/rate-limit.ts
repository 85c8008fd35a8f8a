import type Database from 'better-sqlite3';
import { AppError } from '../http/errors.ts';
import { hashSecret } from './sessions.ts';

/** A limit: at most `max` hits per `windowMs`. */
export interface Limit {
	max: number;
	windowMs: number;
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/** The sign-in limits. Per-address counts cover unknown addresses too, so 429s reveal nothing. */
export const LIMITS = {
	startPerEmail: { max: 5, windowMs: FIFTEEN_MINUTES },
	startPerIp: { max: 30, windowMs: FIFTEEN_MINUTES },
	verifyPerIp: { max: 60, windowMs: FIFTEEN_MINUTES },
	// The link secret has 256 bits, so this only caps load, not guessing.
	redeemPerIp: { max: 100, windowMs: FIFTEEN_MINUTES }
} as const satisfies Record<string, Limit>;

/**
 * Fixed-window counters in the `rate_limits` table, so limits survive a restart. A fixed window
 * lets a burst of up to twice `max` straddle a boundary; for sign-in limits that is fine and keeps
 * each hit to one statement.
 */
export class RateLimiter {
	#hit;
	#sweep;
	#lastSweep = 0;

	constructor(sqlite: Database.Database) {
		this.#hit = sqlite.prepare<[string, number], { count: number }>(
			`INSERT INTO rate_limits (bucket, window_start, count) VALUES (?, ?, 1)
			 ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1
			 RETURNING count`
		);
		this.#sweep = sqlite.prepare<[number]>('DELETE FROM rate_limits WHERE window_start < ?');
	}

	/**
	 * Counts one hit against `bucket` and throws 429 RATE_LIMITED with Retry-After (seconds) when
	 * the window's limit is passed. Keys that are personal data (addresses) are hashed first.
	 */
	hit(bucket: string, limit: Limit, now: number): void {
		const windowStart = Math.floor(now / limit.windowMs) * limit.windowMs;
		const { count } = this.#hit.get(bucket, windowStart)!;
		this.#maybeSweep(now);
		if (count > limit.max) {
			const retryAfter = Math.max(1, Math.ceil((windowStart + limit.windowMs - now) / 1000));
			throw new AppError('RATE_LIMITED', `Too many tries. Please wait ${describeWait(retryAfter)} and try again.`, {
				headers: { 'Retry-After': String(retryAfter) },
				details: { retryAfterSeconds: retryAfter }
			});
		}
	}

	#maybeSweep(now: number) {
		if (now - this.#lastSweep < 60_000 && now >= this.#lastSweep) return;
		this.#lastSweep = now;
		// Every window used here is at most a day long.
		this.#sweep.run(now - 24 * 60 * 60 * 1000);
	}
}

/** A bucket key for a personal value (an address): its hash, never the value itself. */
export function bucketFor(kind: string, value: string): string {
	return `${kind}:${hashSecret(value)}`;
}

function describeWait(seconds: number): string {
	if (seconds < 60) return `${seconds} seconds`;
	const minutes = Math.ceil(seconds / 60);
	return minutes === 1 ? 'a minute' : `${minutes} minutes`;
}
