import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { cookieFor } from '../helpers/session.ts';
import { createCustomer, createInvoice, customerCookie, staffCookie } from '../helpers/sync.ts';

const DAY = 86_400_000;
const clock = fakeClock();
let server: TestServer;
let dana: { customerId: string; portalUserId: string; cookie: string };

function invoiceId(number: string): string {
	const row = server.app.store.db.select({ id: s.invoices.id }).from(s.invoices).where(eq(s.invoices.number, number)).get();
	if (!row) throw new Error(`no invoice ${number} in the seed`);
	return row.id;
}

function invoiceRow(id: string) {
	return server.app.store.db.select().from(s.invoices).where(eq(s.invoices.id, id)).get()!;
}

function get(path: string, cookie?: string) {
	return fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {} });
}

/**
 * The text a PDF shows: every content stream inflated, and the strings of its text operators
 * (pdf-lib writes them as hex, in the standard fonts' Windows-1252) decoded. Enough to check what a reader would see.
 */
// Windows-1252's 0x80–0x9F (Node's decoder treats the label as Latin-1, which has controls there).
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const winAnsi = { decode: (bytes: Buffer) => Array.from(bytes, (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b))).join('') };

async function pdfText(bytes: Uint8Array): Promise<string> {
	const pdf = await PDFDocument.load(bytes);
	const out: string[] = [];
	for (const [, obj] of pdf.context.enumerateIndirectObjects()) {
		if (!(obj instanceof PDFRawStream)) continue;
		const filter = obj.dict.get(PDFName.of('Filter'));
		const raw = filter === PDFName.of('FlateDecode') ? zlib.inflateSync(obj.contents) : Buffer.from(obj.contents);
		const content = raw.toString('latin1');
		for (const m of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) out.push(winAnsi.decode(Buffer.from(m[1], 'hex')));
		for (const m of content.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)) out.push(m[1]);
	}
	return out.join('\n');
}

beforeAll(async () => {
	server = await startServer({ seedDemo: true }, { clock: clock.now });
	const user = server.app.store.db.select().from(s.portalUsers).where(eq(s.portalUsers.email, 'dana@example.com')).get()!;
	dana = {
		customerId: user.customerId,
		portalUserId: user.id,
		cookie: cookieFor(server, { kind: 'customer', customerId: user.customerId, portalUserId: user.id })
	};
});
afterAll(async () => {
	await server.close();
});

test('a customer downloads their invoice as a real PDF with its number, lines, totals and status', async () => {
	const res = await get(`/api/invoices/${invoiceId('INV-04127')}/pdf`, dana.cookie);
	expect(res.status).toBe(200);
	const bytes = new Uint8Array(await res.arrayBuffer());
	expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');

	const pdf = await PDFDocument.load(bytes);
	expect(pdf.getPageCount()).toBe(1);
	expect(pdf.getTitle()).toBe('Invoice INV-04127');
	expect(pdf.getAuthor()).toBe('Brightwater Plumbing & Heating');
	expect(pdf.getCreationDate()?.getTime()).toBe(Math.floor(clock.now() / 1000) * 1000);

	const text = await pdfText(bytes);
	expect(text).toContain('INV-04127');
	expect(text).toContain('Brightwater Plumbing & Heating');
	expect(text).toContain('Dana Whitfield');
	expect(text).toContain('Monthly service');
	expect(text).toContain('May');
	expect(text).toContain('Monthly maintenance plan — May');
	expect(text).toContain('Faucet cartridge');
	expect(text).toContain('1.5');
	expect(text).toContain('Tax (5.5%)');
	expect(text).toContain('$432.00');
	expect(text).toContain('OPEN');
	expect(text).not.toContain('OVERDUE');
});

test('a paid invoice shows its payments and nothing left to pay', async () => {
	const res = await get(`/api/invoices/${invoiceId('INV-04098')}/pdf`, dana.cookie);
	expect(res.status).toBe(200);
	const text = await pdfText(new Uint8Array(await res.arrayBuffer()));
	expect(text).toContain('INV-04098');
	expect(text).toContain('PAID');
	expect(text).toContain('$1,820.00');
	expect(text).toContain('Payments');
	expect(text).toMatch(/Visa/);
	expect(text).toContain('$0.00');
});

test('headers: attachment named after the invoice, nosniff, private and not reused unchecked', async () => {
	const res = await get(`/api/invoices/${invoiceId('INV-04127')}/pdf`, dana.cookie);
	await res.arrayBuffer();
	expect(res.headers.get('content-type')).toBe('application/pdf');
	expect(res.headers.get('content-disposition')).toBe(`attachment; filename="INV-04127.pdf"; filename*=UTF-8''INV-04127.pdf`);
	expect(res.headers.get('x-content-type-options')).toBe('nosniff');
	expect(res.headers.get('cache-control')).toBe('private, no-cache');
});

