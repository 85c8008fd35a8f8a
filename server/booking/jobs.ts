import { and, asc, eq, inArray, isNull, lte } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/client.ts';
import { scheduledJobs } from '../db/schema.ts';

/** A stored job. */
export type JobRow = typeof scheduledJobs.$inferSelect;

/** Runs one job. Throwing schedules a retry with backoff. */
export type JobHandler = (job: JobRow) => void | Promise<void>;

/** After this many failures a job is given up (kept, with its last error, for the owner to see). */
export const MAX_JOB_ATTEMPTS = 8;

/** Wait before the n-th retry: 30 s, 1 min, 2 min … capped at an hour. */
export function retryDelayMs(attempts: number): number {
	return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

interface RunnerOptions {
	db: Db;
	clock: () => number;
	log: FastifyBaseLogger;
	/** How often due jobs are looked for. */
	intervalMs: number;
	/** Work done before each pass (planning jobs, sweeping). */
	beforeEach?: () => void;
}

/**
 * The in-process scheduler for `scheduled_jobs`: jobs are rows, so they survive restarts; a
 * pass runs every job whose `run_at` has come, in order, one at a time. It only touches the kinds
 * it has handlers for, so other capabilities can keep their own jobs in the same table.
 */
export class JobRunner {
	#handlers = new Map<string, JobHandler>();
	#timer: NodeJS.Timeout | null = null;
	#running: Promise<number> | null = null;
	#again = false;
	#stopped = false;

	constructor(private readonly options: RunnerOptions) {}

	/** Registers the handler for one job kind. */
	handle(kind: string, handler: JobHandler): void {
		this.#handlers.set(kind, handler);
	}

	/** Adds a job (or leaves an existing one with the same id alone). */
	enqueue(job: { id: string; kind: string; runAt: number; payload?: unknown }): void {
		this.options.db
			.insert(scheduledJobs)
			.values({ id: job.id, kind: job.kind, runAt: job.runAt, payload: job.payload ?? null })
			.onConflictDoNothing()
			.run();
	}

	/** Starts the timer. */
	start(): void {
		if (this.#timer || this.#stopped) return;
		this.#timer = setInterval(() => void this.runDue(), this.options.intervalMs);
		this.#timer.unref();
	}

	/** Asks for a pass soon (after the current one, if one is running). */
	kick(): void {
		if (this.#stopped) return;
		setImmediate(() => void this.runDue());
	}

	/**
	 * Runs every due job once, one at a time; resolves with how many ran. A call during a pass
	 * waits for it and then makes one more, so nothing enqueued meanwhile waits for the timer.
	 */
	runDue(): Promise<number> {
		if (this.#running) {
			this.#again = true;
			return this.#running;
		}
		const pass = (async () => {
			let total = 0;
			do {
				this.#again = false;
				total += await this.#pass();
			} while (this.#again && !this.#stopped);
			return total;
		})();
		this.#running = pass;
		const clear = () => {
			if (this.#running === pass) this.#running = null;
		};
		pass.then(clear, clear);
		return pass;
	}

	async #pass(): Promise<number> {
		if (this.#stopped) return 0;
		const { db, clock, log } = this.options;
		try {
			this.options.beforeEach?.();
		} catch (err) {
			log.error({ err }, 'scheduler planning failed');
		}
		const kinds = [...this.#handlers.keys()];
		if (kinds.length === 0) return 0;
		let ran = 0;
		for (;;) {
			if (this.#stopped) return ran;
			const now = clock();
			const due = db
				.select()
				.from(scheduledJobs)
				.where(and(isNull(scheduledJobs.doneAt), lte(scheduledJobs.runAt, now), inArray(scheduledJobs.kind, kinds)))
				.orderBy(asc(scheduledJobs.runAt), asc(scheduledJobs.id))
				.limit(50)
				.all();
			if (due.length === 0) return ran;
			for (const job of due) {
				if (this.#stopped) return ran;
				ran++;
				try {
					await this.#handlers.get(job.kind)!(job);
					db.update(scheduledJobs).set({ doneAt: clock(), lastError: null }).where(eq(scheduledJobs.id, job.id)).run();
				} catch (err) {
					const attempts = job.attempts + 1;
					const message = err instanceof Error ? err.message : String(err);
					log.warn({ err, jobId: job.id, kind: job.kind, attempts }, 'scheduled job failed');
					const later = clock() + retryDelayMs(attempts);
					db.update(scheduledJobs)
						.set(attempts >= MAX_JOB_ATTEMPTS ? { attempts, lastError: message, doneAt: clock() } : { attempts, lastError: message, runAt: later })
						.where(eq(scheduledJobs.id, job.id))
						.run();
				}
			}
		}
	}

	/** Stops the timer and waits for the pass in progress. */
	async stop(): Promise<void> {
		this.#stopped = true;
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		await this.#running?.catch(() => undefined);
	}
}
