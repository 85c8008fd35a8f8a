/** What `paced` needs from its environment (tests pass fakes). */
export interface PaceClock {
	now(): number;
	setTimeout(fn: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

/** How `paced` spaces out deliveries. */
export interface PaceOptions {
	/** Shortest gap between two deliveries (ms). */
	minGapMs?: number;
	/** Longest gap, however costly a delivery is (ms). */
	maxGapMs?: number;
	/** The gap after a delivery is this many times what the delivery cost. */
	costFactor?: number;
	clock?: PaceClock;
}

const defaultClock: PaceClock = {
	now: () => performance.now(),
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

/**
 * Hands values to `deliver`, at most one per gap: a value that comes after a quiet spell is
 * delivered at once; values that come while the last delivery's gap runs are held, and only the
 * newest is delivered when it ends. The gap grows with what a delivery costs — the time until
 * the task after it, which includes the render it causes — so a list of ten thousand rows
 * is redrawn a few times while a sync writes page after page, not once per page, while a single
 * change (a reply arriving) still shows at once. `stop()` drops a held value.
 */
export function paced<T>(deliver: (value: T) => void, options: PaceOptions = {}): { push(value: T): void; stop(): void } {
	const clock = options.clock ?? defaultClock;
	const minGap = options.minGapMs ?? 16;
	const maxGap = options.maxGapMs ?? 1_000;
	const factor = options.costFactor ?? 3;
	let quietUntil = -Infinity;
	let held: { value: T } | null = null;
	let timer: unknown = null;
	let stopped = false;

	const run = (value: T) => {
		const started = clock.now();
		// Until the delivery's cost is known, nothing else is delivered.
		quietUntil = Infinity;
		deliver(value);
		// The render the value causes runs in microtasks after this; the next task sees its end.
		clock.setTimeout(() => {
			const cost = clock.now() - started;
			quietUntil = clock.now() + Math.min(maxGap, Math.max(minGap, cost * factor));
			schedule();
		}, 0);
	};

	const schedule = () => {
		if (stopped || !held || timer !== null) return;
		const wait = quietUntil - clock.now();
		if (wait === Infinity) return;
		timer = clock.setTimeout(() => {
			timer = null;
			if (stopped || !held) return;
			const { value } = held;
			held = null;
			run(value);
		}, Math.max(0, wait));
	};

	return {
		push(value: T) {
			if (stopped) return;
			if (held === null && timer === null && clock.now() >= quietUntil) {
				run(value);
				return;
			}
			held = { value };
			schedule();
		},
		stop() {
			stopped = true;
			held = null;
			if (timer !== null) clock.clearTimeout(timer);
			timer = null;
		}
	};
}
