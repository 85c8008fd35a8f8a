import { afterEach, describe, expect, test } from 'vitest';
import { auditLog, customers, documents, invoices, messages, portalUsers } from '../../server/db/schema.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { call, listRoutes, openStaffStream } from '../helpers/staff.ts';
import { createCustomer, createInvoice, customerCookie, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/** Every staff route registered in the app, with its path parameters filled in. */
function staffRoutes(srv: TestServer) {
	return listRoutes(srv.app)
		.filter((r) => r.url.startsWith('/api/staff/') && r.method !== 'HEAD')
		.map((r) => ({ method: r.method, url: r.url, path: r.url.replace(/:[A-Za-z]+/g, 'x') }));
}

function counts(srv: TestServer) {
	const db = srv.app.store.db;
	return [customers, invoices, documents, messages, portalUsers, auditLog].map((t) => db.select().from(t).all().length);
}

async function hit(srv: TestServer, r: { method: string; path: string }, cookie?: string) {
	return call(srv, r.method, r.path, { cookie, body: r.method === 'GET' || r.method === 'DELETE' ? undefined : {} });
}

/** Routes the console built here must keep; the enumeration is checked against them so it can't come back empty. */
const CONSOLE_ROUTES = [
	'GET /api/staff/threads',
	'GET /api/staff/threads/:id',
	'PATCH /api/staff/threads/:id',
	'POST /api/staff/threads/:id/messages',
	'GET /api/staff/stream',
	'GET /api/staff/customers',
	'POST /api/staff/customers',
	'PATCH /api/staff/customers/:id',
	'POST /api/staff/customers/:id/portal-users',
	'DELETE /api/staff/customers/:id/portal-users/:portalUserId',
	'POST /api/staff/customers/:id/documents',
	'GET /api/staff/invoices',
	'POST /api/staff/invoices',
	'POST /api/staff/invoices/:id/issue',
	'POST /api/staff/invoices/:id/void',
	'POST /api/staff/invoices/:id/payments',
	'PATCH /api/staff/documents/:id',
	'DELETE /api/staff/documents/:id',
	'PUT /api/staff/branding',
	'POST /api/staff/branding/logo',
	'GET /api/staff/audit',
	'POST /api/staff/api-keys',
	'GET /api/staff/api-keys',
	'DELETE /api/staff/api-keys/:id',
	'POST /api/staff/webhooks',
	'GET /api/staff/webhooks',
	'DELETE /api/staff/webhooks/:id'
];

describe('staff console access', () => {
	test('a customer gets 403, and no session 401, on every /api/staff route; nothing changes', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const customer = customerCookie(server, c.id);
		const routes = staffRoutes(server);
		const names = routes.map((r) => `${r.method} ${r.url}`);
		for (const expected of CONSOLE_ROUTES) expect(names).toContain(expected);
		const before = counts(server);
		for (const r of routes) {
			const asCustomer = await hit(server, r, customer.cookie);
			expect(asCustomer.status, `${r.method} ${r.url} as a customer`).toBe(403);
			expect(asCustomer.body.code, `${r.method} ${r.url}`).toBe('FORBIDDEN');
			const anonymous = await hit(server, r);
			expect(anonymous.status, `${r.method} ${r.url} without a session`).toBe(401);
		}
		expect(counts(server)).toEqual(before);
		// The live inbox socket refuses customers too.
		await expect(openStaffStream(server, customer.cookie)).rejects.toMatchObject({ statusCode: 403 });
	});

	test('a technician cannot create, issue, void or take payments on invoices, nor change customers, documents or branding', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const draft = createInvoice(server.app, c.id, { status: 'draft' });
		const open = createInvoice(server.app, c.id, { status: 'open' });
		const tech = staffCookie(server, 'technician', 'Terry Tech');
		const before = counts(server);
		const refused: [string, string, unknown][] = [
			['POST', '/api/staff/invoices', { customerId: c.id, title: 'Repair', lines: [{ description: 'Labour', quantityMilli: 1000, unitAmount: 5000 }] }],
			['PATCH', `/api/staff/invoices/${draft}`, { title: 'Changed' }],
			['DELETE', `/api/staff/invoices/${draft}`, undefined],
			['POST', `/api/staff/invoices/${draft}/issue`, {}],
			['POST', `/api/staff/invoices/${open}/void`, {}],
			['POST', `/api/staff/invoices/${open}/payments`, { amount: 100, method: 'cash' }],
			['POST', '/api/staff/customers', { name: 'New Customer' }],
			['PATCH', `/api/staff/customers/${c.id}`, { name: 'Renamed' }],
			['POST', `/api/staff/customers/${c.id}/portal-users`, { email: 'someone@example.com' }],
			['PUT', '/api/staff/branding', { name: 'Hijacked' }],
			['GET', '/api/staff/audit', undefined],
			['GET', '/api/staff/api-keys', undefined],
			['GET', '/api/staff/webhooks', undefined]
		];
		for (const [method, path, body] of refused) {
			const res = await call(server, method, path, { cookie: tech.cookie, body });
			expect(res.status, `${method} ${path}`).toBe(403);
			expect(res.body.message).toContain('technician');
		}
		expect(counts(server)).toEqual(before);
		// They can read what they need in the field.
		for (const path of ['/api/staff/threads', '/api/staff/customers', `/api/staff/customers/${c.id}`, '/api/staff/invoices', `/api/staff/invoices/${open}`]) {
			expect((await call(server, 'GET', path, { cookie: tech.cookie })).status, path).toBe(200);
		}
	});

	test('the audit log, API keys and webhooks are the owner’s alone', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const owner = staffCookie(server, 'owner');
		for (const [method, path, body] of [
			['GET', '/api/staff/audit', undefined],
			['POST', '/api/staff/api-keys', { name: 'Books' }],
			['GET', '/api/staff/api-keys', undefined],
			['POST', '/api/staff/webhooks', { url: 'https://example.com/hook', events: ['ping'] }],
			['GET', '/api/staff/webhooks', undefined]
		] as const) {
			expect((await call(server, method, path, { cookie: office.cookie, body })).status, `${method} ${path} as office`).toBe(403);
		}
		expect((await call(server, 'GET', '/api/staff/audit', { cookie: owner.cookie })).status).toBe(200);
		expect((await call(server, 'GET', '/api/staff/api-keys', { cookie: owner.cookie })).status).toBe(200);
	});

	test('state-changing console calls from another site are refused', async () => {
		server = await startServer();
		const owner = staffCookie(server, 'owner');
		const res = await call(server, 'PUT', '/api/staff/branding', { cookie: owner.cookie, body: { name: 'Evil' }, headers: { origin: 'https://evil.example' } });
		expect(res.status).toBe(403);
		expect(res.body.code).toBe('CROSS_SITE');
	});
});
