import { afterEach, expect, test } from 'vitest';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { createDevice, databaseNames, storedRecords } from '../helpers/rxdb-client.ts';
import { sameSiteHeaders } from '../helpers/session.ts';
import { createCustomer, createInvoice, createMessage, customerCookie, ensureTestThread, pullAll, staffCookie } from '../helpers/sync.ts';
import { asc, eq } from 'drizzle-orm';
import * as schema from '../../server/db/schema.ts';
import type { SyncEngine } from '../../client/lib/sync/engine.ts';
import { newCustomerMessage, sendMessage } from '../../client/lib/db/messages.ts';
import { removeCustomerData } from '../../client/lib/sync/open.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

async function server(): Promise<TestServer> {
	const s = await startServer();
	cleanups.push(() => s.close());
	return s;
}

function track(engine: SyncEngine): SyncEngine {
	cleanups.push(() => engine.remove());
	return engine;
}

test('a device pulls everything and holds exactly what the server has', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	for (let i = 0; i < 500; i++) createInvoice(s.app, customer.id);
	for (let i = 0; i < 500; i++) createMessage(s.app, customer.id, { body: `Message ${i}` });
	const { cookie } = customerCookie(s, customer.id);
	const device = createDevice(s, cookie);
	const engine = track(await device.start({ customerId: customer.id, databaseId: s.app.store.databaseId }));
	await engine.awaitInSync();
	for (const c of ['invoices', 'messages', 'profile'] as const) {
		const server = (await pullAll(s, cookie, c)).documents.map(({ _deleted, ...d }) => d);
		const local = (await engine.db[c].find().exec()).map((d) => d.toJSON());
		expect(local.length).toBe(server.length);
		const byId = new Map(local.map((d) => [d.id, d]));
		for (const doc of server) expect(byId.get(doc.id)).toEqual(doc);
	}
});

async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

function serverMessages(s: TestServer, customerId: string) {
	return s.app.store.db.select().from(schema.messages).where(eq(schema.messages.customerId, customerId)).orderBy(asc(schema.messages.seq)).all();
}

test('offline outbox: 500 messages written offline survive a restart and arrive once each, in order', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const { cookie } = customerCookie(s, customer.id);
	const device = createDevice(s, cookie);
	const session = { customerId: customer.id, databaseId: s.app.store.databaseId };
	device.setOnline(false);

	let engine = await device.start(session);
	const t0 = Date.UTC(2026, 4, 12, 15, 0, 0);
	const ids: string[] = [];
	for (let i = 0; i < 500; i++) ids.push((await sendMessage(engine.db, `Offline message ${i}`, { now: t0 + i })).id);
	await until('500 pending writes', () => engine.state.pendingWrites === 500);
	expect(engine.state.status).toBe('offline');
	expect(serverMessages(s, customer.id)).toHaveLength(0);

	// The app is closed while offline, and opened again later.
	await engine.close();
	engine = track(await device.start(session));
	await until('the outbox to be counted again', () => engine.state.pendingWrites === 500);
	expect(await engine.db.messages.count().exec()).toBe(500);

	device.setOnline(true);
	await until('500 messages on the server', () => serverMessages(s, customer.id).length === 500);
	await engine.awaitInSync();
	await until('no pending writes', () => engine.state.pendingWrites === 0 && engine.state.status === 'synced');

	const stored = serverMessages(s, customer.id);
	expect(stored.map((m) => m.id)).toEqual(ids);
	expect(stored.map((m) => m.body)).toEqual(ids.map((_, i) => `Offline message ${i}`));
	expect(new Set(stored.map((m) => m.id)).size).toBe(500);
	// Every local copy is the server's now: acknowledged, with the server's fields.
	await until('server fields on every local message', async () => (await engine.db.messages.find({ selector: { createdAt: 0 } }).exec()).length === 0);
	expect(engine.state.failedWrites).toBe(0);
});

