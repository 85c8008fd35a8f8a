import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { axeViolations, copyClientBuild, networkSwitch, removeClientBuild, signInAsDemoCustomer } from '../helpers/portal.ts';
import { pngBytes } from '../helpers/images.ts';
import { messages, uploads } from '../../server/db/schema.ts';
import { photoDatabaseName } from '../../client/lib/attachments/photo-store.ts';

/*
 * Message photos on a real Chromium against the real server and the demo data: a photo chosen
 * while offline is resized on the device and shown as a thumbnail in the compose box; the message
 * is pending with its thumbnail, stays so across an offline reload, and once online the photo is
 * uploaded and the message sent — one message with one attachment at the server, its thumbnail
 * served from there. Photos open full size; sign-out deletes the held photos' database.
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

function serverUploads() {
	return server.app.store.db.select().from(uploads).where(eq(uploads.customerId, customerId)).all();
}

const messageItem = (text: string) => page.locator('li.message', { hasText: text });

/** The rendered size of an image once loaded (0 × 0 while it has not). */
function loadedSize(selector: ReturnType<Page['locator']>) {
	return selector.evaluate((img: HTMLImageElement) => (img.complete ? `${img.naturalWidth}x${img.naturalHeight}` : 'loading'));
}

async function openMessages() {
	await page.goto(server.url + '/messages');
	await page.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
	await page.locator('li.message').first().waitFor({ timeout: 30_000 });
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
}

test('choosing photos shows resized previews that can be removed before sending', async () => {
	await openMessages();
	const input = page.locator('input[type="file"]');
	expect(await input.getAttribute('accept')).toBe('image/*');
	expect(await input.getAttribute('capture')).toBe('environment');
	expect(await input.getAttribute('multiple')).not.toBeNull();
	expect(await page.getByRole('button', { name: 'Add photo' }).isEnabled()).toBe(true);

	await input.setInputFiles([
		{ name: 'first.png', mimeType: 'image/png', buffer: pngBytes(60, 40) },
		{ name: 'second.png', mimeType: 'image/png', buffer: pngBytes(40, 60, [0, 0, 200]) }
	]);
	const previews = page.getByRole('list', { name: 'Photos to send' }).getByRole('img');
	await expect.poll(() => previews.count()).toBe(2);
	// Re-encoded on the device: JPEG names, same pixels.
	expect(await previews.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).alt))).toEqual(['first.jpg', 'second.jpg']);
	expect(await axeViolations(page)).toEqual([]);
	await page.getByRole('button', { name: 'Remove photo first.jpg' }).click();
	await expect.poll(() => previews.count()).toBe(1);
	await page.getByRole('button', { name: 'Remove photo second.jpg' }).click();
	await expect.poll(() => page.getByRole('list', { name: 'Photos to send' }).count()).toBe(0);
	expect(serverUploads()).toEqual([]);
});

test('a photo sent offline is pending with its thumbnail, also after an offline reload, and is uploaded and sent once online', async () => {
	const body = `Leak under the sink ${Date.now()}`;
	await setNetwork(false);
	// Larger than the device keeps: it is resized to 1600 px on its longest side.
	await page.locator('input[type="file"]').setInputFiles({ name: 'leak.png', mimeType: 'image/png', buffer: pngBytes(2000, 1000) });
	const preview = page.getByRole('list', { name: 'Photos to send' }).getByRole('img', { name: 'leak.jpg' });
	await preview.waitFor();
	await expect.poll(() => loadedSize(preview)).toBe('1600x800');

	const box = page.getByLabel('Message', { exact: true });
	await box.fill(body);
	await box.press('Enter');
	await expect.poll(() => messageItem(body).getAttribute('data-delivery')).toBe('pending');
	expect(await box.inputValue()).toBe('');
	expect(await page.getByRole('list', { name: 'Photos to send' }).count()).toBe(0);
	const thumb = messageItem(body).getByRole('img', { name: 'leak.jpg' });
	await expect.poll(() => loadedSize(thumb)).toBe('1600x800');
	expect(await thumb.getAttribute('src')).toMatch(/^blob:/);
	expect(await messageItem(body).textContent()).toContain('Waiting to send');
	expect(await axeViolations(page)).toEqual([]);
	expect(serverCopies(body)).toHaveLength(0);
	expect(serverUploads()).toEqual([]);

	// Closed and opened again with no network: the message and its photo are on the device.
	await page.reload();
	await page.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
	await messageItem(body).waitFor({ timeout: 30_000 });
	expect(await messageItem(body).getAttribute('data-delivery')).toBe('pending');
	const again = messageItem(body).getByRole('img', { name: 'leak.jpg' });
	await expect.poll(() => loadedSize(again), { timeout: 10_000 }).toBe('1600x800');
	await new Promise((r) => setTimeout(r, 500));
	expect(serverCopies(body)).toHaveLength(0);
	expect(serverUploads()).toEqual([]);

	await setNetwork(true);
	await expect.poll(() => messageItem(body).getAttribute('data-delivery'), { timeout: 30_000 }).toBe('sent');
	const copies = serverCopies(body);
	expect(copies).toHaveLength(1);
	expect(copies[0].attachments).toHaveLength(1);
	const [attachment] = copies[0].attachments;
	expect(attachment).toMatchObject({ name: 'leak.jpg', mime: 'image/jpeg', width: 1600, height: 800 });
	const stored = serverUploads();
	expect(stored).toHaveLength(1);
	expect(stored[0]).toMatchObject({ id: attachment.id, fileSha256: attachment.fileSha256, mime: 'image/jpeg' });
	// Still exactly one after the dust settles.
	await new Promise((r) => setTimeout(r, 1_000));
	expect(serverCopies(body)).toHaveLength(1);
	expect(serverUploads()).toHaveLength(1);

	// Opened afresh, the thumbnail comes from the server.
	await page.reload();
	await messageItem(body).waitFor({ timeout: 30_000 });
	const served = messageItem(body).getByRole('img', { name: 'leak.jpg' });
	expect(await served.getAttribute('src')).toBe(`/api/files/attachments/${attachment.id}?thumb=1`);
	await served.scrollIntoViewIfNeeded();
	await expect.poll(() => loadedSize(served), { timeout: 10_000 }).toBe('1600x800');
	const fetched = await page.evaluate(async (src) => {
		const res = await fetch(src);
		return { status: res.status, type: res.headers.get('content-type'), size: (await res.arrayBuffer()).byteLength };
	}, `/api/files/attachments/${attachment.id}?thumb=1`);
	expect(fetched).toEqual({ status: 200, type: 'image/jpeg', size: stored[0].size });

	// Tap to open full size; Escape closes it.
	await served.click();
	const viewer = page.getByRole('dialog', { name: 'Photo: leak.jpg' });
	await viewer.waitFor();
	await expect.poll(() => loadedSize(viewer.getByRole('img', { name: 'leak.jpg' }))).toBe('1600x800');
	expect(await axeViolations(page)).toEqual([]);
	await page.keyboard.press('Escape');
	await expect.poll(() => viewer.isVisible()).toBe(false);
	expect(pageErrors).toEqual([]);
});

