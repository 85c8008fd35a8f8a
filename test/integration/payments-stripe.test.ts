import { afterEach, expect, test } from 'vitest';
import type { IntentResponse, PaymentHistory, Receipt } from '../../shared/protocol/payments.ts';
import type { TestServer } from '../helpers/app.ts';
import { outboxFiles, waitForOutboxMail } from '../helpers/session.ts';
import { addInvoice, call, eventually, invoiceRow, payCustomer, paymentRows, setBusiness, startPayServer, systemMessages, type PayCustomer } from '../fakes/payments-world.ts';
import { startFakeStripe, type FakeMethodBehaviour, type FakeStripe } from '../fakes/stripe.ts';

let fake: FakeStripe | undefined;
let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	await fake?.close();
	server = undefined;
	fake = undefined;
});

async function setup() {
	fake = await startFakeStripe();
	server = await startPayServer(fake);
	return { fake, server, webhook: `${server.url}/api/pay/webhook` };
}

/** Saves a method the way the app does: SetupIntent, Stripe.js confirms, the client completes it. */
async function saveMethod(f: FakeStripe, s: TestServer, c: PayCustomer, behaviour: FakeMethodBehaviour): Promise<{ id: string }> {
	const si = await call<{ setupIntentId: string }>(s, c.cookie, 'POST', '/api/pay/setup-intent');
	f.confirmSetup(si.body.setupIntentId, behaviour);
	const done = await call<{ method: { id: string } }>(s, c.cookie, 'POST', `/api/pay/setup-intent/${si.body.setupIntentId}/complete`);
	expect(done.status, JSON.stringify(done.body)).toBe(200);
	return done.body.method;
}

async function deliverAll(f: FakeStripe, url: string, intentId: string) {
	for (const e of f.eventsFor(intentId)) {
		const res = await f.deliver(url, e);
		expect(res.status, await res.clone().text()).toBe(200);
	}
}

test('card payment: the intent is for the open balance, Stripe.js confirms, the webhook marks the invoice paid and a receipt is mailed', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const { invoiceId, number } = addInvoice(server, c.customerId, { total: 43_200 });

	const config = await call(server, c.cookie, 'GET', '/api/pay/config');
	expect(config.status).toBe(200);
	expect(config.body).toMatchObject({ provider: 'stripe', demoMode: false, publishableKey: fake.keys.publishableKey, currency: 'USD', methodKinds: ['card', 'us_bank_account'] });

	const intent = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	expect(intent.status, JSON.stringify(intent.body)).toBe(200);
	expect(intent.body).toMatchObject({ invoiceId, amount: 43_200, currency: 'USD', status: 'pending', attempt: 1, nextAction: false, demoMode: false });
	const [pi] = fake.intentsForInvoice(invoiceId);
	expect(intent.body.clientSecret).toBe(pi.client_secret);
	expect(pi.amount).toBe(43_200);
	expect(pi.payment_method_types).toEqual(['card', 'us_bank_account']);
	// The Stripe customer is made once and remembered; every create call carried our key.
	expect(pi.customer).toBe([...fake.customers.values()][0].id);
	const creates = fake.requests.filter((r) => r.method === 'POST' && (r.path === '/v1/payment_intents' || r.path === '/v1/customers'));
	expect(creates.map((r) => r.idempotencyKey)).toEqual([`cus:${c.customerId}`, `pi:${invoiceId}:1`]);

	fake.confirm(pi.id, 'card_ok');
	await deliverAll(fake, webhook, pi.id);

	const inv = invoiceRow(server, invoiceId);
	expect(inv).toMatchObject({ status: 'paid', amountPaid: 43_200 });
	expect(inv.paidAt).not.toBeNull();
	const [payment] = paymentRows(server, invoiceId);
	expect(payment).toMatchObject({ status: 'succeeded', method: 'card', methodLabel: 'Visa •••• 4242', providerRef: pi.id, provider: 'stripe', amount: 43_200 });
	expect(payment.receiptNumber).toMatch(/^RCPT-/);

	const mail = await waitForOutboxMail(server, c.email);
	expect(mail.subject).toContain(`Receipt ${payment.receiptNumber}`);
	expect(mail.subject).toContain(number);
	expect(mail.text).toContain('$432.00');
	expect(mail.text).toContain('Visa •••• 4242');

	const history = await call<PaymentHistory>(server, c.cookie, 'GET', '/api/pay/payments');
	expect(history.body.payments).toHaveLength(1);
	expect(history.body.payments[0]).toMatchObject({ id: payment.id, status: 'succeeded', methodLabel: 'Visa •••• 4242', receiptNumber: payment.receiptNumber, demo: false });
	const receipt = await call<Receipt>(server, c.cookie, 'GET', history.body.payments[0].receiptUrl!);
	expect(receipt.status).toBe(200);
	expect(receipt.body).toMatchObject({ receiptNumber: payment.receiptNumber, demoMode: false, payment: { amount: 43_200 } });
	const pdf = await fetch(`${server.url}${history.body.payments[0].receiptUrl}?format=pdf`, { headers: { cookie: c.cookie } });
	expect(pdf.status).toBe(200);
	expect(pdf.headers.get('content-type')).toBe('application/pdf');
	expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');

	// Delivering every event again changes nothing and mails nothing more.
	const mails = outboxFiles(server).length;
	await deliverAll(fake, webhook, pi.id);
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 43_200 });
	expect(outboxFiles(server).length).toBe(mails);
	expect(systemMessages(server, c.customerId)).toHaveLength(0);
});

