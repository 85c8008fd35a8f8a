import fs from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { fakeClock, tempDataDir, type TestServer } from '../helpers/app.ts';
import { outboxFiles, waitForOutboxMail } from '../helpers/session.ts';
import { addInvoice, call, eventually, invoiceRow, jobs, payCustomer, paymentRows, startPayServer, systemMessages, type PayCustomer } from '../fakes/payments-world.ts';
import { startFakeStripe, type FakeMethodBehaviour, type FakeStripe } from '../fakes/stripe.ts';

let fake: FakeStripe | undefined;
let server: TestServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
	await server?.close();
	await fake?.close();
	server = undefined;
	fake = undefined;
	for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

// 12 May 2026, 11:00 in New York (the business's zone by default).
const START = Date.UTC(2026, 4, 12, 15, 0);
// 9:00 on 20 May 2026 in New York (EDT, UTC−4).
const DUE_AT = Date.UTC(2026, 4, 20, 13, 0);

async function setup(opts: { dataDir?: string; intervalMs?: number } = {}) {
	const clock = fakeClock(START);
	fake = await startFakeStripe(clock.now);
	server = await startPayServer(fake, {
		overrides: opts.dataDir ? { dataDir: opts.dataDir } : {},
		deps: { clock: clock.now, payments: { schedulerIntervalMs: opts.intervalMs ?? 3_600_000 } }
	});
	return { clock, fake, server };
}

async function enrol(f: FakeStripe, s: TestServer, c: PayCustomer, behaviour: FakeMethodBehaviour): Promise<string> {
	const si = await call<{ setupIntentId: string }>(s, c.cookie, 'POST', '/api/pay/setup-intent');
	f.confirmSetup(si.body.setupIntentId, behaviour);
	const done = await call<{ method: { id: string } }>(s, c.cookie, 'POST', `/api/pay/setup-intent/${si.body.setupIntentId}/complete`);
	const on = await call(s, c.cookie, 'POST', '/api/pay/autopay', { enabled: true, paymentMethodId: done.body.method.id });
	expect(on.status).toBe(200);
	return done.body.method.id;
}

test('autopay charges an issued invoice off-session at 9:00 on its due date in the business time zone, once', async () => {
	const { clock, fake, server } = await setup();
	const c = payCustomer(server);
	await enrol(fake, server, c, 'card_ok');
	const { invoiceId } = addInvoice(server, c.customerId, { total: 15_500, dueDate: '2026-05-20' });
	await eventually(() => jobs(server, 'autopay').length === 1, 2000, 'the autopay job');
	const [job] = jobs(server, 'autopay');
	expect(job).toMatchObject({ id: `autopay:${invoiceId}:2026-05-20`, runAt: DUE_AT, doneAt: null });

	expect(await server.app.paymentScheduler!.tick()).toBe(0);
	clock.set(DUE_AT - 60_000);
	expect(await server.app.paymentScheduler!.tick()).toBe(0);
	expect(fake.paymentIntents.size).toBe(0);

	clock.set(DUE_AT);
	expect(await server.app.paymentScheduler!.tick()).toBe(1);
	const [payment] = paymentRows(server, invoiceId);
	expect(payment).toMatchObject({ status: 'succeeded', offSession: true, methodLabel: 'Visa •••• 4242', attempt: 1, amount: 15_500 });
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 15_500 });
	const create = fake.requests.find((r) => r.path === '/v1/payment_intents')!;
	expect(create.idempotencyKey).toBe(`pi:${invoiceId}:1`);
	expect((await waitForOutboxMail(server, c.email)).subject).toContain('Receipt');

	clock.advance(86_400_000);
	expect(await server.app.paymentScheduler!.tick()).toBe(0);
	expect(fake.intentsForInvoice(invoiceId)).toHaveLength(1);
	expect(jobs(server, 'autopay')[0].doneAt).toBe(DUE_AT);
	// The history marks it as autopay.
	const history = await call(server, c.cookie, 'GET', '/api/pay/payments');
	expect(history.body.payments[0]).toMatchObject({ offSession: true, status: 'succeeded' });
});