test('another customer’s invoice, a draft and a missing id all get the same 404; signed out gets 401', async () => {
	const okafor = server.app.store.db.select().from(s.invoices).where(eq(s.invoices.number, 'INV-04088')).get()!;
	const draft = server.app.store.db.select().from(s.invoices).where(eq(s.invoices.number, 'INV-04131')).get()!;
	expect(draft.status).toBe('draft');
	const okaforUser = server.app.store.db.select().from(s.portalUsers).where(eq(s.portalUsers.customerId, draft.customerId)).get()!;
	const okaforCookie = cookieFor(server, { kind: 'customer', customerId: okaforUser.customerId, portalUserId: okaforUser.id });

	const answers = [];
	for (const [cookie, id] of [
		[dana.cookie, okafor.id],
		[dana.cookie, 'no-such-invoice'],
		[dana.cookie, 'bad%20id'],
		[dana.cookie, 'x'.repeat(65)],
		[okaforCookie, draft.id]
	] as const) {
		const res = await get(`/api/invoices/${id}/pdf`, cookie);
		answers.push({ status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), body: await res.text() });
	}
	expect(answers[1].status).toBe(404);
	for (const answer of answers) expect(answer).toEqual(answers[1]);
	expect(answers[0].body).not.toContain('INV-04088');

	// The owner of the other invoice does get it.
	expect((await get(`/api/invoices/${okafor.id}/pdf`, okaforCookie)).status).toBe(200);

	const anonymous = await get(`/api/invoices/${invoiceId('INV-04127')}/pdf`);
	expect(anonymous.status).toBe(401);
	expect(await anonymous.text()).not.toContain('%PDF');
});

test('a deleted invoice is gone; staff may fetch any customer’s invoice', async () => {
	const c = createCustomer(server.app);
	const { cookie } = customerCookie(server, c.id);
	const inv = invoiceRow(createInvoice(server.app, c.id));
	expect((await get(`/api/invoices/${inv.id}/pdf`, cookie)).status).toBe(200);
	const staff = staffCookie(server, 'office');
	const res = await get(`/api/invoices/${inv.id}/pdf`, staff.cookie);
	expect(res.status).toBe(200);
	expect(await pdfText(new Uint8Array(await res.arrayBuffer()))).toContain(inv.number);
	expect((await get(`/api/invoices/${invoiceId('INV-04127')}/pdf`, staff.cookie)).status).toBe(200);

	server.app.writer.transaction((w) => {
		w.db.update(s.invoices).set({ deleted: true, seq: w.touch('invoices', c.id, inv.id), updatedAt: w.version(0) }).where(and(eq(s.invoices.id, inv.id))).run();
	});
	expect((await get(`/api/invoices/${inv.id}/pdf`, cookie)).status).toBe(404);
	expect((await get(`/api/invoices/${inv.id}/pdf`, staff.cookie)).status).toBe(404);
});

test('an open invoice past its due date (on the business’s calendar) prints as overdue', async () => {
	const id = invoiceId('INV-04127');
	const row = server.app.store.db.select().from(s.invoices).where(eq(s.invoices.id, id)).get()!;
	const saved = clock.now();
	try {
		// The day after the due date, in Chicago.
		const [y, m, d] = row.dueDate!.split('-').map(Number);
		clock.set(Date.UTC(y, m - 1, d + 1, 18));
		const res = await get(`/api/invoices/${id}/pdf`, dana.cookie);
		expect(res.status).toBe(200);
		const text = await pdfText(new Uint8Array(await res.arrayBuffer()));
		expect(text).toContain('OVERDUE');
		// On the due date itself it is still just open.
		clock.set(Date.UTC(y, m - 1, d, 18));
		const onTime = await pdfText(new Uint8Array(await (await get(`/api/invoices/${id}/pdf`, dana.cookie)).arrayBuffer()));
		expect(onTime).toContain('OPEN');
		expect(onTime).not.toContain('OVERDUE');
	} finally {
		clock.set(saved);
	}
});

test('text the PDF fonts cannot draw and very long invoices still render, over several numbered pages', async () => {
	const c = createCustomer(server.app, { name: 'Zoë 🏠 Ngô' });
	const { cookie } = customerCookie(server, c.id);
	const inv = invoiceRow(createInvoice(server.app, c.id));
	server.app.writer.transaction((w) => {
		for (let i = 0; i < 80; i++) {
			w.db
				.insert(s.invoiceLineItems)
				.values({ id: `${inv.id}-l${i}`, invoiceId: inv.id, position: 100 + i, description: `Line ${i}: ${'pipe → fitting '.repeat(i % 7)}✓`, quantityMilli: 1000 + i, unitAmount: 1234, amount: 1234 })
				.run();
		}
		w.db.update(s.invoices).set({ notes: '漢字 and an emoji 🔧 in the notes', seq: w.touch('invoices', c.id, inv.id), updatedAt: w.version(0) }).where(eq(s.invoices.id, inv.id)).run();
	});
	const res = await get(`/api/invoices/${inv.id}/pdf`, cookie);
	expect(res.status).toBe(200);
	const bytes = new Uint8Array(await res.arrayBuffer());
	const pdf = await PDFDocument.load(bytes);
	expect(pdf.getPageCount()).toBeGreaterThan(1);
	const text = await pdfText(bytes);
	expect(text).toContain('Line 79');
	expect(text).toContain(`Page ${pdf.getPageCount()} of ${pdf.getPageCount()}`);
	expect(text).toContain('Zoë ? Ngô');
});
