import type { RxStorage } from 'rxdb';
import type { Message } from '../../../shared/schemas/index.ts';
import { createDatabase, databaseNameFor, deleteIndexedDbFiles, removeDatabase, type CreateDatabaseOptions, type PorchlightDatabase } from '../db/database.ts';
import { startSync, type SyncEngine, type SyncEngineOptions } from './engine.ts';

/** Local document naming the server database the local data came from. */
const SERVER_ID = 'sync-server';

/**
 * Opens a user's database for the server database `databaseId`. Data pulled from another
 * server database (the server was reset or replaced) is worthless here and its checkpoints
 * would skip rows, so the database starts over — keeping only the messages the user wrote
 * that no server has acknowledged yet, which are sent to the new one.
 */
export async function openDatabaseFor(options: CreateDatabaseOptions, databaseId: string): Promise<PorchlightDatabase> {
	let db = await createDatabase(options);
	const known = await db.getLocal<{ databaseId: string }>(SERVER_ID);
	if (known && known.get('databaseId') !== databaseId) {
		const unsent = (await db.messages.find({ selector: { createdAt: 0, authorKind: 'customer' } }).exec()).map((d) => d.toMutableJSON() as Message);
		await db.remove();
		db = await createDatabase(options);
		if (unsent.length > 0) await db.messages.bulkInsert(unsent);
	}
	if (!known || known.get('databaseId') !== databaseId) await db.upsertLocal(SERVER_ID, { databaseId });
	return db;
}

/** What `openSync` needs: the engine's options without the database, plus how to open it. */
export interface OpenSyncOptions extends Omit<SyncEngineOptions, 'db'> {
	customerId: string;
	storage: RxStorage<any, any>;
	multiInstance?: boolean;
}

/** Opens the signed-in customer's database (see `openDatabaseFor`) and starts replicating it. */
export async function openSync(options: OpenSyncOptions): Promise<SyncEngine> {
	const { customerId, storage, multiInstance, ...engine } = options;
	const db = await openDatabaseFor({ name: databaseNameFor(customerId), storage, multiInstance }, options.databaseId);
	return startSync({ ...engine, db });
}

/**
 * Deletes a customer's local database whether or not it is open in this page (sign-out; stop
 * or `remove()` their engine first). With `indexedDB`, the emptied IndexedDB databases go too.
 */
export async function removeCustomerData(customerId: string, storage: RxStorage<any, any>, options: { indexedDB?: IDBFactory; multiInstance?: boolean } = {}): Promise<void> {
	const name = databaseNameFor(customerId);
	await removeDatabase(name, storage, options.multiInstance ?? false);
	if (options.indexedDB) await deleteIndexedDbFiles(options.indexedDB, name);
}
