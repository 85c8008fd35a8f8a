import { performance } from 'node:perf_hooks';
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { createRxDatabase, type RxJsonSchema } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import type { PullResponse } from '../../shared/protocol/pull.ts';
import { rxSchemas } from '../../shared/schemas/rx.ts';
import { childMain } from './child.ts';

/** Input of one fresh-device initial sync. */
export interface InitialSyncInput {
	url: string;
	cookie: string;
	batchSize: number;
}

/** What a fresh device measured. */
export interface InitialSyncResult {
	documents: number;
	perCollection: Record<CollectionName, number>;
	/** From starting replication until every collection reported its initial replication done. */
	ms: number;
	pulls: number;
	/** Time spent waiting on pull responses (HTTP + server), summed over collections running in parallel. */
	fetchMs: number;
}

/*
 * A fresh device in Node: RxDB on Dexie over fake-indexeddb (no validation wrapper, no dev-mode,
 * as in a production build), replicating every collection with a pull handler against the real
 * endpoint. Runs alone in its process, so each run also starts within RxDB's collection limit.
 */
// The free Dexie storage advertises RxDB's premium storages once per process; keep the tables readable.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
	if (typeof args[0] === 'string' && args[0].includes('RxDB Open Core RxStorage')) return;
	warn(...args);
};

childMain<InitialSyncInput, InitialSyncResult>(async ({ url, cookie, batchSize }) => {
	const db = await createRxDatabase({
		name: `bench-${process.pid}`,
		storage: getRxStorageDexie({ indexedDB, IDBKeyRange }),
		multiInstance: false,
		eventReduce: true
	});
	await db.addCollections(Object.fromEntries(COLLECTIONS.map((c) => [c, { schema: rxSchemas[c] as unknown as RxJsonSchema<unknown> }])));

	let pulls = 0;
	let fetchMs = 0;
	const started = performance.now();
	const states = COLLECTIONS.map((collection) =>
		replicateRxCollection({
			collection: db.collections[collection],
			replicationIdentifier: `bench-${collection}`,
			live: false,
			waitForLeadership: false,
			retryTime: 1000,
			pull: {
				batchSize,
				async handler(checkpoint: { seq: number } | undefined, limit: number) {
					const t = performance.now();
					const res = await fetch(`${url}/api/sync/${collection}/pull?after=${checkpoint?.seq ?? 0}&limit=${limit}`, { headers: { cookie } });
					if (res.status !== 200) throw new Error(`pull ${collection} answered ${res.status}`);
					const body = (await res.json()) as PullResponse;
					fetchMs += performance.now() - t;
					pulls++;
					return { documents: body.documents as never[], checkpoint: body.checkpoint ?? checkpoint };
				}
			}
		})
	);
	const errors: unknown[] = [];
	for (const s of states) s.error$.subscribe((e) => errors.push(e));
	await Promise.all(states.map((s) => s.awaitInitialReplication()));
	const ms = performance.now() - started;
	if (errors.length > 0) throw new Error(`replication errors: ${String(errors[0])}`);

	const perCollection = {} as Record<CollectionName, number>;
	let documents = 0;
	for (const c of COLLECTIONS) {
		perCollection[c] = await db.collections[c].count().exec();
		documents += perCollection[c];
	}
	await Promise.all(states.map((s) => s.cancel()));
	await db.remove();
	return { documents, perCollection, ms, pulls, fetchMs };
});
