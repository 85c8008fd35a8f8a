import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { RxCollection, RxReplicationWriteToMasterRow, WithDeleted } from 'rxdb';
import { COLLECTIONS, type CollectionName } from '../../../shared/protocol/collections.ts';
import type { Checkpoint } from '../../../shared/protocol/pull.ts';
import type { PushRow } from '../../../shared/protocol/push.ts';
import { PROTOCOL_VERSION } from '../../../shared/protocol/version.ts';
import type { DocTypes, SyncDoc } from '../../../shared/schemas/index.ts';
import { lostEdits, resolveConflict, sameDoc } from '../db/conflicts.ts';
import type { PorchlightDatabase } from '../db/database.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { FailureStore, type SyncFailure } from './failures.ts';
import { unacknowledgedIds } from './pending.ts';
import { SyncSocket, type OnlineEvents, type SocketStatus, type WebSocketConstructor } from './socket.ts';
import { STREAM_PATH } from './stream-message.ts';
import { SyncHttpError, SyncNetworkError, SyncTransport, type FetchLike } from './transport.ts';

/** Where the device stands, as the UI shows it. */
export type SyncStatus = 'offline' | 'connecting' | 'syncing' | 'synced' | 'error';

/** A snapshot of the engine's state. */
export interface SyncSnapshot {
	/** The server is reachable as far as the device knows (network up, and socket or last request fine). */
	online: boolean;
	status: SyncStatus;
	socket: SocketStatus;
	/** Local writes the server has not acknowledged yet (the outbox). */
	pendingWrites: number;
	/** Writes the server refused or that lost a conflict (see `failures$`). */
	failedWrites: number;
	/** When the device last had everything (ms, device clock); null if never. Survives restarts. */
	lastSyncedAt: number | null;
	/** The last error that is not just "offline", for a tooltip or the log. */
	lastError: string | null;
	/** The server speaks a newer protocol than this build: the app should update. */
	outdatedClient: boolean;
}

/** What `startSync` needs. Everything environment-specific is injected, so Node tests run the same code. */
export interface SyncEngineOptions {
	db: PorchlightDatabase;
	/** The server database's id (session info / stream hello); part of the replication identifier. */
	databaseId: string;
	/** '' in the browser (same origin); the server's origin in Node. */
	baseUrl: string;
	fetch: FetchLike;
	/** Extra request headers (tests: cookie and Origin). */
	headers?: Record<string, string>;
	/** The change stream; omit for a replication without live updates. */
	socket?: {
		WebSocket: WebSocketConstructor;
		/** Default: `baseUrl` with ws(s) and STREAM_PATH (the browser passes its own origin). */
		url?: string;
		heartbeatTimeoutMs?: number;
		backoff?: BackoffOptions;
	};
	/** Documents per pull request (default and server maximum 1000: a fresh device fills up in few round trips). */
	pullBatchSize?: number;
	/** Documents per push request (default 50). */
	pushBatchSize?: number;
	/** Backoff of failed requests (default 1 s doubling to 60 s, with jitter). */
	retry?: BackoffOptions;
	/** Browser with several tabs: only the leader tab replicates. Node: false. */
	waitForLeadership?: boolean;
	isOnline?: () => boolean;
	onlineEvents?: OnlineEvents;
	/** The server no longer knows the session (401 or stream close 4401). */
	onUnauthorized?: () => void;
	/** The stream says the server's database is another one than `databaseId` (reset or restore). */
	onServerChanged?: (databaseId: string) => void;
	/** Device clock (ms). */
	now?: () => number;
	/** Random source for jitter (tests). */
	random?: () => number;
}

/** Local document holding the engine's own state that must survive restarts. */
const META_ID = 'sync-meta';

interface SyncMeta {
	lastSyncedAt: number | null;
}

class StoppedError extends Error {
	constructor() {
		super('sync stopped');
		this.name = 'StoppedError';
	}
}

type AnyReplication = RxReplicationState<any, Checkpoint>;
type Streams = { [C in CollectionName]: Subject<'RESYNC'> };