test('decline: the attempt fails and the invoice stays open with nothing said in the thread; another card on the same intent then pays', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 12_000 });
	const intent = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	const piId = fake.intentsForInvoice(invoiceId)[0].id;

	fake.confirm(piId, 'card_declined');
	await deliverAll(fake, webhook, piId);
	let [payment] = paymentRows(server, invoiceId);
	expect(payment).toMatchObject({ status: 'failed', failureMessage: 'Your card was declined.' });
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 0 });
	// The customer saw the decline on the screen: no system message, no mail.
	expect(systemMessages(server, c.customerId)).toHaveLength(0);
	expect(outboxFiles(server)).toHaveLength(0);
	expect((await call<PaymentHistory>(server, c.cookie, 'GET', '/api/pay/payments')).body.payments[0]).toMatchObject({ status: 'failed', receiptUrl: null });

	// The Payment Element lets the customer try another card on the same client secret.
	fake.confirm(piId, 'card_ok');
	await deliverAll(fake, webhook, piId);
	[payment] = paymentRows(server, invoiceId);
	expect(payment).toMatchObject({ id: intent.body.paymentId, status: 'succeeded', failureMessage: null });
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 12_000 });
	expect(fake.charged()).toHaveLength(1);
});

test('one tap with a saved card that is declined answers failed at once; the next tap starts a new attempt', async () => {
	const { fake, server } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 9_900 });
	const declined = await saveMethod(fake, server, c, 'card_declined');
	const first = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, { paymentMethodId: declined.id });
	expect(first.status, JSON.stringify(first.body)).toBe(200);
	expect(first.body).toMatchObject({ status: 'failed', failureMessage: 'Your card was declined.', attempt: 1 });
	expect(invoiceRow(server, invoiceId).status).toBe('open');

	const good = await saveMethod(fake, server, c, 'card_ok');
	const second = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, { paymentMethodId: good.id });
	expect(second.body).toMatchObject({ status: 'succeeded', attempt: 2 });
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 9_900 });
	expect(fake.intentsForInvoice(invoiceId).map((pi) => pi.status).sort()).toEqual(['requires_payment_method', 'succeeded']);
	// Retrying the first attempt (say its answer was lost) never charges again.
	const retry = await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, { paymentMethodId: good.id, attempt: 2 });
	expect(retry.status).toBe(409);
	expect(retry.body).toMatchObject({ code: 'CONFLICT', field: 'attempt', details: { status: 'succeeded' } });
	expect(fake.charged()).toHaveLength(1);
});

