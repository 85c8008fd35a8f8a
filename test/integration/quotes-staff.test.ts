import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { getBusiness } from '../../server/branding/service.ts';
import * as s from '../../server/db/schema.ts';
import { staffQuoteListSchema, staffQuoteSchema } from '../../shared/protocol/quotes.ts';
import { UPLOAD_MAX_BYTES } from '../../shared/protocol/upload-limits.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { jpegBytes, pngBytes, WEBP_LOSSY_1X1 } from '../helpers/images.ts';
import { answer, approval } from '../helpers/quotes.ts';
import { call, dbState } from '../helpers/staff.ts';
import { createCustomer, createQuote, customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const LINES = [
	{ kind: 'included', description: 'Drain camera inspection', quantityMilli: 1000, unitAmount: 22_500 },
	{ kind: 'optional', description: 'Root cutting', quantityMilli: 1500, unitAmount: 18_000, selectedByDefault: true },
	{ kind: 'choice', group: 'Repair', description: 'Spot repair', quantityMilli: 1000, unitAmount: 95_000 },
	{ kind: 'choice', group: 'Repair', description: 'Full line replacement', quantityMilli: 1000, unitAmount: 480_000, selectedByDefault: true }
];

const NEW_QUOTE = { title: 'Sewer line repair', notes: 'Digging permit included.', validUntil: '2026-06-30', taxRateBp: 550, depositRateBp: 3000, items: LINES };

function audits(srv: TestServer, action: string) {
	return srv.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.action, action)).all();
}

async function device(srv: TestServer, cookie: string, id: string) {
	return (await pullAll(srv, cookie, 'quotes')).documents.find((d) => d.id === id);
}

