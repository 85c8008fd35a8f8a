import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { axeViolations, copyClientBuild, removeClientBuild, signInAsDemoCustomer } from '../helpers/portal.ts';
import { cookieFor } from '../helpers/session.ts';
import { createMessage, createQuote } from '../helpers/sync.ts';
import { customers, documents, invoices, portalUsers } from '../../server/db/schema.ts';

/*
 * The customer's portal in a real Chromium against the real server and the demo data: Home,
 * invoices and an invoice, documents by kind; offline, a reload still opens the app with the
 * invoice list and a signed document from the device's cache; an Account edit made offline is
 * pending and reaches the server once online; sign-out leaves no local database and no cached
 * document files. The client build is copied to a temp dir so a concurrent rebuild cannot
 * change it mid-test.
 */

let server: TestServer;
let browser: TestBrowser;
let clientDir: string;
let page: Page;
let customerId: string;
const pageErrors: string[] = [];

beforeAll(async () => {
	clientDir = copyClientBuild('index.html');
	server = await startServer({ seedDemo: true, clientDir });
	browser = await launchBrowser();

	// Signing in is tested elsewhere: the demo customer gets a session cookie directly.
	({ customerId } = await signInAsDemoCustomer(server, browser, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0' }));
	page = await browser.context.newPage();
	page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
	removeClientBuild(clientDir);
});

const invoiceRow = (number: string) => page.locator('a.row', { hasText: number });

/** Waits until the service worker controls the page, if the build has one (else offline reloads cannot work). */
async function serviceWorkerControls(p: Page): Promise<boolean> {
	if (!fs.existsSync(path.join(clientDir, 'sw.js'))) return false;
	// Installed and active first; a page loaded before that is controlled from its next load.
	await p.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	if (!(await p.evaluate(() => navigator.serviceWorker.controller !== null))) await p.reload();
	await p.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 30_000 });
	return true;
}

function signedDocument() {
	return server.app.store.db
		.select()
		.from(documents)
		.where(and(eq(documents.customerId, customerId), isNotNull(documents.signedAt), eq(documents.deleted, false)))
		.get()!;
}

test('Home shows the balance and the next invoice; the invoice list, an invoice and the documents by kind render from the device', async () => {
	await page.goto(server.url + '/');
	await page.getByRole('heading', { level: 1, name: /Dana/ }).waitFor();
	const balance = page.getByRole('region', { name: 'Balance due' });
	await balance.locator('p.amount', { hasText: '$432.00' }).waitFor();
	expect(await balance.getByRole('link', { name: /Next to pay.*INV-04127/ }).count()).toBe(1);
	await page.getByRole('region', { name: 'Your next visit' }).getByText(/Technician|Requested|proposed/).first().waitFor();
	expect(await page.getByRole('link', { name: /^Call / }).count()).toBeGreaterThan(0);

	await page.goto(server.url + '/invoices');
	await invoiceRow('INV-04127').waitFor();
	const open = (await invoiceRow('INV-04127').innerText()).replace(/\s+/g, ' ');
	expect(open).toContain('Monthly service · May');
	expect(open).toContain('$432.00');
	expect(open).toContain('Open');
	const paid = (await invoiceRow('INV-04098').innerText()).replace(/\s+/g, ' ');
	expect(paid).toContain('Quarterly contract · Q1');
	expect(paid).toContain('$1,820.00');
	expect(paid).toContain('Paid');
	// Unpaid first.
	const numbers = await page.locator('a.row .number').allInnerTexts();
	expect(numbers[0]).toContain('INV-04127');
	expect(numbers).toHaveLength(5);

	await page.getByRole('navigation', { name: 'Show invoices' }).getByRole('link', { name: /Unpaid/ }).click();
	await page.waitForURL(/show=unpaid/);
	await page.waitForFunction(() => document.querySelectorAll('a.row').length === 1);
	expect(await invoiceRow('INV-04127').count()).toBe(1);

	await invoiceRow('INV-04127').click();
	await page.getByRole('heading', { level: 1, name: 'Invoice INV-04127' }).waitFor();
	const table = page.getByRole('table');
	expect(await table.locator('tbody tr').count()).toBe(3);
	expect(await table.innerText()).toContain('Faucet cartridge');
	expect(await page.locator('dl.totals').innerText()).toMatch(/Total\s+\$432\.00/);
	const pdf = page.getByRole('link', { name: 'Download PDF' });
	const href = (await pdf.getAttribute('href'))!;
	const answer = await page.evaluate(async (u) => {
		const res = await fetch(u);
		const bytes = new Uint8Array(await res.arrayBuffer());
		return { status: res.status, head: String.fromCharCode(...bytes.subarray(0, 5)), disposition: res.headers.get('content-disposition') };
	}, href);
	expect(answer).toMatchObject({ status: 200, head: '%PDF-' });
	expect(answer.disposition).toMatch(/^attachment; filename="INV-04127\.pdf"/);

	await page.goto(server.url + '/documents');
	for (const heading of ['Quotes', 'Contracts', 'Warranties', 'Certificates of insurance']) {
		await page.getByRole('heading', { level: 2, name: new RegExp(`^${heading}`) }).waitFor();
	}
	// Every file is stored on the device after sync, and the screen says so.
	await page.getByText('All 4 documents available offline').waitFor({ timeout: 30_000 });
	expect(await page.getByText('Available offline', { exact: true }).count()).toBe(4);
	expect(pageErrors).toEqual([]);
});

