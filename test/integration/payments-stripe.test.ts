import { afterEach, expect, test } from 'vitest';
import type { IntentResponse, PaymentHistory, Receipt } from '../../shared/protocol/payments.ts';
import type { TestServer } from '../helpers/app.ts';
import { outboxFiles, waitForOutboxMail } from '../helpers/session.ts';
import { addInvoice, call, invoiceRow, payCustomer, paymentRows, startPayServer, systemMessages } from '../fakes/payments-world.ts';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe.ts';

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