describe('staff quotes', () => {
	test('create a draft, edit it, send it: the customer sees only the sent quote; amounts, currency and number come from the server', async () => {
		server = await startServer({}, { clock: fakeClock().now });
		getBusiness(server.app.store.db, server.app.clock());
		server.app.store.db.update(s.business).set({ currency: 'CAD' }).where(eq(s.business.id, 1)).run();
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app, { name: 'Lakeview Dental' });
		const customer = customerCookie(server, c.id).cookie;

		const created = await call(server, 'POST', '/api/staff/quotes', { cookie: office.cookie, body: { ...NEW_QUOTE, customerId: c.id } });
		expect(created.status, created.text).toBe(201);
		const draft = staffQuoteSchema.parse(created.body);
		expect(draft).toMatchObject({ status: 'draft', number: 'Q-00001', currency: 'CAD', quoteRevision: 1, customerId: c.id, customerName: 'Lakeview Dental', sentAt: null, signature: null, externalId: null });
		expect(draft.items.map((i) => i.amount)).toEqual([22_500, 27_000, 95_000, 480_000]);
		expect(draft.items.map((i) => i.group)).toEqual([null, null, 'Repair', 'Repair']);
		expect(audits(server, 'quote.created')).toEqual([expect.objectContaining({ actorKind: 'staff', actorId: office.staffUserId, entityId: draft.id })]);
		// A draft reaches the device only as a tombstone.
		expect(await device(server, customer, draft.id)).toEqual(expect.objectContaining({ _deleted: true }));

		// Editing a draft changes its hash but not its revision: nobody has seen it.
		const edited = await call(server, 'PATCH', `/api/staff/quotes/${draft.id}`, { cookie: office.cookie, body: { title: 'Sewer lateral repair' } });
		expect(edited.body).toMatchObject({ title: 'Sewer lateral repair', quoteRevision: 1, notes: NEW_QUOTE.notes, taxRateBp: 550, depositRateBp: 3000 });
		expect(edited.body.contentHash).not.toBe(draft.contentHash);

		const sent = await call(server, 'POST', `/api/staff/quotes/${draft.id}/send`, { cookie: office.cookie });
		expect(sent.status, sent.text).toBe(200);
		expect(sent.body).toMatchObject({ status: 'sent', sentAt: server.app.clock(), quoteRevision: 1 });
		expect(await device(server, customer, draft.id)).toMatchObject({ _deleted: false, status: 'sent', title: 'Sewer lateral repair', contentHash: edited.body.contentHash });
		expect(audits(server, 'quote.sent')).toHaveLength(1);
		// Sending twice is refused.
		expect((await call(server, 'POST', `/api/staff/quotes/${draft.id}/send`, { cookie: office.cookie })).status).toBe(409);

		// `send: true` sends at once.
		const direct = await call(server, 'POST', '/api/staff/quotes', { cookie: office.cookie, body: { ...NEW_QUOTE, customerId: c.id, send: true } });
		expect(direct.body).toMatchObject({ status: 'sent', number: 'Q-00002' });
	});

	test('editing a sent quote makes a new revision; an edit that says the same changes nothing; an edit of the lines alone keeps the rest', async () => {
		server = await startServer({}, { clock: fakeClock().now });
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app);
		const id = (await call(server, 'POST', '/api/staff/quotes', { cookie: office.cookie, body: { ...NEW_QUOTE, customerId: c.id, send: true } })).body.id as string;
		const first = staffQuoteSchema.parse((await call(server, 'GET', `/api/staff/quotes/${id}`, { cookie: office.cookie })).body);

		// Same title, same lines (ids are the server's): nothing is written, not even the audit log.
		const before = dbState(server);
		const same = await call(server, 'PATCH', `/api/staff/quotes/${id}`, { cookie: office.cookie, body: { title: NEW_QUOTE.title, items: LINES, notes: NEW_QUOTE.notes } });
		expect(same.status).toBe(200);
		expect(same.body).toEqual(first);
		expect((await call(server, 'PATCH', `/api/staff/quotes/${id}`, { cookie: office.cookie, body: {} })).body).toEqual(first);
		expect(dbState(server)).toBe(before);

		// Regression: an edit of the lines alone used to reset the tax, the deposit, the notes and the validity.
		const lines = await call(server, 'PATCH', `/api/staff/quotes/${id}`, { cookie: office.cookie, body: { items: LINES.slice(0, 2) } });
		expect(lines.status, lines.text).toBe(200);
		expect(lines.body).toMatchObject({ quoteRevision: 2, taxRateBp: 550, depositRateBp: 3000, notes: NEW_QUOTE.notes, validUntil: NEW_QUOTE.validUntil, title: NEW_QUOTE.title });
		expect(lines.body.items).toHaveLength(2);
		const validity = await call(server, 'PATCH', `/api/staff/quotes/${id}`, { cookie: office.cookie, body: { validUntil: null, notes: null } });
		expect(validity.body).toMatchObject({ quoteRevision: 3, validUntil: null, notes: null, taxRateBp: 550 });
		expect(audits(server, 'quote.edited').map((a) => (a.detail as { revision: number }).revision)).toEqual([2, 3]);
	});

	test('withdraw, delete drafts, and what an answered quote refuses', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app);
		const customer = customerCookie(server, c.id).cookie;
		const sent = createQuote(server.app, c.id);
		const draft = createQuote(server.app, c.id, { status: 'draft' });
		const approved = createQuote(server.app, c.id);
		const doc = await device(server, customer, approved);
		expect((await answer(server, customer, approved, 'approve', approval(doc))).status).toBe(200);

		const withdrawn = await call(server, 'POST', `/api/staff/quotes/${sent}/withdraw`, { cookie: office.cookie });
		expect(withdrawn.body).toMatchObject({ status: 'withdrawn' });
		expect(await device(server, customer, sent)).toMatchObject({ status: 'withdrawn', _deleted: false });
		expect(audits(server, 'quote.withdrawn')).toHaveLength(1);

		const before = dbState(server);
		for (const [method, path, body] of [
			['POST', `/api/staff/quotes/${draft}/withdraw`, undefined],
			['POST', `/api/staff/quotes/${approved}/withdraw`, undefined],
			['PATCH', `/api/staff/quotes/${approved}`, { title: 'Changed after signing' }],
			['PATCH', `/api/staff/quotes/${sent}`, { title: 'Changed after withdrawal' }],
			['POST', `/api/staff/quotes/${approved}/send`, undefined],
			['DELETE', `/api/staff/quotes/${sent}`, undefined],
			['POST', `/api/staff/quotes/${approved}/photos`, 'png']
		] as const) {
			const res = await call(server, method, path, body === 'png' ? { cookie: office.cookie, raw: pngBytes(4, 4), contentType: 'image/png' } : { cookie: office.cookie, body });
			expect(res.status, `${method} ${path}`).toBe(409);
			expect(res.body.code).toBe('CONFLICT');
		}
		expect(dbState(server)).toBe(before);

		expect((await call(server, 'DELETE', `/api/staff/quotes/${draft}`, { cookie: office.cookie })).status).toBe(204);
		expect((await call(server, 'GET', `/api/staff/quotes/${draft}`, { cookie: office.cookie })).status).toBe(404);
		expect(await device(server, customer, draft)).toMatchObject({ _deleted: true });
		expect(audits(server, 'quote.deleted')).toHaveLength(1);
	});

	test('photos: taken by content whatever the declared type, shown to the customer, a new revision once sent; removable; non-images and oversized bodies refused', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app);
		const customer = customerCookie(server, c.id).cookie;
		const id = createQuote(server.app, c.id);

		const png = await call(server, 'POST', `/api/staff/quotes/${id}/photos?caption=${encodeURIComponent('The old heater')}`, { cookie: office.cookie, raw: pngBytes(64, 48), contentType: 'application/octet-stream' });
		expect(png.status, png.text).toBe(201);
		expect(staffQuoteSchema.parse(png.body)).toMatchObject({ quoteRevision: 2, photos: [{ caption: 'The old heater', mime: 'image/png', width: 64, height: 48 }] });
		const jpeg = await call(server, 'POST', `/api/staff/quotes/${id}/photos`, { cookie: office.cookie, raw: jpegBytes(32, 16), contentType: 'image/png' });
		expect(jpeg.body).toMatchObject({ quoteRevision: 3 });
		expect(jpeg.body.photos[1]).toMatchObject({ caption: null, mime: 'image/jpeg', width: 32, height: 16 });
		const webp = await call(server, 'POST', `/api/staff/quotes/${id}/photos`, { cookie: office.cookie, raw: WEBP_LOSSY_1X1, contentType: 'image/jpeg' });
		expect(webp.body.photos.map((p: { mime: string }) => p.mime)).toEqual(['image/png', 'image/jpeg', 'image/webp']);
		expect(audits(server, 'quote.photo_added')).toHaveLength(3);

		const onDevice = await device(server, customer, id);
		expect(onDevice.photos.map((p: { id: string }) => p.id)).toEqual(webp.body.photos.map((p: { id: string }) => p.id));
		const bytes = await fetch(`${server.url}/api/quotes/${id}/photos/${onDevice.photos[1].id}`, { headers: { cookie: customer } });
		expect(bytes.headers.get('content-type')).toBe('image/jpeg');
		expect(Buffer.from(await bytes.arrayBuffer()).equals(jpegBytes(32, 16))).toBe(true);

		const before = dbState(server);
		const text = await call(server, 'POST', `/api/staff/quotes/${id}/photos`, { cookie: office.cookie, raw: 'GIF89a? no, a text file', contentType: 'image/png' });
		expect(text.status).toBe(415);
		expect((await call(server, 'POST', `/api/staff/quotes/${id}/photos`, { cookie: office.cookie, raw: new Uint8Array(), contentType: 'image/png' })).status).toBe(415);
		const big = Buffer.alloc(UPLOAD_MAX_BYTES + 1);
		pngBytes(10, 10).copy(big);
		const tooBig = await call(server, 'POST', `/api/staff/quotes/${id}/photos`, { cookie: office.cookie, raw: big, contentType: 'image/png' });
		expect(tooBig.status).toBe(413);
		expect(tooBig.body.code).toBe('PAYLOAD_TOO_LARGE');
		const caption = await call(server, 'POST', `/api/staff/quotes/${id}/photos?caption=${'x'.repeat(501)}`, { cookie: office.cookie, raw: pngBytes(4, 4), contentType: 'image/png' });
		expect(caption.body).toMatchObject({ code: 'VALIDATION', field: 'caption' });
		expect((await call(server, 'POST', `/api/staff/quotes/no-such-quote/photos`, { cookie: office.cookie, raw: pngBytes(4, 4), contentType: 'image/png' })).status).toBe(404);
		expect((await call(server, 'DELETE', `/api/staff/quotes/${id}/photos/no-such-photo`, { cookie: office.cookie })).status).toBe(404);
		expect(dbState(server)).toBe(before);

		const removed = await call(server, 'DELETE', `/api/staff/quotes/${id}/photos/${onDevice.photos[0].id}`, { cookie: office.cookie });
		expect(removed.status).toBe(200);
		expect(removed.body).toMatchObject({ quoteRevision: 5 });
		expect(removed.body.photos.map((p: { mime: string }) => p.mime)).toEqual(['image/jpeg', 'image/webp']);
		expect((await device(server, customer, id)).photos).toHaveLength(2);
		expect(audits(server, 'quote.photo_removed')).toHaveLength(1);
	});

	test('the list: newest first, filtered by status and customer, paged, with a total', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now });
		const tech = staffCookie(server, 'technician');
		const a = createCustomer(server.app, { name: 'Alice' });
		const b = createCustomer(server.app, { name: 'Bob' });
		const ids: string[] = [];
		for (const [customer, status] of [
			[a.id, 'sent'],
			[b.id, 'draft'],
			[a.id, 'draft'],
			[b.id, 'sent']
		] as const) {
			clock.advance(1000);
			ids.push(createQuote(server.app, customer, { status }));
		}
		const list = async (query: string) => staffQuoteListSchema.parse((await call(server!, 'GET', `/api/staff/quotes${query}`, { cookie: tech.cookie })).body);
		const all = await list('');
		expect(all.total).toBe(4);
		expect(all.quotes.map((q) => q.id)).toEqual([...ids].reverse());
		expect((await list('?status=draft')).quotes.map((q) => q.id)).toEqual([ids[2], ids[1]]);
		expect((await list(`?customerId=${a.id}`)).quotes.map((q) => q.customerName)).toEqual(['Alice', 'Alice']);
		const page = await list('?limit=1&offset=1');
		expect(page).toMatchObject({ total: 4, quotes: [{ id: ids[2] }] });
	});
});

