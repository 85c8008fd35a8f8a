import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { afterEach, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { getBusiness } from '../../server/branding/service.ts';
import * as s from '../../server/db/schema.ts';
import { approveQuoteResponseSchema, staffQuoteSchema } from '../../shared/protocol/quotes.ts';
import { webhookEndpointCreatedSchema, webhookEnvelopeSchema } from '../../shared/protocol/integration.ts';
import { quoteTotals } from '../../shared/quotes.ts';
import { documentSchema } from '../../shared/schemas/document.ts';
import { quoteSchema, type Quote } from '../../shared/schemas/quote.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { call, dbState, openStaffStream, type StaffSocket } from '../helpers/staff.ts';
import { answer, approval, pdfPagesText, signatureDataUrl, startReceiver, validSignature, type Receiver } from '../helpers/quotes.ts';
import { createCustomer, createQuote, customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';
import { pngBytes } from '../helpers/images.ts';

let server: TestServer | undefined;
const receivers: Receiver[] = [];
const sockets: StaffSocket[] = [];
afterEach(async () => {
	for (const s of sockets.splice(0)) s.close();
	await server?.close();
	server = undefined;
	for (const r of receivers.splice(0)) await r.close();
});

const FAST = { intervalMs: 50, baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 3, timeoutMs: 2_000 };
/** 2026-05-12 10:00 in Madison (CDT). */
const NOON_UTC = Date.UTC(2026, 4, 12, 15, 0, 0);

function brightwater(srv: TestServer): void {
	getBusiness(srv.app.store.db, srv.app.clock());
	srv.app.store.db.update(s.business).set({ name: 'Brightwater Plumbing & Heating', timeZone: 'America/Chicago' }).where(eq(s.business.id, 1)).run();
}

async function customerQuote(srv: TestServer, cookie: string, id: string): Promise<Quote> {
	const { documents } = await pullAll(srv, cookie, 'quotes');
	const doc = documents.find((d) => d.id === id);
	expect(doc, 'the quote reached the device').toBeDefined();
	expect(doc._deleted).toBe(false);
	return quoteSchema.parse(device(doc));
}

/** A pulled document without the replication's `_deleted` flag. */
function device<T extends { _deleted?: boolean }>(doc: T): Omit<T, '_deleted'> {
	const { _deleted, ...rest } = doc;
	void _deleted;
	return rest;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('approving with options: the selection’s totals, a signed PDF with its audit page in the documents, a deposit invoice paid the usual way, quote.approved sent signed, staff told live', async () => {
	const clock = fakeClock(NOON_UTC);
	const receiver = await startReceiver();
	receivers.push(receiver);
	server = await startServer({}, { clock: clock.now, webhooks: FAST, payments: { schedulerIntervalMs: 3_600_000, demoSettleMs: 50 } });
	brightwater(server);
	const owner = staffCookie(server, 'owner', 'Rosa Delgado');
	const hook = await call(server, 'POST', '/api/staff/webhooks', { cookie: owner.cookie, body: { url: receiver.url, events: ['quote.approved'] } });
	expect(hook.status).toBe(201);
	const { secret } = webhookEndpointCreatedSchema.parse(hook.body);

	const c = createCustomer(server.app, { name: 'Dana Whitfield' });
	server.app.store.db.update(s.customers).set({ externalId: 'crm-7' }).where(eq(s.customers.id, c.id)).run();
	const dana = customerCookie(server, c.id, { email: 'dana@example.com', name: 'Dana Whitfield' });
	const quoteId = createQuote(server.app, c.id, { depositRateBp: 2500, validUntil: '2026-05-30' });
	const staffSocket = await openStaffStream(server, owner.cookie);
	sockets.push(staffSocket);

	const quote = await customerQuote(server, dana.cookie, quoteId);
	const [labour, tank, gal40, gal50] = quote.items;
	expect([labour.kind, tank.kind, gal40.kind, gal50.kind]).toEqual(['included', 'optional', 'choice', 'choice']);
	// The bigger heater instead of the default one, and no expansion tank.
	const selection = [gal50.id];
	const totals = quoteTotals(quote, selection);
	// 4 h × $95 + $1,450 = $1,830.00; 8.25 % tax = $150.975 → $150.98; total $1,980.98; 25 % deposit = $495.245 → $495.25.
	expect(totals).toEqual({ subtotal: 183_000, tax: 15_098, total: 198_098, deposit: 49_525 });

	const ua = 'QuoteTest/1.0 (Linux; Android 14) Mobile';
	const res = await answer(server, dana.cookie, quoteId, 'approve', approval(quote, { selection, signerName: 'Dana Whitfield' }), { 'user-agent': ua });
	expect(res.status, res.text).toBe(200);
	const approved = approveQuoteResponseSchema.parse(res.body);
	expect(approved.quote).toMatchObject({
		status: 'approved',
		selection,
		approvedTotal: totals.total,
		signerName: 'Dana Whitfield',
		signedDocumentId: approved.documentId,
		depositInvoiceId: approved.depositInvoiceId,
		respondedAt: NOON_UTC,
		quoteRevision: quote.quoteRevision,
		contentHash: quote.contentHash
	});
	expect(approved.depositInvoiceId).not.toBeNull();

	// The evidence, kept once.
	const signature = server.app.store.db.select().from(s.quoteSignatures).where(eq(s.quoteSignatures.quoteId, quoteId)).get()!;
	expect(signature).toMatchObject({
		signerName: 'Dana Whitfield',
		signerEmail: 'dana@example.com',
		portalUserId: dana.portalUserId,
		signedAt: NOON_UTC,
		ip: '127.0.0.1',
		userAgent: ua,
		revision: quote.quoteRevision,
		contentHash: quote.contentHash,
		selection,
		total: totals.total
	});
	const signaturePng = Buffer.from(signatureDataUrl().split(',')[1], 'base64');
	expect(signature.signatureSha256).toBe(sha256(signaturePng));
	expect(server.app.store.db.select().from(s.files).where(eq(s.files.sha256, signature.signatureSha256)).get()).toMatchObject({ mime: 'image/png' });

	// The signed PDF, downloaded like any document of theirs.
	const file = await fetch(`${server.url}/api/files/${approved.documentId}`, { headers: { cookie: dana.cookie } });
	expect(file.status).toBe(200);
	expect(file.headers.get('content-type')).toBe('application/pdf');
	const pdf = new Uint8Array(await file.arrayBuffer());
	expect(sha256(pdf)).toBe(signature.pdfSha256);
	const pages = await pdfPagesText(pdf);
	expect(pages.length).toBeGreaterThanOrEqual(2);
	const [first] = pages;
	for (const text of ['Brightwater Plumbing & Heating', 'QUOTE', quote.number, 'Water heater replacement', 'Labour, 4 hours', '50 gal gas', 'Water heater: chosen', '40 gal gas', 'Water heater: not chosen', 'Expansion tank', 'Option, not chosen', '$1,830.00', '$150.98', '$1,980.98', '$495.25', 'Includes haul-away of the old unit.', 'Valid until May 30, 2026']) {
		expect(first, text).toContain(text);
	}
	const auditPage = pages.at(-1)!;
	for (const text of [
		'Signature audit record',
		'Dana Whitfield',
		'dana@example.com',
		'2026-05-12T15:00:00.000Z',
		'May 12, 2026 at 10:00:00 AM CDT',
		'127.0.0.1',
		ua,
		`SHA-256 of the quote as shown:\n${quote.contentHash}`,
		`SHA-256 of the signature image:\n${signature.signatureSha256}`,
		'Water heater: 50 gal gas',
		'The signer agreed to sign electronically.'
	]) {
		expect(auditPage, text).toContain(text);
	}
	expect(auditPage).toMatch(/Quote revision\n1\b/);
	const meta = await PDFDocument.load(pdf, { updateMetadata: false });
	expect(meta.getSubject()).toContain(`SHA-256 of the quote as shown: ${quote.contentHash}`);
	expect(meta.getKeywords()).toContain(`content-sha256:${quote.contentHash}`);
	expect(meta.getKeywords()).toContain(`signature-sha256:${signature.signatureSha256}`);
	expect(meta.getCreationDate()?.getTime()).toBe(NOON_UTC);

	// The document and the quote's new state reach the customer's device through sync.
	const docs = (await pullAll(server, dana.cookie, 'documents')).documents;
	const signedDoc = documentSchema.parse(device(docs.find((d) => d.id === approved.documentId)));
	expect(signedDoc).toMatchObject({ kind: 'quote', title: `${quote.number} · Water heater replacement (signed)`, signerName: 'Dana Whitfield', signedAt: NOON_UTC, sha256: signature.pdfSha256, mime: 'application/pdf' });
	expect(await customerQuote(server, dana.cookie, quoteId)).toMatchObject({ status: 'approved', approvedTotal: totals.total, selection, signedDocumentId: approved.documentId });

	// The deposit: an issued invoice for 25 % of the approved total, due today, paid with the usual flow.
	const invoices = (await pullAll(server, dana.cookie, 'invoices')).documents;
	const deposit = invoices.find((i) => i.id === approved.depositInvoiceId);
	expect(deposit).toMatchObject({ status: 'open', total: 49_525, tax: 0, amountDue: 49_525, dueDate: '2026-05-12', currency: 'USD' });
	expect(deposit.title).toContain(quote.number);
	const intent = await call(server, 'POST', `/api/pay/invoices/${approved.depositInvoiceId}/intent`, { cookie: dana.cookie, body: {} });
	expect(intent.status, intent.text).toBe(200);
	const paid = await call(server, 'POST', `/api/pay/demo/payments/${intent.body.paymentId}/confirm`, { cookie: dana.cookie, body: { method: 'card', outcome: 'success' } });
	expect(paid.body.status).toBe('succeeded');
	expect(server.app.store.db.select().from(s.invoices).where(eq(s.invoices.id, approved.depositInvoiceId!)).get()).toMatchObject({ status: 'paid', amountPaid: 49_525 });

	// The job system hears of it, signed.
	await receiver.waitFor(1);
	const delivered = receiver.requests[0];
	expect(delivered.headers['x-porchlight-event']).toBe('quote.approved');
	expect(validSignature(secret, delivered.headers['x-porchlight-signature'], delivered.body)).toBe(true);
	expect(validSignature('whsec_wrong', delivered.headers['x-porchlight-signature'], delivered.body)).toBe(false);
	const envelope = webhookEnvelopeSchema.parse(JSON.parse(delivered.body));
	expect(envelope).toMatchObject({
		event: 'quote.approved',
		data: {
			quoteId,
			quoteNumber: quote.number,
			quoteExternalId: null,
			customerId: c.id,
			customerExternalId: 'crm-7',
			selection,
			total: totals.total,
			currency: 'USD',
			signedDocumentId: approved.documentId,
			depositInvoiceId: approved.depositInvoiceId,
			depositAmount: 49_525,
			signerName: 'Dana Whitfield',
			signedAt: '2026-05-12T15:00:00.000Z',
			contentHash: quote.contentHash
		}
	});
	expect((envelope.data.lines as { id: string }[]).map((l) => l.id)).toEqual([labour.id, gal50.id]);

	// The console hears of it live and shows the audit record.
	expect(await staffSocket.next((m) => m.type === 'quote')).toEqual({ type: 'quote', quoteId, customerId: c.id, number: quote.number, customerName: 'Dana Whitfield', status: 'approved' });
	const staffView = await call(server, 'GET', `/api/staff/quotes/${quoteId}`, { cookie: owner.cookie });
	expect(staffQuoteSchema.parse(staffView.body).signature).toEqual({ signerName: 'Dana Whitfield', signerEmail: 'dana@example.com', signedAt: NOON_UTC, ip: '127.0.0.1', userAgent: ua, contentHash: quote.contentHash });
	const audit = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'quote.approved')).all();
	expect(audit).toEqual([expect.objectContaining({ actorKind: 'customer', actorId: dana.portalUserId, entity: 'quote', entityId: quoteId })]);

	// Signing twice is refused, and changes nothing.
	const before = dbState(server);
	const again = await answer(server, dana.cookie, quoteId, 'approve', approval(quote, { selection }));
	expect(again.status).toBe(409);
	expect(again.body).toMatchObject({ code: 'CONFLICT', details: { reason: 'status' } });
	expect(dbState(server)).toBe(before);
});

test('the default selection, no deposit: no invoice; a name outside Latin-1 signs fine and is kept exactly', async () => {
	const clock = fakeClock(NOON_UTC);
	server = await startServer({}, { clock: clock.now });
	brightwater(server);
	const c = createCustomer(server.app, { name: 'Tanaka Hiroshi' });
	const cookie = customerCookie(server, c.id, { email: 'hiroshi@example.com' }).cookie;
	const quoteId = createQuote(server.app, c.id);
	const quote = await customerQuote(server, cookie, quoteId);
	const name = 'Łukasz 田中 Zoë';
	const res = await answer(server, cookie, quoteId, 'approve', approval(quote, { signerName: `  ${name} ` }));
	expect(res.status, res.text).toBe(200);
	// Labour $380 + tank $140 + 40 gal $1,200 = $1,720; tax $141.90.
	expect(res.body).toMatchObject({ depositInvoiceId: null, quote: { approvedTotal: 186_190, signerName: name } });
	expect(server.app.store.db.select().from(s.invoices).all()).toEqual([]);
	const row = server.app.store.db.select().from(s.quoteSignatures).get()!;
	expect(row.signerName).toBe(name);
	expect(server.app.store.db.select().from(s.documents).get()!.signerName).toBe(name);
	const pdf = await fetch(`${server.url}/api/files/${res.body.documentId}`, { headers: { cookie } });
	const pages = await pdfPagesText(new Uint8Array(await pdf.arrayBuffer()));
	// Drawn with the characters the standard fonts have; the exact name as code points on the audit page.
	expect(pages.at(-1)).toContain('Lukasz ?? Zoë');
	expect(pages.at(-1)).toContain('U+0141 U+0075 U+006B U+0061 U+0073 U+007A U+0020 U+7530 U+4E2D');
});

test('a signature that is not really a PNG, or one too large to be a drawing, is refused naming it; nothing is stored', async () => {
	server = await startServer({}, { clock: fakeClock(NOON_UTC).now });
	const c = createCustomer(server.app);
	const cookie = customerCookie(server, c.id).cookie;
	const quoteId = createQuote(server.app, c.id, { depositRateBp: 1000 });
	const quote = await customerQuote(server, cookie, quoteId);
	const before = dbState(server);
	const fakes = [
		// A JPEG-free text file claiming to be a PNG.
		`data:image/png;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64')}`,
		// A PNG signature with a broken body: the header reads, the image does not.
		`data:image/png;base64,${Buffer.concat([pngBytes(10, 10).subarray(0, 33), Buffer.from('garbage-not-deflate')]).toString('base64')}`,
		// A "drawing" of 20000 × 20000 pixels.
		`data:image/png;base64,${pngBytes(20_000, 1).toString('base64')}`
	];
	for (const signature of fakes) {
		const res = await answer(server, cookie, quoteId, 'approve', approval(quote, { signature }));
		expect(res.status, res.text).toBe(400);
		expect(res.body).toMatchObject({ code: 'VALIDATION', field: 'signature' });
	}
	expect(dbState(server)).toBe(before);
});
