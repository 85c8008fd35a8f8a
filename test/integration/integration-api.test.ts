import { createHash } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import * as s from '../../server/db/schema.ts';
import { apiKeyCreatedSchema, auditResponseSchema } from '../../shared/protocol/staff.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { call, dbState, makePdf, v1 } from '../helpers/staff.ts';
import { customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function newKey(srv: TestServer, cookie: string, name = 'Job software') {
	const res = await call(srv, 'POST', '/api/staff/api-keys', { cookie, body: { name } });
	expect(res.status).toBe(201);
	return apiKeyCreatedSchema.parse(res.body);
}

const CUSTOMER = {
	name: 'Harold Jensen',
	email: 'harold@example.com',
	phone: '608 555 0123',
	billing: { line1: 'PO Box 4', city: 'Madison', postalCode: '53701' },
	addresses: [{ label: 'Home', line1: '12 Oak St', city: 'Madison', region: 'WI', postalCode: '53703' }]
};

const INVOICE = {
	customerExternalId: 'cust-42',
	title: 'Water heater flush',
	taxRateBp: 500,
	lines: [
		{ description: 'Labour', quantityMilli: 2000, unitAmount: 7500 },
		{ description: 'Descaler', quantityMilli: 1000, unitAmount: 1299 }
	],
	dueDate: '2026-06-30'
};

describe('API keys', () => {
	test('shown once, stored only as a hash, usable as a bearer key, recorded as used, and dead once revoked', async () => {
		server = await startServer();
		const owner = staffCookie(server, 'owner', 'Rosa Owner');
		const created = await newKey(server, owner.cookie, 'QuickBooks bridge');
		expect(created.key).toMatch(/^pl_live_[0-9A-Za-z]{32}$/);
		expect(created.apiKey).toMatchObject({ name: 'QuickBooks bridge', prefix: created.key.slice(0, 12), createdByName: 'Rosa Owner', lastUsedAt: null, revokedAt: null });

		// At rest: the SHA-256 and the display prefix, never the key.
		const row = server.app.store.db.select().from(s.apiKeys).where(eq(s.apiKeys.id, created.apiKey.id)).get()!;
		expect(row.keyHash).toBe(createHash('sha256').update(created.key).digest('hex'));
		expect(dbState(server)).not.toContain(created.key);
		expect(dbState(server)).not.toContain(created.key.slice(12));
		const list = await call(server, 'GET', '/api/staff/api-keys', { cookie: owner.cookie });
		expect(list.text).not.toContain(created.key.slice(12));

		expect((await v1(server, created.key, 'GET', '/customers/nobody')).status).toBe(404);
		expect(server.app.store.db.select().from(s.apiKeys).where(eq(s.apiKeys.id, created.apiKey.id)).get()!.lastUsedAt).toEqual(expect.any(Number));

		const none = await v1(server, null, 'GET', '/customers/nobody');
		expect(none.status).toBe(401);
		expect(none.headers.get('www-authenticate')).toContain('Bearer');
		expect((await v1(server, created.key + 'x', 'GET', '/customers/nobody')).status).toBe(401);
		expect((await v1(server, 'pl_live_' + 'A'.repeat(32), 'GET', '/customers/nobody')).status).toBe(401);
		// A staff session is not a key.
		const asStaff = await fetch(`${server.url}/api/v1/customers/nobody`, { headers: { cookie: owner.cookie } });
		expect(asStaff.status).toBe(401);

		expect((await call(server, 'DELETE', `/api/staff/api-keys/${created.apiKey.id}`, { cookie: owner.cookie })).status).toBe(204);
		const revoked = await v1(server, created.key, 'PUT', '/customers/cust-1', CUSTOMER);
		expect(revoked.status).toBe(401);
		expect(server.app.store.db.select().from(s.customers).all()).toEqual([]);
		const audit = auditResponseSchema.parse((await call(server, 'GET', '/api/staff/audit?entity=api_key', { cookie: owner.cookie })).body);
		expect(audit.entries.map((e) => [e.action, e.actor.name])).toEqual([
			['api_key.revoked', 'Rosa Owner'],
			['api_key.created', 'Rosa Owner']
		]);
	});
});

describe('/api/v1 upserts', () => {
	test('customers: the same body twice is one row and no new seq; a change reaches the customer’s devices', async () => {
		server = await startServer();
		const { key } = await newKey(server, staffCookie(server, 'owner').cookie);
		const first = await v1(server, key, 'PUT', '/customers/cust-42', CUSTOMER);
		expect(first.status).toBe(201);
		expect(first.body).toMatchObject({ created: true, changed: true, data: { externalId: 'cust-42', name: 'Harold Jensen', billing: { line1: 'PO Box 4', name: null }, addresses: [{ line1: '12 Oak St', country: 'US' }] } });
		const seq = server.app.writer.currentSeq();
		const again = await v1(server, key, 'PUT', '/customers/cust-42', CUSTOMER);
		expect(again.status).toBe(200);
		expect(again.body).toMatchObject({ created: false, changed: false });
		expect(again.body.data).toEqual(first.body.data);
		expect(server.app.writer.currentSeq()).toBe(seq);
		expect(server.app.store.db.select().from(s.customers).all()).toHaveLength(1);
		expect(server.app.store.db.select().from(s.serviceAddresses).all()).toHaveLength(1);

		const device = customerCookie(server, first.body.data.id);
		const changed = await v1(server, key, 'PUT', '/customers/cust-42', { ...CUSTOMER, phone: '608 555 9999' });
		expect(changed.body).toMatchObject({ created: false, changed: true, data: { phone: '608 555 9999' } });
		expect(server.app.writer.currentSeq()).toBeGreaterThan(seq);
		// The address is matched by its content: same address, same id.
		expect(changed.body.data.addresses[0].id).toBe(first.body.data.addresses[0].id);
		expect((await pullAll(server, device.cookie, 'profile')).documents[0]).toMatchObject({ phone: '608 555 9999' });
		expect((await v1(server, key, 'GET', '/customers/cust-42')).body.data.phone).toBe('608 555 9999');
	});

	test('invoices: created issued, idempotent, edited while unpaid, frozen once paid, voided', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const { key } = await newKey(server, staffCookie(server, 'owner').cookie);
		const customer = (await v1(server, key, 'PUT', '/customers/cust-42', CUSTOMER)).body.data;
		const device = customerCookie(server, customer.id);

		const created = await v1(server, key, 'PUT', '/invoices/qb-1001', INVOICE);
		expect(created.status).toBe(201);
		expect(created.body.data).toMatchObject({ externalId: 'qb-1001', customerExternalId: 'cust-42', status: 'open', subtotal: 16299, tax: 815, total: 17114, dueDate: '2026-06-30', issuedAt: expect.any(String) });
		const seen = (await pullAll(server, device.cookie, 'invoices')).documents;
		expect(seen).toEqual([expect.objectContaining({ status: 'open', total: 17114 })]);
		// The other system's ids stay on the server.
		expect(seen[0]).not.toHaveProperty('externalId');
		const seq = server.app.writer.currentSeq();
		const again = await v1(server, key, 'PUT', '/invoices/qb-1001', INVOICE);
		expect(again.body).toMatchObject({ created: false, changed: false });
		expect(server.app.writer.currentSeq()).toBe(seq);
		expect(server.app.store.db.select().from(s.invoices).all()).toHaveLength(1);

		const edited = await v1(server, key, 'PUT', '/invoices/qb-1001', { ...INVOICE, lines: INVOICE.lines.slice(0, 1) });
		expect(edited.body).toMatchObject({ changed: true, data: { subtotal: 15000, total: 15750 } });

		// Paid here: the same body is fine, a changed one conflicts.
		const id = created.body.data.id;
		expect((await call(server, 'POST', `/api/staff/invoices/${id}/payments`, { cookie: office.cookie, body: { amount: 15750, method: 'check', reference: '77' } })).status).toBe(201);
		const same = await v1(server, key, 'PUT', '/invoices/qb-1001', { ...INVOICE, lines: INVOICE.lines.slice(0, 1) });
		expect(same.body).toMatchObject({ changed: false, data: { status: 'paid', amountDue: 0 } });
		expect((await v1(server, key, 'PUT', '/invoices/qb-1001', INVOICE)).status).toBe(409);

		// A draft stays off the devices until it is sent as open; then it can be voided.
		const draft = await v1(server, key, 'PUT', '/invoices/qb-1002', { ...INVOICE, status: 'draft' });
		expect(draft.body.data.status).toBe('draft');
		const visible = (await pullAll(server, device.cookie, 'invoices')).documents.filter((d) => !d._deleted);
		expect(visible.map((d) => d.id)).toEqual([id]);
		expect((await v1(server, key, 'PUT', '/invoices/qb-1002', { ...INVOICE, status: 'open' })).body.data.status).toBe('open');
		expect((await v1(server, key, 'PUT', '/invoices/qb-1002', { ...INVOICE, status: 'void' })).body.data.status).toBe('void');
		expect((await v1(server, key, 'PUT', '/invoices/qb-1002', { ...INVOICE, status: 'draft' })).status).toBe(409);
	});

	test('documents (base64 PDF) and appointments upsert idempotently', async () => {
		server = await startServer();
		const { key } = await newKey(server, staffCookie(server, 'owner').cookie);
		const customer = (await v1(server, key, 'PUT', '/customers/cust-42', CUSTOMER)).body.data;
		const pdf = await makePdf('Certificate of insurance');
		const body = { customerExternalId: 'cust-42', kind: 'certificate_of_insurance', title: 'COI 2026', fileName: 'coi-2026.pdf', contentBase64: Buffer.from(pdf).toString('base64'), signerName: null, signedAt: '2026-01-15T10:00:00-06:00' };
		const doc = await v1(server, key, 'PUT', '/documents/coi-2026', body);
		expect(doc.status).toBe(201);
		expect(doc.body.data).toMatchObject({ kind: 'certificate_of_insurance', size: pdf.byteLength, signedAt: '2026-01-15T16:00:00.000Z', sha256: createHash('sha256').update(pdf).digest('hex') });
		const seq = server.app.writer.currentSeq();
		expect((await v1(server, key, 'PUT', '/documents/coi-2026', body)).body).toMatchObject({ changed: false });
		expect(server.app.writer.currentSeq()).toBe(seq);
		const renamed = await v1(server, key, 'PUT', '/documents/coi-2026', { ...body, title: 'Certificate of insurance 2026' });
		expect(renamed.body).toMatchObject({ changed: true, data: { title: 'Certificate of insurance 2026' } });
		const device = customerCookie(server, customer.id);
		const file = await fetch(`${server.url}/api/files/${doc.body.data.id}`, { headers: { cookie: device.cookie } });
		expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);

		const visit = { customerExternalId: 'cust-42', title: 'Annual boiler check', startsAt: '2026-06-02T14:00:00Z', endsAt: '2026-06-02T15:30:00Z' };
		const appt = await v1(server, key, 'PUT', '/appointments/job-77', visit);
		expect(appt.status).toBe(201);
		expect(appt.body.data).toMatchObject({ status: 'confirmed', startsAt: '2026-06-02T14:00:00.000Z', endsAt: '2026-06-02T15:30:00.000Z' });
		const seq2 = server.app.writer.currentSeq();
		expect((await v1(server, key, 'PUT', '/appointments/job-77', visit)).body).toMatchObject({ changed: false });
		expect(server.app.writer.currentSeq()).toBe(seq2);
		expect((await v1(server, key, 'PUT', '/appointments/job-77', { ...visit, status: 'completed' })).body).toMatchObject({ changed: true, data: { status: 'completed' } });
		const appointments = (await pullAll(server, device.cookie, 'appointments')).documents;
		expect(appointments).toEqual([expect.objectContaining({ title: 'Annual boiler check', status: 'completed' })]);
	});

	test('bad input answers 400 naming the field, and nothing changes', async () => {
		server = await startServer();
		const { key } = await newKey(server, staffCookie(server, 'owner').cookie);
		await v1(server, key, 'PUT', '/customers/cust-42', CUSTOMER);
		await v1(server, key, 'PUT', '/invoices/qb-1', INVOICE);
		const before = dbState(server);
		const pdf64 = Buffer.from(await makePdf()).toString('base64');
		const cases: [string, unknown, string, number][] = [
			['/customers/cust-42', { ...CUSTOMER, name: '' }, 'name', 400],
			['/customers/cust-42', { ...CUSTOMER, email: 'nope' }, 'email', 400],
			['/customers/cust-42', { ...CUSTOMER, addresses: [{ line1: '1 A St', city: 'X', postalCode: '1', country: 'usa' }] }, 'addresses.0.country', 400],
			['/customers/has%20space', CUSTOMER, 'externalId', 400],
			['/invoices/qb-1', { ...INVOICE, lines: [{ description: 'x', quantityMilli: 1000, unitAmount: '10.00' }] }, 'lines.0.unitAmount', 400],
			['/invoices/qb-1', { ...INVOICE, lines: [] }, 'lines', 400],
			['/invoices/qb-1', { ...INVOICE, customerExternalId: 'ghost' }, 'customerExternalId', 400],
			['/invoices/qb-1', { ...INVOICE, status: 'paid' }, 'status', 400],
			['/invoices/qb-2', { ...INVOICE, extra: 1 }, '', 400],
			['/documents/d-1', { customerExternalId: 'cust-42', kind: 'quote', title: 'Q', fileName: 'q.pdf', contentBase64: Buffer.from('<html>not a pdf</html>').toString('base64') }, 'contentBase64', 415],
			['/documents/d-1', { customerExternalId: 'cust-42', kind: 'invoice', title: 'Q', fileName: 'q.pdf', contentBase64: pdf64 }, 'kind', 400],
			['/appointments/a-1', { customerExternalId: 'cust-42', title: 'Visit', startsAt: '2026-06-02T15:00:00Z', endsAt: '2026-06-02T14:00:00Z' }, 'endsAt', 400],
			['/appointments/a-1', { customerExternalId: 'cust-42', title: 'Visit', startsAt: 'tomorrow', endsAt: '2026-06-02T14:00:00Z' }, 'startsAt', 400],
			['/appointments/a-1', { customerExternalId: 'cust-42', title: 'Visit', startsAt: '2026-06-02T14:00:00Z', endsAt: '2026-06-02T15:00:00Z', serviceTypeId: 'nope' }, 'serviceTypeId', 400]
		];
		for (const [path, body, field, status] of cases) {
			const res = await v1(server, key, 'PUT', path, body);
			expect(res.status, `${path} ${field}`).toBe(status);
			if (field) expect(res.body.field, path).toBe(field);
		}
		expect(dbState(server)).toBe(before);
	});

	test('a customer created in the console is linked to the other system by its externalId', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const { key } = await newKey(server, staffCookie(server, 'owner').cookie);
		const id = (await call(server, 'POST', '/api/staff/customers', { cookie: office.cookie, body: { name: 'Walk-in Wanda' } })).body.customer.id;
		const other = (await call(server, 'POST', '/api/staff/customers', { cookie: office.cookie, body: { name: 'Other' } })).body.customer.id;
		const seq = server.app.writer.currentSeq();
		const linked = await call(server, 'PATCH', `/api/staff/customers/${id}`, { cookie: office.cookie, body: { externalId: 'crm-77' } });
		expect(linked.body.customer.externalId).toBe('crm-77');
		// The link is office bookkeeping: devices have nothing new to pull.
		expect(server.app.writer.currentSeq()).toBe(seq);
		const dup = await call(server, 'PATCH', `/api/staff/customers/${other}`, { cookie: office.cookie, body: { externalId: 'crm-77' } });
		expect(dup.status).toBe(409);
		expect(dup.body.field).toBe('externalId');
		const bad = await call(server, 'PATCH', `/api/staff/customers/${other}`, { cookie: office.cookie, body: { externalId: 'has space' } });
		expect(bad.body).toMatchObject({ code: 'VALIDATION', field: 'externalId' });
		const upsert = await v1(server, key, 'PUT', '/customers/crm-77', { ...CUSTOMER, name: 'Wanda Walker' });
		expect(upsert.status).toBe(200);
		expect(upsert.body).toMatchObject({ created: false, changed: true, data: { id, name: 'Wanda Walker' } });
		expect(server.app.store.db.select().from(s.customers).all()).toHaveLength(2);
	});

	test('integration writes are audited under the key’s name', async () => {
		server = await startServer();
		const owner = staffCookie(server, 'owner');
		const { key, apiKey } = await newKey(server, owner.cookie, 'Job software');
		await v1(server, key, 'PUT', '/customers/cust-42', CUSTOMER);
		await v1(server, key, 'PUT', '/customers/cust-42', CUSTOMER);
		await v1(server, key, 'PUT', '/invoices/qb-1', INVOICE);
		const audit = auditResponseSchema.parse((await call(server, 'GET', `/api/staff/audit?actorId=${apiKey.id}`, { cookie: owner.cookie })).body);
		expect(audit.entries.map((e) => [e.action, e.actor.kind, e.actor.name])).toEqual([
			['invoice.issued', 'integration', 'Job software'],
			['invoice.created', 'integration', 'Job software'],
			['customer.created', 'integration', 'Job software']
		]);
	});
});

