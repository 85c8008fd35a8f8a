import { afterEach, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { readImageHeader } from '../../server/files/image-header.ts';
import { quoteRow, storedContentHash } from '../../server/quotes/service.ts';
import { quotePhotoUrl, quoteTotals } from '../../shared/quotes.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { answer, approval, pdfPagesText } from '../helpers/quotes.ts';
import { customerCookie, pullAll } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

test('the demo customer has a sent quote with a choice, options and a photo, and can sign it', async () => {
	const clock = fakeClock();
	server = await startServer({ seedDemo: true }, { clock: clock.now });
	const dana = server.app.store.db.select().from(s.portalUsers).where(eq(s.portalUsers.email, 'dana@example.com')).get()!;
	const cookie = customerCookie(server, dana.customerId, { email: 'dana.quotes@example.com' }).cookie;
	const quotes = (await pullAll(server, cookie, 'quotes')).documents;
	expect(quotes).toHaveLength(1);
	const [quote] = quotes;
	expect(quote).toMatchObject({ status: 'sent', number: 'Q-02318', quoteRevision: 1, depositRateBp: 2500, _deleted: false });
	expect(quote.validUntil > new Date(clock.now()).toISOString().slice(0, 10)).toBe(true);
	expect(new Set(quote.items.map((i: { kind: string }) => i.kind))).toEqual(new Set(['included', 'optional', 'choice']));
	expect(quote.items.filter((i: { group: string | null }) => i.group === 'Boiler')).toHaveLength(2);
	// The stored hash is the hash of what the device got, photo included.
	expect(storedContentHash(server.app.store.db, quoteRow(server.app.store.db, quote.id)!)).toBe(quote.contentHash);

	expect(quote.photos).toHaveLength(1);
	const photo = await fetch(`${server.url}${quotePhotoUrl(quote.id, quote.photos[0].id)}`, { headers: { cookie } });
	expect(photo.status).toBe(200);
	expect(readImageHeader(new Uint8Array(await photo.arrayBuffer()))).toEqual({ mime: 'image/png', width: quote.photos[0].width, height: quote.photos[0].height });

	const signed = await answer(server, cookie, quote.id, 'approve', approval(quote));
	expect(signed.status, signed.text).toBe(200);
	const totals = quoteTotals(quote, approval(quote).selection as string[]);
	expect(signed.body.quote.approvedTotal).toBe(totals.total);
	const deposit = (await pullAll(server, cookie, 'invoices')).documents.find((i) => i.id === signed.body.depositInvoiceId);
	expect(deposit).toMatchObject({ status: 'open', total: totals.deposit });
	const pdf = await fetch(`${server.url}/api/files/${signed.body.documentId}`, { headers: { cookie } });
	const pages = await pdfPagesText(new Uint8Array(await pdf.arrayBuffer()));
	expect(pages[0]).toContain('Brightwater Plumbing & Heating');
	expect(pages.at(-1)).toContain(quote.contentHash);
});
