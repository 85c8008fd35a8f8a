/** Exponential backoff settings. */
export interface BackoffOptions {
	/** First delay, in ms. */
	baseMs: number;
	/** Largest delay, in ms. */
	maxMs: number;
}

/**
 * Delay before attempt `attempt` (0-based) of something that keeps failing: doubling from
 * `baseMs` up to `maxMs`, with "equal jitter" (half fixed, half random) so a thousand phones
 * coming back after an outage do not knock all at once, yet none retries immediately.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
	const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
	return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