test('500 queued messages pushed with slow acknowledgements: every local copy becomes the server\'s', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const { cookie } = customerCookie(s, customer.id);
	const device = createDevice(s, cookie);
	const session = { customerId: customer.id, databaseId: s.app.store.databaseId };
	device.setOnline(false);
	let engine = await device.start(session);
	const ids: string[] = [];
	for (let i = 0; i < 500; i++) ids.push((await sendMessage(engine.db, `Queued message ${i}`)).id);
	await until('500 pending writes', () => engine.state.pendingWrites === 500);
	await engine.close();
	// Reopened, every push answer arrives late, so the pulls the server's change notices start overtake them.
	engine = track(
		await device.start(session, {
			fetch: async (url, init) => {
				if (!device.online) throw new TypeError('fetch failed (device offline)');
				const res = await fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie, origin: s.config.publicUrl } });
				if (String(url).includes('/push')) await new Promise((r) => setTimeout(r, 30));
				return res;
			}
		})
	);
	device.setOnline(true);
	await until('500 messages on the server', () => serverMessages(s, customer.id).length === 500);
	await until('no pending writes', () => engine.state.pendingWrites === 0);
	// Each local copy becomes the server's: its createdAt and updatedAt, not the device's zeros.
	await until('server fields on every local message', async () => (await engine.db.messages.find({ selector: { createdAt: 0 } }).exec()).length === 0);
	const stored = new Map(serverMessages(s, customer.id).map((m) => [m.id, m]));
	for (const doc of await engine.db.messages.find().exec()) {
		expect(doc.updatedAt).toBe(stored.get(doc.id)!.updatedAt);
		expect(doc.createdAt).toBe(stored.get(doc.id)!.createdAt);
	}
	expect(ids.every((id) => stored.has(id))).toBe(true);
});

test('two devices edit the same profile offline: the stale push gets a conflict, nothing is lost silently, both converge', async () => {
	const s = await server();
	const customer = createCustomer(s.app, { name: 'Casey Original' });
	const session = { customerId: customer.id, databaseId: s.app.store.databaseId };
	const a = createDevice(s, customerCookie(s, customer.id).cookie);
	const b = createDevice(s, customerCookie(s, customer.id).cookie);
	const engineA = track(await a.start(session));
	const engineB = track(await b.start(session));
	await Promise.all([engineA.awaitInSync(), engineB.awaitInSync()]);
	const original = (await engineA.db.profile.findOne(customer.id).exec())!.toJSON();

	a.setOnline(false);
	b.setOnline(false);
	const profileA = (await engineA.db.profile.findOne(customer.id).exec())!;
	await profileA.incrementalPatch({ name: 'Alpha Name', phone: '+1 555 0111' });
	const profileB = (await engineB.db.profile.findOne(customer.id).exec())!;
	await profileB.incrementalPatch({ name: 'Beta Name', billing: { ...original.billing, city: 'Shelbyville' } });
	await until('both outboxes to hold the edit', () => engineA.state.pendingWrites === 1 && engineB.state.pendingWrites === 1);

	// A reaches the server first.
	a.setOnline(true);
	await until('A acknowledged', () => engineA.state.pendingWrites === 0);
	const afterA = (await pullAll(s, a.cookie, 'profile')).documents[0];
	expect(afterA).toMatchObject({ name: 'Alpha Name', phone: '+1 555 0111', billing: { city: original.billing.city } });

	// B's push is stale: the server answers with its current state instead of applying it.
	b.setOnline(true);
	await until('B acknowledged', () => engineB.state.pendingWrites === 0 && engineB.state.failedWrites === 1);
	const final = (await pullAll(s, a.cookie, 'profile')).documents[0];
	// A's name was not silently overwritten; B's untouched-by-A field was merged in.
	expect(final).toMatchObject({ name: 'Alpha Name', phone: '+1 555 0111', billing: { city: 'Shelbyville' } });

	// B's lost edit is not silent: it is listed, with what B typed.
	const [failure] = await engineB.failures.list();
	expect(failure).toMatchObject({ collection: 'profile', id: customer.id, kind: 'conflict', fields: ['name'] });
	expect(failure.doc.name).toBe('Beta Name');

	// Both devices converge on the server's document.
	const { _deleted, ...expected } = final;
	await until('A converged', async () => JSON.stringify((await engineA.db.profile.findOne(customer.id).exec())?.toJSON()) === JSON.stringify(expected));
	await until('B converged', async () => JSON.stringify((await engineB.db.profile.findOne(customer.id).exec())?.toJSON()) === JSON.stringify(expected));
	expect((await engineA.db.profile.findOne(customer.id).exec())!.toJSON()).toEqual(expected);
	expect((await engineB.db.profile.findOne(customer.id).exec())!.toJSON()).toEqual(expected);
});