test('requires_action: a saved card that needs 3-D Secure answers nextAction with the client secret; passing it pays, failing it leaves the invoice open', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const auth = await saveMethod(fake, server, c, 'card_auth');

	const a = addInvoice(server, c.customerId, { total: 20_000 });
	const tap = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${a.invoiceId}/intent`, { paymentMethodId: auth.id });
	expect(tap.body).toMatchObject({ status: 'pending', nextAction: true });
	const pi = fake.intentsForInvoice(a.invoiceId)[0];
	expect(pi.status).toBe('requires_action');
	expect(tap.body.clientSecret).toBe(pi.client_secret);
	// A second tap while the bank's check is open: same attempt, still asking for the action.
	const again = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${a.invoiceId}/intent`, { paymentMethodId: auth.id });
	expect(again.body).toMatchObject({ paymentId: tap.body.paymentId, nextAction: true });
	fake.authenticate(pi.id, true);
	await deliverAll(fake, webhook, pi.id);
	expect(invoiceRow(server, a.invoiceId).status).toBe('paid');

	const b = addInvoice(server, c.customerId, { total: 20_000 });
	await call(server, c.cookie, 'POST', `/api/pay/invoices/${b.invoiceId}/intent`, { paymentMethodId: auth.id });
	const pi2 = fake.intentsForInvoice(b.invoiceId)[0];
	fake.authenticate(pi2.id, false);
	await deliverAll(fake, webhook, pi2.id);
	expect(paymentRows(server, b.invoiceId)[0]).toMatchObject({ status: 'failed', failureMessage: 'We are unable to authenticate your payment method.' });
	expect(invoiceRow(server, b.invoiceId)).toMatchObject({ status: 'open', amountPaid: 0 });
});

test('ACH: processing until the bank settles, then paid; a second tap meanwhile is refused', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 18_900 });
	await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	const piId = fake.intentsForInvoice(invoiceId)[0].id;
	fake.confirm(piId, 'bank_ok');
	await deliverAll(fake, webhook, piId);
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'processing', amountPaid: 0 });
	expect(paymentRows(server, invoiceId)[0]).toMatchObject({ status: 'processing', method: 'us_bank_account', methodLabel: 'STRIPE TEST BANK •••• 6789' });
	// What a device pulls: the invoice processing, with its payment embedded.
	const pulled = async () => {
		const page = await call<{ documents: { id: string; status: string; amountDue: number; payments: { status: string }[] }[] }>(server, c.cookie, 'GET', '/api/sync/invoices/pull?after=0&limit=100');
		return page.body.documents.find((d) => d.id === invoiceId)!;
	};
	expect(await pulled()).toMatchObject({ status: 'processing', amountDue: 18_900, payments: [{ status: 'processing' }] });
	const tap = await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	expect(tap.status).toBe(409);
	expect(tap.body).toMatchObject({ code: 'CONFLICT', message: 'A payment for this invoice is already processing.' });

	fake.settle(piId, true);
	await deliverAll(fake, webhook, piId);
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 18_900 });
	expect(await pulled()).toMatchObject({ status: 'paid', amountDue: 0, payments: [{ status: 'succeeded' }] });
	expect((await waitForOutboxMail(server, c.email)).subject).toContain('Receipt');
});

test('ACH failure days later: the invoice reopens and the customer is told in the portal thread and by email, once', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const { invoiceId, number } = addInvoice(server, c.customerId, { total: 18_900 });
	await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	const piId = fake.intentsForInvoice(invoiceId)[0].id;
	fake.confirm(piId, 'bank_ok');
	await deliverAll(fake, webhook, piId);
	expect(invoiceRow(server, invoiceId).status).toBe('processing');

	fake.settle(piId, false);
	await deliverAll(fake, webhook, piId);
	await deliverAll(fake, webhook, piId);
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 0, paidAt: null });
	expect(paymentRows(server, invoiceId)[0]).toMatchObject({ status: 'failed' });
	const notes = systemMessages(server, c.customerId);
	expect(notes).toHaveLength(1);
	expect(notes[0].body).toContain(`invoice ${number}`);
	expect(notes[0].body).toContain(`${server.config.publicUrl}/invoices/${invoiceId}`);
	const mail = await waitForOutboxMail(server, c.email);
	expect(mail.subject).toBe(`Your bank payment for invoice ${number} did not go through`);
	expect(mail.text).toContain(`${server.config.publicUrl}/invoices/${invoiceId}`);
	expect(mail.text).toContain('insufficient funds');
	await new Promise((r) => setTimeout(r, 100));
	expect(outboxFiles(server)).toHaveLength(1);

	// The customer can pay again: a new attempt.
	const retry = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	expect(retry.body).toMatchObject({ attempt: 2, amount: 18_900, status: 'pending' });
});

