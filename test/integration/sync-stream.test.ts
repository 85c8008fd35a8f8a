import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { streamServerMessageSchema } from '../../shared/protocol/stream.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';
import { messageSchema } from '../../shared/schemas/message.ts';
import { revokeSession } from '../../server/auth/sessions.ts';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { createCustomer, createMessage, customerCookie, ensureTestThread, openStream, pull, pullAll, push, staffCookie, type TestStream } from '../helpers/sync.ts';

let server: TestServer | undefined;
const streams: TestStream[] = [];
afterEach(async () => {
	for (const st of streams.splice(0)) st.close();
	await server?.close();
	server = undefined;
});

async function stream(srv: TestServer, cookie: string) {
	const st = await openStream(srv, cookie);
	streams.push(st);
	await st.next((m) => m.type === 'hello');
	return st;
}

async function staffReply(srv: TestServer, cookie: string, threadId: string, body: unknown) {
	const res = await fetch(`${srv.url}/api/staff/threads/${threadId}/messages`, {
		method: 'POST',
		headers: { cookie, 'content-type': 'application/json', origin: srv.config.publicUrl },
		body: JSON.stringify(body)
	});
	return { status: res.status, body: await res.json() };
}

describe('sync stream', () => {
	test('says hello with the database id and protocol version', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const st = await stream(server, customerCookie(server, a.id).cookie);
		expect(st.messages[0]).toEqual({ type: 'hello', databaseId: server.app.store.databaseId, protocolVersion: PROTOCOL_VERSION });
	});

	test('a staff reply reaches the customer’s socket as changed messages, and a pull returns it; other customers hear nothing', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const b = createCustomer(server.app);
		const aSession = customerCookie(server, a.id);
		const stA = await stream(server, aSession.cookie);
		const stB = await stream(server, customerCookie(server, b.id).cookie);
		const { seq } = await pullAll(server, aSession.cookie, 'messages');
		const threadId = ensureTestThread(server.app, a.id);
		const staff = staffCookie(server, 'office', 'Olive Office');

		const reply = await staffReply(server, staff.cookie, threadId, { body: '  We can come Tuesday at 9.  ' });
		expect(reply.status).toBe(201);
		const message = messageSchema.parse(reply.body);
		expect(message).toMatchObject({ authorKind: 'staff', authorName: 'Olive Office', body: 'We can come Tuesday at 9.' });

		expect(await stA.next((m) => m.type === 'changed')).toEqual({ type: 'changed', collections: ['messages'] });
		const res = await pull(server, aSession.cookie, 'messages', { after: seq });
		expect(res.body.documents).toEqual([{ ...message, _deleted: false }]);

		// B hears only of B's own change, which is written after A's.
		createMessage(server.app, b.id);
		expect(await stB.next((m) => m.type === 'changed')).toEqual({ type: 'changed', collections: ['messages'] });
		expect(stB.messages.filter((m) => m.type === 'changed')).toHaveLength(1);
		for (const frame of stB.frames) expect(frame).not.toContain(message.id);
		for (const frame of stA.frames) streamServerMessageSchema.parse(JSON.parse(frame));
	});

	test('a 500-row transaction is one message naming each changed collection once', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const st = await stream(server, customerCookie(server, a.id).cookie);
		const threadId = ensureTestThread(server.app, a.id);
		server.app.writer.transaction((w) => {
			for (let i = 0; i < 500; i++) {
				const id = randomUUID();
				w.db.insert(s.messages)
					.values({ id, threadId, customerId: a.id, authorKind: 'system', authorName: 'System', body: `Note ${i}`, sentAt: w.now, seq: w.touch('messages', a.id, id), createdAt: w.now, updatedAt: w.now })
					.run();
			}
			w.bump('profile', a.id, a.id);
		});
		await st.next((m) => m.type === 'changed');
		await new Promise((r) => setTimeout(r, 100));
		expect(st.messages.filter((m) => m.type === 'changed')).toEqual([{ type: 'changed', collections: ['profile', 'messages'] }]);
	});

	test('a customer’s own push notifies their other devices', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const phone = customerCookie(server, a.id);
		const laptop = await stream(server, customerCookie(server, a.id).cookie);
		const msg = { id: randomUUID(), authorKind: 'customer', authorName: '', body: 'Hi', attachments: [], sentAt: 1, createdAt: 0, updatedAt: 0, _deleted: false };
		expect((await push(server, phone.cookie, 'messages', [{ newDocumentState: msg }])).status).toBe(200);
		expect(await laptop.next((m) => m.type === 'changed')).toEqual({ type: 'changed', collections: ['messages'] });
	});

	test('revoking the session closes its socket within 5 seconds, with 4401', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const session = customerCookie(server, a.id);
		const other = await stream(server, customerCookie(server, a.id).cookie);
		const st = await stream(server, session.cookie);
		const started = Date.now();
		revokeSession(server.app.store.db, session.publicId, server.app.clock());
		const closed = await st.closed;
		expect(Date.now() - started).toBeLessThan(5000);
		expect(closed.code).toBe(4401);
		expect(st.messages.at(-1)).toEqual({ type: 'bye', reason: 'session-ended' });
		// The same customer's other session stays connected.
		expect(other.ws.readyState).toBe(other.ws.OPEN);
		expect(server.app.syncStream.connections()).toBe(1);
	});

	test('an expired session’s socket is closed too', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now, stream: { sessionCheckMs: 100 } });
		const a = createCustomer(server.app);
		const st = await stream(server, customerCookie(server, a.id).cookie);
		clock.advance(91 * 86_400_000);
		expect((await st.closed).code).toBe(4401);
	});

	test('heartbeats flow, and a peer that stops answering pings is dropped', async () => {
		server = await startServer({}, { stream: { heartbeatMs: 150 } });
		const a = createCustomer(server.app);
		const st = await stream(server, customerCookie(server, a.id).cookie);
		const beat = await st.next((m) => m.type === 'heartbeat', 2000);
		expect(beat).toEqual({ type: 'heartbeat', at: expect.any(Number) });
		await new Promise((r) => setTimeout(r, 500));
		expect(server.app.syncStream.connections()).toBe(1);
		// Stop reading: pings go unanswered, as with a phone that lost its signal.
		(st.ws as unknown as { _socket: { pause(): void } })._socket.pause();
		const deadline = Date.now() + 3000;
		while (server.app.syncStream.connections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
		expect(server.app.syncStream.connections()).toBe(0);
	});

	test('who may connect: no session 401, staff 403, a foreign Origin 403, no Origin (not a browser) allowed', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		await expect(openStream(server, '')).rejects.toMatchObject({ statusCode: 401 });
		await expect(openStream(server, staffCookie(server).cookie)).rejects.toMatchObject({ statusCode: 403 });
		await expect(openStream(server, cookie, { origin: 'https://evil.example' })).rejects.toMatchObject({ statusCode: 403 });
		await expect(openStream(server, cookie, { origin: 'null' })).rejects.toMatchObject({ statusCode: 403 });
		const ok = await openStream(server, cookie, { origin: null });
		expect((await ok.next((m) => m.type === 'hello')).type).toBe('hello');
		ok.close();
		await ok.closed;
		// Regression: a refused upgrade left its connection half-open, and the server never finished closing.
		const closing = server.close().then(() => 'closed');
		server = undefined;
		expect(await Promise.race([closing, new Promise((r) => setTimeout(() => r('hung'), 3000))])).toBe('closed');
	});
});

