import type { UploadResponse } from '../../../shared/protocol/uploads.ts';

/*
 * Messages with photos that are not in the replicated outbox yet, because their photos have not
 * all been uploaded. Kept in a small IndexedDB database of their own (one per customer), apart
 * from RxDB: the photos' bytes must never reach the replicated `messages` collection, and this
 * store is deleted whole at sign-out.
 */

/** A photo resized on the device, ready to upload. */
export interface DevicePhoto {
	/** The name shown (and sent to the server, which fixes its extension). */
	name: string;
	mime: 'image/jpeg' | 'image/png' | 'image/webp';
	width: number;
	height: number;
	/** The encoded image. An ArrayBuffer rather than a Blob: every IndexedDB stores those. */
	bytes: ArrayBuffer;
}

/** A photo of a held message: its bytes, and the server's upload once it is there. */
export interface HeldPhoto extends DevicePhoto {
	/** Stable within the message (thumbnails are keyed by it). */
	key: string;
	/** Set once the server has the photo; the message refers to it by this. */
	upload: UploadResponse | null;
}

/** Why a held message stopped trying: the server refused a photo. Retry clears it. */
export interface HeldFailure {
	/** The server's error code (`UNSUPPORTED_MEDIA_TYPE`, `PAYLOAD_TOO_LARGE`, …). */
	code: string;
	/** A sentence to show. */
	message: string;
}

/** A message the customer sent with photos, held on the device until every photo is uploaded. */
export interface HeldMessage {
	/** The message's id, the same once it is in the outbox and at the server. */
	id: string;
	body: string;
	/** When the customer sent it (device clock). */
	sentAt: number;
	photos: HeldPhoto[];
	failure: HeldFailure | null;
}

const STORE = 'held';

/** The IndexedDB database holding a customer's held photo messages. */
export function photoDatabaseName(customerId: string): string {
	const safe = customerId.replace(/[^a-z0-9-]/g, (ch) => '_' + ch.charCodeAt(0).toString(16).padStart(2, '0'));
	return `porchlight-photos-${safe}`;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
}

function done(tx: IDBTransaction): Promise<void> {
	return new Promise((resolve, reject) => {
		tx.oncomplete = () => resolve();
		tx.onerror = () => reject(tx.error);
		tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
	});
}

/** A customer's held photo messages in their own IndexedDB database. */
export class PhotoStore {
	readonly #idb: IDBFactory;
	readonly #name: string;
	#db: Promise<IDBDatabase> | null = null;
	#closed = false;

	constructor(indexedDB: IDBFactory, customerId: string) {
		this.#idb = indexedDB;
		this.#name = photoDatabaseName(customerId);
	}

	#open(): Promise<IDBDatabase> {
		if (this.#closed) return Promise.reject(new Error('photo store closed'));
		this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
			const req = this.#idb.open(this.#name, 1);
			req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
			req.onsuccess = () => {
				const db = req.result;
				// Sign-out in another tab deletes the database: let go of it at once.
				db.onversionchange = () => {
					db.close();
					this.#db = null;
				};
				resolve(db);
			};
			req.onerror = () => reject(req.error);
			req.onblocked = () => reject(new Error('photo store blocked'));
		}).catch((err) => {
			this.#db = null;
			throw err;
		});
		return this.#db;
	}

	/**
	 * Whether the database exists, without creating it (so a customer who never held a photo has
	 * none). True where the browser cannot tell.
	 */
	async exists(): Promise<boolean> {
		if (this.#db) return true;
		if (typeof this.#idb.databases !== 'function') return true;
		return (await this.#idb.databases()).some((d) => d.name === this.#name);
	}

	/** Every held message, oldest first. */
	async list(): Promise<HeldMessage[]> {
		if (!(await this.exists())) return [];
		const db = await this.#open();
		const all = await request(db.transaction(STORE, 'readonly').objectStore(STORE).getAll() as IDBRequest<HeldMessage[]>);
		return all.sort((a, b) => a.sentAt - b.sentAt || (a.id < b.id ? -1 : 1));
	}

	/** One held message, or null. */
	async get(id: string): Promise<HeldMessage | null> {
		if (!(await this.exists())) return null;
		const db = await this.#open();
		return ((await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(id))) as HeldMessage | undefined) ?? null;
	}

	/** Stores (or replaces) a held message, durably: resolved once the transaction committed. */
	async put(message: HeldMessage): Promise<void> {
		const db = await this.#open();
		const tx = db.transaction(STORE, 'readwrite');
		tx.objectStore(STORE).put(message);
		await done(tx);
	}

	/** Forgets a held message (sent on, or discarded). */
	async delete(id: string): Promise<void> {
		if (!(await this.exists())) return;
		const db = await this.#open();
		const tx = db.transaction(STORE, 'readwrite');
		tx.objectStore(STORE).delete(id);
		await done(tx);
	}

	/** Closes the connection (the data stays). */
	async close(): Promise<void> {
		this.#closed = true;
		const db = await this.#db?.catch(() => null);
		db?.close();
		this.#db = null;
	}
}

/** Deletes a customer's held photos from this device (sign-out). Close their store first. */
export function deletePhotoDatabase(indexedDB: IDBFactory, customerId: string): Promise<void> {
	return new Promise((resolve) => {
		const req = indexedDB.deleteDatabase(photoDatabaseName(customerId));
		req.onsuccess = req.onerror = () => resolve();
		// Another tab still has it open: it goes as soon as that tab lets go (see onversionchange).
		req.onblocked = () => resolve();
	});
}