for (const [behaviour, subject, phrase] of [
	['card_auth', 'Action needed: confirm your payment for invoice', 'needs you to confirm'],
	['card_declined', 'Autopay could not pay invoice', 'declined']
] as const) {
	test(`autopay ${behaviour === 'card_auth' ? 'authentication_required' : 'decline'}: the invoice stays open, the customer is told with a link, and it is not retried`, async () => {
		const { clock, fake, server } = await setup();
		const c = payCustomer(server);
		await enrol(fake, server, c, behaviour);
		const { invoiceId, number } = addInvoice(server, c.customerId, { total: 8_800, dueDate: '2026-05-20' });
		await eventually(() => jobs(server, 'autopay').length === 1, 2000, 'the autopay job');
		clock.set(DUE_AT + 1000);
		expect(await server.app.paymentScheduler!.tick()).toBe(1);

		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 0 });
		expect(paymentRows(server, invoiceId)[0]).toMatchObject({ status: 'failed', offSession: true });
		const link = `${server.config.publicUrl}/invoices/${invoiceId}`;
		const notes = systemMessages(server, c.customerId);
		expect(notes).toHaveLength(1);
		expect(notes[0].body).toContain(phrase);
		expect(notes[0].body).toContain(link);
		const mail = await waitForOutboxMail(server, c.email);
		expect(mail.subject).toBe(`${subject} ${number}`);
		expect(mail.text).toContain(link);
		expect(mail.html).toContain(link);
		const [job] = jobs(server, 'autopay');
		expect(job.doneAt).not.toBeNull();
		// The job's note is the payment's own failure, as the customer was told it.
		const failure = paymentRows(server, invoiceId)[0].failureMessage;
		expect(typeof failure).toBe('string');
		expect(job.lastError).toBe(failure);

		// Days pass, the scheduler keeps polling: no second charge attempt, no second notice.
		for (let day = 1; day <= 3; day++) {
			clock.advance(86_400_000);
			expect(await server.app.paymentScheduler!.tick()).toBe(0);
		}
		expect(fake.intentsForInvoice(invoiceId)).toHaveLength(1);
		expect(systemMessages(server, c.customerId)).toHaveLength(1);
		expect(outboxFiles(server)).toHaveLength(1);
		// The customer pays in the app instead: a new, on-session attempt.
		const pay = await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
		expect(pay.body).toMatchObject({ attempt: 2, status: 'pending', amount: 8_800 });
	});
}

test('autopay with a bank account: processing until the webhook says it settled', async () => {
	const { clock, fake, server } = await setup();
	const c = payCustomer(server);
	await enrol(fake, server, c, 'bank_ok');
	const { invoiceId } = addInvoice(server, c.customerId, { total: 40_000, dueDate: '2026-05-20' });
	await eventually(() => jobs(server, 'autopay').length === 1, 2000, 'the autopay job');
	clock.set(DUE_AT);
	await server.app.paymentScheduler!.tick();
	expect(invoiceRow(server, invoiceId).status).toBe('processing');
	expect(jobs(server, 'autopay')[0].lastError).toBeNull();
	const pi = fake.intentsForInvoice(invoiceId)[0];
	fake.settle(pi.id, true);
	for (const e of fake.eventsFor(pi.id)) expect((await fake.deliver(`${server.url}/api/pay/webhook`, e)).status).toBe(200);
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 40_000 });
	expect(systemMessages(server, c.customerId)).toHaveLength(0);
});

test('the schedule survives a restart, and the polling scheduler charges without being asked', async () => {
	const dataDir = tempDataDir();
	dirs.push(dataDir);
	const first = await setup({ dataDir });
	const c = payCustomer(first.server);
	await enrol(first.fake, first.server, c, 'card_ok');
	const { invoiceId } = addInvoice(first.server, c.customerId, { total: 12_345, dueDate: '2026-05-20' });
	await eventually(() => jobs(first.server, 'autopay').length === 1, 2000, 'the autopay job');
	await first.server.close({ keepData: true });
	server = undefined;

	// Back up on the due day, with the scheduler polling every 50 ms.
	const clock = fakeClock(DUE_AT + 5 * 60_000);
	server = await startPayServer(first.fake, { overrides: { dataDir }, deps: { clock: clock.now, payments: { schedulerIntervalMs: 50 } } });
	await eventually(() => invoiceRow(server!, invoiceId).status === 'paid', 5000, 'the invoice paid by autopay');
	expect(first.fake.intentsForInvoice(invoiceId)).toHaveLength(1);
});

test('what is scheduled follows enrolment: nothing before, open invoices when autopay is turned on, nothing charged once it is off', async () => {
	const { clock, fake, server } = await setup();
	const c = payCustomer(server);
	const a = addInvoice(server, c.customerId, { total: 5_000, dueDate: '2026-05-14' });
	const draft = addInvoice(server, c.customerId, { total: 5_000, status: 'draft', dueDate: '2026-05-14' });
	await new Promise((r) => setTimeout(r, 50));
	expect(jobs(server, 'autopay')).toHaveLength(0);

	const methodId = await enrol(fake, server, c, 'card_ok');
	expect(jobs(server, 'autopay').map((j) => j.id)).toEqual([`autopay:${a.invoiceId}:2026-05-14`]);
	expect(jobs(server, 'autopay').some((j) => j.id.includes(draft.invoiceId))).toBe(false);

	const off = await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: false });
	expect(off.body).toMatchObject({ enabled: false, paymentMethodId: methodId });
	clock.set(Date.UTC(2026, 4, 14, 14, 0));
	expect(await server.app.paymentScheduler!.tick()).toBe(1);
	expect(fake.paymentIntents.size).toBe(0);
	expect(invoiceRow(server, a.invoiceId).status).toBe('open');
	expect(jobs(server, 'autopay')[0]).toMatchObject({ lastError: 'autopay is off' });
	expect(jobs(server, 'autopay')[0].doneAt).not.toBeNull();

	// An invoice already past due when autopay is turned on is charged at the next run.
	const late = addInvoice(server, c.customerId, { total: 7_000, dueDate: '2026-05-01' });
	await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: true });
	expect(await server.app.paymentScheduler!.tick()).toBe(1);
	expect(invoiceRow(server, late.invoiceId).status).toBe('paid');
});

