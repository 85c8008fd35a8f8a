import { afterAll, beforeAll, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { createCustomer, createDocument, customerCookie, staffCookie } from '../helpers/sync.ts';

let server: TestServer;
beforeAll(async () => {
	server = await startServer();
});
afterAll(async () => {
	await server.close();
});

function get(path: string, cookie: string, headers: Record<string, string> = {}) {
	return fetch(`${server.url}${path}`, { headers: { cookie, ...headers } });
}

test('a customer downloads their own document with safe headers', async () => {
	const a = createCustomer(server.app);
	const { cookie } = customerCookie(server, a.id);
	const doc = createDocument(server.app, a.id, { fileName: 'Service agreement.pdf' });
	const res = await get(`/api/files/${doc.id}`, cookie);
	expect(res.status).toBe(200);
	expect(new Uint8Array(await res.arrayBuffer())).toEqual(doc.bytes);
	expect(res.headers.get('content-type')).toBe('application/pdf');
	expect(res.headers.get('content-length')).toBe(String(doc.bytes.byteLength));
	expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Service agreement.pdf"; filename*=UTF-8''Service%20agreement.pdf`);
	expect(res.headers.get('x-content-type-options')).toBe('nosniff');
	expect(res.headers.get('cache-control')).toBe('private, no-cache');
	expect(res.headers.get('etag')).toBe(`"${doc.sha256}"`);

	const again = await get(`/api/files/${doc.id}`, cookie, { 'if-none-match': `"${doc.sha256}"` });
	expect(again.status).toBe(304);
	expect((await again.arrayBuffer()).byteLength).toBe(0);

	const inline = await get(`/api/files/${doc.id}?inline=1`, cookie);
	expect(inline.headers.get('content-disposition')).toMatch(/^inline; /);
	await inline.arrayBuffer();
});

test('non-ASCII names keep their exact form in filename*, and risky types are never shown inline', async () => {
	const a = createCustomer(server.app);
	const { cookie } = customerCookie(server, a.id);
	const named = createDocument(server.app, a.id, { fileName: 'Garantía "Año" 2026.pdf' });
	const res = await get(`/api/files/${named.id}`, cookie);
	expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Garant_a _A_o_ 2026.pdf"; filename*=UTF-8''Garant%C3%ADa%20%22A%C3%B1o%22%202026.pdf`);
	await res.arrayBuffer();
	const html = createDocument(server.app, a.id, { bytes: new TextEncoder().encode('<script>alert(1)</script>'), mime: 'text/html', fileName: 'x.html' });
	const page = await get(`/api/files/${html.id}?inline=1`, cookie);
	expect(page.headers.get('content-disposition')).toMatch(/^attachment; /);
	expect(page.headers.get('x-content-type-options')).toBe('nosniff');
	await page.arrayBuffer();
});

test('another customer’s document is the same 404 as a missing one; deleted documents are gone', async () => {
	const a = createCustomer(server.app);
	const b = createCustomer(server.app);
	const { cookie } = customerCookie(server, a.id);
	const theirs = createDocument(server.app, b.id, { fileName: 'b-secret.pdf' });
	const answers = [];
	for (const id of [theirs.id, 'no-such-document', 'bad%20id', 'x'.repeat(65)]) {
		const res = await get(`/api/files/${id}`, cookie);
		answers.push({ status: res.status, body: await res.text(), etag: res.headers.get('etag'), type: res.headers.get('content-type') });
	}
	expect(answers[0].status).toBe(404);
	for (const answer of answers) expect(answer).toEqual(answers[1]);
	expect(answers[0].body).not.toContain(theirs.sha256);
	expect(answers[0].body).not.toContain('b-secret');

	const mine = createDocument(server.app, a.id);
	server.app.writer.transaction((w) => {
		w.db.update(s.documents).set({ deleted: true, seq: w.touch('documents', a.id, mine.id), updatedAt: w.version(0) }).where(eq(s.documents.id, mine.id)).run();
	});
	expect((await get(`/api/files/${mine.id}`, cookie)).status).toBe(404);
});

test('staff may read any document; signed-out visitors may not', async () => {
	const b = createCustomer(server.app);
	const doc = createDocument(server.app, b.id);
	const staff = staffCookie(server, 'technician');
	const res = await get(`/api/files/${doc.id}`, staff.cookie);
	expect(res.status).toBe(200);
	expect(new Uint8Array(await res.arrayBuffer())).toEqual(doc.bytes);
	const anon = await get(`/api/files/${doc.id}`, '');
	expect(anon.status).toBe(401);
	expect((await anon.json()).code).toBe('UNAUTHENTICATED');
});
