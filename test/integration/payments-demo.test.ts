import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { DEMO_MODE_LABEL, type IntentResponse, type Receipt } from '../../shared/protocol/payments.ts';
import { openDatabase } from '../../server/db/client.ts';
import { customers, invoices, portalUsers } from '../../server/db/schema.ts';
import { createSession, sessionCookieName } from '../../server/auth/sessions.ts';
import { testConfig } from '../../server/config.ts';
import { ChangeFeed } from '../../server/sync/changes.ts';
import { Writer } from '../../server/sync/writer.ts';
import { freePort, tempDataDir, type TestServer } from '../helpers/app.ts';
import { cookieFor, outboxFiles, waitForOutboxMail } from '../helpers/session.ts';
import { addInvoice, call, eventually, invoiceRow, payCustomer, paymentRows, startPayServer, systemMessages } from '../fakes/payments-world.ts';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe.ts';

let server: TestServer | undefined;
let fake: FakeStripe | undefined;
let child: ChildProcess | undefined;
const dirs: string[] = [];
afterEach(async () => {
	if (child && child.exitCode === null) {
		child.kill('SIGTERM');
		await new Promise((r) => child!.once('exit', r));
	}
	child = undefined;
	await server?.close();
	await fake?.close();
	server = undefined;
	fake = undefined;
	for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function demo(intervalMs = 3_600_000) {
	server = await startPayServer(null, { deps: { payments: { schedulerIntervalMs: intervalMs, demoSettleMs: 50 } } });
	return server;
}

test('without Stripe keys the demo provider pays: every answer says demo mode, the receipt too', async () => {
	const server = await demo();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 21_000 });

	const config = await call(server, c.cookie, 'GET', '/api/pay/config');
	expect(config.body).toMatchObject({ provider: 'demo', demoMode: true, publishableKey: null });
	const intent = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	expect(intent.body).toMatchObject({ demoMode: true, status: 'pending', amount: 21_000, attempt: 1 });
	const again = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	expect(again.body).toEqual(intent.body);

	const paid = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/demo/payments/${intent.body.paymentId}/confirm`, { method: 'card', outcome: 'success' });
	expect(paid.body).toMatchObject({ status: 'succeeded', demoMode: true });
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 21_000 });
	expect(paymentRows(server, invoiceId)[0]).toMatchObject({ provider: 'demo', methodLabel: 'Visa •••• 4242' });
	const mail = await waitForOutboxMail(server, c.email);
	expect(mail.subject).toMatch(/^\[Demo\] Receipt/);
	expect(mail.text).toContain(DEMO_MODE_LABEL);
	const receipt = await call<Receipt>(server, c.cookie, 'GET', `/api/pay/payments/${intent.body.paymentId}/receipt`);
	expect(receipt.body).toMatchObject({ demoMode: true, payment: { demo: true } });
	// A paid payment cannot be confirmed again.
	expect((await call(server, c.cookie, 'POST', `/api/pay/demo/payments/${intent.body.paymentId}/confirm`, { method: 'card', outcome: 'success' })).status).toBe(409);
});

test('demo decline and authentication: declined leaves it open, a second try can pass; authentication asks for the next action first', async () => {
	const server = await demo();
	const c = payCustomer(server);
	const a = addInvoice(server, c.customerId, { total: 9_000 });
	const tap = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${a.invoiceId}/intent`, {});
	const confirm = (body: unknown) => call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/demo/payments/${tap.body.paymentId}/confirm`, body);
	const declined = await confirm({ method: 'card', outcome: 'decline' });
	expect(declined.body).toMatchObject({ status: 'failed', failureMessage: expect.stringContaining('declined') });
	expect(invoiceRow(server, a.invoiceId).status).toBe('open');
	const action = await confirm({ method: 'card', outcome: 'authentication_required' });
	expect(action.body).toMatchObject({ status: 'pending', nextAction: true });
	const passed = await confirm({ method: 'card', outcome: 'success' });
	expect(passed.body).toMatchObject({ status: 'succeeded', nextAction: false });
	expect(invoiceRow(server, a.invoiceId).status).toBe('paid');
	// Bad demo bodies are refused by field.
	const b = addInvoice(server, c.customerId, { total: 9_000 });
	const tapB = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${b.invoiceId}/intent`, {});
	const bad = await call(server, c.cookie, 'POST', `/api/pay/demo/payments/${tapB.body.paymentId}/confirm`, { method: 'cash', outcome: 'success' });
	expect(bad.status).toBe(400);
	expect(bad.body).toMatchObject({ field: 'method' });
});