test('refunds: a partial refund lowers what was paid and reopens the invoice; the full refund marks the payment refunded', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 10_000 });
	await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	const piId = fake.intentsForInvoice(invoiceId)[0].id;
	fake.confirm(piId, 'card_ok');
	await deliverAll(fake, webhook, piId);
	const delivered = fake.eventsFor(piId).length;

	fake.refund(piId, 2_500);
	for (const e of fake.eventsFor(piId).slice(delivered)) await fake.deliver(webhook, e);
	expect(paymentRows(server, invoiceId)[0]).toMatchObject({ status: 'succeeded', amountRefunded: 2_500 });
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 7_500, paidAt: null });

	fake.refund(piId);
	await deliverAll(fake, webhook, piId);
	expect(paymentRows(server, invoiceId)[0]).toMatchObject({ status: 'refunded', amountRefunded: 10_000 });
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 0 });
});

test('partial payments follow the business rules: refused by name when not allowed, below the minimum or above the balance; the rest stays open', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 30_000 });
	const pay = (body: unknown) => call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, body);

	const notAllowed = await pay({ amount: 10_000 });
	expect(notAllowed.status).toBe(400);
	expect(notAllowed.body).toMatchObject({ code: 'VALIDATION', field: 'amount' });
	expect(paymentRows(server, invoiceId)).toHaveLength(0);
	expect(fake.paymentIntents.size).toBe(0);

	setBusiness(server, { allowPartialPayments: true, minimumPartialPayment: 5_000 });
	const config = await call(server, c.cookie, 'GET', '/api/pay/config');
	expect(config.body).toMatchObject({ allowPartial: true, minimumPartial: 5_000 });
	const below = await pay({ amount: 4_999 });
	expect(below.status).toBe(400);
	expect(below.body).toMatchObject({ code: 'VALIDATION', field: 'amount' });
	expect((below.body as { message: string }).message).toContain('$50.00');
	const above = await pay({ amount: 30_001 });
	expect(above.status).toBe(400);
	expect(above.body).toMatchObject({ field: 'amount' });
	for (const bad of [-5, 0, 12.5, '100']) {
		const r = await pay({ amount: bad });
		expect(r.status, String(bad)).toBe(400);
		expect(r.body).toMatchObject({ field: 'amount' });
	}
	expect(paymentRows(server, invoiceId)).toHaveLength(0);

	const partial = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, { amount: 10_000 });
	expect(partial.body).toMatchObject({ amount: 10_000, attempt: 1 });
	// Changing the amount abandons the unconfirmed attempt for a new one.
	const changed = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, { amount: 12_000 });
	expect(changed.body).toMatchObject({ amount: 12_000, attempt: 2 });
	expect(paymentRows(server, invoiceId).map((p) => p.status)).toEqual(['canceled', 'pending']);
	const piId = fake.intentsForInvoice(invoiceId).find((pi) => pi.amount === 12_000)!.id;
	await eventually(() => fake.intentsForInvoice(invoiceId).find((pi) => pi.amount === 10_000)?.status === 'canceled', 2000, 'the abandoned intent canceled');
	fake.confirm(piId, 'card_ok');
	await deliverAll(fake, webhook, piId);
	expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 12_000 });

	// The rest is always payable, even below the minimum once that is all that is left.
	const rest = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	expect(rest.body).toMatchObject({ amount: 18_000, attempt: 3 });
});

