import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import * as s from '../../server/db/schema.ts';
import { apiKeyCreatedSchema } from '../../shared/protocol/staff.ts';
import { v1QuoteSchema } from '../../shared/protocol/integration.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { answer, approval } from '../helpers/quotes.ts';
import { call, dbState, v1 } from '../helpers/staff.ts';
import { customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function setup() {
	server = await startServer({}, { clock: fakeClock().now });
	const owner = staffCookie(server, 'owner');
	const created = await call(server, 'POST', '/api/staff/api-keys', { cookie: owner.cookie, body: { name: 'Job software' } });
	const { key } = apiKeyCreatedSchema.parse(created.body);
	const customer = await v1(server, key, 'PUT', '/customers/cust-42', { name: 'Harold Jensen', email: 'harold@example.com' });
	expect(customer.status).toBe(201);
	return { server, key, customerId: customer.body.data.id as string };
}

const QUOTE = {
	customerExternalId: 'cust-42',
	title: 'Furnace replacement',
	notes: 'Includes the permit.',
	validUntil: '2026-06-15',
	taxRateBp: 550,
	depositRateBp: 2000,
	items: [
		{ kind: 'included', description: 'Installation', quantityMilli: 8000, unitAmount: 9_800 },
		{ kind: 'choice', group: 'Furnace', description: '80% AFUE', quantityMilli: 1000, unitAmount: 320_000, selectedByDefault: true },
		{ kind: 'choice', group: 'Furnace', description: '96% AFUE', quantityMilli: 1000, unitAmount: 455_000 },
		{ kind: 'optional', description: 'Humidifier', quantityMilli: 1000, unitAmount: 62_000 }
	]
};

describe('PUT /api/v1/quotes/:externalId', () => {
	test('creates and sends a quote; the same body again changes nothing; a real change makes one new revision', async () => {
		const { server, key, customerId } = await setup();
		const first = await v1(server, key, 'PUT', '/quotes/est-1001', QUOTE);
		expect(first.status, first.text).toBe(201);
		expect(first.body).toMatchObject({ created: true, changed: true });
		const quote = v1QuoteSchema.parse(first.body.data);
		expect(quote).toMatchObject({ externalId: 'est-1001', customerExternalId: 'cust-42', number: 'Q-00001', status: 'sent', revision: 1, currency: 'USD', depositRateBp: 2000, sentAt: expect.any(String) });
		expect(quote.items.map((i) => i.amount)).toEqual([78_400, 320_000, 455_000, 62_000]);

		const before = dbState(server);
		const again = await v1(server, key, 'PUT', '/quotes/est-1001', QUOTE);
		expect(again.status).toBe(200);
		expect(again.body).toMatchObject({ created: false, changed: false });
		expect(again.body.data).toEqual(first.body.data);
		expect(dbState(server)).toBe(before);
		expect(server.app.store.db.select().from(s.quotes).all()).toHaveLength(1);

		// The customer has it.
		const cookie = customerCookie(server, customerId).cookie;
		const onDevice = (await pullAll(server, cookie, 'quotes')).documents;
		expect(onDevice).toEqual([expect.objectContaining({ id: quote.id, status: 'sent', contentHash: quote.contentHash, quoteRevision: 1 })]);

		const changed = await v1(server, key, 'PUT', '/quotes/est-1001', { ...QUOTE, notes: 'Includes the permit and a 10-year parts warranty.' });
		expect(changed.body).toMatchObject({ created: false, changed: true, data: { revision: 2, notes: 'Includes the permit and a 10-year parts warranty.' } });
		expect(changed.body.data.contentHash).not.toBe(quote.contentHash);
		const twice = await v1(server, key, 'PUT', '/quotes/est-1001', { ...QUOTE, notes: 'Includes the permit and a 10-year parts warranty.' });
		expect(twice.body).toMatchObject({ changed: false, data: { revision: 2 } });
		expect((await v1(server, key, 'GET', '/quotes/est-1001')).body.data).toEqual(twice.body.data);
		expect(server.app.store.db.select().from(s.auditLog).all().filter((a) => a.entity === 'quote').map((a) => [a.actorKind, a.action])).toEqual([
			['integration', 'quote.created'],
			['integration', 'quote.edited']
		]);
	});

	test('drafts stay off the device until sent; answered quotes refuse changes; a quote cannot go back to draft or move customers', async () => {
		const { server, key, customerId } = await setup();
		const cookie = customerCookie(server, customerId).cookie;
		const draft = await v1(server, key, 'PUT', '/quotes/est-2', { ...QUOTE, status: 'draft' });
		expect(draft.body.data).toMatchObject({ status: 'draft', sentAt: null });
		expect((await pullAll(server, cookie, 'quotes')).documents).toEqual([expect.objectContaining({ _deleted: true })]);
		const sent = await v1(server, key, 'PUT', '/quotes/est-2', QUOTE);
		expect(sent.body).toMatchObject({ changed: true, data: { status: 'sent', revision: 1 } });
		const doc = (await pullAll(server, cookie, 'quotes')).documents[0];
		expect(doc).toMatchObject({ status: 'sent', _deleted: false });

		expect((await v1(server, key, 'PUT', '/quotes/est-2', { ...QUOTE, status: 'draft' })).body).toMatchObject({ code: 'CONFLICT', field: 'status' });
		await v1(server, key, 'PUT', '/customers/cust-43', { name: 'Someone Else' });
		expect((await v1(server, key, 'PUT', '/quotes/est-2', { ...QUOTE, customerExternalId: 'cust-43' })).body).toMatchObject({ code: 'CONFLICT', field: 'customerExternalId' });

		expect((await answer(server, cookie, doc.id, 'approve', approval(doc))).status).toBe(200);
		const before = dbState(server);
		const late = await v1(server, key, 'PUT', '/quotes/est-2', { ...QUOTE, title: 'Changed after signing' });
		expect(late.status).toBe(409);
		// Re-sending what the quote says is still fine: nothing changes.
		const resend = await v1(server, key, 'PUT', '/quotes/est-2', QUOTE);
		expect(resend.body).toMatchObject({ changed: false, data: { status: 'approved', signerName: 'Dana Whitfield', approvedTotal: expect.any(Number), signedDocumentId: expect.any(String) } });
		expect(dbState(server)).toBe(before);
	});

	test('bad input names the field and changes nothing; no key is 401', async () => {
		const { server, key } = await setup();
		const before = dbState(server);
		const cases: [unknown, string][] = [
			[{ ...QUOTE, customerExternalId: 'nobody' }, 'customerExternalId'],
			[{ ...QUOTE, title: '' }, 'title'],
			[{ ...QUOTE, items: [] }, 'items'],
			[{ ...QUOTE, items: [{ ...QUOTE.items[1], group: null }] }, 'items.0.group'],
			[{ ...QUOTE, depositRateBp: 20_000 }, 'depositRateBp'],
			[{ ...QUOTE, validUntil: '15/06/2026' }, 'validUntil'],
			[{ ...QUOTE, validUntil: '2026-01-01' }, 'validUntil'],
			[{ ...QUOTE, status: 'approved' }, 'status'],
			[{ ...QUOTE, surprise: true }, '']
		];
		for (const [body, field] of cases) {
			const res = await v1(server, key, 'PUT', '/quotes/est-9', body);
			expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(400);
			expect(res.body.code).toBe('VALIDATION');
			if (field) expect(res.body.field).toBe(field);
		}
		expect((await v1(server, key, 'PUT', '/quotes/bad id!', QUOTE)).status).toBe(400);
		expect((await v1(server, null, 'PUT', '/quotes/est-9', QUOTE)).status).toBe(401);
		expect((await v1(server, key, 'GET', '/quotes/est-9')).status).toBe(404);
		expect(dbState(server)).toBe(before);
	});

	test('the OpenAPI document describes it, from the same schema', async () => {
		const { server, key } = await setup();
		const doc = await (await fetch(`${server.url}/api/v1/openapi.json`)).json();
		expect(doc.paths['/quotes/{externalId}'].put.operationId).toBe('upsertQuote');
		expect(doc.paths['/quotes/{externalId}'].get.operationId).toBe('getQuote');
		expect(doc.info.description).toContain('quote.approved');
		const ajv = new Ajv2020({ strict: false, allErrors: true });
		addFormats.default(ajv);
		for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(schema as object, `#/components/schemas/${name}`);
		expect(ajv.validate('#/components/schemas/QuoteUpsert', QUOTE)).toBe(true);
		expect(ajv.validate('#/components/schemas/QuoteUpsert', { ...QUOTE, status: 'approved' })).toBe(false);
		expect(ajv.validate('#/components/schemas/QuoteUpsert', { ...QUOTE, items: [] })).toBe(false);
		const put = await v1(server, key, 'PUT', '/quotes/est-5', QUOTE);
		expect(ajv.validate('#/components/schemas/Quote', put.body.data)).toBe(true);
	});
});

test('an upsert for a customer removed here is refused', async () => {
	const { server, key, customerId } = await setup();
	server.app.store.db.update(s.customers).set({ deleted: true }).where(eq(s.customers.id, customerId)).run();
	const res = await v1(server, key, 'PUT', '/quotes/est-1', QUOTE);
	expect(res.body).toMatchObject({ code: 'VALIDATION', field: 'customerExternalId' });
});
