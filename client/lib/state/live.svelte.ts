import type { Observable } from 'rxjs';
import { createSubscriber } from 'svelte/reactivity';
import { paced } from './pace';
import { reuseUnchanged } from './reuse';

/** An RxDB query's `$`, an engine's `state$`: anything observable (a type import: no RxJS here). */
export type Subscribable<T> = Pick<Observable<T>, 'subscribe'>;

/**
 * An observable as a value the UI reads: `live.current` is the latest emission (emissions in
 * quick succession are paced: see `paced`). It subscribes while something on screen reads it and
 * unsubscribes when nothing does, so an RxDB query runs only while its screen is open. This is
 * the one bridge from RxDB to the UI — no `$effect` copies data into state.
 */
export class Live<T, R = T> {
	#value: R;
	#ready = false;
	#error: unknown = null;
	#subscribe: () => void;

	constructor(source: Subscribable<T>, initial: R, map: (value: T) => R = (v) => v as unknown as R) {
		this.#value = initial;
		this.#subscribe = createSubscriber((update) => {
			// A sync writing page after page makes a query emit again and again: each emission
			// is mapped and rendered only when the previous one's work is well behind us, and
			// rows that did not change keep their objects, so a keyed list redraws only new rows.
			const pace = paced<T>((value) => {
				this.#value = reuseUnchanged(this.#value, map(value));
				this.#ready = true;
				update();
			});
			const sub = source.subscribe({
				next: (value) => pace.push(value),
				error: (err) => {
					this.#error = err;
					update();
				}
			});
			return () => {
				pace.stop();
				sub.unsubscribe();
			};
		});
	}

	/** The latest value (the initial one until the first emission). */
	get current(): R {
		this.#subscribe();
		return this.#value;
	}

	/** True once the source has emitted. */
	get ready(): boolean {
		this.#subscribe();
		return this.#ready;
	}

	/** The source's error, if it failed. */
	get error(): unknown {
		this.#subscribe();
		return this.#error;
	}
}

/**
 * `live(db.messages.find().$, [], (docs) => docs.map((d) => d.toJSON()))`: create it in a
 * `$derived` (so a new database gives a new subscription) and read `.current` in the markup.
 */
export function live<T, R = T>(source: Subscribable<T>, initial: R, map?: (value: T) => R): Live<T, R> {
	return new Live(source, initial, map);
}