test("another customer's invoice, a draft, a made-up id: 404, and Stripe is never called", async () => {
	const { fake, server } = await setup();
	const owner = payCustomer(server, 'Owner');
	const other = payCustomer(server, 'Other');
	const { invoiceId } = addInvoice(server, owner.customerId, { total: 5_000 });
	const draft = addInvoice(server, other.customerId, { total: 5_000, status: 'draft' });
	for (const id of [invoiceId, draft.invoiceId, 'no-such-invoice', '../../etc']) {
		const r = await call(server, other.cookie, 'POST', `/api/pay/invoices/${encodeURIComponent(id)}/intent`, {});
		expect(r.status, id).toBe(404);
		expect(r.body).toMatchObject({ code: 'NOT_FOUND' });
	}
	expect(paymentRows(server, invoiceId)).toHaveLength(0);
	expect(fake.requests).toHaveLength(0);
	// Nor can anyone pay without signing in, or from another site.
	expect((await call(server, null, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {})).status).toBe(401);
	const crossSite = await fetch(`${server.url}/api/pay/invoices/${invoiceId}/intent`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', origin: 'https://evil.example', cookie: owner.cookie },
		body: '{}'
	});
	expect(crossSite.status).toBe(403);
	// Their payments and receipts are just as missing.
	const own = await call<IntentResponse>(server, owner.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	expect((await call(server, other.cookie, 'GET', `/api/pay/payments/${own.body.paymentId}`)).status).toBe(404);
	expect((await call(server, other.cookie, 'GET', `/api/pay/payments/${own.body.paymentId}/receipt`)).status).toBe(404);
	expect((await call(server, other.cookie, 'POST', `/api/pay/payments/${own.body.paymentId}/refresh`)).status).toBe(404);
});

test('webhook signatures: tampered, stale, future, wrong secret, missing → 400 and nothing applied; the genuine event then applies', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 7_000 });
	await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	const piId = fake.intentsForInvoice(invoiceId)[0].id;
	fake.confirm(piId, 'card_ok');
	const succeeded = fake.eventsFor(piId).find((e) => e.type === 'payment_intent.succeeded')!;
	const now = Math.floor(Date.now() / 1000);

	const attempts = [
		fake.deliver(webhook, succeeded, { tamper: (p) => p.replace('"amount": 7000', '"amount": 1') }),
		fake.deliver(webhook, succeeded, { tamper: (p) => p + ' ' }),
		fake.deliver(webhook, succeeded, { timestamp: now - 301 }),
		fake.deliver(webhook, succeeded, { timestamp: now + 3600 }),
		fake.deliver(webhook, succeeded, { secret: 'whsec_somebodyelse' }),
		fake.deliver(webhook, succeeded, { signature: null }),
		fake.deliver(webhook, succeeded, { signature: 't=1,v1=deadbeef' })
	];
	for (const res of await Promise.all(attempts)) {
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST' });
	}
	expect(paymentRows(server, invoiceId)[0].status).toBe('pending');
	expect(invoiceRow(server, invoiceId).status).toBe('open');
	expect(server.app.store.sqlite.prepare('SELECT count(*) AS n FROM provider_events').get()).toEqual({ n: 0 });

	const ok = await fake.deliver(webhook, succeeded, { timestamp: now - 60 });
	expect(ok.status).toBe(200);
	expect(invoiceRow(server, invoiceId).status).toBe('paid');
});

test('refresh applies what Stripe says when the webhook is late', async () => {
	const { fake, server } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 6_000 });
	const intent = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	fake.confirm(fake.intentsForInvoice(invoiceId)[0].id, 'card_ok');
	const r = await call(server, c.cookie, 'POST', `/api/pay/payments/${intent.body.paymentId}/refresh`);
	expect(r.status).toBe(200);
	expect(r.body).toMatchObject({ id: intent.body.paymentId, status: 'succeeded', methodLabel: 'Visa •••• 4242' });
	expect(invoiceRow(server, invoiceId).status).toBe('paid');
});