describe('staff replies', () => {
	test('validate the body, answer 404 for an unknown thread, and are for staff only', async () => {
		server = await startServer();
		const a = createCustomer(server.app);
		const threadId = ensureTestThread(server.app, a.id);
		const staff = staffCookie(server);
		const before = server.app.store.db.select().from(s.messages).all().length;
		const blank = await staffReply(server, staff.cookie, threadId, { body: '   ' });
		expect(blank.status).toBe(400);
		expect(blank.body).toMatchObject({ code: 'VALIDATION', field: 'body' });
		const long = await staffReply(server, staff.cookie, threadId, { body: 'x'.repeat(5001) });
		expect(long.body).toMatchObject({ code: 'VALIDATION', field: 'body' });
		expect((await staffReply(server, staff.cookie, 'no-such-thread', { body: 'Hi' })).status).toBe(404);
		const customer = await staffReply(server, customerCookie(server, a.id).cookie, threadId, { body: 'Hi' });
		expect(customer.status).toBe(403);
		expect((await staffReply(server, '', threadId, { body: 'Hi' })).status).toBe(401);
		expect(server.app.store.db.select().from(s.messages).all().length).toBe(before);
		const list = await fetch(`${server.url}/api/staff/threads`, { headers: { cookie: staff.cookie } });
		expect((await list.json()).threads).toEqual([expect.objectContaining({ id: threadId, customerId: a.id })]);
		expect(server.app.store.db.select().from(s.messageThreads).where(eq(s.messageThreads.id, threadId)).get()!.staffReadAt).toBeNull();
	});
});