/**
 * The server's version a push was based on, or null when the server never had the document.
 * RxDB's assumed master state is the last state the push handler reported as done, which for a
 * refused new document is the device's own attempt; documents made on the device carry
 * `updatedAt` 0 until the server's copy arrives, so those are told apart by it.
 */
function serverVersion(assumed: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
	if (!assumed || !(typeof assumed.updatedAt === 'number' && assumed.updatedAt > 0)) return null;
	const { _deleted, ...doc } = assumed;
	void _deleted;
	return doc;
}

function describe(err: unknown): string {
	if (err instanceof SyncHttpError) return `${err.status} ${err.body?.code ?? ''} ${err.message}`.trim();
	if (err instanceof Error) return err.message;
	return String(err);
}

/**
 * Replicates every collection of the user's database with the server: pull by `seq`
 * checkpoint, push in batches with conflicts resolved by `db/conflicts.ts`, live through one
 * shared WebSocket whose `hello` and `changed` messages become RxDB `RESYNC`s. Refused
 * documents are set aside as failures so the rest of the outbox keeps moving.
 */
export class SyncEngine {
	readonly db: PorchlightDatabase;
	readonly databaseId: string;
	/** Writes the server refused or that lost a conflict. */
	readonly failures: FailureStore;
	/** The RxDB replication of each collection (for `awaitInSync`, tests, diagnostics). */
	readonly replications: { [C in CollectionName]: RxReplicationState<DocTypes[C], Checkpoint> };