test('a staff reply reaches the device live through the stream, without polling', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const threadId = ensureTestThread(s.app, customer.id);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	const engine = track(await device.start({ customerId: customer.id, databaseId: s.app.store.databaseId }));
	await engine.awaitInSync();
	await until('the stream to be open', () => engine.state.socket === 'open' && engine.state.status === 'synced');

	// Idle: the device asks nothing of the server.
	const before = device.requests.length;
	await new Promise((r) => setTimeout(r, 700));
	expect(device.requests.length).toBe(before);

	const staff = staffCookie(s);
	const started = Date.now();
	const res = await fetch(`${s.url}/api/staff/threads/${threadId}/messages`, {
		method: 'POST',
		headers: { ...sameSiteHeaders(s, staff.cookie) },
		body: JSON.stringify({ body: 'We can come Tuesday at 9.' })
	});
	expect(res.status).toBe(201);
	const reply = (await res.json()) as { id: string };
	const doc = (await until('the reply on the device', () => engine.db.messages.findOne(reply.id).exec(), 5_000))!;
	expect(Date.now() - started).toBeLessThan(3_000);
	expect(doc.toJSON()).toMatchObject({ authorKind: 'staff', authorName: 'Olive Office', body: 'We can come Tuesday at 9.' });
	// Exactly one pull of messages fetched it, prompted by the stream.
	const pulls = device.requests.slice(before).filter((r) => r.url.includes('/messages/pull'));
	expect(pulls.length).toBeGreaterThanOrEqual(1);
	expect(device.requests.slice(before).every((r) => r.url.includes('/messages/'))).toBe(true);
});

test('convergence: 5,000 server writes in one millisecond while the device pulls in batches of 7', async () => {
	const clock = fakeClock();
	const s = await startServer({}, { clock: clock.now });
	cleanups.push(() => s.close());
	const customer = createCustomer(s.app);
	const threadId = ensureTestThread(s.app, customer.id);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	const engine = track(await device.start({ customerId: customer.id, databaseId: s.app.store.databaseId }, { pullBatchSize: 7 }));

	// Inserts, edits and deletions, all stamped with the same instant, interleaved with the pulls.
	const ids: string[] = [];
	for (let i = 0; i < 5_000; i++) {
		s.app.writer.transaction((w) => {
			const r = i % 10;
			if (r === 7 && ids.length > 0) {
				const id = ids[(i * 7919) % ids.length];
				w.db.update(schema.messages).set({ body: `Edited ${i}`, seq: w.touch('messages', customer.id, id), updatedAt: w.version(w.now) }).where(eq(schema.messages.id, id)).run();
			} else if (r === 9 && ids.length > 0) {
				const id = ids[(i * 104729) % ids.length];
				w.db.update(schema.messages).set({ deleted: true, seq: w.touch('messages', customer.id, id), updatedAt: w.version(w.now) }).where(eq(schema.messages.id, id)).run();
			} else {
				const id = `m-${i}`;
				ids.push(id);
				w.db.insert(schema.messages)
					.values({ id, threadId, customerId: customer.id, authorKind: 'staff', authorName: 'Olive Office', body: `Message ${i}`, sentAt: w.now, seq: w.touch('messages', customer.id, id), deleted: false, createdAt: w.now, updatedAt: w.now })
					.run();
			}
		});
		if (i % 50 === 0) await new Promise((r) => setImmediate(r));
	}
	const server = (await pullAll(s, device.cookie, 'messages')).documents.filter((d) => !d._deleted).map(({ _deleted, ...d }) => d);
	await until(
		'the device to hold the server set',
		async () => {
			await engine.awaitInSync();
			return (await engine.db.messages.count().exec()) === server.length;
		},
		60_000
	);
	const local = (await engine.db.messages.find().exec()).map((d) => d.toJSON());
	expect(new Set(local.map((d) => d.id))).toEqual(new Set(server.map((d) => d.id)));
	const byId = new Map(local.map((d) => [d.id, d]));
	for (const doc of server) expect(byId.get(doc.id)).toEqual(doc);
	const pulls = device.requests.filter((r) => r.url.includes('/messages/pull'));
	expect(pulls.length).toBeGreaterThanOrEqual(Math.ceil(server.length / 7));
	expect(pulls.every((r) => r.url.endsWith('&limit=7'))).toBe(true);
}, 180_000);

test('sign-out removes the local database, also one that is not open in this page', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	createMessage(s.app, customer.id, { body: 'Private to this customer' });
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	const session = { customerId: customer.id, databaseId: s.app.store.databaseId };
	const engine = await device.start(session);
	await engine.awaitInSync();
	await sendMessage(engine.db, 'Written on this phone');
	expect(await engine.db.messages.count().exec()).toBe(2);
	const name = engine.db.name;
	expect(await storedRecords(device, name)).toBeGreaterThan(2);

	await engine.remove();
	expect(engine.state.socket).toBe('stopped');
	expect(await storedRecords(device, name)).toBe(0);
	await removeCustomerData(customer.id, device.storage, { indexedDB: device.indexedDB });
	expect((await databaseNames(device)).filter((n) => n.includes(name))).toEqual([]);

	// Removing works as well for a database that is not open in this page (a stale tab's user).
	const again = await device.start(session);
	await again.awaitInSync();
	// Started from nothing: what it holds came from the server (including the message it sent).
	expect(await again.db.messages.count().exec()).toBe(2);
	await again.close();
	expect(await storedRecords(device, name)).toBeGreaterThan(0);
	await removeCustomerData(customer.id, device.storage, { indexedDB: device.indexedDB });
	expect((await databaseNames(device)).filter((n) => n.includes(name))).toEqual([]);
});

