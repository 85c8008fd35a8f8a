import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, expect, test } from 'vitest';
import * as s from '../../server/db/schema.ts';
import type { IntentResponse } from '../../shared/protocol/payments.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { addResource, addService, at, call as bookingCall, setRules, TUESDAY_10AM } from '../helpers/booking.ts';
import { createCustomer, customerCookie } from '../helpers/sync.ts';
import { addInvoice, call, payCustomer, startPayServer } from '../fakes/payments-world.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/** An endpoint subscribed to `events`, written straight into the table the dispatcher reads. */
function subscribe(srv: TestServer, events: string[]): string {
	const id = randomUUID();
	srv.app.store.db
		.insert(s.webhookEndpoints)
		.values({ id, url: 'http://127.0.0.1:9/hook', secret: 'whsec_test', events, active: true, createdAt: srv.app.clock() })
		.run();
	return id;
}

function queued(srv: TestServer, endpointId: string) {
	return srv.app.store.db
		.select()
		.from(s.webhookDeliveries)
		.where(eq(s.webhookDeliveries.endpointId, endpointId))
		.all()
		.map((d) => ({ event: d.event, payload: JSON.parse(d.payload) as { data?: Record<string, unknown> } }));
}

// Regression: only in-person payments told the business's other systems; card and bank payments
// through the portal (and autopay) sent no payment.succeeded.
test('a payment made in the portal queues one payment.succeeded webhook', async () => {
	server = await startPayServer(null, { deps: { payments: { schedulerIntervalMs: 3_600_000, demoSettleMs: 50 } } });
	const endpoint = subscribe(server, ['payment.succeeded']);
	const c = payCustomer(server);
	const { invoiceId } = addInvoice(server, c.customerId, { total: 12_500 });
	const intent = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/invoices/${invoiceId}/intent`, {});
	const paid = await call<IntentResponse>(server, c.cookie, 'POST', `/api/pay/demo/payments/${intent.body.paymentId}/confirm`, { method: 'card', outcome: 'success' });
	expect(paid.body.status).toBe('succeeded');
	const deliveries = queued(server, endpoint);
	expect(deliveries.map((d) => d.event)).toEqual(['payment.succeeded']);
	expect(JSON.stringify(deliveries[0].payload)).toContain(intent.body.paymentId);
});

// Regression: nothing sent appointment.booked when a customer booked a confirmed slot.
test('booking a slot online queues appointment.booked; a request for staff queues appointment.requested', async () => {
	const clock = fakeClock(TUESDAY_10AM);
	server = await startServer({}, { clock: clock.now });
	setRules(server.app, {});
	const endpoint = subscribe(server, ['appointment.booked', 'appointment.requested']);
	const svc = addService(server.app);
	addResource(server.app);
	const c = createCustomer(server.app);
	const addressId = c.addressId;
	const cookie = customerCookie(server, c.id).cookie;

	const booked = await bookingCall(server, 'POST', '/api/booking/appointments', {
		cookie,
		body: { requestId: randomUUID(), serviceTypeId: svc, addressId, startsAt: at('2026-05-13', '09:00') }
	});
	expect(booked.status).toBe(201);
	expect(booked.body.appointment.status).toBe('confirmed');

	setRules(server.app, { instantBooking: false });
	const requested = await bookingCall(server, 'POST', '/api/booking/appointments', {
		cookie,
		body: { requestId: randomUUID(), serviceTypeId: svc, addressId, startsAt: at('2026-05-13', '11:00') }
	});
	expect(requested.status).toBe(201);
	expect(requested.body.appointment.status).toBe('requested');

	expect(queued(server, endpoint).map((d) => d.event)).toEqual(['appointment.booked', 'appointment.requested']);
});
