import { afterEach, expect, test } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import * as schema from '../../server/db/schema.ts';
import type { SyncEngine } from '../../client/lib/sync/engine.ts';
import { PhotoOutbox } from '../../client/lib/attachments/outbox.ts';
import { deletePhotoDatabase, PhotoStore, photoDatabaseName, type DevicePhoto } from '../../client/lib/attachments/photo-store.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { pngBytes } from '../helpers/images.ts';
import { createDevice, databaseNames, type TestDevice } from '../helpers/rxdb-client.ts';
import { createCustomer, customerCookie } from '../helpers/sync.ts';

/*
 * The device side of message photos, in Node: a phone's IndexedDB (fake-indexeddb) holding the
 * message and its photos while offline, across a restart, then uploading, handing the message to
 * the sync engine and reaching the server exactly once; refusals, retry, discard, two tabs at
 * once, and sign-out deleting the held photos.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

async function server(): Promise<TestServer> {
	const s = await startServer();
	cleanups.push(() => s.close());
	return s;
}

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

function photo(name: string, bytes: Uint8Array, mime: DevicePhoto['mime'] = 'image/png', size = { width: 4, height: 4 }): DevicePhoto {
	// A copy with its own ArrayBuffer (a small Node Buffer is a view into a shared pool).
	return { name, mime, ...size, bytes: new Uint8Array(bytes).buffer };
}

/** A phone: its sync engine and photo outbox over one IndexedDB, with uploads counted. */
async function open(s: TestServer, device: TestDevice, customerId: string) {
	const uploads: string[] = [];
	const engine = await device.start({ customerId, databaseId: s.app.store.databaseId });
	const outbox = new PhotoOutbox({
		db: engine.db,
		store: new PhotoStore(device.indexedDB, customerId),
		transport: {
			baseUrl: s.url,
			fetch: (url, init) => {
				if (!device.online) return Promise.reject(new TypeError('fetch failed (device offline)'));
				uploads.push(url);
				return fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie: device.cookie, origin: s.config.publicUrl } });
			}
		},
		isOnline: () => device.online,
		retry: { baseMs: 50, maxMs: 200 }
	});
	const close = async () => {
		await outbox.stop();
		await engine.close();
	};
	return { engine, outbox, uploads, close };
}

function serverMessages(s: TestServer, customerId: string) {
	return s.app.store.db.select().from(schema.messages).where(eq(schema.messages.customerId, customerId)).orderBy(asc(schema.messages.seq)).all();
}

test('a message with photos sent offline is held across a restart, then uploaded and delivered once', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	device.setOnline(false);
	let phone = await open(s, device, customer.id);
	cleanups.push(() => phone.engine.remove());
	expect(await databaseNames(device)).not.toContain(photoDatabaseName(customer.id));

	const first = pngBytes(40, 30);
	const second = pngBytes(20, 20, [0, 0, 255]);
	const held = await phone.outbox.hold('', [photo('sink.png', first, 'image/png', { width: 40, height: 30 }), photo('meter.png', second)]);
	expect(held.body).toBe('2 photos');
	expect(phone.outbox.held.map((m) => m.id)).toEqual([held.id]);
	// Held, not in the replicated outbox: nothing for the sync engine to push yet.
	expect(await phone.engine.db.messages.findOne(held.id).exec()).toBeNull();
	expect(phone.uploads).toEqual([]);

	// The app is closed and opened again, still offline.
	await phone.close();
	phone = await open(s, device, customer.id);
	await until('the held message after the restart', () => phone.outbox.held.length === 1);
	const [again] = phone.outbox.held;
	expect(again).toMatchObject({ id: held.id, body: '2 photos', failure: null });
	expect(new Uint8Array(again.photos[0].bytes)).toEqual(new Uint8Array(first));
	expect(serverMessages(s, customer.id)).toEqual([]);

	device.setOnline(true);
	await phone.outbox.run();
	await until('the message at the server', () => serverMessages(s, customer.id).length === 1);
	await phone.engine.awaitInSync();
	const [row] = serverMessages(s, customer.id);
	expect(row.id).toBe(held.id);
	expect(row.body).toBe('2 photos');
	expect(row.attachments.map((a) => [a.name, a.mime, a.width, a.height, a.size])).toEqual([
		['sink.png', 'image/png', 40, 30, first.byteLength],
		['meter.png', 'image/png', 20, 20, second.byteLength]
	]);
	expect(phone.uploads).toHaveLength(2);
	expect(phone.outbox.held).toEqual([]);
	expect(await new PhotoStore(device.indexedDB, customer.id).list()).toEqual([]);
	// The device's copy is the server's: sent, with the same attachments.
	await until('the server copy on the device', async () => ((await phone.engine.db.messages.findOne(held.id).exec())?.createdAt ?? 0) > 0);
	const local = (await phone.engine.db.messages.findOne(held.id).exec())!.toJSON();
	expect(local.attachments).toEqual(row.attachments.map((a) => ({ ...a, width: a.width ?? null, height: a.height ?? null })));
	await new Promise((r) => setTimeout(r, 300));
	expect(serverMessages(s, customer.id)).toHaveLength(1);
});

