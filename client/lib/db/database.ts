import { addRxPlugin, createRxDatabase, removeRxDatabase, type RxCollection, type RxDatabase, type RxJsonSchema, type RxStorage } from 'rxdb';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { COLLECTIONS, type CollectionName } from '../../../shared/protocol/collections.ts';
import type { DocTypes } from '../../../shared/schemas/index.ts';
import { rxSchemas } from './rx-schemas.ts';
import { conflictHandlerFor } from './conflicts.ts';

// Framework-agnostic on purpose (no $app/$lib, no import.meta.env): the same code runs in the
// browser on Dexie and in Node tests on fake-indexeddb. The caller picks the storage.

addRxPlugin(RxDBLocalDocumentsPlugin);

/** The RxDB collection of each replicated collection. */
export type PorchlightCollections = { [C in CollectionName]: RxCollection<DocTypes[C]> };

/** The device's database for one signed-in customer. */
export type PorchlightDatabase = RxDatabase<PorchlightCollections>;

/** Options of `createDatabase`. */
export interface CreateDatabaseOptions {
	/** Database name; use `databaseNameFor(customerId)` so two users never share one. */
	name: string;
	/** Dexie in the browser (wrapped with validation in dev and tests). */
	storage: RxStorage<any, any>;
	/** Share one database between tabs (browser): true. Node and tests: false. */
	multiInstance?: boolean;
}

/**
 * The local database name of a customer. RxDB asks for lower-case names, so anything but
 * lower-case letters, digits and `-` becomes `_` plus its two hex digits (ids are ASCII): ids that
 * differ only in case never share a database.
 */
export function databaseNameFor(customerId: string): string {
	const safe = customerId.replace(/[^a-z0-9-]/g, (ch) => '_' + ch.charCodeAt(0).toString(16).padStart(2, '0'));
	return `porchlight-${safe}`;
}

/**
 * Opens (creating if needed) the database with the five replicated collections from the shared
 * schemas, and local documents for the sync engine's own bookkeeping (failed writes, which
 * server database the data came from). Local documents are not collections, so a client uses 5
 * of the 13 collections RxDB's free build allows per process.
 */
export async function createDatabase(options: CreateDatabaseOptions): Promise<PorchlightDatabase> {
	const db = await createRxDatabase<PorchlightCollections>({
		name: options.name,
		storage: options.storage,
		multiInstance: options.multiInstance ?? false,
		localDocuments: true,
		// A phone can lose its session any time; nothing to gain from waiting for idle to close.
		closeDuplicates: true,
		eventReduce: true
	});
	try {
		await db.addCollections(
			Object.fromEntries(
				COLLECTIONS.map((c) => [
					c,
					{
						schema: rxSchemas[c] as unknown as RxJsonSchema<DocTypes[typeof c]>,
						conflictHandler: conflictHandlerFor(c),
						localDocuments: false
					}
				])
			) as Parameters<PorchlightDatabase['addCollections']>[0]
		);
	} catch (err) {
		await db.close();
		throw err;
	}
	return db;
}

/**
 * Deletes a database that may not be open (sign-out of a user whose data was never opened in
 * this page, or cleanup after a crash). An open one is better removed with `db.remove()`.
 */
export async function removeDatabase(name: string, storage: RxStorage<any, any>, multiInstance = false): Promise<void> {
	await removeRxDatabase(name, storage, multiInstance);
}

/**
 * Deletes the IndexedDB databases the Dexie storage made for database `name`. RxDB's remove
 * empties them but leaves the (empty) IndexedDB databases behind; this takes away the names
 * too, so nothing on the device even says who used it. Needs `indexedDB.databases()`; where
 * that is missing the emptied databases simply stay.
 */
export async function deleteIndexedDbFiles(indexedDB: IDBFactory, name: string): Promise<void> {
	if (typeof indexedDB.databases !== 'function') return;
	const prefix = `rxdb-dexie-${name}--`;
	const names = (await indexedDB.databases()).map((d) => d.name).filter((n): n is string => !!n && n.startsWith(prefix));
	await Promise.all(
		names.map(
			(n) =>
				new Promise<void>((resolve) => {
					const req = indexedDB.deleteDatabase(n);
					req.onsuccess = req.onerror = () => resolve();
					// Another tab still holds it open: it goes when that tab lets go.
					req.onblocked = () => resolve();
				})
		)
	);
}