test('a reset server (new database id) makes the device start over instead of skipping rows', async () => {
	const s1 = await server();
	const customerId = 'cust-reset-1';
	createCustomer(s1.app, { id: customerId });
	for (let i = 0; i < 20; i++) createMessage(s1.app, customerId, { id: `old-${i}`, body: `Old ${i}` });
	const device = createDevice(s1, customerCookie(s1, customerId).cookie);
	let engine = await device.start({ customerId, databaseId: s1.app.store.databaseId });
	await engine.awaitInSync();
	expect(await engine.db.messages.count().exec()).toBe(20);
	// One message written offline just before the switch is kept for the new server.
	device.setOnline(false);
	const unsent = await sendMessage(engine.db, 'Still on the phone');
	await engine.close();

	// The server is replaced by a fresh one; its seq numbers start again from 1.
	const s2 = await server();
	expect(s2.app.store.databaseId).not.toBe(s1.app.store.databaseId);
	createCustomer(s2.app, { id: customerId });
	createMessage(s2.app, customerId, { id: 'new-1', body: 'New 1' });
	createMessage(s2.app, customerId, { id: 'new-2', body: 'New 2' });
	device.server = s2;
	device.cookie = customerCookie(s2, customerId).cookie;
	device.setOnline(true);
	engine = track(await device.start({ customerId, databaseId: s2.app.store.databaseId }));
	await engine.awaitInSync();
	await until('the kept message to reach the new server', () => serverMessages(s2, customerId).some((m) => m.id === unsent.id));
	await engine.awaitInSync();
	const local = (await engine.db.messages.find().exec()).map((d) => d.id).sort();
	expect(local).toEqual(['new-1', 'new-2', unsent.id].sort());
});

test('a stream hello from another server database is reported, not replicated against', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	let reported: string | null = null;
	const engine = track(await device.start({ customerId: customer.id, databaseId: 'some-other-database' }, { onServerChanged: (id) => (reported = id) }));
	await until('the mismatch to be reported', () => reported === s.app.store.databaseId);
	void engine;
});

test('a refused document is set aside as failed while the rest of the outbox goes through; retry and discard', async () => {
	const s = await server();
	const customer = createCustomer(s.app);
	const device = createDevice(s, customerCookie(s, customer.id).cookie);
	device.setOnline(false);
	const engine = track(await device.start({ customerId: customer.id, databaseId: s.app.store.databaseId }));
	const first = await sendMessage(engine.db, 'First', { now: 1_000 });
	// An attachment that is not one of the customer's uploads (a forged reference) is refused (403).
	const bad = { ...newCustomerMessage('With a photo', 2_000), attachments: [{ id: 'att-1', name: 'a.jpg', mime: 'image/jpeg', size: 10, width: null, height: null, fileSha256: 'a'.repeat(64) }] };
	await engine.db.messages.insert(bad);
	const third = await sendMessage(engine.db, 'Third', { now: 3_000 });
	device.setOnline(true);

	await until('the good messages on the server', () => serverMessages(s, customer.id).length === 2);
	expect(serverMessages(s, customer.id).map((m) => m.id)).toEqual([first.id, third.id]);
	await until('the refusal to be recorded', () => engine.state.failedWrites === 1 && engine.state.pendingWrites === 0);
	const [failure] = await engine.failures.list();
	expect(failure).toMatchObject({ collection: 'messages', id: bad.id, kind: 'rejected', code: 'FORBIDDEN', fields: ['attachments'], base: null });
	expect(failure.message).toMatch(/attachment 1 is not a photo you uploaded/i);

	// Retry puts it back in the outbox; the server refuses again, and it is failed again.
	await engine.retry(failure);
	await until('the second refusal', async () => (await engine.failures.list()).length === 1 && engine.state.pendingWrites === 0);

	// Discard removes it from the device without pushing a deletion (nothing new fails).
	await engine.discard((await engine.failures.list())[0]);
	await engine.awaitInSync();
	await until('the failure to be gone', () => engine.state.failedWrites === 0);
	expect(await engine.db.messages.findOne(bad.id).exec()).toBeNull();
	await new Promise((r) => setTimeout(r, 300));
	expect(await engine.failures.list()).toEqual([]);
	expect(serverMessages(s, customer.id)).toHaveLength(2);
});
