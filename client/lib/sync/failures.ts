import { map, type Observable } from 'rxjs';
import type { CollectionName } from '../../../shared/protocol/collections.ts';
import type { PorchlightDatabase } from '../db/database.ts';

/**
 * A local write the server did not take.
 * - `rejected`: the push was refused (400/403) — e.g. a message the server will not accept.
 *   The document stays on the device as the user wrote it; the rest of the queue went on.
 * - `conflict`: someone else changed the same fields first; the other version was kept and the
 *   device's version is kept here, so it is not lost without the user knowing.
 */
export interface SyncFailure {
	collection: CollectionName;
	id: string;
	kind: 'rejected' | 'conflict';
	/** The server's error code (`VALIDATION`, `FORBIDDEN`) or `CONFLICT`. */
	code: string;
	/** A sentence to show. */
	message: string;
	/** The field the server blamed, or the fields that were lost in a conflict. */
	fields: string[];
	/** When it happened (device clock). */
	at: number;
	/** The device's version that did not make it (document content, no RxDB bookkeeping). */
	doc: Record<string, unknown>;
	/** The server version it was based on; null for a new document. */
	base: Record<string, unknown> | null;
}

interface FailureData {
	items: SyncFailure[];
	/** Documents the user discarded that the server never had: their local deletion is not pushed. */
	discarded: { collection: CollectionName; id: string }[];
}

const LOCAL_ID = 'sync-failures';
const EMPTY: FailureData = { items: [], discarded: [] };

const same = (a: { collection: string; id: string }, collection: string, id: string) => a.collection === collection && a.id === id;

/**
 * Failed writes, kept in a local document of the user's database (never replicated), so they
 * survive a restart and go away with the database at sign-out.
 */
export class FailureStore {
	readonly #db: PorchlightDatabase;
	#queue: Promise<unknown> = Promise.resolve();

	constructor(db: PorchlightDatabase) {
		this.#db = db;
	}

	/** Every failure, oldest first, live. */
	get items$(): Observable<SyncFailure[]> {
		return this.#db.getLocal$<FailureData>(LOCAL_ID).pipe(map((doc) => (doc ? ((doc.get('items') as SyncFailure[] | undefined) ?? []) : [])));
	}

	async #read(): Promise<FailureData> {
		const doc = await this.#db.getLocal<FailureData>(LOCAL_ID);
		if (!doc) return EMPTY;
		return { items: doc.get('items') ?? [], discarded: doc.get('discarded') ?? [] };
	}

	#update(fn: (data: FailureData) => FailureData): Promise<void> {
		const run = this.#queue.then(async () => {
			if (this.#db.closed) return;
			await this.#db.upsertLocal<FailureData>(LOCAL_ID, fn(await this.#read()));
		});
		this.#queue = run.catch(() => {});
		return run;
	}

	/** Every failure, oldest first. */
	async list(): Promise<SyncFailure[]> {
		await this.#queue;
		return (await this.#read()).items;
	}

	/** Records a failure (replacing an earlier one of the same document). */
	add(failure: SyncFailure): Promise<void> {
		return this.#update((d) => ({ ...d, items: [...d.items.filter((f) => !same(f, failure.collection, failure.id)), failure] }));
	}

	/** Forgets the failure of a document. */
	remove(collection: CollectionName, id: string): Promise<void> {
		return this.#update((d) => ({ ...d, items: d.items.filter((f) => !same(f, collection, id)) }));
	}

	/** Forgets the failure and remembers that the document's local deletion stays local. */
	discard(collection: CollectionName, id: string): Promise<void> {
		return this.#update((d) => ({
			items: d.items.filter((f) => !same(f, collection, id)),
			// Kept (not consumed when the deletion is skipped) so a replay after a crash is skipped too;
			// capped, as only recent discards can still be in flight.
			discarded: [...d.discarded.filter((x) => !same(x, collection, id)), { collection, id }].slice(-500)
		}));
	}

	/** Ids of `collection` whose local deletion is the end of a discarded, never-accepted document. */
	async discardedIds(collection: CollectionName): Promise<Set<string>> {
		await this.#queue;
		return new Set((await this.#read()).discarded.filter((x) => x.collection === collection).map((x) => x.id));
	}
}