describe('staff quote access and bad input', () => {
	test('technicians read but cannot write; customers get 403; the office and the owner write', async () => {
		server = await startServer();
		const tech = staffCookie(server, 'technician');
		const owner = staffCookie(server, 'owner');
		const c = createCustomer(server.app);
		const customer = customerCookie(server, c.id).cookie;
		const id = createQuote(server.app, c.id);
		expect((await call(server, 'GET', '/api/staff/quotes', { cookie: tech.cookie })).status).toBe(200);
		expect((await call(server, 'GET', `/api/staff/quotes/${id}`, { cookie: tech.cookie })).status).toBe(200);
		const before = dbState(server);
		const writes: [string, string, unknown][] = [
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id }],
			['PATCH', `/api/staff/quotes/${id}`, { title: 'New' }],
			['POST', `/api/staff/quotes/${id}/send`, undefined],
			['POST', `/api/staff/quotes/${id}/withdraw`, undefined],
			['DELETE', `/api/staff/quotes/${id}`, undefined],
			['POST', `/api/staff/quotes/${id}/photos`, 'png'],
			['DELETE', `/api/staff/quotes/${id}/photos/x`, undefined]
		];
		for (const [method, path, body] of writes) {
			const opts = (cookie: string) => (body === 'png' ? { cookie, raw: pngBytes(4, 4), contentType: 'image/png' } : { cookie, body });
			const asTech = await call(server, method, path, opts(tech.cookie));
			expect(asTech.status, `${method} ${path} as a technician`).toBe(403);
			expect((await call(server, method, path, opts(customer))).status, `${method} ${path} as a customer`).toBe(403);
		}
		expect((await call(server, 'GET', '/api/staff/quotes', { cookie: customer })).status).toBe(403);
		expect((await call(server, 'GET', `/api/staff/quotes/${id}`, { cookie: customer })).status).toBe(403);
		expect(dbState(server)).toBe(before);
		const byOwner = await call(server, 'POST', '/api/staff/quotes', { cookie: owner.cookie, body: { ...NEW_QUOTE, customerId: c.id } });
		expect(byOwner.status).toBe(201);
	});

	test('every bad input names its field and changes nothing', async () => {
		server = await startServer({}, { clock: fakeClock(Date.UTC(2026, 4, 12, 15)).now });
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app);
		const id = createQuote(server.app, c.id);
		const before = dbState(server);
		const item = LINES[0];
		const cases: [string, string, unknown, string][] = [
			['POST', '/api/staff/quotes', { ...NEW_QUOTE }, 'customerId'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: 'no-such-customer' }, 'customerId'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, title: '  ' }, 'title'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [] }, 'items'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [{ ...item, kind: 'choice' }] }, 'items.0.group'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [{ ...item, group: 'G' }] }, 'items.0.group'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [{ ...item, quantityMilli: 0 }] }, 'items.0.quantityMilli'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [{ ...item, unitAmount: 1.5 }] }, 'items.0.unitAmount'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [{ ...item, kind: 'maybe' }] }, 'items.0.kind'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [{ ...item, quantityMilli: 1_000_000_000, unitAmount: 1_000_000_000_000 }] }, 'items.0'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, items: [...LINES, { ...LINES[2], selectedByDefault: true }] }, 'items.4.selectedByDefault'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, taxRateBp: -1 }, 'taxRateBp'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, depositRateBp: 10_001 }, 'depositRateBp'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, validUntil: 'next week' }, 'validUntil'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, validUntil: '2026-05-11', send: true }, 'validUntil'],
			['POST', '/api/staff/quotes', { ...NEW_QUOTE, customerId: c.id, send: 'yes' }, 'send'],
			['PATCH', `/api/staff/quotes/${id}`, { title: '' }, 'title'],
			['PATCH', `/api/staff/quotes/${id}`, { items: [] }, 'items'],
			['PATCH', `/api/staff/quotes/${id}`, { notes: 'x'.repeat(5001) }, 'notes'],
			['PATCH', `/api/staff/quotes/${id}`, { depositRateBp: 'half' }, 'depositRateBp'],
			['GET', '/api/staff/quotes?status=pending', undefined, 'status'],
			['GET', '/api/staff/quotes?limit=0', undefined, 'limit'],
			['GET', '/api/staff/quotes?offset=-1', undefined, 'offset']
		];
		for (const [method, path, body, field] of cases) {
			const res = await call(server, method, path, { cookie: office.cookie, body });
			expect(res.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 100)}`).toBe(400);
			expect(res.body).toMatchObject({ code: 'VALIDATION', field });
		}
		const unknownField = await call(server, 'PATCH', `/api/staff/quotes/${id}`, { cookie: office.cookie, body: { status: 'approved' } });
		expect(unknownField.status).toBe(400);
		expect((await call(server, 'PATCH', '/api/staff/quotes/no-such-quote', { cookie: office.cookie, body: { title: 'X' } })).status).toBe(404);
		expect((await call(server, 'POST', '/api/staff/quotes/no-such-quote/send', { cookie: office.cookie })).status).toBe(404);
		expect(dbState(server)).toBe(before);
	});
});
