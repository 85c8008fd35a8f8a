import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { IntentResponse } from '../../shared/protocol/payments.ts';
import { createSession, sessionCookieName } from '../../server/auth/sessions.ts';
import { testConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/db/client.ts';
import { customers, invoices, payments, portalUsers } from '../../server/db/schema.ts';
import { ChangeFeed } from '../../server/sync/changes.ts';
import { Writer } from '../../server/sync/writer.ts';
import { freePort, tempDataDir, type TestServer } from '../helpers/app.ts';
import { addInvoice, call, invoiceRow, payCustomer, paymentRows, startPayServer } from '../fakes/payments-world.ts';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe.ts';

let fake: FakeStripe | undefined;
let server: TestServer | undefined;
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
	for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
	await server?.close();
	await fake?.close();
	server = undefined;
	fake = undefined;
	for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** One tap on Pay; a connection the server dropped is status 0. */
const tap = (url: string, cookie: string, invoiceId: string) =>
	fetch(`${url}/api/pay/invoices/${invoiceId}/intent`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url, cookie }, body: '{}' }).then(
		async (r) => ({ status: r.status, body: (await r.json()) as IntentResponse }),
		() => ({ status: 0, body: null })
	);

test('twenty taps at once, the server closed mid-request and started again on the same data: one intent, one charge', async () => {
	fake = await startFakeStripe();
	fake.latencyMs = 20;
	const dataDir = tempDataDir();
	dirs.push(dataDir);
	server = await startPayServer(fake, { overrides: { dataDir } });
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 64_000 });

	// Stripe takes its time over the create; meanwhile the customer keeps tapping and the server goes down.
	const hold = fake.hold('POST', /^\/v1\/payment_intents$/);
	const first = Array.from({ length: 20 }, () => tap(server!.url, c.cookie, invoiceId));
	await hold.arrived(1);
	server.app.server.closeAllConnections();
	const closing = server.close({ keepData: true });
	setTimeout(() => hold.release(), 100);
	await closing;
	const answered = (await Promise.all(first)).filter((r) => r.status !== 0);
	// Whatever got an answer before the close got the same one.
	expect(new Set(answered.map((r) => r.body!.paymentId)).size).toBeLessThanOrEqual(1);

	server = await startPayServer(fake, { overrides: { dataDir } });
	const second = await Promise.all(Array.from({ length: 20 }, () => tap(server!.url, c.cookie, invoiceId)));
	for (const r of second) expect(r.status).toBe(200);
	expect(new Set(second.map((r) => r.body!.paymentId)).size).toBe(1);
	expect(new Set(second.map((r) => r.body!.clientSecret)).size).toBe(1);
	expect(second[0].body).toMatchObject({ attempt: 1, amount: 64_000, status: 'pending' });

	const intents = fake.intentsForInvoice(invoiceId);
	expect(intents).toHaveLength(1);
	expect(second[0].body!.clientSecret).toBe(intents[0].client_secret);
	// Every create for this invoice carried the same key.
	const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
	expect(new Set(creates.map((r) => r.idempotencyKey))).toEqual(new Set([`pi:${invoiceId}:1`]));
	expect(paymentRows(server, invoiceId)).toHaveLength(1);

	fake.confirm(intents[0].id, 'card_ok');
	for (const e of fake.eventsFor(intents[0].id)) expect((await fake.deliver(`${server.url}/api/pay/webhook`, e)).status).toBe(200);
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 64_000 });
	expect(fake.charged()).toHaveLength(1);
	const after = await tap(server.url, c.cookie, invoiceId);
	expect(after.status).toBe(409);
});

/** Starts the server as its own process, aimed at the fake Stripe, so a SIGKILL hits it mid-payment. */
async function startProcess(dir: string, port: number, f: FakeStripe): Promise<{ child: ChildProcess; url: string }> {
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/fakes/pay-server-main.ts')], {
		env: {
			PATH: process.env.PATH,
			PORT: String(port),
			HOST: '127.0.0.1',
			PUBLIC_URL: url,
			DATA_DIR: dir,
			NODE_ENV: 'test',
			SEED_DEMO: 'false',
			LOG_LEVEL: 'silent',
			STRIPE_SECRET_KEY: f.keys.secretKey,
			STRIPE_PUBLISHABLE_KEY: f.keys.publishableKey,
			STRIPE_WEBHOOK_SECRET: f.keys.webhookSecret,
			FAKE_STRIPE_PORT: String(f.api.port)
		},
		stdio: ['ignore', 'ignore', 'pipe']
	});
	children.push(child);
	let stderr = '';
	child.stderr!.on('data', (d) => (stderr += d));
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
		try {
			if ((await fetch(`${url}/api/health`)).ok) return { child, url };
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`server did not start: ${stderr}`);
}