test('demo bank debit: processing, then settled by the scheduler; a returned one reopens the invoice and tells the customer', async () => {
	const server = await demo(25);
	const c = payCustomer(server);
	const ok = addInvoice(server, c.customerId, { total: 30_000 });
	const tap = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${ok.invoiceId}/intent`, {});
	const processing = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/demo/payments/${tap.body.paymentId}/confirm`, { method: 'us_bank_account', outcome: 'success' });
	expect(processing.body).toMatchObject({ status: 'processing' });
	expect(invoiceRow(server, ok.invoiceId).status).toBe('processing');
	await eventually(() => invoiceRow(server, ok.invoiceId).status === 'paid', 5000, 'the demo debit to settle');
	expect(paymentRows(server, ok.invoiceId)[0]).toMatchObject({ status: 'succeeded', methodLabel: 'Demo Bank •••• 6789' });

	const bad = addInvoice(server, c.customerId, { total: 30_000 });
	const tap2 = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${bad.invoiceId}/intent`, {});
	await call(server, c.cookie, 'POST', `/api/pay/demo/payments/${tap2.body.paymentId}/confirm`, { method: 'us_bank_account', outcome: 'decline' });
	expect(invoiceRow(server, bad.invoiceId).status).toBe('processing');
	await eventually(() => invoiceRow(server, bad.invoiceId).status === 'open', 5000, 'the demo debit to come back');
	expect(paymentRows(server, bad.invoiceId)[0].status).toBe('failed');
	expect(systemMessages(server, c.customerId)).toHaveLength(1);
	await eventually(() => outboxFiles(server).some((f) => fs.readFileSync(f, 'utf8').includes('did not go through')), 3000, 'the failure mail');
});

test('demo saved methods: one tap, and autopay that declines is told, not retried', async () => {
	const server = await demo();
	const c = payCustomer(server);
	const si = await call<{ setupIntentId: string; demoMode: boolean }>(server, c.cookie, 'POST', '/api/pay/setup-intent');
	expect(si.body.demoMode).toBe(true);
	const saved = await call<{ method: { id: string; label: string } }>(server, c.cookie, 'POST', `/api/pay/demo/setup-intents/${si.body.setupIntentId}/confirm`, { method: 'card', outcome: 'success' });
	expect(saved.body.method).toMatchObject({ label: 'Visa •••• 4242', kind: 'card' });
	const twice = await call<{ method: { id: string } }>(server, c.cookie, 'POST', `/api/pay/demo/setup-intents/${si.body.setupIntentId}/confirm`, { method: 'card', outcome: 'success' });
	expect(twice.body.method.id).toBe(saved.body.method.id);
	const a = addInvoice(server, c.customerId, { total: 4_400 });
	const oneTap = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${a.invoiceId}/intent`, { paymentMethodId: saved.body.method.id });
	expect(oneTap.body).toMatchObject({ status: 'succeeded', demoMode: true });

	const si2 = await call<{ setupIntentId: string }>(server, c.cookie, 'POST', '/api/pay/setup-intent');
	expect(si2.body.setupIntentId).not.toBe(si.body.setupIntentId);
	const declining = await call<{ method: { id: string } }>(server, c.cookie, 'POST', `/api/pay/demo/setup-intents/${si2.body.setupIntentId}/confirm`, { method: 'card', outcome: 'decline' });
	await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: true, paymentMethodId: declining.body.method.id });
	const b = addInvoice(server, c.customerId, { total: 4_400, dueDate: '2020-01-01' });
	await eventually(() => server.app.store.sqlite.prepare("SELECT count(*) AS n FROM scheduled_jobs WHERE kind = 'autopay'").get() as { n: number }, 2000);
	await eventually(async () => (await server.app.paymentScheduler!.tick()) >= 0 && invoiceRow(server, b.invoiceId) && paymentRows(server, b.invoiceId).length > 0, 3000, 'the autopay attempt');
	expect(paymentRows(server, b.invoiceId)[0]).toMatchObject({ status: 'failed', offSession: true });
	expect(invoiceRow(server, b.invoiceId).status).toBe('open');
	expect(systemMessages(server, c.customerId)).toHaveLength(1);
	expect(await server.app.paymentScheduler!.tick()).toBe(0);
	expect(paymentRows(server, b.invoiceId)).toHaveLength(1);
	// A fake demo setup intent id is refused.
	const forged = await call(server, c.cookie, 'POST', '/api/pay/demo/setup-intents/demo_seti_000000000000000000000000/confirm', { method: 'card' });
	expect(forged.status).toBe(404);
});