test('offline: a reload opens the app, the invoice list renders, and a signed document opens from the cache', async () => {
	const doc = signedDocument();
	await page.goto(server.url + '/invoices');
	await invoiceRow('INV-04127').waitFor();
	// Without the service worker (not built yet) an offline reload cannot load the app at all.
	expect(await serviceWorkerControls(page)).toBe(true);

	await browser.context.setOffline(true);
	try {
		await page.reload();
		await invoiceRow('INV-04127').waitFor();
		expect(await invoiceRow('INV-04098').innerText()).toContain('$1,820.00');

		await page.goto(server.url + `/documents/${doc.id}`);
		await page.getByRole('heading', { level: 1, name: doc.title }).waitFor();
		await page.getByText('Available offline', { exact: true }).waitFor();
		const frame = page.locator(`iframe[title="${doc.title}"]`);
		await frame.waitFor();
		expect(await frame.getAttribute('src')).toMatch(/^blob:/);
		// The very bytes the server has, served from the device.
		const head = await page.evaluate(async (u) => {
			const res = await fetch(u);
			return String.fromCharCode(...new Uint8Array(await res.arrayBuffer()).subarray(0, 5));
		}, `/api/files/${doc.id}?inline=1`);
		expect(head).toBe('%PDF-');

		// A document whose file is not on the device says so clearly.
		const other = server.app.store.db.select().from(documents).where(and(eq(documents.customerId, customerId), eq(documents.kind, 'warranty'))).get()!;
		await page.evaluate((u) => caches.open('porchlight-files').then((c) => c.delete(u)), `/api/files/${other.id}?inline=1`);
		await page.goto(server.url + `/documents/${other.id}`);
		await page.getByText('This document is not on this device yet.').waitFor();
		expect(await page.locator('iframe').count()).toBe(0);
	} finally {
		await browser.context.setOffline(false);
	}
	// Back online, it is fetched (and stored) again.
	await page.locator('iframe').waitFor({ timeout: 30_000 });
});

test('news: after a break, what changed since the last visit is marked new on Home, live', async () => {
	// A page with a controllable clock: the first visit starts, then half an hour passes.
	const p = await browser.context.newPage();
	try {
		await p.clock.install();
		await p.goto(server.url + '/');
		await p.getByRole('heading', { level: 1, name: /Dana/ }).waitFor();
		await p.getByRole('region', { name: 'Latest messages' }).locator('li').first().waitFor();
		// First visit on this device: nothing is "new" yet.
		expect(await p.getByRole('region', { name: 'New since your last visit' }).count()).toBe(0);
		await p.waitForTimeout(500);
		await p.clock.fastForward('31:00');
		createMessage(server.app, customerId, { body: 'Your water heater part has arrived.' });
		createQuote(server.app, customerId, { title: 'Kitchen sink replacement' });
		const news = p.getByRole('region', { name: 'New since your last visit' });
		await news.getByText(/New message from/).waitFor({ timeout: 20_000 });
		expect(await news.innerText()).toContain('Your water heater part has arrived.');
		await news.getByRole('link', { name: /New quote: Q-\d+/ }).waitFor({ timeout: 20_000 });
		expect(await news.innerText()).toContain('Kitchen sink replacement');
		await p.getByRole('region', { name: 'Latest messages' }).getByText('Your water heater part has arrived.').waitFor();
		expect(await p.getByRole('region', { name: 'Latest messages' }).getByText('New', { exact: true }).count()).toBe(1);
	} finally {
		await p.close();
	}
});

