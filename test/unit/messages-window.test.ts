import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, expect, test } from 'vitest';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { createDatabase, type PorchlightDatabase } from '../../client/lib/db/database.ts';
import { newCustomerMessage, threadQuery, windowStart } from '../../client/lib/db/messages.ts';

// The messages screen holds a window of the newest messages: these are the look-ups it opens and
// pages back with, on the same storage as a phone (Dexie, here on fake-indexeddb).

let db: PorchlightDatabase | null = null;
let n = 0;
afterEach(async () => {
	await db?.remove();
	db = null;
});

async function thread(sentAts: number[]): Promise<PorchlightDatabase> {
	db = await createDatabase({ name: `window-test-${++n}`, storage: getRxStorageDexie({ indexedDB: new IDBFactory(), IDBKeyRange }) });
	await db.messages.bulkInsert(sentAts.map((t, i) => newCustomerMessage(`m${i}`, t, `m-${String(i).padStart(4, '0')}`)));
	return db;
}

test('a window of the newest n starts at the n-th newest message, and says whether older ones exist', async () => {
	const d = await thread(Array.from({ length: 250 }, (_, i) => 1_000 + i * 10));
	expect(await windowStart(d, 100)).toEqual({ since: 1_000 + 150 * 10, earlier: true });
	expect(await windowStart(d, 250)).toEqual({ since: 0, earlier: false });
	// Paging back: the 100 before the window, then the rest.
	expect(await windowStart(d, 100, 2_500)).toEqual({ since: 1_500, earlier: true });
	expect(await windowStart(d, 100, 1_500)).toEqual({ since: 0, earlier: false });
});

test('the thread query from `since` holds exactly the messages sent at or after it, oldest first', async () => {
	const d = await thread([30, 10, 20, 20, 40, 50]);
	const { since } = await windowStart(d, 3);
	expect(since).toBe(30);
	const docs = await threadQuery(d, since).exec();
	expect(docs.map((m) => m.sentAt)).toEqual([30, 40, 50]);
	expect((await threadQuery(d).exec()).map((m) => m.sentAt)).toEqual([10, 20, 20, 30, 40, 50]);
});

test('with no messages the window is the whole (empty) thread', async () => {
	const d = await thread([]);
	expect(await windowStart(d, 100)).toEqual({ since: 0, earlier: false });
});