test('saving a method with a SetupIntent, autopay on and off through the profile, removing the autopay method turns autopay off', async () => {
	const { fake, server, webhook } = await setup();
	const c = payCustomer(server);
	const profileSeq = () => server.app.store.sqlite.prepare('SELECT seq, autopay, autopay_method_id AS m FROM customers WHERE id = ?').get(c.customerId) as { seq: number; autopay: number; m: string | null };

	const si1 = await call(server, c.cookie, 'POST', '/api/pay/setup-intent');
	const si2 = await call(server, c.cookie, 'POST', '/api/pay/setup-intent', {});
	expect(si1.status, JSON.stringify(si1.body)).toBe(200);
	expect(si2.body).toEqual(si1.body);
	expect(fake.setupIntents.size).toBe(1);
	const setupId = (si1.body as { setupIntentId: string }).setupIntentId;
	expect(fake.requests.find((r) => r.path === '/v1/setup_intents')!.idempotencyKey).toBe(`seti:${c.customerId}:1`);
	// Not confirmed yet.
	expect((await call(server, c.cookie, 'POST', `/api/pay/setup-intent/${setupId}/complete`)).status).toBe(409);

	fake.confirmSetup(setupId, 'card_ok');
	// The webhook and the client's "complete" both save it; once.
	for (const e of fake.events.filter((e) => e.type === 'setup_intent.succeeded')) expect((await fake.deliver(webhook, e)).status).toBe(200);
	const done = await call(server, c.cookie, 'POST', `/api/pay/setup-intent/${setupId}/complete`);
	expect(done.status).toBe(200);
	const methods = await call(server, c.cookie, 'GET', '/api/pay/methods');
	expect(methods.body.methods).toHaveLength(1);
	expect(methods.body.methods[0]).toMatchObject({ kind: 'card', label: 'Visa •••• 4242', last4: '4242', brand: 'visa', autopay: false });
	const methodId = methods.body.methods[0].id;
	// A new SetupIntent now, for another method.
	const si3 = await call(server, c.cookie, 'POST', '/api/pay/setup-intent');
	expect((si3.body as { setupIntentId: string }).setupIntentId).not.toBe(setupId);

	const before = profileSeq();
	const noMethod = await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: true });
	expect(noMethod.status).toBe(400);
	expect(noMethod.body).toMatchObject({ field: 'paymentMethodId' });
	const someoneElses = await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: true, paymentMethodId: 'pm-of-nobody' });
	expect(someoneElses.body).toMatchObject({ field: 'paymentMethodId' });
	expect(profileSeq()).toEqual(before);

	const on = await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: true, paymentMethodId: methodId });
	expect(on.body).toEqual({ enabled: true, paymentMethodId: methodId, methodLabel: 'Visa •••• 4242' });
	const afterOn = profileSeq();
	expect(afterOn.seq).toBeGreaterThan(before.seq);
	expect(afterOn).toMatchObject({ autopay: 1, m: methodId });

	const off = await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: false });
	expect(off.body).toMatchObject({ enabled: false });
	expect(profileSeq().autopay).toBe(0);
	await call(server, c.cookie, 'POST', '/api/pay/autopay', { enabled: true, paymentMethodId: methodId });

	const removed = await call(server, c.cookie, 'DELETE', `/api/pay/methods/${methodId}`);
	expect(removed.body).toEqual({ removed: true, autopayTurnedOff: true });
	expect(profileSeq()).toMatchObject({ autopay: 0, m: null });
	expect([...fake.paymentMethods.values()].find((m) => m.id === fake.setupIntents.get(setupId)!.payment_method)!.customer).toBeNull();
	expect((await call(server, c.cookie, 'GET', '/api/pay/methods')).body.methods).toHaveLength(0);
	expect((await call(server, c.cookie, 'DELETE', `/api/pay/methods/${methodId}`)).status).toBe(404);
});

test('card data is refused by field name before anything else, and never stored', async () => {
	const { fake, server } = await setup();
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 5_000 });
	const cases: [unknown, string][] = [
		[{ cardNumber: '4242 4242 4242 4242' }, 'cardNumber'],
		[{ amount: 4242424242424242 }, 'amount'],
		[{ paymentMethodId: '4000-0000-0000-0002' }, 'paymentMethodId'],
		[{ card: { number: '5555555555554444', cvc: '123' } }, 'card.number'],
		[{ cvc: '123' }, 'cvc']
	];
	for (const [body, field] of cases) {
		const r = await call(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, body);
		expect(r.status, JSON.stringify(body)).toBe(400);
		expect(r.body).toMatchObject({ code: 'VALIDATION', field });
		expect(JSON.stringify(r.body)).not.toMatch(/4242|5555|0002/);
	}
	expect(paymentRows(server, invoiceId)).toHaveLength(0);
	expect(fake.requests).toHaveLength(0);
});