test('demo autopay with a saved bank account: processing, then settled by the scheduler', async () => {
	const server = await demo(25);
	const c = payCustomer(server);
	const si = await call<{ setupIntentId: string }>(server, c.cookie, 'POST', '/api/pay/setup-intent');
	const bank = await call<{ method: { id: string; label: string } }>(server, c.cookie, 'POST', `/api/pay/demo/setup-intents/${si.body.setupIntentId}/confirm`, { method: 'us_bank_account' });
	expect(bank.body.method.label).toBe('Demo Bank •••• 6789');
	await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: true, paymentMethodId: bank.body.method.id });
	const { invoiceId } = addInvoice(server, c.customerId, { total: 12_000, dueDate: '2020-01-01' });
	await eventually(() => paymentRows(server, invoiceId)[0]?.status === 'processing' || invoiceRow(server, invoiceId).status === 'paid', 5000, 'the autopay debit');
	await eventually(() => invoiceRow(server, invoiceId).status === 'paid', 5000, 'the demo debit to settle');
	expect(paymentRows(server, invoiceId)).toHaveLength(1);
	expect(paymentRows(server, invoiceId)[0]).toMatchObject({ status: 'succeeded', offSession: true, method: 'us_bank_account' });
});

test('in production without Stripe keys the demo is refused: payment routes answer 503 saying why; the rest of the server works', async () => {
	server = await startPayServer(null, { overrides: { nodeEnv: 'production' } });
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 5_000 });
	expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
	const config = await call(server, c.cookie, 'GET', '/api/pay/config');
	expect(config.status).toBe(503);
	expect(config.body).toMatchObject({ code: 'UNAVAILABLE' });
	expect((config.body as { message: string }).message).toContain('STRIPE_SECRET_KEY');
	expect((config.body as { message: string }).message).toContain('demo');
	for (const [method, route, body] of [
		['POST', `/api/pay/invoices/${invoiceId}/intent`, {}],
		['POST', '/api/pay/setup-intent', undefined],
		['GET', '/api/pay/methods', undefined],
		['GET', '/api/pay/payments', undefined],
		['POST', '/api/pay/autopay', { enabled: false }]
	] as const) {
		const r = await call(server, c.cookie, method, route, body);
		expect(r.status, route).toBe(503);
	}
	expect(server.app.paymentScheduler).toBeNull();
	expect(paymentRows(server, invoiceId)).toHaveLength(0);
});

