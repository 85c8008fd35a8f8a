import type { RxDocument } from 'rxdb';
import { createSubscriber } from 'svelte/reactivity';
import type { PorchlightDatabase } from '$lib/db/database';
import { threadQuery, windowStart } from '$lib/db/messages';
import { paced } from '$lib/state/pace';
import { reuseUnchanged } from '$lib/state/reuse';
import type { Message } from '$shared/schemas/message';

/** How many messages the screen holds at first, and how many more "Show earlier messages" adds. */
export const THREAD_PAGE = 100;

/**
 * The newest part of the conversation, live. The screen holds (and its query reads) a window of
 * recent messages rather than the whole thread, so a sync writing page after page of messages —
 * a new device filling up, thousands of them — costs the screen about the same for each page
 * however long the thread already is. While the customer is at the newest message the window
 * slides forward, keeping the last `THREAD_PAGE` (or as many as they asked to see); while they
 * read further up it only grows, so nothing moves under them. "Show earlier messages" widens it
 * by a page. Subscribes while something on screen reads it, like `live()`.
 */
export class ThreadFeed {
	#messages = $state.raw<Message[] | null>(null);
	#earlier = $state(false);
	#error = $state<unknown>(null);
	readonly #db: PorchlightDatabase;
	readonly #subscribe: () => void;
	/** The window: messages sent at or after this; null until known. */
	#since: number | null = null;
	/** How many the customer wants to see: a page, plus one per "Show earlier messages". */
	#wanted = THREAD_PAGE;
	#following = true;
	#stopWatching: (() => void) | null = null;
	/** Bumped on every (re)start, so a look-up that finishes late is dropped. */
	#run = 0;

	constructor(db: PorchlightDatabase) {
		this.#db = db;
		this.#subscribe = createSubscriber(() => {
			void this.#start();
			return () => {
				this.#run++;
				this.#stopWatching?.();
				this.#stopWatching = null;
			};
		});
	}

	/** The window's messages, oldest first; null until read. */
	get messages(): Message[] | null {
		this.#subscribe();
		return this.#messages;
	}

	/** The device holds older messages than the window shows. */
	get hasEarlier(): boolean {
		this.#subscribe();
		return this.#earlier;
	}

	/** The query's error, if it failed. */
	get error(): unknown {
		this.#subscribe();
		return this.#error;
	}

	/** Whether the customer is at the newest message (the window may slide forward then). */
	follow(atNewest: boolean): void {
		this.#following = atNewest;
	}

	/**
	 * Makes sure a message sent at `at` (or later) falls in the window: call before writing one.
	 * A device clock behind the office's could otherwise date it before the window's start.
	 */
	reveal(at: number): void {
		if (this.#since === null || at >= this.#since) return;
		this.#since = at;
		if (this.#stopWatching) this.#watch();
	}

	/** Widens the window by a page of older messages. */
	async showEarlier(): Promise<void> {
		if (this.#since === null || this.#since === 0) return;
		const run = this.#run;
		this.#wanted = (this.#messages?.length ?? 0) + THREAD_PAGE;
		const start = await windowStart(this.#db, THREAD_PAGE, this.#since);
		if (run !== this.#run) return;
		this.#since = start.since;
		this.#earlier = start.earlier;
		this.#watch();
	}

	async #start(): Promise<void> {
		const run = ++this.#run;
		try {
			if (this.#since === null) {
				const start = await windowStart(this.#db, this.#wanted);
				if (run !== this.#run) return;
				this.#since = start.since;
				this.#earlier = start.earlier;
			}
			this.#watch();
		} catch (err) {
			if (run === this.#run) this.#error = err;
		}
	}

	/** (Re)subscribes to the window's query; what is shown stays until the new query answers. */
	#watch(): void {
		this.#stopWatching?.();
		const since = this.#since ?? 0;
		// A sync writing page after page makes the query emit again and again: each emission is
		// drawn only when the previous one's work is well behind us (see `paced`).
		const pace = paced<RxDocument<Message>[]>((docs) => this.#show(docs.map((d) => d.toJSON() as Message)));
		const sub = threadQuery(this.#db, since).$.subscribe({
			next: (docs) => pace.push(docs),
			error: (err) => (this.#error = err)
		});
		this.#stopWatching = () => {
			pace.stop();
			sub.unsubscribe();
		};
	}

	#show(next: Message[]): void {
		// Following the newest message, the window keeps the last `#wanted`: once a page more has
		// come in, it moves up (the query reads from the new start on; older ones are "earlier").
		// Until something is shown the screen is at the newest message whatever the page's scroll.
		const following = this.#following || !this.#messages?.length;
		if (following && next.length >= this.#wanted + THREAD_PAGE) {
			const since = next[next.length - this.#wanted].sentAt;
			next = next.filter((m) => m.sentAt >= since);
			this.#since = since;
			this.#earlier = true;
			queueMicrotask(() => this.#stopWatching && this.#since === since && this.#watch());
		}
		// Rows that did not change keep their objects, so the keyed list redraws only new rows.
		this.#messages = reuseUnchanged(this.#messages, next);
	}
}
