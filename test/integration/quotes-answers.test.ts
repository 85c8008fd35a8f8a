import { randomUUID } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { quoteAnswerSchema } from '../../shared/protocol/quotes.ts';
import { inboxResponseSchema } from '../../shared/protocol/staff.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { answer, approval } from '../helpers/quotes.ts';
import { call, openStaffStream, type StaffSocket } from '../helpers/staff.ts';
import { createCustomer, createQuote, customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
const sockets: StaffSocket[] = [];
afterEach(async () => {
	for (const socket of sockets.splice(0)) socket.close();
	await server?.close();
	server = undefined;
});

/** An endpoint subscribed to `events`, written straight into the table the dispatcher reads (its URL answers nothing). */
function subscribe(srv: TestServer, events: string[]): string {
	const id = randomUUID();
	srv.app.store.db.insert(s.webhookEndpoints).values({ id, url: 'http://127.0.0.1:9/hook', secret: 'whsec_test', events, active: true, createdAt: srv.app.clock() }).run();
	return id;
}

function queued(srv: TestServer, endpointId: string) {
	return srv.app.store.db
		.select()
		.from(s.webhookDeliveries)
		.where(eq(s.webhookDeliveries.endpointId, endpointId))
		.all()
		.map((d) => ({ event: d.event, data: (JSON.parse(d.payload) as { data: Record<string, unknown> }).data }));
}

async function shown(srv: TestServer, cookie: string, id: string) {
	const doc = (await pullAll(srv, cookie, 'quotes')).documents.find((d) => d.id === id);
	if (!doc) throw new Error('the quote did not reach the device');
	return doc;
}

test('declining: the quote says so with the reason, on the device and in the console, told live and audited', async () => {
	const clock = fakeClock();
	server = await startServer({}, { clock: clock.now });
	const office = staffCookie(server, 'office');
	const c = createCustomer(server.app, { name: 'Marcus Okafor' });
	const marcus = customerCookie(server, c.id, { email: 'marcus@example.com' });
	const id = createQuote(server.app, c.id);
	const socket = await openStaffStream(server, office.cookie);
	sockets.push(socket);
	await socket.next((m) => m.type === 'hello');

	clock.advance(60_000);
	const res = await answer(server, marcus.cookie, id, 'decline', { reason: '  We went with a tankless unit.  ' });
	expect(res.status, res.text).toBe(200);
	const { quote } = quoteAnswerSchema.parse(res.body);
	expect(quote).toMatchObject({ status: 'declined', responseNote: 'We went with a tankless unit.', respondedAt: clock.now(), signedDocumentId: null, approvedTotal: null });
	expect(await shown(server, marcus.cookie, id)).toMatchObject({ status: 'declined', responseNote: 'We went with a tankless unit.' });
	expect(await socket.next((m) => m.type === 'quote')).toEqual({ type: 'quote', quoteId: id, customerId: c.id, number: quote.number, customerName: 'Marcus Okafor', status: 'declined' });
	const staffView = await call(server, 'GET', `/api/staff/quotes/${id}`, { cookie: office.cookie });
	expect(staffView.body).toMatchObject({ status: 'declined', responseNote: 'We went with a tankless unit.', signature: null });
	expect(server.app.store.db.select().from(s.auditLog).all()).toEqual([
		expect.objectContaining({ actorKind: 'customer', actorId: marcus.portalUserId, action: 'quote.declined', entity: 'quote', entityId: id })
	]);
	// The owner's audit log names who answered.
	const owner = staffCookie(server, 'owner');
	const log = await call(server, 'GET', '/api/staff/audit', { cookie: owner.cookie });
	expect(log.status, log.text).toBe(200);
	expect(log.body.entries[0]).toMatchObject({ actor: { kind: 'customer', id: marcus.portalUserId, name: 'Marcus Okafor' }, action: 'quote.declined', entityId: id });
	// No reason is fine too.
	const other = createQuote(server.app, c.id);
	const bare = await answer(server, marcus.cookie, other, 'decline', {});
	expect(bare.body.quote).toMatchObject({ status: 'declined', responseNote: null });
});

test('asking for changes: the request lands in the customer’s thread and the office inbox, live, as a message.created; after the office revises and resends, the new version can be signed', async () => {
	server = await startServer();
	const office = staffCookie(server, 'office', 'Kim Nguyen');
	const endpoint = subscribe(server, ['message.created', 'quote.approved']);
	const c = createCustomer(server.app, { name: 'Dana Whitfield' });
	const dana = customerCookie(server, c.id, { email: 'dana@example.com', name: 'Dana W.' });
	const id = createQuote(server.app, c.id);
	const socket = await openStaffStream(server, office.cookie);
	sockets.push(socket);
	await socket.next((m) => m.type === 'hello');

	const res = await answer(server, dana.cookie, id, 'request-changes', { message: 'Could you quote the 50 gallon with a tankless option instead?' });
	expect(res.status, res.text).toBe(200);
	const { quote } = quoteAnswerSchema.parse(res.body);
	expect(quote).toMatchObject({ status: 'changes_requested', responseNote: 'Could you quote the 50 gallon with a tankless option instead?' });

	// The customer's own message, in their thread on their device.
	const messages = (await pullAll(server, dana.cookie, 'messages')).documents;
	expect(messages).toHaveLength(1);
	expect(messages[0]).toMatchObject({ authorKind: 'customer', authorName: 'Dana W.', _deleted: false });
	expect(messages[0].body).toBe(`Changes requested on quote ${quote.number} (Water heater replacement):\n\nCould you quote the 50 gallon with a tankless option instead?`);

	// The office: live events, the thread unread at the top of the inbox.
	const inboxEvent = await socket.next((m) => m.type === 'inbox');
	expect(inboxEvent).toMatchObject({ type: 'inbox', customerMessage: true });
	expect(await socket.next((m) => m.type === 'quote')).toMatchObject({ quoteId: id, status: 'changes_requested', customerName: 'Dana Whitfield' });
	const inbox = inboxResponseSchema.parse((await call(server, 'GET', '/api/staff/threads', { cookie: office.cookie })).body);
	expect(inbox.threads[0]).toMatchObject({ unread: true, status: 'open', customer: { id: c.id }, lastMessage: { authorKind: 'customer', authorName: 'Dana W.' } });
	expect(inbox.threads[0].lastMessage!.preview).toContain(quote.number);
	expect(inboxEvent).toMatchObject({ threadIds: [inbox.threads[0].id] });

	// Other systems hear of it like any customer message.
	expect(queued(server, endpoint)).toEqual([{ event: 'message.created', data: expect.objectContaining({ messageId: messages[0].id, customerId: c.id, body: messages[0].body }) }]);
	expect(server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'quote.changes_requested')).all()).toEqual([
		expect.objectContaining({ actorKind: 'customer', actorId: dana.portalUserId, entityId: id, detail: expect.objectContaining({ messageId: messages[0].id }) })
	]);

	// The office revises the quote (a new revision) and sends it again.
	const edited = await call(server, 'PATCH', `/api/staff/quotes/${id}`, {
		cookie: office.cookie,
		body: { items: [{ kind: 'included', description: '50 gal tankless-ready heater', quantityMilli: 1000, unitAmount: 160_000 }] }
	});
	expect(edited.status, edited.text).toBe(200);
	expect(edited.body).toMatchObject({ status: 'changes_requested', quoteRevision: 2 });
	const sent = await call(server, 'POST', `/api/staff/quotes/${id}/send`, { cookie: office.cookie });
	expect(sent.body).toMatchObject({ status: 'sent', quoteRevision: 2 });
	const revised = await shown(server, dana.cookie, id);
	expect(revised).toMatchObject({ status: 'sent', quoteRevision: 2, responseNote: 'Could you quote the 50 gallon with a tankless option instead?' });
	const signed = await answer(server, dana.cookie, id, 'approve', approval(revised, { selection: [] }));
	expect(signed.status, signed.text).toBe(200);
	// 8.25 % tax on $1,600.
	expect(signed.body.quote).toMatchObject({ status: 'approved', approvedTotal: 173_200, responseNote: null });
	expect(queued(server, endpoint).map((d) => d.event)).toEqual(['message.created', 'quote.approved']);
});
