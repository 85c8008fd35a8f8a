import type { CollectionName } from '../../shared/protocol/collections.ts';

/** One committed change to a replicated row. */
export interface Change {
	collection: CollectionName;
	/** The customer whose devices may see the row. */
	customerId: string;
	id: string;
	seq: number;
}

type Listener = (changes: readonly Change[]) => void;

/**
 * Fan-out of committed changes inside the process. The stream endpoint listens here; a
 * multi-process deployment would feed it from PostgreSQL LISTEN/NOTIFY instead.
 */
export class ChangeFeed {
	#listeners = new Set<Listener>();

	subscribe(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	publish(changes: readonly Change[]): void {
		if (changes.length === 0) return;
		for (const l of this.#listeners) {
			try {
				l(changes);
			} catch {
				// A broken listener must not stop the others or the writer.
			}
		}
	}

	get size(): number {
		return this.#listeners.size;
	}
}
