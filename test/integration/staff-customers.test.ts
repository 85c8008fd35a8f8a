import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { customerRecordSchema, customerSearchResponseSchema } from '../../shared/protocol/staff.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { sameSiteHeaders, sessionCookieFrom, waitForOutboxMail } from '../helpers/session.ts';
import { call, dbState } from '../helpers/staff.ts';
import { createCustomer, customerCookie, openStream, pull, pullAll, staffCookie, type TestStream } from '../helpers/sync.ts';

let server: TestServer | undefined;
const streams: TestStream[] = [];
afterEach(async () => {
	for (const st of streams.splice(0)) st.close();
	await server?.close();
	server = undefined;
});

describe('staff customers', () => {
	test('search matches name, email, phone digits and portal addresses, paginated, with open balances', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const created: string[] = [];
		for (const [name, email, phone] of [
			['Dana Whitfield', 'dana@example.com', '(608) 555-0101'],
			['Marcus Okafor', 'marcus@example.com', '608.555.0199'],
			['Lakeview Dental', 'front@lakeview.example', '+1 608 555 7777'],
			['Priya 100% Raman', 'priya@example.com', null]
		] as const) {
			const res = await call(server, 'POST', '/api/staff/customers', { cookie: office.cookie, body: { name, email, phone } });
			expect(res.status).toBe(201);
			created.push(res.body.customer.id);
		}
		const search = async (q: string, extra = '') => customerSearchResponseSchema.parse((await call(server!, 'GET', `/api/staff/customers?q=${encodeURIComponent(q)}${extra}`, { cookie: office.cookie })).body);
		expect((await search('okafor')).customers.map((c) => c.name)).toEqual(['Marcus Okafor']);
		expect((await search('LAKEVIEW.example')).customers.map((c) => c.name)).toEqual(['Lakeview Dental']);
		expect((await search('555-7777')).customers.map((c) => c.name)).toEqual(['Lakeview Dental']);
		expect((await search('6085550101')).customers.map((c) => c.name)).toEqual(['Dana Whitfield']);
		// % is a literal, not a wildcard.
		expect((await search('100%')).customers.map((c) => c.name)).toEqual(['Priya 100% Raman']);
		const page1 = await search('', '&limit=2');
		const page2 = await search('', '&limit=2&offset=2');
		expect(page1.total).toBe(4);
		expect([...page1.customers, ...page2.customers].map((c) => c.name)).toEqual(['Dana Whitfield', 'Lakeview Dental', 'Marcus Okafor', 'Priya 100% Raman']);
		const bad = await call(server, 'GET', '/api/staff/customers?limit=5000', { cookie: office.cookie });
		expect(bad.body).toMatchObject({ code: 'VALIDATION', field: 'limit' });

		// A portal address finds its customer too, and open invoices show as the balance.
		await call(server, 'POST', `/api/staff/customers/${created[0]}/portal-users`, { cookie: office.cookie, body: { email: 'Second.Person@Example.com', sendInvitation: false } });
		expect((await search('second.person')).customers.map((c) => c.name)).toEqual(['Dana Whitfield']);
		expect((await search('dana')).customers[0]).toMatchObject({ portalUsers: 1, openBalance: 0, currency: 'USD' });
	});

	test('create and edit go through the writer: the customer’s devices see the change at once', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const res = await call(server, 'POST', '/api/staff/customers', {
			cookie: office.cookie,
			body: { name: '  Harold Jensen ', email: 'harold@example.com', billing: { city: 'Madison' }, addresses: [{ line1: '12 Oak St', city: 'Madison', region: 'WI', postalCode: '53703' }] }
		});
		expect(res.status).toBe(201);
		const record = customerRecordSchema.parse(res.body);
		expect(record.customer).toMatchObject({ name: 'Harold Jensen', billing: { city: 'Madison', line1: null }, addresses: [{ label: 'Home', line1: '12 Oak St', country: 'US' }] });
		const id = record.customer.id;
		const addressId = record.customer.addresses[0].id;
		const device = customerCookie(server, id);
		const before = await pullAll(server, device.cookie, 'profile');
		expect(before.documents[0]).toMatchObject({ id, name: 'Harold Jensen' });
		const socket = await openStream(server, device.cookie);
		streams.push(socket);
		await socket.next((m) => m.type === 'hello');

		const edit = await call(server, 'PATCH', `/api/staff/customers/${id}`, {
			cookie: office.cookie,
			body: { phone: '608 555 1234', billing: { line1: 'PO Box 9' }, addresses: [{ id: addressId, label: 'Home', line1: '12 Oak St', city: 'Madison', region: 'WI', postalCode: '53703' }, { label: 'Cabin', line1: '1 Lake Rd', city: 'Minocqua', postalCode: '54548' }] }
		});
		expect(edit.status).toBe(200);
		expect(await socket.next((m) => m.type === 'changed')).toEqual({ type: 'changed', collections: ['profile'] });
		const after = await pull(server, device.cookie, 'profile', { after: before.seq });
		expect(after.body.documents).toHaveLength(1);
		expect(after.body.documents[0]).toMatchObject({ phone: '608 555 1234', billing: { city: 'Madison', line1: 'PO Box 9' } });
		expect(after.body.documents[0].addresses.map((a: { id: string; label: string }) => [a.id === addressId, a.label])).toEqual([
			[true, 'Home'],
			[false, 'Cabin']
		]);

		// The same edit again changes nothing and takes no new seq.
		const seq = server.app.writer.currentSeq();
		await call(server, 'PATCH', `/api/staff/customers/${id}`, { cookie: office.cookie, body: { phone: '608 555 1234' } });
		expect(server.app.writer.currentSeq()).toBe(seq);
		const audit = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, id)).all();
		expect(audit.map((a) => a.action)).toEqual(['customer.created', 'customer.updated']);
	});

	test('bad input is refused naming the field, and nothing stored changes', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app, { name: 'Keep Me' });
		const before = dbState(server);
		const cases: [unknown, string][] = [
			[{ name: '' }, 'name'],
			[{ email: 'not-an-email' }, 'email'],
			[{ billing: { email: 'nope' } }, 'billing.email'],
			[{ addresses: [{ line1: '', city: 'X', postalCode: '1' }] }, 'addresses.0.line1'],
			[{ addresses: [{ id: 'someone-elses', line1: '1 A St', city: 'X', postalCode: '1' }] }, 'addresses.0.id'],
			[{ surprise: true }, '']
		];
		for (const [body, field] of cases) {
			const res = await call(server, 'PATCH', `/api/staff/customers/${c.id}`, { cookie: office.cookie, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body.code).toBe('VALIDATION');
			if (field) expect(res.body.field).toBe(field);
		}
		expect((await call(server, 'POST', '/api/staff/customers', { cookie: office.cookie, body: { email: 'x@example.com' } })).body.field).toBe('name');
		expect((await call(server, 'PATCH', '/api/staff/customers/no-such', { cookie: office.cookie, body: { name: 'X' } })).status).toBe(404);
		expect(dbState(server)).toEqual(before);
	});

	test('an invitation mails a branded sign-in link that signs the new address in; removing it ends its sessions', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app, { name: 'Elena Okafor' });
		const invite = await call(server, 'POST', `/api/staff/customers/${c.id}/portal-users`, { cookie: office.cookie, body: { email: ' Elena@Example.com ', name: 'Elena' } });
		expect(invite.status).toBe(201);
		expect(invite.body).toMatchObject({ portalUser: { email: 'elena@example.com', name: 'Elena', disabled: false }, invitationSent: true });
		const mail = await waitForOutboxMail(server, 'elena@example.com');
		expect(mail.subject).toContain('account is ready');
		expect(mail.text).toContain('Hello Elena,');
		expect(mail.html).toContain('Open my account');
		expect(mail.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

		const redeem = await fetch(`${server.url}/api/auth/redeem-link`, { method: 'POST', headers: sameSiteHeaders(server), body: JSON.stringify({ token: mail.token }) });
		expect(redeem.status).toBe(200);
		const cookie = sessionCookieFrom(server, redeem)!;
		expect((await redeem.json()).session).toMatchObject({ kind: 'customer', customerId: c.id });
		expect((await pull(server, cookie, 'profile')).status).toBe(200);

		// Inviting the same address again re-sends (200); another customer cannot take it while it is live.
		expect((await call(server, 'POST', `/api/staff/customers/${c.id}/portal-users`, { cookie: office.cookie, body: { email: 'elena@example.com', sendInvitation: false } })).status).toBe(200);
		const other = createCustomer(server.app);
		const taken = await call(server, 'POST', `/api/staff/customers/${other.id}/portal-users`, { cookie: office.cookie, body: { email: 'elena@example.com' } });
		expect(taken.status).toBe(409);
		expect(taken.body.field).toBe('email');

		const userId = invite.body.portalUser.id;
		expect((await call(server, 'DELETE', `/api/staff/customers/${other.id}/portal-users/${userId}`, { cookie: office.cookie })).status).toBe(404);
		expect((await call(server, 'DELETE', `/api/staff/customers/${c.id}/portal-users/${userId}`, { cookie: office.cookie })).status).toBe(204);
		expect((await pull(server, cookie, 'profile')).status).toBe(401);
		const record = customerRecordSchema.parse((await call(server, 'GET', `/api/staff/customers/${c.id}`, { cookie: office.cookie })).body);
		expect(record.portalUsers).toEqual([expect.objectContaining({ id: userId, disabled: true })]);
		const actions = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, c.id)).all().map((a) => a.action);
		expect(actions).toEqual(['portal_user.added', 'portal_user.invited_again', 'portal_user.removed']);

		// A removed address can be invited again, here or by another customer.
		const moved = await call(server, 'POST', `/api/staff/customers/${other.id}/portal-users`, { cookie: office.cookie, body: { email: 'elena@example.com', sendInvitation: false } });
		expect(moved.status).toBe(201);
		expect(server.app.store.db.select().from(s.portalUsers).where(eq(s.portalUsers.id, userId)).get()).toMatchObject({ customerId: other.id, disabled: false });
	});
});