	readonly #o: SyncEngineOptions;
	readonly #transport: SyncTransport;
	readonly #socket: SyncSocket | null;
	readonly #streams: Streams;
	readonly #subs: Subscription[] = [];
	readonly #state: BehaviorSubject<SyncSnapshot>;
	readonly #pending = new BehaviorSubject<{ [C in CollectionName]: ReadonlySet<string> }>(
		Object.fromEntries(COLLECTIONS.map((c) => [c, new Set<string>()])) as unknown as { [C in CollectionName]: ReadonlySet<string> }
	);
	readonly #sleepers = new Set<() => void>();
	readonly #dirty = new Set<CollectionName>();
	#countTimer: ReturnType<typeof setTimeout> | undefined;
	/** Collections whose outbox was counted at least once since start. */
	readonly #counted = new Set<CollectionName>();
	readonly #pushQueue = Object.fromEntries(COLLECTIONS.map((c) => [c, Promise.resolve()])) as Record<CollectionName, Promise<unknown>>;
	/** The last checkpoint each collection's pull reached. */
	readonly #pulledSeq = Object.fromEntries(COLLECTIONS.map((c) => [c, 0])) as Record<CollectionName, number>;
	/** Where a collection's next pull starts instead of its checkpoint: before a push the server has since acknowledged. */
	readonly #pullFloor: Partial<Record<CollectionName, number>> = {};
	#stopped = false;
	/** Last request: true answered, false no answer, null none yet. */
	#reachable: boolean | null = null;
	#lastError: string | null = null;
	#errorSticky = false;
	#failedWrites = 0;
	#outdated = false;
	#lastSyncedAt: number | null = null;
	#fallbackTimer: ReturnType<typeof setInterval> | undefined;

	constructor(options: SyncEngineOptions) {
		this.#o = options;
		this.db = options.db;
		this.databaseId = options.databaseId;
		this.failures = new FailureStore(options.db);
		this.#transport = new SyncTransport({ baseUrl: options.baseUrl, fetch: options.fetch, headers: options.headers });
		this.#streams = Object.fromEntries(COLLECTIONS.map((c) => [c, new Subject<'RESYNC'>()])) as unknown as Streams;
		this.#state = new BehaviorSubject<SyncSnapshot>({
			online: options.isOnline?.() ?? true,
			status: 'connecting',
			socket: 'closed',
			pendingWrites: 0,
			failedWrites: 0,
			lastSyncedAt: null,
			lastError: null,
			outdatedClient: false
		});

		const socketOptions = options.socket;
		this.#socket = socketOptions
			? new SyncSocket({
					url: socketOptions.url ?? options.baseUrl.replace(/^http/, 'ws') + STREAM_PATH,
					WebSocket: socketOptions.WebSocket,
					heartbeatTimeoutMs: socketOptions.heartbeatTimeoutMs,
					backoff: socketOptions.backoff,
					random: options.random,
					isOnline: options.isOnline,
					onlineEvents: options.onlineEvents,
					onHello: (hello) => {
						this.#outdated = hello.protocolVersion > PROTOCOL_VERSION;
						if (hello.databaseId !== this.databaseId) {
							options.onServerChanged?.(hello.databaseId);
							return;
						}
						// Whatever happened while the socket was down is fetched now.
						this.#wake();
						this.resync();
					},
					onChanged: (collections) => this.resync(collections),
					onStatus: () => this.#publish(),
					onUnauthorized: () => options.onUnauthorized?.()
				})
			: null;

		this.replications = Object.fromEntries(COLLECTIONS.map((c) => [c, this.#replicate(c)])) as SyncEngine['replications'];

		for (const c of COLLECTIONS) {
			const rep = this.replications[c] as AnyReplication;
			// The outbox is recounted when it can have changed: a local write (not one the pull
			// made), an acknowledged push, a resolved conflict, or a replication going idle.
			const hasPending = () => !this.#counted.has(c) || this.#pending.value[c].size > 0;
			this.#subs.push(
				rep.active$.subscribe((active) => {
					this.#publish();
					if (!active && hasPending()) this.#markDirty(c);
				}),
				rep.sent$.subscribe(() => hasPending() && this.#markDirty(c)),
				rep.conflict$.subscribe((conflict) => {
					this.#markDirty(c);
					void this.#onConflict(c, conflict.input as never, conflict.output as object);
				}),
				rep.error$.subscribe((err) => {
					// Handler errors are already recorded by #withRetry; these are RxDB's own (storage, conflicts).
					if (!(err as { code?: string }).code?.startsWith('RC_P')) this.#noteError(err, true);
				}),
				(this.db[c] as RxCollection<any>).storageInstance.changeStream().subscribe((bulk) => {
					// RxDB writes pulled pages with the context 'replication-downstream-<key>'; those
					// are counted when the replication goes idle, not once per page.
					if (!bulk.context.startsWith('replication-downstream-')) this.#markDirty(c);
				})
			);
		}
		this.#subs.push(
			this.failures.items$.subscribe((items) => {
				this.#failedWrites = items.length;
				this.#publish();
			})
		);
		if (options.onlineEvents) {
			const wake = () => this.#wake();
			const publish = () => this.#publish();
			options.onlineEvents.addEventListener('online', wake);
			options.onlineEvents.addEventListener('offline', publish);
			this.#subs.push({ unsubscribe: () => (options.onlineEvents!.removeEventListener('online', wake), options.onlineEvents!.removeEventListener('offline', publish)) } as Subscription);
		}
		// Without a stream (blocked by a proxy, or down), look for changes now and then anyway.
		this.#fallbackTimer = setInterval(() => {
			if (this.#socket?.status !== 'open') this.resync();
		}, 60_000);

		void this.#loadMeta();
		this.#socket?.start();
	}

	/** The engine's state, live. */
	get state$(): Observable<SyncSnapshot> {
		return this.#state.asObservable();
	}

	/** The engine's state now. */
	get state(): SyncSnapshot {
		return this.#state.value;
	}

	/** Ids of unacknowledged local documents, per collection, live. */
	get pendingIds$(): Observable<{ [C in CollectionName]: ReadonlySet<string> }> {
		return this.#pending.asObservable();
	}

	/** Pulls the named collections (default: all) now. */
	resync(collections: readonly CollectionName[] = COLLECTIONS): void {
		if (this.#stopped) return;
		for (const c of collections) this.#streams[c].next('RESYNC');
	}

	/** Resolves when every local write is pushed and every known server change is pulled. */
	async awaitInSync(): Promise<void> {
		await Promise.all(COLLECTIONS.map((c) => this.replications[c].awaitInSync()));
	}

	/**
	 * Sends a failed write again. A message goes back into the outbox (pending again, with a new
	 * send time), so this works offline; any other document is pushed now as the user wrote it.
	 */
	async retry(failure: SyncFailure): Promise<void> {
		const { collection, id } = failure;
		if (collection === 'messages') {
			const doc = await this.db.messages.findOne(id).exec();
			await this.failures.remove(collection, id);
			if (doc) await doc.incrementalPatch({ sentAt: Math.max(this.#now(), doc.sentAt + 1) });
			return;
		}
		const row = { newDocumentState: { ...failure.doc, _deleted: false }, assumedMasterState: failure.base } as PushRow;
		try {
			const { conflicts } = await this.#transport.push(collection, [row]);
			await this.failures.remove(collection, id);
			if (conflicts.length > 0) {
				// Changed again meanwhile: merge onto the current version like any conflict; the
				// merged document is pushed by the replication.
				const resolved = resolveConflict(collection, {
					newDocumentState: row.newDocumentState as never,
					assumedMasterState: (failure.base ?? undefined) as never,
					realMasterState: conflicts[0] as never
				});
				await this.#overwriteLocal(collection, resolved);
			}
			this.resync([collection]);
		} catch (err) {
			if (err instanceof SyncHttpError && !err.transient) {
				await this.#recordRejected(collection, row, err);
				return;
			}
			throw err;
		}
	}

	/**
	 * Gives up a failed write. A document the server never had is deleted here (and the deletion
	 * stays local); an edit of an existing one is undone back to the server's version.
	 */
	async discard(failure: SyncFailure): Promise<void> {
		const { collection, id } = failure;
		if (failure.kind === 'conflict') {
			// The server's version is already on the device; the user lets theirs go.
			await this.failures.remove(collection, id);
			return;
		}
		if (failure.base === null) {
			await this.failures.discard(collection, id);
			const doc = await (this.db[collection] as PorchlightDatabase['messages']).findOne(id).exec();
			await doc?.remove();
			return;
		}
		await this.failures.remove(collection, id);
		await this.#overwriteLocal(collection, { ...failure.base, _deleted: false } as never);
	}

	/** Stops replication and the socket; the database stays open. */
	async stop(): Promise<void> {
		if (this.#stopped) return;
		this.#stopped = true;
		clearInterval(this.#fallbackTimer);
		clearTimeout(this.#countTimer);
		this.#wake();
		this.#socket?.stop();
		for (const s of this.#subs) s.unsubscribe();
		await Promise.all(COLLECTIONS.map((c) => this.replications[c].cancel()));
		this.#publish();
	}

	/** Stops and closes the database (its data stays on the device). */
	async close(): Promise<void> {
		await this.stop();
		if (!this.db.closed) await this.db.close();
	}

	/** Stops and deletes this user's local database: sign-out. */
	async remove(): Promise<void> {
		await this.stop();
		await this.db.remove();
	}

	#now(): number {
		return (this.#o.now ?? Date.now)();
	}

	#replicate<C extends CollectionName>(collection: C): RxReplicationState<DocTypes[C], Checkpoint> {
		const pullBatchSize = this.#o.pullBatchSize ?? 1000;
		return replicateRxCollection<DocTypes[C], Checkpoint>({
			collection: this.db[collection] as never,
			// A reset server (another databaseId) must not be asked "what changed after seq N".
			replicationIdentifier: `porchlight-sync-${this.databaseId}`,
			live: true,
			// Failures back off inside the handlers (#withRetry); this is only for other errors.
			retryTime: 30_000,
			waitForLeadership: this.#o.waitForLeadership ?? false,
			autoStart: true,
			pull: {
				batchSize: pullBatchSize,
				stream$: this.#streams[collection].asObservable(),
				handler: async (checkpoint) => {
					const floor = this.#pullFloor[collection];
					delete this.#pullFloor[collection];
					const from = floor !== undefined && floor < (checkpoint?.seq ?? 0) ? { seq: floor } : checkpoint;
					const res = await this.#withRetry(() => this.#transport.pull(collection, from, pullBatchSize)).catch((err) => {
						// A refused pull is a bug (ours or the server's), not the network: show it.
						if (err instanceof SyncHttpError) this.#noteError(err, true);
						throw err;
					});
					const next = res.checkpoint ?? from ?? { seq: 0 };
					this.#pulledSeq[collection] = next.seq;
					return { documents: res.documents as WithDeleted<DocTypes[C]>[], checkpoint: next };
				}
			},
			push: {
				batchSize: this.#o.pushBatchSize ?? 50,
				handler: (rows) => this.#push(collection, rows as never) as never
			}
		});
	}

	/**
	 * RxDB's push handler. RxDB may hand over several batches at once; sent one after another,
	 * the server stores them in the order they were written (messages keep their order).
	 */
	#push<C extends CollectionName>(collection: C, rows: RxReplicationWriteToMasterRow<DocTypes[C]>[]): Promise<SyncDoc<C>[]> {
		const run = this.#pushQueue[collection].then(() => this.#pushBatch(collection, rows));
		this.#pushQueue[collection] = run.catch(() => {});
		return run;
	}

	/**
	 * One push batch. Deletions of documents the server never had stay local. A document the
	 * server refuses (it names its position) is set aside as a failure and the others are sent
	 * again; a refusal naming no position is narrowed down by halving the batch. So one bad
	 * document never holds up the outbox.
	 */
	async #pushBatch<C extends CollectionName>(collection: C, rows: RxReplicationWriteToMasterRow<DocTypes[C]>[]): Promise<SyncDoc<C>[]> {
		const discarded = rows.some((r) => r.newDocumentState._deleted) ? await this.failures.discardedIds(collection) : new Set<string>();
		const send = rows.filter((r) => {
			const doc = r.newDocumentState as SyncDoc<C>;
			return !(doc._deleted && (!r.assumedMasterState || discarded.has(doc.id)));
		}) as PushRow<C>[];
		const conflicts: SyncDoc<C>[] = [];
		const floor = this.#pulledSeq[collection];
		const applied = await this.#pushAll(collection, send, conflicts);
		if (applied > 0) this.#pullServerCopies(collection, floor);
		return conflicts;
	}

	/**
	 * After an acknowledged push, pulls again from where the device stood before it, so the
	 * server's copies (with the fields it fills in: createdAt, authorName, updatedAt) replace the
	 * device's. A pull that ran while the push was in flight already passed those rows: RxDB
	 * leaves a document alone while its push is unacknowledged, and the checkpoint moves on. So
	 * the pull waits until RxDB has recorded the acknowledgement (its upstream queue is done).
	 */
	#pullServerCopies(collection: CollectionName, floor: number): void {
		const upstream = (this.replications[collection] as AnyReplication).internalReplicationState?.streamQueue.up;
		// Awaited outside the push handler, which itself runs inside that queue.
		setTimeout(() => {
			void Promise.resolve(upstream).then(() => {
				this.#pullFloor[collection] = Math.min(this.#pullFloor[collection] ?? floor, floor);
				this.resync([collection]);
			});
		}, 0);
	}

	async #pushAll<C extends CollectionName>(collection: C, rows: PushRow<C>[], conflicts: SyncDoc<C>[]): Promise<number> {
		if (rows.length === 0) return 0;
		try {
			const res = await this.#withRetry(() => this.#transport.push(collection, rows));
			conflicts.push(...res.conflicts);
			return rows.length - res.conflicts.length;
		} catch (err) {
			if (!(err instanceof SyncHttpError) || err.transient) throw err;
			const index = err.documentIndex;
			if (index !== undefined && index < rows.length) {
				await this.#recordRejected(collection, rows[index], err);
				return this.#pushAll(collection, [...rows.slice(0, index), ...rows.slice(index + 1)], conflicts);
			}
			if (rows.length === 1) {
				await this.#recordRejected(collection, rows[0], err);
				return 0;
			}
			const half = Math.ceil(rows.length / 2);
			const first = await this.#pushAll(collection, rows.slice(0, half), conflicts);
			return first + (await this.#pushAll(collection, rows.slice(half), conflicts));
		}
	}

	async #recordRejected<C extends CollectionName>(collection: C, row: PushRow<C>, err: SyncHttpError): Promise<void> {
		const { _deleted, ...doc } = row.newDocumentState as SyncDoc<C> & Record<string, unknown>;
		void _deleted;
		const field = err.body?.field?.replace(/^\d+\.?(newDocumentState\.)?/, '');
		await this.failures.add({
			collection,
			id: (doc as { id: string }).id,
			kind: 'rejected',
			code: err.body?.code ?? String(err.status),
			message: (err.body?.message ?? err.message).replace(/^Document \d+: /, '').replace(/^\d+\.newDocumentState\./, ''),
			fields: field ? [field] : [],
			at: this.#now(),
			doc,
			base: serverVersion(row.assumedMasterState)
		});
	}

	async #onConflict<C extends CollectionName>(collection: C, input: Parameters<typeof lostEdits<C>>[1], output: object): Promise<void> {
		const lost = lostEdits(collection, input, output);
		if (lost.length === 0) return;
		const refused = !!input.assumedMasterState && sameDoc(input.assumedMasterState, input.realMasterState);
		const { _deleted, ...doc } = input.newDocumentState as Record<string, unknown>;
		void _deleted;
		const { _deleted: _d, ...base } = input.realMasterState as Record<string, unknown>;
		void _d;
		await this.failures.add({
			collection,
			id: (doc as { id: string }).id,
			kind: 'conflict',
			code: 'CONFLICT',
			message: refused
				? 'The office did not accept this change; it is shown as the office has it.'
				: 'This was changed elsewhere at the same time; the other change was kept.',
			fields: lost,
			at: this.#now(),
			doc,
			base
		});
	}

	/** Writes a document's content into the local database as a local change (pushed next). */
	async #overwriteLocal<C extends CollectionName>(collection: C, data: Record<string, unknown>): Promise<void> {
		const { _deleted, ...content } = data;
		void _deleted;
		const coll = this.db[collection] as unknown as PorchlightDatabase['profile'];
		const doc = await coll.findOne(content.id as string).exec();
		if (doc) await doc.incrementalModify(() => content as never);
		else await coll.insert(content as never);
	}

	/**
	 * Runs a request until it gets an answer the caller can act on: no answer, a server fault
	 * or a rate limit waits with backoff (woken early by the network or the stream coming back);
	 * a refusal of the content is thrown to the caller.
	 */
	async #withRetry<T>(request: () => Promise<T>): Promise<T> {
		for (let attempt = 0; ; attempt++) {
			if (this.#stopped) throw new StoppedError();
			try {
				const result = await request();
				this.#noteOk();
				return result;
			} catch (err) {
				if (this.#stopped) throw new StoppedError();
				if (err instanceof SyncHttpError && !err.transient) {
					this.#noteOk();
					throw err;
				}
				this.#noteError(err);
				if (err instanceof SyncHttpError && err.unauthorized) this.#o.onUnauthorized?.();
				const retryAfter = err instanceof SyncHttpError && err.status === 429 ? 5_000 : 0;
				await this.#sleep(Math.max(retryAfter, backoffDelay(attempt, this.#o.retry ?? { baseMs: 1_000, maxMs: 60_000 }, this.#o.random)));
			}
		}
	}

	#sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.#sleepers.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.#sleepers.add(done);
		});
	}

	/** Cuts every backoff wait short: something suggests the server is reachable again. */
	#wake() {
		for (const done of [...this.#sleepers]) done();
	}

	#noteOk() {
		const wasDown = this.#reachable !== true || this.#errorSticky;
		this.#reachable = true;
		this.#errorSticky = false;
		if (wasDown) this.#publish();
	}

	#noteError(err: unknown, sticky = false) {
		if (err instanceof StoppedError) return;
		this.#lastError = describe(err);
		if (err instanceof SyncNetworkError) this.#reachable = false;
		else this.#errorSticky = true;
		if (sticky) this.#errorSticky = true;
		this.#publish();
	}

	#counting: Promise<void> = Promise.resolve();

	/** Recounts a collection's outbox soon; bursts of writes are counted once. */
	#markDirty(c: CollectionName) {
		this.#dirty.add(c);
		this.#countTimer ??= setTimeout(() => {
			this.#countTimer = undefined;
			const collections = new Set(this.#dirty);
			this.#dirty.clear();
			void this.#countPending(collections);
		}, 50);
	}

	#countPending(collections: ReadonlySet<CollectionName>): Promise<void> {
		this.#counting = this.#counting.then(async () => {
			if (this.#stopped || this.db.closed) return;
			try {
				const next = { ...this.#pending.value };
				for (const c of collections) {
					const ids = await unacknowledgedIds(this.replications[c] as AnyReplication);
					if (ids) {
						next[c] = ids;
						this.#counted.add(c);
					}
				}
				if (this.#stopped) return;
				this.#pending.next(next);
				this.#publish();
			} catch {
				// The database closed under us (sign-out); nothing to count.
			}
		});
		return this.#counting;
	}

	async #loadMeta() {
		try {
			const doc = await this.db.getLocal<SyncMeta>(META_ID);
			if (doc && this.#lastSyncedAt === null) {
				this.#lastSyncedAt = doc.get('lastSyncedAt') ?? null;
				this.#publish();
			}
		} catch {
			// closed already
		}
	}

	#publish() {
		const networkUp = this.#o.isOnline?.() ?? true;
		const socket = this.#socket?.status ?? 'closed';
		const online = networkUp && (socket === 'open' || this.#reachable !== false);
		const pendingWrites = COLLECTIONS.reduce((n, c) => n + this.#pending.value[c].size, 0);
		const active = COLLECTIONS.some((c) => {
			const rep = this.replications?.[c] as AnyReplication | undefined;
			return !!rep && !rep.isStopped() && rep.subjects.active.getValue();
		});
		let status: SyncStatus;
		if (this.#stopped) status = 'offline';
		else if (!online) status = 'offline';
		else if (this.#errorSticky) status = 'error';
		else if (this.#reachable === null && socket !== 'open') status = 'connecting';
		else if (active || pendingWrites > 0) status = 'syncing';
		else status = 'synced';

		const previous = this.#state.value;
		if (status === 'synced' && previous.status !== 'synced') {
			this.#lastSyncedAt = this.#now();
			void this.db.upsertLocal<SyncMeta>(META_ID, { lastSyncedAt: this.#lastSyncedAt }).catch(() => {});
		}
		const next: SyncSnapshot = {
			online,
			status,
			socket,
			pendingWrites,
			failedWrites: this.#failedWrites,
			lastSyncedAt: this.#lastSyncedAt,
			lastError: this.#lastError,
			outdatedClient: this.#outdated
		};
		if (
			next.online !== previous.online ||
			next.status !== previous.status ||
			next.socket !== previous.socket ||
			next.pendingWrites !== previous.pendingWrites ||
			next.failedWrites !== previous.failedWrites ||
			next.lastSyncedAt !== previous.lastSyncedAt ||
			next.lastError !== previous.lastError ||
			next.outdatedClient !== previous.outdatedClient
		) {
			this.#state.next(next);
		}
	}
}

/** Starts replicating every collection of `options.db`. */
export function startSync(options: SyncEngineOptions): SyncEngine {
	return new SyncEngine(options);
}
