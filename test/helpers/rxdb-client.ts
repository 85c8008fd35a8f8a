import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import WebSocket from 'ws';
import type { RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import type { SessionInfo } from '../../shared/protocol/auth.ts';
import type { SyncEngine, SyncEngineOptions } from '../../client/lib/sync/engine.ts';
import { openSync } from '../../client/lib/sync/open.ts';
import type { TestServer } from './app.ts';

/**
 * A device in a Node test: its own IndexedDB (fake-indexeddb, separate per device, surviving
 * close and reopen like a phone's), RxDB on Dexie with schema validation, and a network it can
 * lose: `fetch` and the WebSocket go through a switch, and going offline also cuts open sockets.
 */
export interface TestDevice {
	readonly storage: RxStorage<any, any>;
	/** The device's IndexedDB, to see which databases exist. */
	readonly indexedDB: IDBFactory;
	/** The server it talks to (replaceable: a reset server comes back on another port). */
	server: TestServer;
	/** Whether the device has a network. */
	online: boolean;
	/** The Cookie header value it sends. */
	cookie: string;
	/** Requests made (pull and push), for assertions about batching. */
	readonly requests: { method: string; url: string }[];
	/** Turns the network on or off (off: requests fail, sockets close). */
	setOnline(online: boolean): void;
	/** Opens the customer's database and starts syncing. */
	start(session: { customerId: string; databaseId: string }, options?: Partial<SyncEngineOptions>): Promise<SyncEngine>;
}

let devices = 0;

/** Names of the IndexedDB databases on a device. */
export async function databaseNames(device: TestDevice): Promise<string[]> {
	return (await device.indexedDB.databases()).map((d) => d.name ?? '');
}

/** Records stored in the device's IndexedDB databases whose name contains `part`. */
export async function storedRecords(device: TestDevice, part: string): Promise<number> {
	let total = 0;
	for (const name of (await databaseNames(device)).filter((n) => n.includes(part))) {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const req = device.indexedDB.open(name);
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
		for (const store of Array.from(db.objectStoreNames)) {
			total += await new Promise<number>((resolve, reject) => {
				const req = db.transaction(store, 'readonly').objectStore(store).count();
				req.onsuccess = () => resolve(req.result);
				req.onerror = () => reject(req.error);
			});
		}
		db.close();
	}
	return total;
}

/** A new device talking to `server` as the session in `cookie`. */
export function createDevice(server: TestServer, cookie: string): TestDevice {
	const indexedDB = new IDBFactory();
	const validated = wrappedValidateAjvStorage({ storage: getRxStorageDexie({ indexedDB, IDBKeyRange }) });
	// RxDB keeps one open database per (storage, name) and Dexie one connection per database name
	// in a process, whatever the IndexedDB factory. Two phones of one customer in one test must
	// not share them, so each device's storage has its own name and suffixes its databases.
	const n = ++devices;
	const storage: RxStorage<any, any> = {
		name: `${validated.name}-device-${n}`,
		rxdbVersion: validated.rxdbVersion,
		createStorageInstance: (params) => validated.createStorageInstance({ ...params, databaseName: `${params.databaseName}--device${n}` })
	};
	const sockets = new Set<WebSocket>();
	const requests: { method: string; url: string }[] = [];

	const device: TestDevice = {
		storage,
		indexedDB,
		server,
		online: true,
		cookie,
		requests,
		setOnline(online) {
			device.online = online;
			if (!online) for (const ws of sockets) ws.terminate();
		},
		start(session, options = {}) {
			return openSync({
				customerId: session.customerId,
				databaseId: session.databaseId,
				storage,
				baseUrl: device.server.url,
				fetch: (url, init) => {
					requests.push({ method: init?.method ?? 'GET', url });
					if (!device.online) return Promise.reject(new TypeError('fetch failed (device offline)'));
					return fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie: device.cookie, origin: device.server.config.publicUrl } });
				},
				socket: { WebSocket: DeviceSocket, backoff: { baseMs: 50, maxMs: 500 } },
				retry: { baseMs: 50, maxMs: 500 },
				...options
			});
		}
	};

	class DeviceSocket extends WebSocket {
		constructor(url: string) {
			// Offline: a port nobody listens on, so the attempt fails like it would on a phone.
			super(device.online ? url : 'ws://127.0.0.1:9', { headers: { cookie: device.cookie } });
			sockets.add(this);
			this.on('close', () => sockets.delete(this));
			this.on('error', () => {});
		}
	}
	return device;
}

/** The customer part of a session answer. */
export function customerSession(session: SessionInfo): { customerId: string; databaseId: string } {
	if (session.kind !== 'customer') throw new Error('not a customer session');
	return { customerId: session.customerId, databaseId: session.databaseId };
}