test('a photo the server refuses marks its message failed without holding up the next; retry and discard', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	device.setOnline(false);
	const phone = await open(s, device, customer.id);
	cleanups.push(() => phone.engine.remove());

	// Not an image, whatever it claims: the server answers 415.
	const bad = await phone.outbox.hold('Receipt', [photo('receipt.jpg', new TextEncoder().encode('not really a photo'), 'image/jpeg')], { now: 1_000 });
	const good = await phone.outbox.hold('Meter', [photo('meter.png', pngBytes(6, 6))], { now: 2_000 });
	device.setOnline(true);
	await phone.outbox.run();
	await until('the good message at the server', () => serverMessages(s, customer.id).length === 1);
	expect(serverMessages(s, customer.id)[0].id).toBe(good.id);
	await until('the refusal', () => phone.outbox.held.length === 1 && phone.outbox.held[0].failure !== null);
	expect(phone.outbox.held[0]).toMatchObject({ id: bad.id, failure: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringMatching(/JPEG, PNG or WebP/) } });

	await phone.outbox.retry(bad.id);
	await until('the second refusal', () => phone.outbox.held[0]?.failure !== null);
	expect(phone.outbox.held[0].sentAt).toBeGreaterThan(1_000);

	await phone.outbox.discard(bad.id);
	expect(phone.outbox.held).toEqual([]);
	await phone.engine.awaitInSync();
	expect(serverMessages(s, customer.id)).toHaveLength(1);
	expect(await phone.engine.db.messages.findOne(bad.id).exec()).toBeNull();
});

test('two tabs sending the same held message make one message and one upload per photo', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	device.setOnline(false);
	const tab = await open(s, device, customer.id);
	cleanups.push(() => tab.engine.remove());
	const held = await tab.outbox.hold('Both tabs', [photo('a.png', pngBytes(9, 9)), photo('b.png', pngBytes(10, 9))]);
	// A second outbox over the same IndexedDB and database, like another tab of the app.
	const other = new PhotoOutbox({
		db: tab.engine.db,
		store: new PhotoStore(device.indexedDB, customer.id),
		transport: { baseUrl: s.url, fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie: device.cookie, origin: s.config.publicUrl } }) },
		isOnline: () => device.online
	});
	cleanups.push(() => other.stop());
	device.setOnline(true);
	await Promise.all([tab.outbox.run(), other.run()]);
	await until('the message at the server', () => serverMessages(s, customer.id).length === 1);
	await tab.engine.awaitInSync();
	await new Promise((r) => setTimeout(r, 300));
	const rows = serverMessages(s, customer.id);
	expect(rows.map((r) => r.id)).toEqual([held.id]);
	expect(rows[0].attachments).toHaveLength(2);
	expect(s.app.store.db.select().from(schema.uploads).where(eq(schema.uploads.customerId, customer.id)).all()).toHaveLength(2);
});

test('sign-out deletes the held photos from the device', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	device.setOnline(false);
	const phone = await open(s, device, customer.id);
	cleanups.push(() => phone.engine.remove());
	await phone.outbox.hold('Later', [photo('later.png', pngBytes(3, 3))]);
	expect(await databaseNames(device)).toContain(photoDatabaseName(customer.id));
	await phone.outbox.stop();
	await deletePhotoDatabase(device.indexedDB, customer.id);
	await until('the photo database to be gone', async () => !(await databaseNames(device)).includes(photoDatabaseName(customer.id)));
	expect(await new PhotoStore(device.indexedDB, customer.id).list()).toEqual([]);
});
