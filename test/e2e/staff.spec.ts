import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { cookieFor } from '../helpers/session.ts';
import { call, makePdf } from '../helpers/staff.ts';
import { push } from '../helpers/sync.ts';
import { documents, invoices, portalUsers, staffUsers } from '../../server/db/schema.ts';

/*
 * The staff console in a real Chromium against the demo business: the owner reads Dana's thread
 * and replies, and Dana's phone (a second browser) shows the reply without a reload; Dana writes
 * through the sync API and the console shows it live and announces it; an invoice created with
 * line items and issued appears on Dana's invoice list live; a PDF is uploaded (and a non-PDF is
 * refused with a clear message); a branding change reaches /api/branding and the console's own
 * theme; a technician sees no Issue button, and the server refuses the issue anyway. The client
 * build is copied to a temp dir so a concurrent rebuild cannot change it mid-test.
 */

let server: TestServer;
let clientDir: string;
let staffBrowser: TestBrowser;
let customerBrowser: TestBrowser;
let console_: Page;
let phone: Page;
let danaId: string;
let danaCookie: string;
let ownerCookie: string;
const pageErrors: string[] = [];

async function setCookie(b: TestBrowser, cookie: string) {
	const [name, value] = cookie.split(/=(.*)/s);
	await b.context.clearCookies();
	await b.context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
}

beforeAll(async () => {
	const built = path.resolve('build');
	if (!fs.existsSync(path.join(built, 'sw.js'))) throw new Error('build/ is missing: run `npx vite build` first');
	clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-client-'));
	fs.cpSync(built, clientDir, { recursive: true });
	server = await startServer({ seedDemo: true, clientDir });

	const db = server.app.store.db;
	const rosa = db.select().from(staffUsers).where(eq(staffUsers.email, 'rosa@brightwater.example')).get()!;
	ownerCookie = cookieFor(server, { kind: 'staff', staffUserId: rosa.id });
	const dana = db.select().from(portalUsers).where(eq(portalUsers.email, 'dana@example.com')).get()!;
	danaId = dana.customerId;
	danaCookie = cookieFor(server, { kind: 'customer', customerId: danaId, portalUserId: dana.id });

	staffBrowser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
	customerBrowser = await launchBrowser();
	await setCookie(staffBrowser, ownerCookie);
	await setCookie(customerBrowser, danaCookie);
	console_ = await staffBrowser.context.newPage();
	phone = await customerBrowser.context.newPage();
	for (const p of [console_, phone]) p.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
	await staffBrowser?.close();
	await customerBrowser?.close();
	await server?.close();
	if (clientDir) fs.rmSync(clientDir, { recursive: true, force: true });
});

test('the owner replies to Dana and her phone shows it live; her next message reaches the console live and is announced', async () => {
	await console_.goto(`${server.url}/staff`);
	const danaThread = console_.locator('a.thread', { hasText: 'Dana Whitfield' });
	await danaThread.waitFor({ timeout: 30_000 });
	await danaThread.click();
	await console_.getByRole('region', { name: 'Conversation' }).getByRole('heading', { level: 2, name: 'Dana Whitfield' }).waitFor();
	// Her record sits beside the conversation.
	await console_.getByRole('complementary', { name: 'Customer record' }).getByText('INV-04127').waitFor();

	await phone.goto(`${server.url}/messages`);
	await phone.locator('li.message').first().waitFor({ timeout: 30_000 });

	const reply = `Luis will be there at 3 — ${randomUUID().slice(0, 6)}`;
	await console_.getByLabel('Reply to Dana Whitfield').fill(reply);
	await console_.getByLabel('Reply to Dana Whitfield').press('Enter');
	await console_.locator('li.msg.staff', { hasText: reply }).waitFor();
	await expect.poll(() => console_.getByLabel('Reply to Dana Whitfield').inputValue()).toBe('');
	// No reload on the phone: the sync stream brings it.
	await phone.locator('li.message', { hasText: reply }).waitFor({ timeout: 15_000 });

	const question = `Should I move the car? ${randomUUID().slice(0, 6)}`;
	const res = await push(server, danaCookie, 'messages', [
		{ newDocumentState: { id: randomUUID(), authorKind: 'customer', authorName: '', body: question, attachments: [], sentAt: Date.now(), createdAt: 0, updatedAt: 0, _deleted: false } }
	]);
	expect(res.status).toBe(200);
	await console_.locator('li.msg.customer', { hasText: question }).waitFor({ timeout: 15_000 });
	await expect.poll(() => console_.locator('[aria-live="polite"]').first().textContent(), { timeout: 5_000 }).toContain('New message from Dana Whitfield');
});

test('an invoice created with line items and issued appears on Dana’s invoices live', async () => {
	await phone.goto(`${server.url}/invoices`);
	await phone.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor({ timeout: 30_000 });

	await console_.goto(`${server.url}/staff/invoices/new?customer=${danaId}`);
	await console_.getByRole('heading', { level: 1, name: 'New invoice' }).waitFor();
	await console_.locator('.chosen', { hasText: 'Dana Whitfield' }).waitFor();
	await console_.getByLabel('Title').fill('Kitchen faucet replacement');
	await console_.getByLabel('Line 1 description').fill('Labour');
	await console_.getByLabel('Line 1 quantity').fill('1.5');
	await console_.getByLabel('Line 1 unit price in USD').fill('95.50');
	await console_.getByRole('button', { name: 'Add line' }).click();
	await console_.getByLabel('Line 2 description').fill('Faucet');
	await console_.getByLabel('Line 2 unit price in USD').fill('0.29');
	await console_.getByLabel('Tax rate (%)').fill('8.25');
	// 1.5 × 95.50 = 143.25, + 0.29 = 143.54; tax 11.84; total 155.38 — computed as the server will.
	await expect.poll(() => console_.locator('dd.grand').textContent()).toBe('$155.38');

	await console_.getByRole('button', { name: 'Save and issue' }).click();
	const heading = console_.getByRole('heading', { level: 1, name: /^Invoice INV-/ });
	await heading.waitFor({ timeout: 15_000 });
	const number = /INV-\d+/.exec((await heading.textContent()) ?? '')![0];
	const row = server.app.store.db.select().from(invoices).where(and(eq(invoices.customerId, danaId), eq(invoices.number, number))).get()!;
	expect(row.status).toBe('open');
	expect(row.total).toBe(15538);

	await phone.locator('a.row', { hasText: number }).waitFor({ timeout: 15_000 });
});

