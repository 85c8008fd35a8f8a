import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { IntentResponse } from '../../shared/protocol/payments.ts';
import type { TestServer } from '../helpers/app.ts';
import { outboxFiles } from '../helpers/session.ts';
import { addInvoice, call, invoiceRow, payCustomer, paymentRows, startPayServer, systemMessages } from '../fakes/payments-world.ts';
import { startFakeStripe, type FakeEvent, type FakeStripe } from '../fakes/stripe.ts';

/*
 * Stripe delivers events at least once, in no particular order, sometimes at the same time.
 * Property: every permutation of a valid event sequence, with any events repeated, delivered one
 * by one or all at once, ends in the same state — and what the customer is told is told once.
 */

let fake: FakeStripe;
let server: TestServer;
beforeAll(async () => {
	fake = await startFakeStripe();
	server = await startPayServer(fake);
});
afterAll(async () => {
	await server.close();
	await fake.close();
});

const TOTAL = 25_000;

interface Expected {
	payment: { status: string; amountRefunded: number };
	invoice: { status: string; amountPaid: number };
	/** System messages in the customer's thread. */
	notices: number;
	/** Mails to the customer: exact, or a range when it depends on the order (a refund before the success). */
	mails: number | [number, number];
}

/** What the customer does (through the fake) after tapping Pay, and where that must end. */
const SCENARIOS: Record<string, { act: (f: FakeStripe, pi: string) => void; expected: Expected }> = {
	'card succeeds': {
		act: (f, pi) => f.confirm(pi, 'card_ok'),
		expected: { payment: { status: 'succeeded', amountRefunded: 0 }, invoice: { status: 'paid', amountPaid: TOTAL }, notices: 0, mails: 1 }
	},
	'card declined, then another card succeeds': {
		act: (f, pi) => {
			f.confirm(pi, 'card_declined');
			f.confirm(pi, 'card_ok');
		},
		expected: { payment: { status: 'succeeded', amountRefunded: 0 }, invoice: { status: 'paid', amountPaid: TOTAL }, notices: 0, mails: 1 }
	},
	'3-D Secure failed, then passed on another try': {
		act: (f, pi) => {
			f.confirm(pi, 'card_auth');
			f.authenticate(pi, false);
			f.confirm(pi, 'card_auth');
			f.authenticate(pi, true);
		},
		expected: { payment: { status: 'succeeded', amountRefunded: 0 }, invoice: { status: 'paid', amountPaid: TOTAL }, notices: 0, mails: 1 }
	},
	'ACH processing, then settled': {
		act: (f, pi) => {
			f.confirm(pi, 'bank_ok');
			f.settle(pi, true);
		},
		expected: { payment: { status: 'succeeded', amountRefunded: 0 }, invoice: { status: 'paid', amountPaid: TOTAL }, notices: 0, mails: 1 }
	},
	'ACH processing, then returned': {
		act: (f, pi) => {
			f.confirm(pi, 'bank_ok');
			f.settle(pi, false);
		},
		expected: { payment: { status: 'failed', amountRefunded: 0 }, invoice: { status: 'open', amountPaid: 0 }, notices: 1, mails: 1 }
	},
	'paid, refunded in part, then in full': {
		act: (f, pi) => {
			f.confirm(pi, 'card_ok');
			f.refund(pi, 5_000);
			f.refund(pi);
		},
		expected: { payment: { status: 'refunded', amountRefunded: TOTAL }, invoice: { status: 'open', amountPaid: 0 }, notices: 0, mails: [0, 1] }
	},
	'paid, refunded in part': {
		act: (f, pi) => {
			f.confirm(pi, 'card_ok');
			f.refund(pi, 5_000);
		},
		expected: { payment: { status: 'succeeded', amountRefunded: 5_000 }, invoice: { status: 'open', amountPaid: TOTAL - 5_000 }, notices: 0, mails: [0, 1] }
	}
};

/** A delivery order: every event at least once, some again, shuffled. */
function deliveryOrder(n: number) {
	return fc.array(fc.nat({ max: n - 1 }), { maxLength: n }).chain((repeats) => {
		const all = [...Array.from({ length: n }, (_, i) => i), ...repeats];
		return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
	});
}

function mailsTo(email: string): number {
	return outboxFiles(server).filter((f) => fs.readFileSync(f, 'utf8').includes(email)).length;
}

async function settledMailCount(email: string, expected: number | [number, number]): Promise<number> {
	const least = typeof expected === 'number' ? expected : expected[0];
	const deadline = Date.now() + 3000;
	while (mailsTo(email) < least && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
	// Mail goes out after commit; give a stray second one the chance to show up.
	await new Promise((r) => setTimeout(r, 60));
	return mailsTo(email);
}

for (const [name, scenario] of Object.entries(SCENARIOS)) {
	test(`events in any order, repeated, one by one or at once: ${name}`, async () => {
		// One invoice per scenario run, the events made once; the property varies only the delivery.
		const runs: { events: FakeEvent[]; invoiceId: string; customerId: string; email: string }[] = [];
		const prepare = async () => {
			const c = payCustomer(server);
			const { invoiceId } = addInvoice(server, c.customerId, { total: TOTAL });
			const tap = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
			expect(tap.status).toBe(200);
			const pi = fake.intentsForInvoice(invoiceId)[0].id;
			scenario.act(fake, pi);
			const events = fake.eventsFor(pi).filter((e) => e.type !== 'payment_intent.created');
			runs.push({ events, invoiceId, customerId: c.customerId, email: c.email });
			return { events, invoiceId, customerId: c.customerId, email: c.email };
		};
		const sample = await prepare();
		const n = sample.events.length;
		runs.length = 0;

		await fc.assert(
			fc.asyncProperty(deliveryOrder(n), fc.boolean(), async (order, together) => {
				const run = await prepare();
				expect(run.events.map((e) => e.type)).toEqual(sample.events.map((e) => e.type));
				const webhook = `${server.url}/api/pay/webhook`;
				const send = async (i: number) => {
					const res = await fake.deliver(webhook, run.events[i]);
					expect(res.status).toBe(200);
				};
				if (together) await Promise.all(order.map(send));
				else for (const i of order) await send(i);

				const [payment] = paymentRows(server, run.invoiceId);
				expect({ status: payment.status, amountRefunded: payment.amountRefunded }).toEqual(scenario.expected.payment);
				const inv = invoiceRow(server, run.invoiceId);
				expect({ status: inv.status, amountPaid: inv.amountPaid }).toEqual(scenario.expected.invoice);
				expect(systemMessages(server, run.customerId)).toHaveLength(scenario.expected.notices);
				const mails = await settledMailCount(run.email, scenario.expected.mails);
				if (typeof scenario.expected.mails === 'number') expect(mails).toBe(scenario.expected.mails);
				else expect(mails >= scenario.expected.mails[0] && mails <= scenario.expected.mails[1]).toBe(true);
				// Each event id is recorded exactly once.
				const ids = [...new Set(run.events.map((e) => e.id))];
				const recorded = server.app.store.sqlite.prepare(`SELECT count(*) AS n FROM provider_events WHERE id IN (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number };
				expect(recorded.n).toBe(ids.length);
			}),
			{ numRuns: 20 }
		);
	});
}
