import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { invoiceListResponseSchema, staffInvoiceSchema } from '../../shared/protocol/staff.ts';
import { syncDocSchemas } from '../../shared/schemas/index.ts';
import { lineAmount } from '../../server/staff/invoice-service.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { call, dbState } from '../helpers/staff.ts';
import { createCustomer, customerCookie, openStream, pull, pullAll, staffCookie, type TestStream } from '../helpers/sync.ts';

let server: TestServer | undefined;
const streams: TestStream[] = [];
afterEach(async () => {
	for (const st of streams.splice(0)) st.close();
	await server?.close();
	server = undefined;
});

const LINES = [
	{ description: 'Labour (1.5 h)', quantityMilli: 1500, unitAmount: 8000 },
	{ description: 'Valve', quantityMilli: 1000, unitAmount: 2599 },
	{ description: 'Washers', quantityMilli: 3000, unitAmount: 333 }
];

describe('staff invoices', () => {
	test('line amounts round half away from zero, exactly, even past float precision', () => {
		expect(lineAmount(1500, 8000)).toBe(12000);
		expect(lineAmount(333, 5)).toBe(2); // 1.665 → 2
		expect(lineAmount(500, 1)).toBe(1); // 0.5 → 1
		expect(lineAmount(-500, 1)).toBe(-1);
		expect(lineAmount(1_000_000_000, 999_999_999_999)).toBe(999_999_999_999_000_000);
	});

	test('a draft with lines and tax: totals computed here, invisible to the customer until issued, then visible at once', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now });
		const c = createCustomer(server.app);
		const office = staffCookie(server, 'office');
		const device = customerCookie(server, c.id);
		const socket = await openStream(server, device.cookie);
		streams.push(socket);
		await socket.next((m) => m.type === 'hello');

		const created = await call(server, 'POST', '/api/staff/invoices', {
			cookie: office.cookie,
			body: { customerId: c.id, title: 'Kitchen leak', taxRateBp: 825, lines: LINES, subtotal: 1 }
		});
		// Totals are never taken from the client.
		expect(created.status).toBe(400);
		expect(created.body.code).toBe('VALIDATION');
		const draft = await call(server, 'POST', '/api/staff/invoices', { cookie: office.cookie, body: { customerId: c.id, title: 'Kitchen leak', taxRateBp: 825, lines: LINES } });
		expect(draft.status).toBe(201);
		const inv = staffInvoiceSchema.parse(draft.body);
		expect(inv).toMatchObject({ status: 'draft', number: 'INV-00001', currency: 'USD', subtotal: 15598, tax: 1287, total: 16885, amountPaid: 0 });
		expect(inv.lineItems.map((l) => l.amount)).toEqual([12000, 2599, 999]);
		// The device hears of it, but only as a tombstone.
		const drafts = await pullAll(server, device.cookie, 'invoices');
		expect(drafts.documents).toEqual([expect.objectContaining({ id: inv.id, _deleted: true, title: '' })]);

		const edited = await call(server, 'PATCH', `/api/staff/invoices/${inv.id}`, { cookie: office.cookie, body: { lines: LINES.slice(0, 1), taxRateBp: 0, notes: 'Thanks!' } });
		expect(edited.body).toMatchObject({ subtotal: 12000, tax: 0, total: 12000, notes: 'Thanks!' });

		const changes = socket.messages.length;
		const issued = await call(server, 'POST', `/api/staff/invoices/${inv.id}/issue`, { cookie: office.cookie, body: {} });
		expect(issued.status).toBe(200);
		// Issued 2026-05-12 in New York: due 30 days later on the business's calendar.
		expect(issued.body).toMatchObject({ status: 'open', issuedAt: clock.now(), dueDate: '2026-06-11', amountDue: 12000 });
		await socket.next((m) => m.type === 'changed' && m.collections.includes('invoices') && socket.messages.indexOf(m) >= changes);
		const seen = await pull(server, device.cookie, 'invoices', { after: drafts.seq });
		expect(seen.body.documents).toHaveLength(1);
		const doc = syncDocSchemas.invoices.parse(seen.body.documents[0]);
		expect(doc).toMatchObject({ id: inv.id, _deleted: false, status: 'open', total: 12000, lineItems: [expect.objectContaining({ description: 'Labour (1.5 h)', amount: 12000 })] });

		// Issued invoices are not edited or issued twice.
		expect((await call(server, 'PATCH', `/api/staff/invoices/${inv.id}`, { cookie: office.cookie, body: { title: 'Changed' } })).status).toBe(409);
		expect((await call(server, 'POST', `/api/staff/invoices/${inv.id}/issue`, { cookie: office.cookie, body: {} })).status).toBe(409);
		const actions = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, inv.id)).all().map((a) => [a.action, a.actorId]);
		expect(actions).toEqual([
			['invoice.created', office.staffUserId],
			['invoice.edited', office.staffUserId],
			['invoice.issued', office.staffUserId]
		]);
	});

	test('issuing starts autopay for an enrolled customer', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now });
		const c = createCustomer(server.app);
		server.app.store.db.update(s.customers).set({ autopay: true, autopayMethodId: 'pm_saved' }).where(eq(s.customers.id, c.id)).run();
		const owner = staffCookie(server, 'owner');
		const id = (await call(server, 'POST', '/api/staff/invoices', { cookie: owner.cookie, body: { customerId: c.id, title: 'Monthly service', lines: LINES } })).body.id;
		expect(server.app.store.db.select().from(s.scheduledJobs).where(eq(s.scheduledJobs.kind, 'autopay')).all()).toEqual([]);
		await call(server, 'POST', `/api/staff/invoices/${id}/issue`, { cookie: owner.cookie, body: { dueDate: '2026-05-20' } });
		const jobs = server.app.store.db.select().from(s.scheduledJobs).where(eq(s.scheduledJobs.kind, 'autopay')).all();
		expect(jobs.map((j) => j.id)).toEqual([`autopay:${id}:2026-05-20`]);
	});

	test('payments taken in person: cash then a check settle the invoice; overpaying is refused', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const office = staffCookie(server, 'office');
		const id = (await call(server, 'POST', '/api/staff/invoices', { cookie: office.cookie, body: { customerId: c.id, title: 'Repair', lines: [{ description: 'Labour', quantityMilli: 1000, unitAmount: 10000 }] } })).body.id;
		// Not on a draft.
		expect((await call(server, 'POST', `/api/staff/invoices/${id}/payments`, { cookie: office.cookie, body: { amount: 100, method: 'cash' } })).status).toBe(409);
		await call(server, 'POST', `/api/staff/invoices/${id}/issue`, { cookie: office.cookie, body: {} });
		const before = dbState(server);
		for (const [body, field] of [
			[{ amount: 10001, method: 'cash' }, 'amount'],
			[{ amount: 0, method: 'cash' }, 'amount'],
			[{ amount: 12.5, method: 'cash' }, 'amount'],
			[{ amount: 100, method: 'card' }, 'method']
		] as const) {
			const res = await call(server, 'POST', `/api/staff/invoices/${id}/payments`, { cookie: office.cookie, body });
			expect(res.status).toBe(400);
			expect(res.body.field).toBe(field);
		}
		expect(dbState(server)).toBe(before);

		const cash = await call(server, 'POST', `/api/staff/invoices/${id}/payments`, { cookie: office.cookie, body: { amount: 4000, method: 'cash' } });
		expect(cash.status).toBe(201);
		expect(cash.body).toMatchObject({ status: 'open', amountPaid: 4000, amountDue: 6000 });
		const check = await call(server, 'POST', `/api/staff/invoices/${id}/payments`, { cookie: office.cookie, body: { amount: 6000, method: 'check', reference: '1187' } });
		expect(check.body).toMatchObject({ status: 'paid', amountPaid: 10000, amountDue: 0, paidAt: expect.any(Number) });
		expect(check.body.payments.map((p: { methodLabel: string; status: string }) => [p.methodLabel, p.status])).toEqual([
			['Cash', 'succeeded'],
			['Check #1187', 'succeeded']
		]);
		const rows = server.app.store.db.select().from(s.payments).where(eq(s.payments.invoiceId, id)).all();
		expect(rows.every((p) => p.provider === 'manual')).toBe(true);
		// The customer sees it paid, with both payments.
		const device = customerCookie(server, c.id);
		const docs = (await pullAll(server, device.cookie, 'invoices')).documents;
		expect(docs[0]).toMatchObject({ status: 'paid', amountPaid: 10000, payments: [expect.objectContaining({ method: 'cash' }), expect.objectContaining({ method: 'check' })] });
		// Paid invoices are not voided.
		expect((await call(server, 'POST', `/api/staff/invoices/${id}/void`, { cookie: office.cookie, body: {} })).status).toBe(409);
	});

	test('void an open invoice, delete a draft; the list filters by status and totals every status', async () => {
		server = await startServer();
		const a = createCustomer(server.app, { name: 'Alice Able' });
		const b = createCustomer(server.app, { name: 'Bob Baker' });
		const office = staffCookie(server, 'office');
		const make = async (customerId: string, title: string, unitAmount: number) =>
			(await call(server!, 'POST', '/api/staff/invoices', { cookie: office.cookie, body: { customerId, title, lines: [{ description: title, quantityMilli: 1000, unitAmount }] } })).body.id as string;
		const i1 = await make(a.id, 'Boiler', 10000);
		const i2 = await make(a.id, 'Gutter', 2500);
		const i3 = await make(b.id, 'Drain', 7000);
		const i4 = await make(b.id, 'Scrap', 100);
		for (const id of [i1, i2, i3]) await call(server, 'POST', `/api/staff/invoices/${id}/issue`, { cookie: office.cookie, body: {} });
		const voided = await call(server, 'POST', `/api/staff/invoices/${i2}/void`, { cookie: office.cookie, body: { reason: 'Duplicate' } });
		expect(voided.body).toMatchObject({ status: 'void', voidedAt: expect.any(Number), amountDue: 0 });
		expect((await call(server, 'DELETE', `/api/staff/invoices/${i1}`, { cookie: office.cookie })).status).toBe(409);
		expect((await call(server, 'DELETE', `/api/staff/invoices/${i4}`, { cookie: office.cookie })).status).toBe(204);
		expect((await call(server, 'GET', `/api/staff/invoices/${i4}`, { cookie: office.cookie })).status).toBe(404);

		const list = invoiceListResponseSchema.parse((await call(server, 'GET', '/api/staff/invoices?status=open', { cookie: office.cookie })).body);
		expect(list.invoices.map((i) => [i.title, i.customerName])).toEqual([
			['Drain', 'Bob Baker'],
			['Boiler', 'Alice Able']
		]);
		expect(list.total).toBe(2);
		expect(list.totals).toEqual([
			{ status: 'open', currency: 'USD', count: 2, total: 17000, amountPaid: 0, amountDue: 17000 },
			{ status: 'void', currency: 'USD', count: 1, total: 2500, amountPaid: 0, amountDue: 0 }
		]);
		const search = invoiceListResponseSchema.parse((await call(server, 'GET', '/api/staff/invoices?q=baker', { cookie: office.cookie })).body);
		expect(search.invoices.map((i) => i.id)).toEqual([i3]);
		const bad = await call(server, 'GET', '/api/staff/invoices?status=late', { cookie: office.cookie });
		expect(bad.body).toMatchObject({ code: 'VALIDATION', field: 'status' });
		const audit = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, i2)).all();
		expect(audit.at(-1)).toMatchObject({ action: 'invoice.voided', detail: { number: expect.any(String), reason: 'Duplicate' } });
	});

	test('bad drafts are refused naming the field, and nothing is stored', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const office = staffCookie(server, 'office');
		const before = dbState(server);
		const cases: [unknown, string, number][] = [
			[{ customerId: c.id, title: '', lines: LINES }, 'title', 400],
			[{ customerId: c.id, title: 'X', lines: [{ description: 'A', quantityMilli: 0, unitAmount: 1 }] }, 'lines.0.quantityMilli', 400],
			[{ customerId: c.id, title: 'X', lines: [{ description: 'A', quantityMilli: 1000, unitAmount: 1.5 }] }, 'lines.0.unitAmount', 400],
			[{ customerId: c.id, title: 'X', taxRateBp: -1, lines: LINES }, 'taxRateBp', 400],
			[{ customerId: c.id, title: 'X', dueDate: '2026-02-30x', lines: LINES }, 'dueDate', 400],
			[{ customerId: c.id, title: 'X', lines: [{ description: 'A', quantityMilli: 1_000_000_000, unitAmount: 1_000_000_000_000 }] }, 'lines.0', 400]
		];
		for (const [body, field, status] of cases) {
			const res = await call(server, 'POST', '/api/staff/invoices', { cookie: office.cookie, body });
			expect(res.status, JSON.stringify(body)).toBe(status);
			expect(res.body.field).toBe(field);
		}
		expect((await call(server, 'POST', '/api/staff/invoices', { cookie: office.cookie, body: { customerId: 'nobody', title: 'X', lines: LINES } })).status).toBe(404);
		expect(dbState(server)).toBe(before);
		// An empty draft is allowed, but cannot be issued.
		const empty = await call(server, 'POST', '/api/staff/invoices', { cookie: office.cookie, body: { customerId: c.id, title: 'Later' } });
		expect(empty.status).toBe(201);
		const issue = await call(server, 'POST', `/api/staff/invoices/${empty.body.id}/issue`, { cookie: office.cookie, body: {} });
		expect(issue.body).toMatchObject({ code: 'VALIDATION', field: 'lines' });
	});
});
