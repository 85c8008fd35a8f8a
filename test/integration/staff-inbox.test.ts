import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { revokeSession } from '../../server/auth/sessions.ts';
import * as s from '../../server/db/schema.ts';
import { inboxResponseSchema, staffStreamMessageSchema, threadDetailSchema } from '../../shared/protocol/staff.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { call, openStaffStream, type StaffSocket } from '../helpers/staff.ts';
import { createAppointment, createCustomer, createDocument, createInvoice, createMessage, customerCookie, openStream, push, staffCookie, type TestStream } from '../helpers/sync.ts';

let server: TestServer | undefined;
const sockets: (StaffSocket | TestStream)[] = [];
afterEach(async () => {
	for (const s of sockets.splice(0)) s.close();
	await server?.close();
	server = undefined;
});

function customerMessage(body: string) {
	return { id: randomUUID(), authorKind: 'customer', authorName: '', body, attachments: [], sentAt: 1, createdAt: 0, updatedAt: 0, _deleted: false };
}

async function customerWrites(srv: TestServer, cookie: string, body: string) {
	const res = await push(srv, cookie, 'messages', [{ newDocumentState: customerMessage(body) }]);
	expect(res.status).toBe(200);
	expect(res.body.conflicts).toEqual([]);
}

function threadOf(srv: TestServer, customerId: string) {
	return srv.app.store.db.select().from(s.messageThreads).where(eq(s.messageThreads.customerId, customerId)).get()!;
}

