import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { looksLikePdf } from '../../server/staff/document-service.ts';
import { DOCUMENT_MAX_BYTES, staffDocumentSchema } from '../../shared/protocol/staff.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { call, dbState, makePdf } from '../helpers/staff.ts';
import { createCustomer, customerCookie, openStream, pull, pullAll, staffCookie, type TestStream } from '../helpers/sync.ts';

let server: TestServer | undefined;
const streams: TestStream[] = [];
afterEach(async () => {
	for (const st of streams.splice(0)) st.close();
	await server?.close();
	server = undefined;
});

function upload(srv: TestServer, cookie: string, customerId: string, bytes: Uint8Array | string, query: Record<string, string>, contentType = 'application/pdf') {
	return call(srv, 'POST', `/api/staff/customers/${customerId}/documents?${new URLSearchParams(query)}`, { cookie, raw: bytes, contentType });
}

describe('staff documents', () => {
	test('PDF detection looks at the content: magic at the start, %%EOF at the end', async () => {
		const pdf = await makePdf();
		expect(looksLikePdf(pdf)).toBe(true);
		expect(looksLikePdf(new TextEncoder().encode('%PDF-1.7 but cut off'))).toBe(false);
		expect(looksLikePdf(new TextEncoder().encode('<html>%PDF-%%EOF</html>'.padStart(2000, ' ')))).toBe(false);
		const tail = new Uint8Array(pdf.length + 2048);
		tail.set(pdf);
		expect(looksLikePdf(tail)).toBe(false);
	});

	test('an uploaded PDF with kind, signer and signed date reaches the customer at once; its file downloads', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const office = staffCookie(server, 'office');
		const device = customerCookie(server, c.id);
		const socket = await openStream(server, device.cookie);
		streams.push(socket);
		await socket.next((m) => m.type === 'hello');
		const pdf = await makePdf('Maintenance contract');
		const signedAt = Date.UTC(2026, 3, 2, 14, 0);

		const res = await upload(server, office.cookie, c.id, pdf, { kind: 'contract', title: 'Maintenance contract 2026', signerName: 'Dana Whitfield', signedAt: String(signedAt) });
		expect(res.status).toBe(201);
		const doc = staffDocumentSchema.parse(res.body);
		expect(doc).toMatchObject({ kind: 'contract', title: 'Maintenance contract 2026', fileName: 'Maintenance-contract-2026.pdf', mime: 'application/pdf', size: pdf.byteLength, signerName: 'Dana Whitfield', signedAt, customerId: c.id });
		expect(await socket.next((m) => m.type === 'changed')).toEqual({ type: 'changed', collections: ['documents'] });
		const { documents } = await pullAll(server, device.cookie, 'documents');
		expect(documents).toEqual([expect.objectContaining({ id: doc.id, title: 'Maintenance contract 2026', _deleted: false })]);
		const file = await fetch(`${server.url}/api/files/${doc.id}`, { headers: { cookie: device.cookie } });
		expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);

		// Edit the signer; delete it: the device gets a tombstone.
		const patched = await call(server, 'PATCH', `/api/staff/documents/${doc.id}`, { cookie: office.cookie, body: { signerName: null, kind: 'warranty' } });
		expect(patched.body).toMatchObject({ signerName: null, kind: 'warranty' });
		const seq = (await pullAll(server, device.cookie, 'documents')).seq;
		expect((await call(server, 'DELETE', `/api/staff/documents/${doc.id}`, { cookie: office.cookie })).status).toBe(204);
		const after = await pull(server, device.cookie, 'documents', { after: seq });
		expect(after.body.documents).toEqual([expect.objectContaining({ id: doc.id, _deleted: true })]);
		expect((await fetch(`${server.url}/api/files/${doc.id}`, { headers: { cookie: device.cookie } })).status).toBe(404);
		const actions = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, doc.id)).all().map((a) => a.action);
		expect(actions).toEqual(['document.uploaded', 'document.updated', 'document.deleted']);
	});

	test('non-PDF content is refused (415) whatever its declared type, and nothing is stored', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const office = staffCookie(server, 'office');
		const before = dbState(server);
		const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
		for (const [bytes, type] of [
			['<html><script>alert(1)</script></html>', 'application/pdf'],
			[png, 'application/pdf'],
			['%PDF-1.4 truncated upload without an end', 'application/pdf'],
			['MZ\x90\x00 an executable', 'application/octet-stream']
		] as const) {
			const res = await upload(server, office.cookie, c.id, bytes, { kind: 'quote', title: 'Quote' }, type);
			expect(res.status, String(bytes).slice(0, 20)).toBe(415);
			expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
		}
		// A PDF sent as text/html is refused by its declared type too.
		expect((await upload(server, office.cookie, c.id, Buffer.from(await makePdf()), { kind: 'quote', title: 'Quote' }, 'text/html')).status).toBe(415);
		// Bad metadata names the field.
		const pdf = await makePdf();
		expect((await upload(server, office.cookie, c.id, pdf, { kind: 'receipt', title: 'X' })).body).toMatchObject({ code: 'VALIDATION', field: 'kind' });
		expect((await upload(server, office.cookie, c.id, pdf, { kind: 'quote', title: '' })).body).toMatchObject({ code: 'VALIDATION', field: 'title' });
		expect((await upload(server, office.cookie, c.id, pdf, { kind: 'quote', title: 'X', signedAt: 'yesterday' })).body).toMatchObject({ code: 'VALIDATION', field: 'signedAt' });
		expect((await upload(server, office.cookie, c.id, pdf, { kind: 'quote', title: 'X', fileName: '../../etc/passwd' })).body).toMatchObject({ code: 'VALIDATION', field: 'fileName' });
		expect((await upload(server, office.cookie, 'no-such-customer', pdf, { kind: 'quote', title: 'X' })).status).toBe(404);
		expect(dbState(server)).toBe(before);
	});

	test('a file over 20 MB is refused with 413 and nothing is stored', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const office = staffCookie(server, 'office');
		const before = dbState(server);
		const pdf = await makePdf();
		const big = new Uint8Array(DOCUMENT_MAX_BYTES + 1);
		big.set(pdf.subarray(0, 1024));
		big.set(new TextEncoder().encode('\n%%EOF\n'), big.length - 7);
		const res = await upload(server, office.cookie, c.id, big, { kind: 'quote', title: 'Huge' });
		expect(res.status).toBe(413);
		expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
		expect(dbState(server)).toBe(before);
	});
});