test('account: a phone edit made offline is pending, reaches the server once online; devices and the data export are there', async () => {
	// Another device of Dana's, to be signed out from here.
	const user = server.app.store.db.select().from(portalUsers).where(eq(portalUsers.email, 'dana@example.com')).get()!;
	const phoneCookie = cookieFor(server, { kind: 'customer', customerId, portalUserId: user.id }, { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1' });
	await page.goto(server.url + '/account');
	const phone = page.getByLabel('Phone', { exact: true });
	await phone.waitFor();
	expect(await phone.inputValue()).toBe('(608) 555-0117');
	await page.getByText('This device', { exact: true }).waitFor();
	const devices = page.getByRole('region', { name: 'Signed-in devices' });
	expect(await devices.innerText()).toContain('Chrome on Linux');
	await devices.getByRole('button', { name: /^Sign out Safari on iPhone/ }).click();
	await devices.getByText('Safari on iPhone was signed out.').waitFor();
	const revoked = await fetch(`${server.url}/api/auth/session`, { headers: { cookie: phoneCookie } });
	expect((await revoked.json()).session).toBeNull();

	// The client checks with the shared schema's rules, per field, before anything is stored.
	await page.getByLabel('Email', { exact: true }).fill('not-an-email');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await page.getByText('Enter an email address like name@example.com.').waitFor();
	expect(await page.getByLabel('Email', { exact: true }).getAttribute('aria-invalid')).toBe('true');
	await page.getByLabel('Email', { exact: true }).fill('dana@example.com');

	await browser.context.setOffline(true);
	try {
		await phone.fill('(608) 555-0199');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await page.getByText(/Saved on this device — will sync/).waitFor();
		// Still on the device only.
		expect(server.app.store.db.select().from(customers).where(eq(customers.id, customerId)).get()!.phone).toBe('(608) 555-0117');
	} finally {
		await browser.context.setOffline(false);
	}
	await page.getByText('Saved. The office has your changes.').waitFor({ timeout: 30_000 });
	expect(server.app.store.db.select().from(customers).where(eq(customers.id, customerId)).get()!.phone).toBe('(608) 555-0199');
	expect(await phone.inputValue()).toBe('(608) 555-0199');

	const exportHref = (await page.getByRole('link', { name: 'Download my data' }).getAttribute('href'))!;
	const zip = await page.evaluate(async (u) => {
		const res = await fetch(u);
		const bytes = new Uint8Array(await res.arrayBuffer());
		return { status: res.status, type: res.headers.get('content-type'), head: Array.from(bytes.subarray(0, 4)) };
	}, exportHref);
	expect(zip).toEqual({ status: 200, type: 'application/zip', head: [0x50, 0x4b, 0x03, 0x04] });
});

test('every portal screen passes an automated accessibility scan (no serious or critical violations), at phone and desktop widths', async () => {
	const invoice = server.app.store.db.select().from(invoices).where(eq(invoices.number, 'INV-04127')).get()!;
	const doc = signedDocument();
	const screens: [string, string][] = [
		['/', 'Balance due'],
		['/invoices', 'INV-04127'],
		[`/invoices/${invoice.id}`, 'Download PDF'],
		['/documents', 'Certificates of insurance'],
		[`/documents/${doc.id}`, 'Download'],
		['/account', 'Contact and billing details']
	];
	const found: string[] = [];
	for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
		await page.setViewportSize(viewport);
		for (const [url, marker] of screens) {
			await page.goto(server.url + url);
			await page.getByText(marker).first().waitFor();
			// Let the live data settle (sync and the offline files), so the scan sees the real screen.
			await page.waitForTimeout(300);
			for (const v of await axeViolations(page)) found.push(`${viewport.width}px ${url} ${v}`);
		}
	}
	await page.setViewportSize({ width: 390, height: 844 });
	expect(found).toEqual([]);
});

test('sign-out leaves no IndexedDB database and no cached document files', async () => {
	await page.goto(server.url + '/documents');
	await page.getByText(/available offline/).first().waitFor();
	const before = await page.evaluate(async () => ({
		dbs: (await indexedDB.databases()).map((d) => d.name ?? ''),
		files: (await caches.has('porchlight-files')) ? (await (await caches.open('porchlight-files')).keys()).length : 0
	}));
	expect(before.dbs.some((n) => n.includes('porchlight-'))).toBe(true);
	expect(before.files).toBeGreaterThan(0);

	await page.goto(server.url + '/account');
	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await page.waitForURL(server.url + '/');
	await page.waitForFunction(
		async () => !(await indexedDB.databases()).some((d) => (d.name ?? '').includes('porchlight-')) && !(await caches.has('porchlight-files')),
		undefined,
		{ timeout: 20_000, polling: 250 }
	);
	const after = await page.evaluate(async () => ({
		dbs: (await indexedDB.databases()).map((d) => d.name ?? ''),
		caches: await caches.keys(),
		lastVisit: Object.keys(localStorage).filter((k) => k.startsWith('porchlight.lastVisit.') || k.startsWith('porchlight.offlineDocs.'))
	}));
	expect(after.dbs.filter((n) => n.includes('porchlight-'))).toEqual([]);
	expect(after.caches).not.toContain('porchlight-files');
	expect(after.lastVisit).toEqual([]);
	expect(pageErrors).toEqual([]);
	// The invoices went with the session: the screen now asks to sign in.
	await page.goto(server.url + '/invoices');
	await page.waitForURL(/\/sign-in\?next=%2Finvoices/);
});
