import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { enqueueWebhook } from '../../server/integration/webhooks.ts';
import { webhookEndpointCreatedSchema, webhookEnvelopeSchema } from '../../shared/protocol/integration.ts';
import { startServer, tempDataDir, type TestServer } from '../helpers/app.ts';
import { call } from '../helpers/staff.ts';
import { createCustomer, customerCookie, push, staffCookie } from '../helpers/sync.ts';
import fs from 'node:fs';

/** A local webhook receiver: answers with `statuses` in turn (the last one repeats). */
interface Receiver {
	url: string;
	port: number;
	requests: { at: number; headers: http.IncomingHttpHeaders; body: string }[];
	statuses: number[];
	waitFor(n: number, timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
}

async function startReceiver(statuses: number[], port = 0): Promise<Receiver> {
	const receiver = { requests: [], statuses } as unknown as Receiver;
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			receiver.requests.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
			const status = receiver.statuses[Math.min(receiver.requests.length - 1, receiver.statuses.length - 1)];
			res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try later');
		});
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	receiver.port = (server.address() as { port: number }).port;
	receiver.url = `http://127.0.0.1:${receiver.port}/hooks/porchlight`;
	receiver.waitFor = async (n, timeoutMs = 10_000) => {
		const deadline = Date.now() + timeoutMs;
		while (receiver.requests.length < n) {
			if (Date.now() > deadline) throw new Error(`receiver got ${receiver.requests.length} of ${n} requests`);
			await new Promise((r) => setTimeout(r, 10));
		}
	};
	receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
	return receiver;
}

/** Checks a request's X-Porchlight-Signature the way a receiver should. */
function verify(secret: string, header: string | string[] | undefined, body: string, nowSeconds: number): boolean {
	const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
	if (!m) return false;
	if (Math.abs(nowSeconds - Number(m[1])) > 300) return false;
	return createHmac('sha256', secret).update(`${m[1]}.${body}`).digest('hex') === m[2];
}

const FAST = { intervalMs: 50, baseDelayMs: 150, maxDelayMs: 2_000, maxAttempts: 5, timeoutMs: 2_000 };