test('a photo the server refuses shows its message failed, with Retry that sends it and Discard', async () => {
	await openMessages();
	const refuse = (route: import('playwright-core').Route) =>
		route.fulfill({ status: 415, contentType: 'application/json', body: JSON.stringify({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'This file is not a photo we can take.' }) });
	await browser.context.route('**/api/files/uploads*', refuse);
	try {
		const kept = `Retried photo ${Date.now()}`;
		const dropped = `Discarded photo ${Date.now()}`;
		for (const [body, name] of [[kept, 'kept.png'], [dropped, 'dropped.png']]) {
			await page.locator('input[type="file"]').setInputFiles({ name, mimeType: 'image/png', buffer: pngBytes(24, 24) });
			await page.getByRole('list', { name: 'Photos to send' }).getByRole('img').waitFor();
			await page.getByLabel('Message', { exact: true }).fill(body);
			await page.getByRole('button', { name: 'Send', exact: true }).click();
			await expect.poll(() => messageItem(body).getAttribute('data-delivery'), { timeout: 15_000 }).toBe('failed');
			expect(await messageItem(body).textContent()).toContain('Not sent: This file is not a photo we can take.');
		}
		expect(serverCopies(kept)).toHaveLength(0);
		await browser.context.unroute('**/api/files/uploads*', refuse);

		await messageItem(kept).getByRole('button', { name: 'Retry' }).click();
		await expect.poll(() => messageItem(kept).getAttribute('data-delivery'), { timeout: 30_000 }).toBe('sent');
		expect(serverCopies(kept)).toHaveLength(1);
		expect(serverCopies(kept)[0].attachments).toHaveLength(1);

		await messageItem(dropped).getByRole('button', { name: 'Discard' }).click();
		await expect.poll(() => messageItem(dropped).count()).toBe(0);
		await new Promise((r) => setTimeout(r, 500));
		expect(serverCopies(dropped)).toHaveLength(0);
	} finally {
		await browser.context.unroute('**/api/files/uploads*', refuse).catch(() => {});
	}
});

test('signing out deletes the held photos from the browser', async () => {
	const body = `Held at sign-out ${Date.now()}`;
	await setNetwork(false);
	await page.locator('input[type="file"]').setInputFiles({ name: 'later.png', mimeType: 'image/png', buffer: pngBytes(30, 30) });
	await page.getByRole('list', { name: 'Photos to send' }).getByRole('img').waitFor();
	await page.getByLabel('Message', { exact: true }).fill(body);
	await page.getByRole('button', { name: 'Send', exact: true }).click();
	await expect.poll(() => messageItem(body).getAttribute('data-delivery')).toBe('pending');
	const names = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
	expect(await names()).toContain(photoDatabaseName(customerId));

	// Signed out while still offline: the held message and its photo go with the rest.
	await page.goto(server.url + '/account');
	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await page.waitForURL(server.url + '/');
	await expect.poll(async () => (await names()).filter((n) => n.includes('porchlight-')), { timeout: 10_000 }).toEqual([]);
	await setNetwork(true);
	await new Promise((r) => setTimeout(r, 500));
	expect(serverCopies(body)).toHaveLength(0);
	expect(pageErrors).toEqual([]);
});
