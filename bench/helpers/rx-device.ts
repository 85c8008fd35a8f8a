import { performance } from 'node:perf_hooks';
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { createRxDatabase, type RxDatabase, type RxJsonSchema } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import WebSocket from 'ws';
import { openSync } from '../../client/lib/sync/open.ts';
import type { WebSocketConstructor } from '../../client/lib/sync/socket.ts';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import type { PullResponse } from '../../shared/protocol/pull.ts';
import { rxSchemas } from '../../shared/schemas/rx.ts';
import { childMain } from './child.ts';

/** Input of one fresh-device initial sync. */
export interface InitialSyncInput {
	url: string;
	cookie: string;
	customerId: string;
	databaseId: string;
	/**
	 * `engine`: the app's own sync engine (client/lib/sync, with its change-stream socket);
	 * `replication`: bare `replicateRxCollection` per collection, for comparison.
	 */
	client: 'engine' | 'replication';
	batchSize: number;
}

/** What a fresh device measured. */
export interface InitialSyncResult {
	documents: number;
	perCollection: Record<CollectionName, number>;
	/** From opening the empty database until every collection is in sync with the server. */
	ms: number;
	pulls: number;
	/** Time spent waiting on pull responses (HTTP + server), summed over collections pulling in parallel. */
	fetchMs: number;
}

// The free Dexie storage advertises RxDB's premium storages once per process; keep the tables readable.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
	if (typeof args[0] === 'string' && args[0].includes('RxDB Open Core RxStorage')) return;
	warn(...args);
};

/*
 * A fresh device in Node: RxDB on Dexie over fake-indexeddb, without the validation wrapper or
 * dev-mode, as in a production build. Runs alone in its process, so each run also starts within
 * RxDB's per-process collection limit.
 */
childMain<InitialSyncInput, InitialSyncResult>(async (input) => {
	const { url, cookie } = input;
	const storage = getRxStorageDexie({ indexedDB, IDBKeyRange });
	let pulls = 0;
	let fetchMs = 0;
	const timedFetch = async (target: string, init?: RequestInit): Promise<Response> => {
		const pull = target.includes('/pull?');
		const t = performance.now();
		const res = await fetch(target, init);
		if (!pull) return res;
		// Read the body here so the wait covers the whole answer; the caller gets it back intact.
		const body = await res.arrayBuffer();
		fetchMs += performance.now() - t;
		pulls++;
		return new Response(body, { status: res.status, headers: res.headers });
	};

	const started = performance.now();
	let db: RxDatabase;
	let finish: () => Promise<void>;
	if (input.client === 'engine') {
		const headers = { cookie, origin: url };
		class DeviceSocket extends WebSocket {
			constructor(target: string) {
				super(target, { headers });
			}
		}
		const engine = await openSync({
			customerId: input.customerId,
			databaseId: input.databaseId,
			storage,
			baseUrl: url,
			fetch: timedFetch,
			headers,
			socket: { WebSocket: DeviceSocket as unknown as WebSocketConstructor },
			pullBatchSize: input.batchSize
		});
		await engine.awaitInSync();
		db = engine.db as unknown as RxDatabase;
		finish = () => engine.remove();
	} else {
		db = await createRxDatabase({ name: `bench-${process.pid}`, storage, multiInstance: false, eventReduce: true });
		await db.addCollections(Object.fromEntries(COLLECTIONS.map((c) => [c, { schema: rxSchemas[c] as unknown as RxJsonSchema<unknown> }])));
		const states = COLLECTIONS.map((collection) =>
			replicateRxCollection({
				collection: db.collections[collection],
				replicationIdentifier: `bench-${collection}`,
				live: false,
				waitForLeadership: false,
				retryTime: 1000,
				pull: {
					batchSize: input.batchSize,
					async handler(checkpoint: { seq: number } | undefined, limit: number) {
						const res = await timedFetch(`${url}/api/sync/${collection}/pull?after=${checkpoint?.seq ?? 0}&limit=${limit}`, { headers: { cookie } });
						if (res.status !== 200) throw new Error(`pull ${collection} answered ${res.status}`);
						const body = (await res.json()) as PullResponse;
						return { documents: body.documents as never[], checkpoint: body.checkpoint ?? checkpoint };
					}
				}
			})
		);
		const errors: unknown[] = [];
		for (const s of states) s.error$.subscribe((e) => errors.push(e));
		await Promise.all(states.map((s) => s.awaitInitialReplication()));
		if (errors.length > 0) throw new Error(`replication errors: ${String(errors[0])}`);
		finish = async () => {
			await Promise.all(states.map((s) => s.cancel()));
			await db.remove();
		};
	}
	const ms = performance.now() - started;

	const perCollection = {} as Record<CollectionName, number>;
	let documents = 0;
	for (const c of COLLECTIONS) {
		perCollection[c] = await db.collections[c].count().exec();
		documents += perCollection[c];
	}
	await finish();
	return { documents, perCollection, ms, pulls, fetchMs };
});
