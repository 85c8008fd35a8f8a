import { eq, sql } from 'drizzle-orm';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import type { Db, OpenDatabase } from '../db/client.ts';
import * as schema from '../db/schema.ts';
import type { Change, ChangeFeed } from './changes.ts';
import { hasStaleDocs, installStoredDocs, materializeDocs, refreshStaleDocs } from './materialize.ts';
import { COLLECTION_TABLES } from './tables.ts';

export { COLLECTION_TABLES };

/** Cleared documents each write rebuilds per collection, besides the rows it touched. */
const STALE_PER_WRITE = 25;
/** Documents the start-up pass rebuilds per collection per batch: a few milliseconds of work. */
const BACKFILL_BATCH = 100;

/** The ids each collection's changes touched, each once. */
function touchedIds(changes: readonly Change[]): Map<CollectionName, string[]> {
	const sets = new Map<CollectionName, Set<string>>();
	for (const c of changes) {
		let ids = sets.get(c.collection);
		if (!ids) sets.set(c.collection, (ids = new Set()));
		ids.add(c.id);
	}
	return new Map([...sets].map(([c, ids]) => [c, [...ids]]));
}

/** What a write transaction may do beyond plain queries. */
export interface WriteContext {
	/** The drizzle handle bound to this transaction. */
	db: Db;
	/** The clock reading for this transaction (ms). */
	now: number;
	/**
	 * Takes the next server-wide seq for a replicated row and records the change so that,
	 * after commit, the devices that may see it are told. Use the returned value as the row's `seq`.
	 */
	touch(collection: CollectionName, customerId: string, id: string): number;
	/**
	 * Gives an existing replicated row a new seq (e.g. an invoice whose payment changed) and a new
	 * `updatedAt` (see `version`), so devices re-pull it and see that it changed.
	 */
	bump(collection: CollectionName, customerId: string, id: string): number;
	/**
	 * The `updatedAt` to write on a replicated row that had `previous`: `max(now, previous + 1)`.
	 * Devices use `updatedAt` as the row's version marker, so it must grow on every write even
	 * when the clock stands still or steps back.
	 */
	version(previous: number | null | undefined): number;
	/** Runs after the transaction commits (mail, webhooks); never inside it. */
	afterCommit(fn: () => void): void;
}

/**
 * The one write helper that every replicated write goes through — customer pushes, staff,
 * webhooks, integrations and schedulers alike. Writes run in one SQLite transaction together
 * with the seq increments, so checkpoints are strictly increasing and never skip a row; the
 * change feed hears about them only after commit. Before the commit, the writer stores the
 * document of every row touched or bumped (server/sync/materialize.ts), which pulls then serve.
 */
export class Writer {
	#seqStmt;
	constructor(
		private readonly store: OpenDatabase,
		private readonly feed: ChangeFeed,
		private readonly clock: () => number,
		/** Where failures to build stored documents go (the app's log); the writes themselves go through. */
		private readonly onBackgroundError: (err: unknown) => void = (err) => console.error('building stored sync documents failed', err)
	) {
		this.#seqStmt = store.sqlite.prepare('UPDATE sync_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq');
		installStoredDocs(store.sqlite);
		// Rows stored before migration 0005, or by older serializers, get their documents now
		// (decided here, so that a database with none never changes behind a caller's back).
		if (hasStaleDocs(store.db)) this.#backfill();
	}

	transaction<T>(fn: (w: WriteContext) => T): T {
		const changes: Change[] = [];
		const after: (() => void)[] = [];
		const now = this.clock();
		const result = this.store.db.transaction((tx) => {
			const ctx: WriteContext = {
				db: tx as unknown as Db,
				now,
				touch: (collection, customerId, id) => {
					const { seq } = this.#seqStmt.get() as { seq: number };
					changes.push({ collection, customerId, id, seq });
					return seq;
				},
				bump: (collection, customerId, id) => {
					const seq = ctx.touch(collection, customerId, id);
					const table = COLLECTION_TABLES[collection];
					tx.update(table)
						.set({ seq, updatedAt: sql`max(${now}, ${table.updatedAt} + 1)` })
						.where(eq(table.id, id))
						.run();
					return seq;
				},
				version: (previous) => (previous === null || previous === undefined ? now : Math.max(now, previous + 1)),
				afterCommit: (f) => after.push(f)
			};
			const out = fn(ctx);
			// Last, so the stored documents see everything this transaction wrote: the rows it
			// touched, then rows whose documents a trigger cleared without a touch (an embedded row
			// changed, or a write that bypassed the writer earlier). Stored documents so change only
			// in committed writes. One that cannot be built stays cleared (pulls then serialize the
			// rows, and fail as they always would have): the write itself goes through.
			for (const [collection, ids] of touchedIds(changes)) {
				try {
					materializeDocs(this.store.db, collection, ids);
				} catch (err) {
					this.onBackgroundError(err);
				}
			}
			try {
				refreshStaleDocs(this.store.db, STALE_PER_WRITE);
			} catch (err) {
				this.onBackgroundError(err);
			}
			return out;
		});
		this.feed.publish(changes);
		for (const f of after) {
			try {
				f();
			} catch {
				// after-commit work is best effort; its own code logs failures.
			}
		}
		return result;
	}

	/**
	 * After start-up, stores the documents of rows that have none (written before migration 0005,
	 * or by older serializers): in batches, each its own transaction, until none is left. Until
	 * then, pulls of their pages serialize them.
	 */
	#backfill(): void {
		setImmediate(() => {
			const { db, sqlite } = this.store;
			if (!sqlite.open) return;
			try {
				if (!hasStaleDocs(db)) return;
				const stored = sqlite.transaction(() => refreshStaleDocs(db, BACKFILL_BATCH)).immediate();
				if (stored > 0) this.#backfill();
			} catch (err) {
				this.onBackgroundError(err);
			}
		});
	}

	/** The highest seq handed out so far. */
	currentSeq(): number {
		const row = this.store.db.select({ seq: schema.syncCounter.seq }).from(schema.syncCounter).where(eq(schema.syncCounter.id, 1)).get();
		return row?.seq ?? 0;
	}
}

