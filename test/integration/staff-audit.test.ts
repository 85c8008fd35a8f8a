import { afterEach, describe, expect, test } from 'vitest';
import { auditResponseSchema } from '../../shared/protocol/staff.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { call, makePdf } from '../helpers/staff.ts';
import { createCustomer, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

describe('audit log', () => {
	test('each staff action is recorded with who, what, which and when; the owner pages through it newest first', async () => {
		server = await startServer();
		const owner = staffCookie(server, 'owner', 'Rosa Owner');
		const office = staffCookie(server, 'office', 'Kim Office');
		const c = createCustomer(server.app, { name: 'Audit Customer' });
		const started = Date.now();

		const created = await call(server, 'POST', '/api/staff/customers', { cookie: office.cookie, body: { name: 'New Person' } });
		await call(server, 'PATCH', `/api/staff/customers/${c.id}`, { cookie: office.cookie, body: { phone: '555 0000' } });
		const inv = (await call(server, 'POST', '/api/staff/invoices', { cookie: office.cookie, body: { customerId: c.id, title: 'Fix', lines: [{ description: 'Labour', quantityMilli: 1000, unitAmount: 5000 }] } })).body.id;
		await call(server, 'POST', `/api/staff/invoices/${inv}/issue`, { cookie: office.cookie, body: {} });
		await call(server, 'POST', `/api/staff/invoices/${inv}/payments`, { cookie: office.cookie, body: { amount: 5000, method: 'check', reference: '12' } });
		const doc = (await call(server, 'POST', `/api/staff/customers/${c.id}/documents?kind=quote&title=Quote`, { cookie: office.cookie, raw: await makePdf(), contentType: 'application/pdf' })).body.id;
		await call(server, 'PUT', '/api/staff/branding', { cookie: owner.cookie, body: { tagline: 'Since 1987' } });
		await call(server, 'POST', '/api/staff/api-keys', { cookie: owner.cookie, body: { name: 'Books' } });
		// Refused and no-op calls leave no entry.
		await call(server, 'POST', `/api/staff/invoices/${inv}/void`, { cookie: office.cookie, body: {} });
		await call(server, 'PUT', '/api/staff/branding', { cookie: owner.cookie, body: { tagline: 'Since 1987' } });

		const all = auditResponseSchema.parse((await call(server, 'GET', '/api/staff/audit?limit=200', { cookie: owner.cookie })).body);
		expect(all.nextBefore).toBeNull();
		expect(all.entries.map((e) => [e.action, e.actor.name, e.entity, e.entityId])).toEqual([
			['api_key.created', 'Rosa Owner', 'api_key', expect.any(String)],
			['branding.updated', 'Rosa Owner', 'business', '1'],
			['document.uploaded', 'Kim Office', 'document', doc],
			['payment.recorded', 'Kim Office', 'invoice', inv],
			['invoice.issued', 'Kim Office', 'invoice', inv],
			['invoice.created', 'Kim Office', 'invoice', inv],
			['customer.updated', 'Kim Office', 'customer', c.id],
			['customer.created', 'Kim Office', 'customer', created.body.customer.id]
		]);
		for (const e of all.entries) {
			expect(e.actor.kind).toBe('staff');
			expect(e.at).toBeGreaterThanOrEqual(started - 1000);
		}
		expect(all.entries.find((e) => e.action === 'payment.recorded')!.detail).toMatchObject({ amount: 5000, method: 'check', reference: '12' });

		// Pages of three, following nextBefore, cover the same entries in the same order.
		const paged: number[] = [];
		let before: number | null = null;
		do {
			const page = auditResponseSchema.parse((await call(server, 'GET', `/api/staff/audit?limit=3${before ? `&before=${before}` : ''}`, { cookie: owner.cookie })).body);
			expect(page.entries.length).toBeLessThanOrEqual(3);
			paged.push(...page.entries.map((e) => e.id));
			before = page.nextBefore;
		} while (before !== null);
		expect(paged).toEqual(all.entries.map((e) => e.id));

		const forInvoice = auditResponseSchema.parse((await call(server, 'GET', `/api/staff/audit?entity=invoice&entityId=${inv}`, { cookie: owner.cookie })).body);
		expect(forInvoice.entries.map((e) => e.action)).toEqual(['payment.recorded', 'invoice.issued', 'invoice.created']);
		expect((await call(server, 'GET', '/api/staff/audit?limit=0', { cookie: owner.cookie })).body).toMatchObject({ code: 'VALIDATION', field: 'limit' });
		expect((await call(server, 'GET', '/api/staff/audit', { cookie: office.cookie })).status).toBe(403);
	});
});
