import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { copyClientBuild, networkSwitch, removeClientBuild, signInAsDemoCustomer } from '../helpers/portal.ts';
import { sameSiteHeaders } from '../helpers/session.ts';
import { staffCookie } from '../helpers/sync.ts';
import { messages, messageThreads } from '../../server/db/schema.ts';
import { databaseNameFor } from '../../client/lib/db/database.ts';

/*
 * The messages screen on a real Chromium against the real server and the demo data: a message
 * written offline is pending (also after a reload without network), turns sent once online and
 * reaches the server exactly once; a staff reply appears without a reload and is announced;
 * signing out deletes the customer's database from the browser.
 * The client build is copied to a temp dir so a concurrent rebuild cannot change it mid-test.
 */

let server: TestServer;
let browser: TestBrowser;
let clientDir: string;
let page: Page;
let customerId: string;
const pageErrors: string[] = [];
let setNetwork: (online: boolean) => Promise<void>;

beforeAll(async () => {
	clientDir = copyClientBuild('sw.js');
	server = await startServer({ seedDemo: true, clientDir });
	browser = await launchBrowser();
	setNetwork = networkSwitch(server, browser);
	// Signing in is not what is tested here: a session for the demo customer is made directly.
	({ customerId } = await signInAsDemoCustomer(server, browser));
	page = await browser.context.newPage();
	page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
	removeClientBuild(clientDir);
});

function serverCopies(body: string) {
	return server.app.store.db
		.select()
		.from(messages)
		.where(and(eq(messages.customerId, customerId), eq(messages.body, body)))
		.all();
}

const messageItem = (text: string) => page.locator('li.message', { hasText: text });

test('the thread loads from the local database, grouped by day, with the office phone and hours', async () => {
	await page.goto(server.url + '/messages');
	await page.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
	// The demo conversation arrives through the sync engine.
	await page.locator('li.message').first().waitFor({ timeout: 30_000 });
	const seeded = server.app.store.db.select().from(messages).where(eq(messages.customerId, customerId)).all();
	await expect.poll(() => page.locator('li.message').count(), { timeout: 15_000 }).toBe(seeded.length);
	expect(await page.locator('h3.day-label').count()).toBeGreaterThan(0);
	expect(await page.locator('a[href^="tel:"]').count()).toBeGreaterThan(0);
	expect(await page.getByText('Office hours').count()).toBeGreaterThan(0);
	// The service worker controls the page, so it can reload without a network.
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
});

test('a message written offline is pending, stays pending across a reload, and is sent once when back online', async () => {
	const body = `Offline note ${Date.now()}`;
	await setNetwork(false);
	const box = page.getByLabel('Message', { exact: true });
	await box.fill(body);
	await box.press('Enter');
	await expect.poll(() => messageItem(body).getAttribute('data-delivery')).toBe('pending');
	expect(await box.inputValue()).toBe('');
	expect(await messageItem(body).textContent()).toMatch(/Waiting to send|Sending/);
	expect(serverCopies(body)).toHaveLength(0);

	// Closed and opened again with no network: the outbox is on the device.
	await page.reload();
	await page.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
	await messageItem(body).waitFor({ timeout: 30_000 });
	expect(await messageItem(body).getAttribute('data-delivery')).toBe('pending');
	await new Promise((r) => setTimeout(r, 500));
	expect(serverCopies(body)).toHaveLength(0);

	await setNetwork(true);
	await expect.poll(() => messageItem(body).getAttribute('data-delivery'), { timeout: 30_000 }).toBe('sent');
	expect(await messageItem(body).textContent()).toContain('Sent');
	const copies = serverCopies(body);
	expect(copies).toHaveLength(1);
	expect(copies[0].authorKind).toBe('customer');
	// Still exactly one after the dust settles.
	await new Promise((r) => setTimeout(r, 1_000));
	expect(serverCopies(body)).toHaveLength(1);
});

test('a staff reply appears without a reload and is announced', async () => {
	const thread = server.app.store.db.select().from(messageThreads).where(eq(messageThreads.customerId, customerId)).get()!;
	const staff = staffCookie(server);
	const reply = `We'll be there Tuesday at 9. (${Date.now()})`;
	const res = await fetch(`${server.url}/api/staff/threads/${thread.id}/messages`, {
		method: 'POST',
		headers: sameSiteHeaders(server, staff.cookie),
		body: JSON.stringify({ body: reply })
	});
	expect(res.status).toBe(201);
	await messageItem(reply).waitFor({ timeout: 10_000 });
	expect(await messageItem(reply).getAttribute('data-delivery')).toBeNull();
	expect(await messageItem(reply).textContent()).toContain('Olive Office');
	await expect.poll(() => page.locator('#message-announcer').textContent(), { timeout: 5_000 }).toContain(reply);
	expect(pageErrors).toEqual([]);
});

test('signing out deletes this customer’s local database from the browser', async () => {
	const name = databaseNameFor(customerId);
	const names = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
	expect((await names()).some((n) => n.includes(name))).toBe(true);
	await page.goto(server.url + '/account');
	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await page.waitForURL(server.url + '/');
	await expect.poll(async () => (await names()).filter((n) => n.includes(name)), { timeout: 10_000 }).toEqual([]);
	expect(pageErrors).toEqual([]);
});