describe('staff inbox', () => {
	test('unread threads come first, each with its customer and last message; reading, replying and closing move them', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now });
		const a = createCustomer(server.app, { name: 'Ada Quiet' });
		const b = createCustomer(server.app, { name: 'Ben Waiting' });
		const office = staffCookie(server, 'office', 'Olive Office');
		// A has only heard from the office; B wrote later and is waiting.
		createMessage(server.app, a.id, { body: 'Your invoice is ready.' });
		clock.advance(1000);
		await customerWrites(server, customerCookie(server, b.id).cookie, 'Is Tuesday still on?');
		clock.advance(1000);
		createMessage(server.app, a.id, { body: 'Reminder: visit tomorrow.' });

		const list = await call(server, 'GET', '/api/staff/threads', { cookie: office.cookie });
		expect(list.status).toBe(200);
		const inbox = inboxResponseSchema.parse(list.body);
		expect(inbox.total).toBe(2);
		expect(inbox.unread).toBe(1);
		// B is older activity but unread, so first.
		expect(inbox.threads.map((t) => [t.customerName, t.unread])).toEqual([
			['Ben Waiting', true],
			['Ada Quiet', false]
		]);
		expect(inbox.threads[0]).toMatchObject({
			customer: { id: b.id, name: 'Ben Waiting', phone: '+1 555 0100' },
			lastMessage: { authorKind: 'customer', preview: 'Is Tuesday still on?' },
			status: 'open',
			assignedStaffId: null
		});

		// Reading it clears unread; a new customer message brings it back.
		const bThread = inbox.threads[0].id;
		clock.advance(1000);
		const read = await call(server, 'PATCH', `/api/staff/threads/${bThread}`, { cookie: office.cookie, body: { read: true } });
		expect(read.status).toBe(200);
		expect(read.body.unread).toBe(false);
		clock.advance(1000);
		await customerWrites(server, customerCookie(server, b.id).cookie, 'Hello?');
		expect((await call(server, 'GET', `/api/staff/threads`, { cookie: office.cookie })).body.unread).toBe(1);

		// A reply is a read; done threads leave the open filter and come back with the next message.
		clock.advance(1000);
		expect((await call(server, 'POST', `/api/staff/threads/${bThread}/messages`, { cookie: office.cookie, body: { body: 'Yes, 9 am.' } })).status).toBe(201);
		expect((await call(server, 'GET', `/api/staff/threads`, { cookie: office.cookie })).body.unread).toBe(0);
		const done = await call(server, 'PATCH', `/api/staff/threads/${bThread}`, { cookie: office.cookie, body: { status: 'done' } });
		expect(done.body.status).toBe('done');
		const open = inboxResponseSchema.parse((await call(server, 'GET', '/api/staff/threads?status=open', { cookie: office.cookie })).body);
		expect(open.threads.map((t) => t.customerName)).toEqual(['Ada Quiet']);
		clock.advance(1000);
		await customerWrites(server, customerCookie(server, b.id).cookie, 'One more thing');
		expect(threadOf(server, b.id).status).toBe('open');
	});

	test('a thread comes with every message and the customer’s record beside it (drafts included for staff)', async () => {
		server = await startServer();
		const a = createCustomer(server.app, { name: 'Ada Record' });
		const other = createCustomer(server.app);
		const draft = createInvoice(server.app, a.id, { status: 'draft', title: 'Draft work' });
		const open = createInvoice(server.app, a.id, { status: 'open', title: 'Boiler service' });
		createInvoice(server.app, other.id, { title: 'Not theirs' });
		const doc = createDocument(server.app, a.id, { title: 'Warranty' });
		const appt = createAppointment(server.app, a.id);
		await customerWrites(server, customerCookie(server, a.id).cookie, 'First');
		createMessage(server.app, a.id, { body: 'Second' });
		const staff = staffCookie(server, 'technician');

		const res = await call(server, 'GET', `/api/staff/threads/${threadOf(server, a.id).id}`, { cookie: staff.cookie });
		expect(res.status).toBe(200);
		const detail = threadDetailSchema.parse(res.body);
		expect(detail.messages.map((m) => m.body)).toEqual(['First', 'Second']);
		expect(detail.record.customer).toMatchObject({ id: a.id, name: 'Ada Record' });
		expect(detail.record.invoices.map((i) => i.id).sort()).toEqual([draft, open].sort());
		expect(detail.record.invoices.find((i) => i.id === draft)!.status).toBe('draft');
		expect(detail.record.documents.map((d) => d.id)).toEqual([doc.id]);
		expect(detail.record.appointments.map((x) => x.id)).toEqual([appt]);
		expect(detail.record.threadId).toBe(detail.thread.id);
		expect((await call(server, 'GET', '/api/staff/threads/no-such-thread', { cookie: staff.cookie })).status).toBe(404);
	});

	test('assigning: to a colleague, to me, back to nobody; a bad assignee is refused naming the field and nothing changes', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		await customerWrites(server, customerCookie(server, a.id).cookie, 'Help');
		const thread = threadOf(server, a.id).id;
		const office = staffCookie(server, 'office', 'Olive Office');
		const tech = staffCookie(server, 'technician', 'Terry Tech');

		const assigned = await call(server, 'PATCH', `/api/staff/threads/${thread}`, { cookie: office.cookie, body: { assignedStaffId: tech.staffUserId } });
		expect(assigned.body).toMatchObject({ assignedStaffId: tech.staffUserId, assignedStaffName: 'Terry Tech' });
		const mine = inboxResponseSchema.parse((await call(server, 'GET', '/api/staff/threads?assigned=me', { cookie: tech.cookie })).body);
		expect(mine.threads.map((t) => t.id)).toEqual([thread]);
		expect((await call(server, 'GET', '/api/staff/threads?assigned=me', { cookie: office.cookie })).body.threads).toEqual([]);

		const bad = await call(server, 'PATCH', `/api/staff/threads/${thread}`, { cookie: office.cookie, body: { assignedStaffId: 'nobody-here' } });
		expect(bad.status).toBe(400);
		expect(bad.body).toMatchObject({ code: 'VALIDATION', field: 'assignedStaffId' });
		const empty = await call(server, 'PATCH', `/api/staff/threads/${thread}`, { cookie: office.cookie, body: {} });
		expect(empty.status).toBe(400);
		const wrongStatus = await call(server, 'PATCH', `/api/staff/threads/${thread}`, { cookie: office.cookie, body: { status: 'archived' } });
		expect(wrongStatus.body).toMatchObject({ code: 'VALIDATION', field: 'status' });
		expect(threadOf(server, a.id).assignedStaffId).toBe(tech.staffUserId);

		const unassigned = await call(server, 'PATCH', `/api/staff/threads/${thread}`, { cookie: office.cookie, body: { assignedStaffId: null } });
		expect(unassigned.body.assignedStaffId).toBeNull();
		const actions = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, thread)).all();
		expect(actions.map((x) => [x.action, x.actorId])).toEqual([
			['thread.assigned', office.staffUserId],
			['thread.unassigned', office.staffUserId]
		]);
	});

	test('a new customer message reaches the staff console live; so do a colleague’s reply and changes to a thread', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const phone = customerCookie(server, a.id);
		const office = staffCookie(server, 'office', 'Olive Office');
		const colleague = staffCookie(server, 'owner', 'Rosa Owner');
		const console1 = await openStaffStream(server, office.cookie);
		sockets.push(console1);
		expect(await console1.next((m) => m.type === 'hello')).toEqual({ type: 'hello', protocolVersion: expect.any(Number), topics: ['inbox', 'quotes'] });
		const customerSocket = await openStream(server, phone.cookie);
		sockets.push(customerSocket);

		const started = Date.now();
		await customerWrites(server, phone.cookie, 'The radiator is leaking');
		const thread = threadOf(server, a.id).id;
		expect(await console1.next((m) => m.type === 'inbox')).toEqual({ type: 'inbox', threadIds: [thread], customerMessage: true });
		expect(Date.now() - started).toBeLessThan(2000);

		// The colleague replies: the customer's device hears it, and so does this console.
		const n = console1.messages.length;
		expect((await call(server, 'POST', `/api/staff/threads/${thread}/messages`, { cookie: colleague.cookie, body: { body: 'On our way' } })).status).toBe(201);
		expect(await customerSocket.next((m) => m.type === 'changed')).toEqual({ type: 'changed', collections: ['messages'] });
		expect(await console1.next((m, i = console1.messages.indexOf(m)) => m.type === 'inbox' && i >= n)).toEqual({ type: 'inbox', threadIds: [thread], customerMessage: false });

		const m = console1.messages.length;
		await call(server, 'PATCH', `/api/staff/threads/${thread}`, { cookie: colleague.cookie, body: { status: 'done' } });
		expect(await console1.next((x) => x.type === 'inbox' && console1.messages.indexOf(x) >= m)).toEqual({ type: 'inbox', threadIds: [thread], customerMessage: false });
		for (const msg of console1.messages) staffStreamMessageSchema.parse(msg);
	});

	test('the staff socket closes soon after its session is revoked', async () => {
		server = await startServer({}, { stream: { sessionCheckMs: 100 } });
		const office = staffCookie(server, 'office');
		const socket = await openStaffStream(server, office.cookie);
		sockets.push(socket);
		await socket.next((m) => m.type === 'hello');
		expect(server.app.staffInbox.connections()).toBe(1);
		revokeSession(server.app.store.db, office.publicId, server.app.clock());
		expect((await socket.closed).code).toBe(4401);
		expect(socket.messages.at(-1)).toEqual({ type: 'bye', reason: 'session-ended' });
		expect(server.app.staffInbox.connections()).toBe(0);
	});

	test('staff start a conversation from a customer’s record', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const office = staffCookie(server, 'office', 'Olive Office');
		const res = await call(server, 'POST', `/api/staff/customers/${a.id}/messages`, { cookie: office.cookie, body: { body: 'Welcome to your portal' } });
		expect(res.status).toBe(201);
		expect(res.body.threadId).toBe(threadOf(server, a.id).id);
		expect(res.body.message).toMatchObject({ authorKind: 'staff', authorName: 'Olive Office', body: 'Welcome to your portal' });
		expect((await call(server, 'POST', `/api/staff/customers/no-such/messages`, { cookie: office.cookie, body: { body: 'x' } })).status).toBe(404);
	});
});