test('demo endpoints do not exist when Stripe is set up, and webhooks do not exist in demo mode', async () => {
	fake = await startFakeStripe();
	server = await startPayServer(fake);
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 5_000 });
	const tap = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	const r = await call(server, c.cookie, 'POST', `/api/pay/demo/payments/${tap.body.paymentId}/confirm`, { method: 'card', outcome: 'success' });
	expect(r.status).toBe(404);
	expect(paymentRows(server, invoiceId)[0].status).toBe('pending');
	await server.close();
	await fake.close();
	fake = undefined;

	const demoServer = await demo();
	const hook = await fetch(`${demoServer.url}/api/pay/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' }, body: '{"id":"evt_1","type":"payment_intent.succeeded"}' });
	expect(hook.status).toBe(400);
});

test('no card number reaches the log, even at trace level, whatever field it is typed into', async () => {
	const dataDir = tempDataDir();
	const clientDir = tempDataDir('porchlight-client-');
	dirs.push(dataDir, clientDir);
	fs.writeFileSync(path.join(clientDir, '200.html'), '<!doctype html><title>shell</title>');
	const store = openDatabase(dataDir);
	new Writer(store, new ChangeFeed(), Date.now).transaction((w) => {
		w.db.insert(customers).values({ id: 'c1', name: 'Jane', email: 'jane@example.com', seq: w.touch('profile', 'c1', 'c1'), createdAt: w.now, updatedAt: w.now }).run();
		w.db.insert(portalUsers).values({ id: 'u1', customerId: 'c1', email: 'jane@example.com', createdAt: w.now }).run();
		w.db.insert(invoices)
			.values({ id: 'inv1', customerId: 'c1', number: 'INV-1', title: 'Repair', status: 'open', currency: 'USD', subtotal: 9_000, tax: 0, total: 9_000, issuedAt: w.now, dueDate: '2099-01-01', seq: w.touch('invoices', 'c1', 'inv1'), createdAt: w.now, updatedAt: w.now })
			.run();
	});
	const { token } = createSession(store.db, { kind: 'customer', portalUserId: 'u1', customerId: 'c1' }, { now: Date.now() });
	store.sqlite.close();

	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	let log = '';
	child = spawn(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], {
		env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'trace', SEED_DEMO: 'false', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url, DATA_DIR: dataDir, CLIENT_DIR: clientDir },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
	child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
	for (let i = 0; ; i++) {
		if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) break;
		if (i > 300 || child.exitCode !== null) throw new Error(`server did not start:\n${log}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	const cookie = `${sessionCookieName(testConfig({ dataDir, publicUrl: url }))}=${token}`;
	const post = (route: string, body: unknown) =>
		fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url, cookie }, body: typeof body === 'string' ? body : JSON.stringify(body) });

	const pans = ['4242424242424242', '5555555555554444', '378282246310005', '6011111111111117'];
	const bodies = [
		{ cardNumber: pans[0], exp_month: 12, cvc: '123' },
		{ amount: Number(pans[1]) },
		{ paymentMethodId: `${pans[2].slice(0, 5)} ${pans[2].slice(5)}` },
		{ note: `my card is ${pans[3].replace(/(\d{4})/g, '$1-')}` }
	];
	for (const body of bodies) {
		const r = await post('/api/pay/invoices/inv1/intent', body);
		expect(r.status).toBe(400);
		const text = await r.text();
		for (const pan of pans) expect(text).not.toContain(pan.slice(-8));
	}
	for (const route of ['/api/pay/autopay', '/api/pay/setup-intent', '/api/pay/demo/payments/x/confirm']) {
		expect((await post(route, { pan: pans[0] })).status).toBe(400);
	}
	// Malformed JSON with a card number in it: refused, not echoed.
	expect((await post('/api/pay/invoices/inv1/intent', `{"cardNumber": "${pans[0]}"`)).status).toBe(400);
	// And a real demo payment, so the log has payment traffic in it.
	const tap = await post('/api/pay/invoices/inv1/intent', {});
	expect(tap.status).toBe(200);
	const { paymentId } = (await tap.json()) as IntentResponse;
	expect((await post(`/api/pay/demo/payments/${paymentId}/confirm`, { method: 'card', outcome: 'success' })).status).toBe(200);
	await new Promise((r) => setTimeout(r, 300));

	expect(log).toContain('/api/pay/invoices/inv1/intent');
	for (const pan of pans) {
		expect(log).not.toContain(pan);
		expect(log).not.toContain(pan.slice(-10));
	}
	expect(log).not.toMatch(/4242[ -]?4242[ -]?4242/);
}, 60_000);