describe('OpenAPI description', () => {
	test('is public JSON, OpenAPI 3.1, with every path, and its schemas accept what the API accepts', async () => {
		server = await startServer();
		const res = await fetch(`${server.url}/api/v1/openapi.json`);
		expect(res.status).toBe(200);
		const doc = JSON.parse(await res.text());
		expect(doc.openapi).toBe('3.1.0');
		expect(doc.servers).toEqual([{ url: `${server.url}/api/v1` }]);
		expect(Object.keys(doc.paths).sort()).toEqual(['/appointments/{externalId}', '/customers/{externalId}', '/documents/{externalId}', '/invoices/{externalId}', '/quotes/{externalId}']);
		for (const item of Object.values(doc.paths) as Record<string, { responses: Record<string, unknown> }>[]) {
			expect(Object.keys(item.put.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401']));
		}
		// Every $ref resolves.
		const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]);
		for (const r of refs) expect(doc.components.schemas[r], r).toBeDefined();

		// The generated schemas are valid JSON Schema 2020-12 and agree with the server.
		const ajv = new Ajv2020({ strict: false, allErrors: true });
		addFormats.default(ajv);
		for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema as object, `#/components/schemas/${name}`);
		const valid = (name: string, value: unknown) => ajv.validate(`#/components/schemas/${name}`, value);
		expect(valid('CustomerUpsert', CUSTOMER)).toBe(true);
		expect(valid('InvoiceUpsert', INVOICE)).toBe(true);
		expect(valid('InvoiceUpsert', { ...INVOICE, lines: [] })).toBe(false);
		expect(valid('CustomerUpsert', { ...CUSTOMER, surprise: 1 })).toBe(false);
		expect(valid('AppointmentUpsert', { customerExternalId: 'c', title: 'T', startsAt: '2026-06-02T14:00:00Z', endsAt: '2026-06-02T15:00:00Z' })).toBe(true);
		expect(doc.components.schemas.InvoiceUpsert.properties.status.enum).toEqual(['draft', 'open', 'void']);
	});
});