test('SIGKILL after Stripe made the intent but before the server stored it: after restart, twenty more taps reach that same intent; one charge', async () => {
	fake = await startFakeStripe();
	const dataDir = tempDataDir();
	dirs.push(dataDir);
	// A customer, a session and an open invoice, written before the server first starts.
	const store = openDatabase(dataDir);
	const writer = new Writer(store, new ChangeFeed(), Date.now);
	const customerId = 'kill-customer';
	const invoiceId = 'kill-invoice';
	writer.transaction((w) => {
		w.db.insert(customers).values({ id: customerId, name: 'Kill Test', email: 'kill@example.com', seq: w.touch('profile', customerId, customerId), createdAt: w.now, updatedAt: w.now }).run();
		w.db.insert(portalUsers).values({ id: 'kill-user', customerId, email: 'kill@example.com', createdAt: w.now }).run();
		w.db.insert(invoices)
			.values({ id: invoiceId, customerId, number: 'INV-90001', title: 'Boiler', status: 'open', currency: 'USD', subtotal: 31_500, tax: 0, total: 31_500, issuedAt: w.now, dueDate: '2099-01-01', seq: w.touch('invoices', customerId, invoiceId), createdAt: w.now, updatedAt: w.now })
			.run();
	});
	const { token } = createSession(store.db, { kind: 'customer', portalUserId: 'kill-user', customerId }, { now: Date.now() });
	store.sqlite.close();

	const port = await freePort();
	const cookie = `${sessionCookieName(testConfig({ dataDir, publicUrl: `http://127.0.0.1:${port}` }))}=${token}`;
	const hold = fake.hold('POST', /^\/v1\/payment_intents$/);
	const a = await startProcess(dataDir, port, fake);
	const taps = Array.from({ length: 20 }, () => tap(a.url, cookie, invoiceId));
	await hold.arrived(1);
	a.child.kill('SIGKILL');
	await new Promise<void>((r) => (a.child.exitCode !== null || a.child.signalCode !== null ? r() : a.child.once('exit', () => r())));
	expect(a.child.signalCode).toBe('SIGKILL');
	for (const r of await Promise.all(taps)) expect(r.status).toBe(0);
	hold.release();

	// Stripe has the intent; our database has the attempt but not the intent's id.
	expect(fake.intentsForInvoice(invoiceId)).toHaveLength(1);
	const between = openDatabase(dataDir);
	const rows = between.db.select().from(payments).all();
	between.sqlite.close();
	expect(rows).toHaveLength(1);
	expect(rows[0]).toMatchObject({ attempt: 1, status: 'pending', providerRef: null });

	const b = await startProcess(dataDir, port, fake);
	const again = await Promise.all(Array.from({ length: 20 }, () => tap(b.url, cookie, invoiceId)));
	for (const r of again) expect(r.status).toBe(200);
	expect(new Set(again.map((r) => r.body!.paymentId))).toEqual(new Set([rows[0].id]));
	const intents = fake.intentsForInvoice(invoiceId);
	expect(intents).toHaveLength(1);
	expect(new Set(again.map((r) => r.body!.clientSecret))).toEqual(new Set([intents[0].client_secret]));
	// The restarted server asked again with the same key and got Stripe's stored answer.
	const creates = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
	expect(creates.map((r) => r.idempotencyKey)).toEqual([`pi:${invoiceId}:1`, `pi:${invoiceId}:1`]);
	expect(creates[1].replayed).toBe(true);

	fake.confirm(intents[0].id, 'card_ok');
	for (const e of fake.eventsFor(intents[0].id)) expect((await fake.deliver(`${b.url}/api/pay/webhook`, e)).status).toBe(200);
	expect(fake.charged()).toHaveLength(1);
	const paid = await tap(b.url, cookie, invoiceId);
	expect(paid.status).toBe(409);
	b.child.kill('SIGTERM');
	await new Promise((r) => b.child.once('exit', r));
	const end = openDatabase(dataDir);
	expect(end.db.select().from(invoices).all()[0]).toMatchObject({ status: 'paid', amountPaid: 31_500 });
	end.sqlite.close();
}, 120_000);