test('autopay and a customer paying in the app never charge the same invoice twice', async () => {
	const { clock, fake, server } = await setup();
	const c = payCustomer(server);
	await enrol(fake, server, c, 'card_ok');
	const a = addInvoice(server, c.customerId, { total: 9_500, dueDate: '2026-05-20' });
	await eventually(() => jobs(server, 'autopay').length === 1, 2000, 'the autopay job');

	// The customer opened the Pay screen at 8:50 on the due day: autopay waits for them.
	clock.set(DUE_AT - 10 * 60_000);
	const tap = await call(server, c.cookie, 'POST', `/api/pay/invoices/${a.invoiceId}/intent`, {});
	expect(tap.status).toBe(200);
	clock.set(DUE_AT);
	expect(await server.app.paymentScheduler!.tick()).toBe(1);
	expect(fake.intentsForInvoice(a.invoiceId)).toHaveLength(1);
	expect(jobs(server, 'autopay')[0]).toMatchObject({ doneAt: null });
	expect(jobs(server, 'autopay')[0].runAt).toBeGreaterThan(DUE_AT);

	// They walked away: half an hour later autopay charges, and their abandoned intent is canceled first.
	clock.set(DUE_AT + 31 * 60_000);
	expect(await server.app.paymentScheduler!.tick()).toBe(1);
	expect(invoiceRow(server, a.invoiceId)).toMatchObject({ status: 'paid', amountPaid: 9_500 });
	expect(paymentRows(server, a.invoiceId).map((p) => [p.status, p.offSession])).toEqual([
		['canceled', false],
		['succeeded', true]
	]);
	await eventually(() => fake!.intentsForInvoice(a.invoiceId).some((pi) => pi.status === 'canceled'), 2000, 'the abandoned intent canceled');

	// While autopay is charging, a tap on Pay is turned away.
	const b = addInvoice(server, c.customerId, { total: 9_500, dueDate: '2026-05-21' });
	await eventually(() => jobs(server, 'autopay').length === 2, 2000, 'the second autopay job');
	clock.set(DUE_AT + 86_400_000);
	const hold = fake.hold('POST', /^\/v1\/payment_intents$/);
	const running = server.app.paymentScheduler!.tick();
	await hold.arrived(1);
	const during = await call(server, c.cookie, 'POST', `/api/pay/invoices/${b.invoiceId}/intent`, {});
	expect(during.status).toBe(409);
	expect((during.body as { message: string }).message).toContain('Autopay is charging');
	hold.release();
	await running;
	expect(invoiceRow(server, b.invoiceId).status).toBe('paid');
	expect(fake.charged().filter((pi) => pi.metadata.porchlight_invoice_id === b.invoiceId)).toHaveLength(1);
});

test('Stripe down at 9:00: the autopay job tries again later with the same key, and charges once', async () => {
	const { clock, fake, server } = await setup();
	const c = payCustomer(server);
	await enrol(fake, server, c, 'card_ok');
	const { invoiceId } = addInvoice(server, c.customerId, { total: 6_600, dueDate: '2026-05-20' });
	await eventually(() => jobs(server, 'autopay').length === 1, 2000, 'the autopay job');
	clock.set(DUE_AT);
	fake.failNext = 1;
	expect(await server.app.paymentScheduler!.tick()).toBe(1);
	expect(invoiceRow(server, invoiceId).status).toBe('open');
	const [job] = jobs(server, 'autopay');
	expect(job).toMatchObject({ attempts: 1, doneAt: null });
	expect(job.runAt).toBeGreaterThan(DUE_AT);
	expect(systemMessages(server, c.customerId)).toHaveLength(0);

	clock.set(job.runAt);
	expect(await server.app.paymentScheduler!.tick()).toBe(1);
	expect(invoiceRow(server, invoiceId).status).toBe('paid');
	expect(paymentRows(server, invoiceId)).toHaveLength(1);
	const keys = fake.requests.filter((r) => r.path === '/v1/payment_intents').map((r) => [r.idempotencyKey, r.status]);
	expect(keys).toEqual([
		[`pi:${invoiceId}:1`, 500],
		[`pi:${invoiceId}:1`, 200]
	]);
});