let server: TestServer | undefined;
const receivers: Receiver[] = [];
const dirs: string[] = [];
afterEach(async () => {
	await server?.close();
	server = undefined;
	for (const r of receivers.splice(0)) await r.close();
	for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function addEndpoint(srv: TestServer, cookie: string, url: string, events: string[]) {
	const res = await call(srv, 'POST', '/api/staff/webhooks', { cookie, body: { url, events } });
	expect(res.status).toBe(201);
	return webhookEndpointCreatedSchema.parse(res.body);
}

function customerMessage(body: string) {
	return { id: randomUUID(), authorKind: 'customer', authorName: '', body, attachments: [], sentAt: 1, createdAt: 0, updatedAt: 0, _deleted: false };
}

describe('outgoing webhooks', () => {
	test('a customer message is sent signed, retried with growing waits after two failures, and delivered once', async () => {
		const receiver = await startReceiver([500, 503, 200]);
		receivers.push(receiver);
		server = await startServer({}, { webhooks: FAST });
		const owner = staffCookie(server, 'owner');
		const { endpoint, secret } = await addEndpoint(server, owner.cookie, receiver.url, ['message.created', 'payment.succeeded']);
		expect(secret).toMatch(/^whsec_/);
		expect((await call(server, 'GET', '/api/staff/webhooks', { cookie: owner.cookie })).text).not.toContain(secret);

		const c = createCustomer(server.app);
		server.app.store.db.update(s.customers).set({ externalId: 'crm-9' }).where(eq(s.customers.id, c.id)).run();
		const msg = customerMessage('The boiler is making a noise');
		expect((await push(server, customerCookie(server, c.id).cookie, 'messages', [{ newDocumentState: msg }])).status).toBe(200);
		// Queued in the push's own transaction: the row is there as soon as the push is answered.
		expect(server.app.store.db.select().from(s.webhookDeliveries).all().map((d) => d.event)).toEqual(['message.created']);

		await receiver.waitFor(3);
		await new Promise((r) => setTimeout(r, 300));
		expect(receiver.requests).toHaveLength(3);
		const bodies = new Set(receiver.requests.map((r) => r.body));
		expect(bodies.size).toBe(1);
		for (const r of receiver.requests) {
			expect(r.headers['content-type']).toBe('application/json');
			expect(r.headers['x-porchlight-event']).toBe('message.created');
			expect(verify(secret, r.headers['x-porchlight-signature'], r.body, Math.floor(Date.now() / 1000))).toBe(true);
			expect(verify('whsec_wrong', r.headers['x-porchlight-signature'], r.body, Math.floor(Date.now() / 1000))).toBe(false);
		}
		const envelope = webhookEnvelopeSchema.parse(JSON.parse(receiver.requests[0].body));
		expect(envelope).toMatchObject({ event: 'message.created', data: { messageId: msg.id, customerId: c.id, customerExternalId: 'crm-9', body: 'The boiler is making a noise' } });
		expect(receiver.requests.every((r) => r.headers['x-porchlight-delivery'] === envelope.id)).toBe(true);
		// Backoff: 150 ms, then 300 ms.
		const gaps = [receiver.requests[1].at - receiver.requests[0].at, receiver.requests[2].at - receiver.requests[1].at];
		expect(gaps[0]).toBeGreaterThanOrEqual(140);
		expect(gaps[1]).toBeGreaterThanOrEqual(290);
		const delivery = server.app.store.db.select().from(s.webhookDeliveries).get()!;
		expect(delivery).toMatchObject({ attempts: 3, deliveredAt: expect.any(Number), failedAt: null, lastError: null });
		const listed = await call(server, 'GET', `/api/staff/webhooks/${endpoint.id}/deliveries`, { cookie: owner.cookie });
		expect(listed.body.deliveries).toEqual([expect.objectContaining({ id: envelope.id, event: 'message.created', attempts: 3 })]);

		// Staff replies are not announced; in-person payments are.
		await call(server, 'POST', `/api/staff/customers/${c.id}/messages`, { cookie: owner.cookie, body: { body: 'We will call you' } });
		const inv = (await call(server, 'POST', '/api/staff/invoices', { cookie: owner.cookie, body: { customerId: c.id, title: 'Repair', lines: [{ description: 'Labour', quantityMilli: 1000, unitAmount: 9000 }] } })).body.id;
		await call(server, 'POST', `/api/staff/invoices/${inv}/issue`, { cookie: owner.cookie, body: {} });
		await call(server, 'POST', `/api/staff/invoices/${inv}/payments`, { cookie: owner.cookie, body: { amount: 9000, method: 'cash' } });
		await receiver.waitFor(4);
		const payment = webhookEnvelopeSchema.parse(JSON.parse(receiver.requests[3].body));
		expect(payment).toMatchObject({ event: 'payment.succeeded', data: { invoiceId: inv, amount: 9000, currency: 'USD', method: 'cash', channel: 'in_person', invoiceStatus: 'paid' } });
		expect(server.app.store.db.select().from(s.webhookDeliveries).all().map((d) => d.event).sort()).toEqual(['message.created', 'payment.succeeded']);
	});

	test('an endpoint only hears the events it asked for; a rolled-back change sends nothing', async () => {
		const receiver = await startReceiver([200]);
		receivers.push(receiver);
		server = await startServer({}, { webhooks: FAST });
		const owner = staffCookie(server, 'owner');
		await addEndpoint(server, owner.cookie, receiver.url, ['payment.succeeded']);
		const c = createCustomer(server.app);
		await push(server, customerCookie(server, c.id).cookie, 'messages', [{ newDocumentState: customerMessage('hi') }]);
		expect(() =>
			server!.app.writer.transaction((w) => {
				enqueueWebhook(w, 'payment.succeeded', { paymentId: 'p1' });
				throw new Error('the payment write failed');
			})
		).toThrow('the payment write failed');
		await new Promise((r) => setTimeout(r, 300));
		expect(server.app.store.db.select().from(s.webhookDeliveries).all()).toEqual([]);
		expect(receiver.requests).toEqual([]);
	});

	test('a booking request pushed from a device is announced as appointment.requested', async () => {
		const receiver = await startReceiver([200]);
		receivers.push(receiver);
		server = await startServer({}, { webhooks: FAST });
		const owner = staffCookie(server, 'owner');
		const { secret } = await addEndpoint(server, owner.cookie, receiver.url, ['appointment.requested']);
		const c = createCustomer(server.app);
		const request = {
			id: randomUUID(),
			serviceTypeId: null,
			title: 'Dripping tap',
			addressId: c.addressId,
			resourceName: null,
			status: 'requested',
			startsAt: null,
			endsAt: null,
			preferredDate: '2026-06-01',
			preferredWindow: 'morning',
			proposals: [],
			notes: 'Side door',
			createdAt: 0,
			updatedAt: 0,
			_deleted: false
		};
		const res = await push(server, customerCookie(server, c.id).cookie, 'appointments', [{ newDocumentState: request }]);
		expect(res.status).toBe(200);
		await receiver.waitFor(1);
		expect(verify(secret, receiver.requests[0].headers['x-porchlight-signature'], receiver.requests[0].body, Math.floor(Date.now() / 1000))).toBe(true);
		expect(webhookEnvelopeSchema.parse(JSON.parse(receiver.requests[0].body))).toMatchObject({
			event: 'appointment.requested',
			data: { appointmentId: request.id, customerId: c.id, title: 'Dripping tap', status: 'requested', preferredDate: '2026-06-01', preferredWindow: 'morning', addressId: c.addressId, source: 'customer' }
		});
	});

	test('a delivery is given up after the last attempt, and the console says why', async () => {
		const receiver = await startReceiver([500]);
		receivers.push(receiver);
		server = await startServer({}, { webhooks: { ...FAST, baseDelayMs: 50, maxAttempts: 3 } });
		const owner = staffCookie(server, 'owner');
		const { endpoint } = await addEndpoint(server, owner.cookie, receiver.url, ['ping']);
		expect((await call(server, 'POST', `/api/staff/webhooks/${endpoint.id}/test`, { cookie: owner.cookie })).status).toBe(202);
		await receiver.waitFor(3);
		await new Promise((r) => setTimeout(r, 400));
		expect(receiver.requests).toHaveLength(3);
		expect(server.app.store.db.select().from(s.webhookDeliveries).get()).toMatchObject({ attempts: 3, deliveredAt: null, failedAt: expect.any(Number), lastError: 'HTTP 500' });
		const list = await call(server, 'GET', '/api/staff/webhooks', { cookie: owner.cookie });
		expect(list.body.endpoints[0]).toMatchObject({ deliveries: { pending: 0, delivered: 0, failed: 1 }, lastError: 'HTTP 500' });
	});

	test('queued deliveries survive a restart', async () => {
		const receiver = await startReceiver([503]);
		receivers.push(receiver);
		const dataDir = tempDataDir();
		dirs.push(dataDir);
		server = await startServer({ dataDir }, { webhooks: { ...FAST, baseDelayMs: 200 } });
		const owner = staffCookie(server, 'owner');
		const { endpoint, secret } = await addEndpoint(server, owner.cookie, receiver.url, ['ping']);
		await call(server, 'POST', `/api/staff/webhooks/${endpoint.id}/test`, { cookie: owner.cookie });
		await receiver.waitFor(1);
		// Let the failure be recorded (an attempt cut short by the shutdown itself would not count).
		for (let i = 0; i < 200 && server.app.store.db.select().from(s.webhookDeliveries).get()!.attempts === 0; i++) await new Promise((r) => setTimeout(r, 10));
		await server.close();
		server = undefined;
		expect(receiver.requests).toHaveLength(1);

		receiver.statuses = [503, 200];
		server = await startServer({ dataDir }, { webhooks: { ...FAST, baseDelayMs: 200 } });
		await receiver.waitFor(2);
		expect(verify(secret, receiver.requests[1].headers['x-porchlight-signature'], receiver.requests[1].body, Math.floor(Date.now() / 1000))).toBe(true);
		expect(receiver.requests[1].body).toBe(receiver.requests[0].body);
		await new Promise((r) => setTimeout(r, 100));
		expect(server.app.store.db.select().from(s.webhookDeliveries).get()).toMatchObject({ attempts: 2, deliveredAt: expect.any(Number) });
	});

	test('only http(s) endpoints elsewhere: the portal itself, credentials in the URL and other schemes are refused', async () => {
		server = await startServer({}, { webhooks: FAST });
		const owner = staffCookie(server, 'owner');
		const port = new URL(server.url).port;
		for (const url of [`${server.url}/api/v1/customers/x`, `http://localhost:${port}/loop`, `http://[::1]:${port}/loop`, 'ftp://example.com/hook', 'javascript:alert(1)', 'https://user:pw@example.com/hook']) {
			const res = await call(server, 'POST', '/api/staff/webhooks', { cookie: owner.cookie, body: { url, events: ['ping'] } });
			expect(res.status, url).toBe(400);
			expect(res.body.field).toBe('url');
		}
		const events = await call(server, 'POST', '/api/staff/webhooks', { cookie: owner.cookie, body: { url: 'https://example.com/hook', events: ['invoice.exploded'] } });
		expect(events.body.field).toBe('events.0');
		expect(server.app.store.db.select().from(s.webhookEndpoints).all()).toEqual([]);

		// A removed endpoint gets nothing more.
		const { endpoint } = await addEndpoint(server, owner.cookie, 'https://example.com/hook', ['ping']);
		expect((await call(server, 'DELETE', `/api/staff/webhooks/${endpoint.id}`, { cookie: owner.cookie })).status).toBe(204);
		expect((await call(server, 'POST', `/api/staff/webhooks/${endpoint.id}/test`, { cookie: owner.cookie })).status).toBe(404);
		const actions = server.app.store.db.select().from(s.auditLog).all().map((a) => a.action);
		expect(actions).toEqual(['webhook.created', 'webhook.removed']);
	});
});
