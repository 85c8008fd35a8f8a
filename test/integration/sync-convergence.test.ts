import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { createCustomer, customerCookie, ensureTestThread, pull, pullAll } from '../helpers/sync.ts';

type Doc = Record<string, any>;
const WRITES = 5000;
const COLLECTIONS_UNDER_TEST: CollectionName[] = ['profile', 'invoices', 'messages', 'appointments'];

let server: TestServer;
const clock = fakeClock();
beforeAll(async () => {
	server = await startServer({}, { clock: clock.now });
});
afterAll(async () => {
	await server.close();
});

/** A small deterministic PRNG so a failure can be replayed. */
function prng(seed: number) {
	let x = seed >>> 0 || 1;
	return () => {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		return (x >>> 0) / 0x1_0000_0000;
	};
}

test('5,000 writes in one frozen millisecond while a device pulls in batches of 7: the device ends with exactly the server’s set', async () => {
	const a = createCustomer(server.app);
	const other = createCustomer(server.app);
	const { cookie } = customerCookie(server, a.id);
	const threadId = ensureTestThread(server.app, a.id);
	const otherThread = ensureTestThread(server.app, other.id);
	const random = prng(20260512);
	const frozenAt = clock.now();
	const live: Record<'messages' | 'invoices' | 'appointments', string[]> = { messages: [], invoices: [], appointments: [] };
	const pick = (list: string[]) => list[Math.floor(random() * list.length)];

	function oneWrite(w: Parameters<Parameters<typeof server.app.writer.transaction>[0]>[0], n: number) {
		const r = random();
		if (r < 0.3 || live.messages.length === 0) {
			const id = randomUUID();
			w.db.insert(s.messages).values({ id, threadId, customerId: a.id, authorKind: 'staff', authorName: 'Olive', body: `m${n}`, sentAt: w.now, seq: w.touch('messages', a.id, id), createdAt: w.now, updatedAt: w.now }).run();
			live.messages.push(id);
		} else if (r < 0.45) {
			const id = pick(live.messages);
			const prev = w.db.select({ u: s.messages.updatedAt }).from(s.messages).where(eq(s.messages.id, id)).get()!;
			w.db.update(s.messages).set({ body: `edit ${n}`, seq: w.touch('messages', a.id, id), updatedAt: w.version(prev.u) }).where(eq(s.messages.id, id)).run();
		} else if (r < 0.5) {
			const id = live.messages.splice(Math.floor(random() * live.messages.length), 1)[0];
			const prev = w.db.select({ u: s.messages.updatedAt }).from(s.messages).where(eq(s.messages.id, id)).get()!;
			w.db.update(s.messages).set({ deleted: true, seq: w.touch('messages', a.id, id), updatedAt: w.version(prev.u) }).where(eq(s.messages.id, id)).run();
		} else if (r < 0.62 || live.invoices.length === 0) {
			const id = randomUUID();
			w.db.insert(s.invoices)
				.values({ id, customerId: a.id, number: `N-${n}`, title: `i${n}`, status: random() < 0.3 ? 'draft' : 'open', currency: 'USD', subtotal: n, tax: 0, total: n, seq: w.touch('invoices', a.id, id), createdAt: w.now, updatedAt: w.now })
				.run();
			live.invoices.push(id);
		} else if (r < 0.72) {
			// Drafts come and go: the device must end without the drafts and with the rest.
			const id = pick(live.invoices);
			const prev = w.db.select({ u: s.invoices.updatedAt, st: s.invoices.status }).from(s.invoices).where(eq(s.invoices.id, id)).get()!;
			w.db.update(s.invoices).set({ status: prev.st === 'draft' ? 'open' : 'draft', seq: w.touch('invoices', a.id, id), updatedAt: w.version(prev.u) }).where(eq(s.invoices.id, id)).run();
		} else if (r < 0.77) {
			const id = pick(live.invoices);
			w.db.insert(s.payments).values({ id: randomUUID(), invoiceId: id, customerId: a.id, amount: n, currency: 'USD', method: 'cash', status: 'succeeded', provider: 'manual', createdAt: w.now, updatedAt: w.now }).run();
			w.bump('invoices', a.id, id);
		} else if (r < 0.87 || live.appointments.length === 0) {
			const id = randomUUID();
			w.db.insert(s.appointments).values({ id, customerId: a.id, title: `a${n}`, status: 'requested', source: 'staff', seq: w.touch('appointments', a.id, id), createdAt: w.now, updatedAt: w.now }).run();
			live.appointments.push(id);
		} else if (r < 0.93) {
			const id = pick(live.appointments);
			const prev = w.db.select({ u: s.appointments.updatedAt }).from(s.appointments).where(eq(s.appointments.id, id)).get()!;
			w.db.update(s.appointments).set({ status: 'confirmed', title: `a${n}!`, seq: w.touch('appointments', a.id, id), updatedAt: w.version(prev.u) }).where(eq(s.appointments.id, id)).run();
		} else if (r < 0.97) {
			const prev = w.db.select({ u: s.customers.updatedAt }).from(s.customers).where(eq(s.customers.id, a.id)).get()!;
			w.db.update(s.customers).set({ phone: `p${n}`, seq: w.touch('profile', a.id, a.id), updatedAt: w.version(prev.u) }).where(eq(s.customers.id, a.id)).run();
		} else {
			// Someone else's rows interleave in the seq stream; the device must skip them cleanly.
			const id = randomUUID();
			w.db.insert(s.messages).values({ id, threadId: otherThread, customerId: other.id, authorKind: 'staff', authorName: 'Olive', body: `o${n}`, sentAt: w.now, seq: w.touch('messages', other.id, id), createdAt: w.now, updatedAt: w.now }).run();
		}
	}

	let done = false;
	const writer = (async () => {
		let n = 0;
		while (n < WRITES) {
			const batch = Math.min(WRITES - n, 1 + Math.floor(random() * 12));
			server.app.writer.transaction((w) => {
				for (let i = 0; i < batch; i++) oneWrite(w, n + i);
			});
			n += batch;
			await new Promise((r) => setImmediate(r));
		}
		done = true;
	})();

	// The device: one pull loop per collection, 7 documents a page, applying pages in order.
	const device = Object.fromEntries(COLLECTIONS_UNDER_TEST.map((c) => [c, new Map<string, Doc>()])) as Record<CollectionName, Map<string, Doc>>;
	let pulls = 0;
	let pullsDuringWrites = 0;
	async function follow(c: CollectionName) {
		let after = 0;
		for (;;) {
			const finished = done;
			const res = await pull(server, cookie, c, { after, limit: 7 });
			expect(res.status).toBe(200);
			pulls++;
			if (!done) pullsDuringWrites++;
			for (const d of res.body.documents as Doc[]) {
				if (d._deleted) device[c].delete(d.id);
				else device[c].set(d.id, d);
			}
			expect(res.body.checkpoint.seq).toBeGreaterThanOrEqual(after);
			after = res.body.checkpoint.seq;
			if (res.body.documents.length === 0 && finished) return;
		}
	}
	await Promise.all([writer, ...COLLECTIONS_UNDER_TEST.map(follow)]);
	expect(clock.now()).toBe(frozenAt);
	expect(pulls).toBeGreaterThan(WRITES / 7);
	expect(pullsDuringWrites).toBeGreaterThan(100);

	for (const c of COLLECTIONS_UNDER_TEST) {
		const truth = new Map((await pullAll(server, cookie, c)).documents.filter((d) => !d._deleted).map((d) => [d.id, d]));
		expect(device[c].size, c).toBe(truth.size);
		expect(device[c], c).toEqual(truth);
	}
	// And the truth is the database's: every live message of A, every non-draft invoice.
	expect([...device.messages.keys()].sort()).toEqual([...live.messages].sort());
	const issued = server.app.store.sqlite.prepare(`SELECT id FROM invoices WHERE customer_id = ? AND status != 'draft' AND deleted = 0`).all(a.id) as { id: string }[];
	expect([...device.invoices.keys()].sort()).toEqual(issued.map((r) => r.id).sort());
	expect(device.profile.get(a.id)!.phone).toBe(server.app.store.db.select().from(s.customers).where(eq(s.customers.id, a.id)).get()!.phone);
}, 240_000);
