import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addSessionCookie, copyClientBuild, removeClientBuild } from '../helpers/portal.ts';
import { createCustomer, createMessage, customerCookie, ensureTestThread } from '../helpers/sync.ts';
import * as s from '../../server/db/schema.ts';

/*
 * A long conversation on the messages screen (real Chromium, real server): the screen holds the
 * newest messages, not all of them, and pages back on request; a reply coming in follows the
 * customer only when they are at the newest message, never pulls someone reading further up
 * down; and while they follow, the screen keeps holding about a page however many arrive.
 */

const PAGE = 100; // THREAD_PAGE in client/routes/messages/thread-feed.svelte.ts

let server: TestServer;
let browser: TestBrowser;
let clientDir: string;
let page: Page;
let customerId: string;
const pageErrors: string[] = [];

/** `count` messages from the office, `stepMs` apart, the newest `agoMs` before now. */
function officeMessages(count: number, label: string, stepMs: number, agoMs: number) {
	const threadId = ensureTestThread(server.app, customerId);
	server.app.writer.transaction((w) => {
		for (let i = 0; i < count; i++) {
			const id = randomUUID();
			const at = w.now - agoMs - (count - 1 - i) * stepMs;
			w.db.insert(s.messages)
				.values({ id, threadId, customerId, authorKind: 'staff', authorName: 'Olive Office', body: `${label} ${i}`, sentAt: at, seq: w.touch('messages', customerId, id), createdAt: at, updatedAt: at })
				.run();
		}
	});
}

const shown = () => page.locator('li.message').count();
const scrollY = () => page.evaluate(() => window.scrollY);
/** The message's bubble is inside the window's viewport. */
const inView = (text: string) =>
	page.locator('li.message', { hasText: text }).evaluate((el) => {
		const r = el.getBoundingClientRect();
		return r.bottom > 0 && r.top < window.innerHeight;
	});

beforeAll(async () => {
	clientDir = copyClientBuild('sw.js');
	server = await startServer({ seedDemo: true, clientDir });
	browser = await launchBrowser();
	customerId = createCustomer(server.app, { name: 'Long Thread' }).id;
	officeMessages(250, 'Update', 60_000, 600_000);
	await addSessionCookie(server, browser, customerCookie(server, customerId).cookie);
	page = await browser.context.newPage();
	page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
	removeClientBuild(clientDir);
});

test('a long thread opens at the newest message with a page of them, and pages back on request', async () => {
	await page.goto(server.url + '/messages');
	await page.locator('li.message', { hasText: 'Update 249' }).waitFor({ timeout: 30_000 });
	await expect.poll(shown, { timeout: 15_000 }).toBe(PAGE);
	await expect.poll(() => inView('Update 249')).toBe(true);
	expect(await page.locator('li.message', { hasText: 'Update 149' }).count()).toBe(0);

	const earlier = page.getByRole('button', { name: 'Show earlier messages' });
	await earlier.click();
	await expect.poll(shown).toBe(2 * PAGE);
	await earlier.click();
	await expect.poll(shown).toBe(250);
	await expect.poll(() => earlier.count()).toBe(0);
	expect(await page.locator('li.message').first().textContent()).toContain('Update 0');
	expect(pageErrors).toEqual([]);
});

test('a reply arriving while the customer reads further up does not move the page; at the newest message it is followed', async () => {
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.waitForTimeout(300);
	createMessage(server.app, customerId, { body: 'Reply while you read' });
	await page.locator('li.message', { hasText: 'Reply while you read' }).waitFor({ timeout: 10_000 });
	await page.waitForTimeout(300);
	expect(await scrollY()).toBeLessThan(50);

	await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
	await page.waitForTimeout(300);
	createMessage(server.app, customerId, { body: 'Reply at the bottom' });
	await page.locator('li.message', { hasText: 'Reply at the bottom' }).waitFor({ timeout: 10_000 });
	await expect.poll(() => inView('Reply at the bottom')).toBe(true);
	expect(pageErrors).toEqual([]);
});

test('following the newest message, the screen keeps about a page however many arrive', async () => {
	await page.goto(server.url + '/messages');
	await page.locator('li.message', { hasText: 'Reply at the bottom' }).waitFor({ timeout: 30_000 });
	await expect.poll(shown).toBe(PAGE);
	officeMessages(3 * PAGE, 'Later', 1_000, 0);
	await page.locator('li.message', { hasText: `Later ${3 * PAGE - 1}` }).waitFor({ timeout: 30_000 });
	await expect.poll(shown, { timeout: 10_000 }).toBeLessThan(2 * PAGE);
	await expect.poll(() => inView(`Later ${3 * PAGE - 1}`)).toBe(true);
	expect(await page.getByRole('button', { name: 'Show earlier messages' }).count()).toBe(1);
	expect(pageErrors).toEqual([]);
});
