import type { CollectionName } from '$shared/protocol/collections';
import type { PorchlightDatabase } from '$lib/db/database';
import type { SyncEngine, SyncStatus } from '$lib/sync/engine';
import type { SyncFailure } from '$lib/sync/failures';
import type { SessionInfo } from '$lib/api/auth';
import { session } from './session.svelte';

// Only types are imported from the engine here: RxDB loads with import() once someone is signed
// in, so the first paint never waits for it.

/** The customer a database belongs to. */
export interface SyncCustomer {
	customerId: string;
	databaseId: string;
}

type PendingIds = { readonly [C in CollectionName]?: ReadonlySet<string> };

/**
 * The device's sync engine as rune state: whether the server is reachable, what the engine is
 * doing, how many writes wait in the outbox, which failed, and the local database to query
 * (through `live()`). The layout calls `follow(session.customer)`; sign-out removes the data.
 */
class SyncState {
	/** The server is reachable as far as the device knows (navigator.onLine and the stream or last request). */
	online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
	status = $state<SyncStatus>('connecting');
	/** Local writes the server has not acknowledged yet. */
	pendingWrites = $state(0);
	/** Writes the server refused or that lost a conflict; see `failures`. */
	failedWrites = $state(0);
	/** When the device last had everything (ms); survives restarts. */
	lastSyncedAt = $state<number | null>(null);
	/** The failed writes, oldest first. */
	failures = $state.raw<SyncFailure[]>([]);
	/** Unacknowledged document ids per collection (e.g. a profile edit still saving). */
	pendingIds = $state.raw<PendingIds>({});
	/** The signed-in customer's local database; null until opened (and for staff). */
	db = $state.raw<PorchlightDatabase | null>(null);
	/** True while the database is being opened. */
	opening = $state(false);
	/** The local database could not be opened (storage blocked or full): a sentence to show. */
	error = $state<string | null>(null);

	#engine: SyncEngine | null = null;
	/** The customer whose engine runs. */
	#customerId: string | null = null;
	#key: string | null = null;
	#queue: Promise<void> = Promise.resolve();
	#unsubscribe: (() => void)[] = [];
	#lastSessionCheck = 0;

	constructor() {
		if (typeof window === 'undefined') return;
		const network = () => {
			if (this.#engine) return;
			this.online = navigator.onLine;
		};
		window.addEventListener('online', network);
		window.addEventListener('offline', network);
		session.onSignOut((previous) => this.#signedOut(previous));
	}

	/**
	 * Keeps the engine running for `customer` (the signed-in customer, or null): starts it,
	 * restarts it for another customer or server database, stops it (keeping the data) for null.
	 */
	follow(customer: SyncCustomer | null): void {
		const key = customer ? `${customer.customerId}|${customer.databaseId}` : null;
		if (key === this.#key) return;
		this.#key = key;
		const target = customer ? { customerId: customer.customerId, databaseId: customer.databaseId } : null;
		this.#enqueue(async () => {
			await this.#stop();
			if (target && this.#key === key) await this.#start(target, key!);
		});
	}

	/** Sends a failed write again (a message goes back into the outbox). */
	async retry(failure: SyncFailure): Promise<void> {
		await this.#engine?.retry(failure);
	}

	/** Gives up a failed write (a never-sent message is deleted; an edit reverts to the server's). */
	async discard(failure: SyncFailure): Promise<void> {
		await this.#engine?.discard(failure);
	}

	/** Asks the server for changes now (pull to refresh). */
	resync(): void {
		this.#engine?.resync();
	}

	#enqueue(task: () => Promise<void>): Promise<void> {
		const run = this.#queue.then(task);
		this.#queue = run.catch((err) => console.error('sync:', err));
		return this.#queue;
	}

	async #start(customer: SyncCustomer, key: string): Promise<void> {
		this.opening = true;
		this.error = null;
		try {
			const { openBrowserSync } = await import('$lib/sync/browser');
			const engine = await openBrowserSync(customer, {
				onUnauthorized: () => this.#checkSession(),
				onServerChanged: () => this.#checkSession()
			});
			if (this.#key !== key) {
				await engine.close();
				return;
			}
			this.#engine = engine;
			this.#customerId = customer.customerId;
			this.db = engine.db;
			const state = engine.state$.subscribe((s) => {
				this.online = s.online;
				this.status = s.status;
				this.pendingWrites = s.pendingWrites;
				this.failedWrites = s.failedWrites;
				this.lastSyncedAt = s.lastSyncedAt;
			});
			const failures = engine.failures.items$.subscribe((items) => (this.failures = items));
			const pending = engine.pendingIds$.subscribe((ids) => (this.pendingIds = ids));
			this.#unsubscribe = [() => state.unsubscribe(), () => failures.unsubscribe(), () => pending.unsubscribe()];
		} catch (err) {
			console.error('sync: could not open the local database', err);
			this.error = 'This device could not open its local storage, so nothing is kept for offline use. Private browsing or a full disk can cause this.';
		} finally {
			this.opening = false;
		}
	}

	async #stop(): Promise<void> {
		for (const u of this.#unsubscribe) u();
		this.#unsubscribe = [];
		const engine = this.#engine;
		this.#engine = null;
		this.#customerId = null;
		this.db = null;
		this.failures = [];
		this.pendingIds = {};
		this.pendingWrites = 0;
		this.failedWrites = 0;
		this.lastSyncedAt = null;
		this.status = 'connecting';
		await engine?.close();
	}

	/** Sign-out (or a dropped session, or another user): stop, and delete that customer's data. */
	#signedOut(previous: SessionInfo): Promise<void> {
		if (previous.kind !== 'customer') return Promise.resolve();
		this.#key = null;
		return this.#enqueue(async () => {
			const engine = this.#customerId === previous.customerId ? this.#engine : null;
			if (engine) {
				this.#engine = null;
				await engine.remove();
			}
			await this.#stop();
			const { removeBrowserData } = await import('$lib/sync/browser');
			await removeBrowserData(previous.customerId);
		});
	}

	/** The server refused the session or is another database: ask who we are (which may sign us out). */
	#checkSession(): void {
		const now = Date.now();
		if (now - this.#lastSessionCheck < 10_000) return;
		this.#lastSessionCheck = now;
		void session.load();
	}
}

/** The one sync state of the app. */
export const sync = new SyncState();
