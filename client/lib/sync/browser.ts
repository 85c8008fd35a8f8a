import type { RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import type { SyncEngine, SyncEngineOptions } from './engine.ts';
import { openSync, removeCustomerData } from './open.ts';
import { STREAM_PATH } from './stream-message.ts';

// The browser's wiring of the engine. Loaded with import() after the first paint, so RxDB and
// Dexie are not part of the initial bundle.

let storage: Promise<RxStorage<any, any>> | null = null;

/**
 * Dexie on IndexedDB. In development the storage also validates every write against the
 * schemas; the validator (ajv) is imported only there, so production bundles never carry it
 * (nor RxDB's dev-mode, which is never imported at all). Devices can do without it because the
 * server validates every pushed document against the same shared schema and the collection's
 * write rules (server/sync/push.ts): a document the device got wrong is refused there, named,
 * and shown as a failed write; nothing invalid is stored on the server or sent to another device.
 */
function browserStorage(): Promise<RxStorage<any, any>> {
	storage ??= (async () => {
		const dexie = getRxStorageDexie();
		if (import.meta.env.DEV) {
			const { wrappedValidateAjvStorage } = await import('rxdb/plugins/validate-ajv');
			return wrappedValidateAjvStorage({ storage: dexie });
		}
		return dexie;
	})();
	return storage;
}

/** What the app reacts to: the session ending, or the server turning out to be another one. */
export type BrowserSyncHooks = Pick<SyncEngineOptions, 'onUnauthorized' | 'onServerChanged'>;

/** Opens the customer's database in this browser and replicates it with this origin's server. */
export async function openBrowserSync(customer: { customerId: string; databaseId: string }, hooks: BrowserSyncHooks): Promise<SyncEngine> {
	return openSync({
		customerId: customer.customerId,
		databaseId: customer.databaseId,
		storage: await browserStorage(),
		// Tabs share the database; only the leader tab talks to the server.
		multiInstance: true,
		waitForLeadership: true,
		baseUrl: '',
		fetch: (input, init) => fetch(input, init),
		socket: {
			WebSocket,
			url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${STREAM_PATH}`
		},
		isOnline: () => navigator.onLine,
		onlineEvents: window,
		...hooks
	});
}

/** Deletes a customer's local database from this browser, open or not (sign-out). */
export async function removeBrowserData(customerId: string): Promise<void> {
	await removeCustomerData(customerId, await browserStorage(), { indexedDB, multiInstance: true });
}