test('a PDF is uploaded to Dana’s record; a file that is not a PDF is refused with the reason', async () => {
	await console_.goto(`${server.url}/staff/customers/${danaId}`);
	await console_.getByRole('heading', { level: 1, name: 'Dana Whitfield' }).waitFor({ timeout: 15_000 });

	await console_.getByLabel(/PDF file/).setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not really a pdf') });
	await console_.getByLabel('Title', { exact: true }).fill('Not a PDF');
	await console_.getByRole('button', { name: 'Upload document' }).click();
	await console_.getByRole('alert').filter({ hasText: /Not a PDF/ }).waitFor();
	expect(server.app.store.db.select().from(documents).where(eq(documents.title, 'Not a PDF')).all()).toHaveLength(0);

	await console_.getByLabel(/PDF file/).setInputFiles({ name: 'agreement.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await makePdf('Service agreement')) });
	await console_.getByLabel('Kind').selectOption('contract');
	await console_.getByLabel('Title', { exact: true }).fill('Service agreement 2026');
	await console_.getByLabel(/Signed by/).fill('Dana Whitfield');
	await console_.getByLabel(/Signed on/).fill('2026-05-12');
	await console_.getByRole('button', { name: 'Upload document' }).click();
	await console_.getByRole('status').filter({ hasText: 'Uploaded “Service agreement 2026”' }).waitFor({ timeout: 15_000 });
	const doc = server.app.store.db.select().from(documents).where(eq(documents.title, 'Service agreement 2026')).get()!;
	expect(doc.customerId).toBe(danaId);
	expect(doc.kind).toBe('contract');
	expect(doc.signerName).toBe('Dana Whitfield');
	await console_.getByRole('link', { name: 'Service agreement 2026' }).waitFor();
});

test('a branding change reaches /api/branding and the console’s own theme', async () => {
	await console_.goto(`${server.url}/staff/branding`);
	await console_.getByRole('heading', { level: 1, name: 'Branding' }).waitFor({ timeout: 15_000 });
	const tagline = `Here when the pipes are not ${randomUUID().slice(0, 4)}`;
	await console_.getByLabel('Tagline').fill(tagline);
	await console_.locator('#b-color-primary').fill('#0b6e4f');
	// The live contrast check follows the typed colour.
	await console_.getByText(/text on primary: [\d.]+:1/).waitFor();
	await console_.getByRole('button', { name: 'Save branding' }).click();
	await console_.getByRole('status').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });

	const b = (await (await fetch(`${server.url}/api/branding`)).json()) as { tagline: string; colors: { primary: string } };
	expect(b.tagline).toBe(tagline);
	expect(b.colors.primary).toBe('#0b6e4f');
	await expect.poll(() => console_.evaluate(() => document.documentElement.style.getPropertyValue('--brand-primary'))).toBe('#0b6e4f');
});

test('a technician sees no Issue or New invoice button, and the server refuses the issue anyway', async () => {
	const draft = await call(server, 'POST', '/api/staff/invoices', {
		cookie: ownerCookie,
		body: { customerId: danaId, title: 'Drain camera inspection', lines: [{ description: 'Camera', quantityMilli: 1000, unitAmount: 18000 }] }
	});
	expect(draft.status).toBe(201);

	const luis = server.app.store.db.select().from(staffUsers).where(eq(staffUsers.email, 'luis@brightwater.example')).get()!;
	expect(luis.role).toBe('technician');
	const techCookie = cookieFor(server, { kind: 'staff', staffUserId: luis.id });
	await setCookie(staffBrowser, techCookie);

	await console_.goto(`${server.url}/staff/invoices/${draft.body.id}`);
	await console_.getByRole('heading', { level: 1, name: /Drain camera|Invoice/ }).waitFor({ timeout: 15_000 });
	await console_.locator('nav[aria-label="Console"]').getByText('Luis Ortega').waitFor();
	expect(await console_.getByRole('button', { name: 'Issue invoice' }).count()).toBe(0);
	expect(await console_.getByRole('link', { name: 'Settings' }).count()).toBe(0);
	await console_.goto(`${server.url}/staff/invoices`);
	await console_.getByRole('heading', { level: 1, name: 'Invoices' }).waitFor();
	expect(await console_.getByRole('link', { name: 'New invoice' }).count()).toBe(0);

	// The browser's own request, as a hand-made one would be: the server says no.
	const refused = await console_.evaluate(async (id) => {
		const r = await fetch(`/api/staff/invoices/${id}/issue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		return { status: r.status, body: await r.json() };
	}, draft.body.id as string);
	expect(refused.status).toBe(403);
	expect(server.app.store.db.select().from(invoices).where(eq(invoices.id, draft.body.id)).get()!.status).toBe('draft');
	expect(pageErrors).toEqual([]);
});
