import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { signIn } from '../helpers/session.ts';
import { demoAccounts } from '../../server/db/seed.ts';
import { documents } from '../../server/db/schema.ts';
import { sessionCookieName } from '../../server/auth/sessions.ts';

/*
 * The installable app in a real Chromium: service worker, installability, offline start, document
 * files offline, sign-out clearing them, storage-pressure eviction and the update notice.
 * The client build is copied to a temp dir first, so this file can publish a "new version" of
 * the service worker without touching build/.
 */

interface FilesApi {
	cacheFiles(urls: string[], opts?: { refresh?: boolean }): Promise<{ cached: string[]; skipped: string[]; failed: string[]; evicted: string[] }>;
	isCached(url: string): Promise<boolean>;
	cachedUrls(): Promise<string[]>;
	clearFileCache(): Promise<void>;
}
declare global {
	interface Window {
		__porchlightFiles: FilesApi;
	}
}

let server: TestServer;
let browser: TestBrowser;
let clientDir: string;
let page: Page;

beforeAll(async () => {
	const built = path.resolve('build');
	if (!fs.existsSync(path.join(built, 'sw.js'))) throw new Error('build/sw.js is missing: run `npx vite build` first');
	clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-client-'));
	fs.cpSync(built, clientDir, { recursive: true });
	server = await startServer({ seedDemo: true, clientDir });
	browser = await launchBrowser();
	page = await browser.context.newPage();
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
	if (clientDir) fs.rmSync(clientDir, { recursive: true, force: true });
});

async function waitForController(p: Page): Promise<string> {
	await p.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
	return p.evaluate(() => navigator.serviceWorker.controller!.scriptURL);
}

/** Status and first bytes of a fetch made by the page (so it goes through the service worker). */
async function pageFetch(p: Page, url: string): Promise<{ status: number; head: string; type: string | null } | { error: string }> {
	return p.evaluate(async (u) => {
		try {
			const res = await fetch(u);
			const bytes = new Uint8Array(await res.arrayBuffer());
			return { status: res.status, head: String.fromCharCode(...bytes.subarray(0, 5)), type: res.headers.get('content-type') };
		} catch (err) {
			return { error: String(err) };
		}
	}, url);
}

test('the service worker installs, controls the page, and Chromium reports no installability errors', async () => {
	await page.goto(server.url + '/');
	await page.getByRole('heading', { level: 1 }).waitFor();
	expect(await waitForController(page)).toBe(`${server.url}/sw.js`);

	const cdp = await browser.context.newCDPSession(page);
	// The manifest and icons load after the page: poll until Chromium has judged them.
	let errors: unknown[] = ['not checked yet'];
	for (let i = 0; i < 40 && errors.length; i++) {
		({ installabilityErrors: errors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] });
		if (errors.length) await page.waitForTimeout(250);
	}
	expect(errors).toEqual([]);
	const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
	expect(manifest.url).toBe(`${server.url}/manifest.webmanifest`);
	expect(manifest.errors).toEqual([]);
	await cdp.detach();

	// The shell is precached: the fallback page and the landing page are in Cache Storage.
	const precached = await page.evaluate(async () => {
		const names = await caches.keys();
		const urls: string[] = [];
		for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(new URL(r.url).pathname);
		return urls;
	});
	expect(precached).toContain('/200.html');
	expect(precached).toContain('/');
	expect(precached.some((u) => u.startsWith('/_app/immutable/entry/'))).toBe(true);

	// The worker is revalidated on every load (so releases reach devices), and the build carries
	// no manifest of its own to shadow the server's.
	const swRes = await fetch(`${server.url}/sw.js`);
	expect(swRes.headers.get('cache-control')).toBe('no-cache');
	expect(swRes.headers.get('content-type')).toMatch(/javascript/);
	expect(fs.existsSync(path.join(clientDir, 'manifest.webmanifest'))).toBe(false);
});

test('offline, a reload still opens the app shell with the landing page, and an offline notice', async () => {
	const branding = await (await fetch(`${server.url}/api/branding`)).json();
	await page.goto(server.url + '/');
	await waitForController(page);
	await browser.context.setOffline(true);
	try {
		await page.reload();
		const h1 = page.getByRole('heading', { level: 1 });
		await h1.waitFor();
		expect(await h1.textContent()).toContain(branding.name);
		await page.getByRole('status').filter({ hasText: /offline/i }).waitFor();

		// A deep link with no prerendered page gets the shell (200.html) from the cache, not an error page.
		const res = await page.goto(server.url + '/invoices/INV-04127');
		expect(res?.status()).toBe(200);
		expect(await page.locator('#main').count()).toBe(1);
	} finally {
		await browser.context.setOffline(false);
	}
	// Back online, the notice goes quiet.
	await page.goto(server.url + '/');
	await page.getByRole('heading', { level: 1 }).waitFor();
	expect(await page.getByRole('status').filter({ hasText: /offline/i }).count()).toBe(0);
});

test('document files: stored after sync they open offline; storage pressure evicts oldest first, never IndexedDB; sign-out clears them', async () => {
	const { customer } = demoAccounts();
	const user = await signIn(server, customer);
	const [name, value] = user.cookie.split(/=(.*)/s);
	expect(name).toBe(sessionCookieName(server.config));
	await browser.context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
	if (user.session.kind !== 'customer') throw new Error('expected a customer session');
	const docs = server.app.store.db
		.select()
		.from(documents)
		.where(and(eq(documents.customerId, user.session.customerId), eq(documents.deleted, false)))
		.all();
	expect(docs.length).toBeGreaterThanOrEqual(3);
	const [a, b, c] = docs.map((d) => `/api/files/${d.id}`);
	const sizes = Object.fromEntries(docs.map((d) => [`/api/files/${d.id}`, d.size]));

	// Messages, not Home: Home and the documents screen store every document's file on their own
	// after sync, and this test decides itself what is stored when.
	await page.goto(server.url + '/messages');
	await waitForController(page);
	await page.waitForFunction(() => '__porchlightFiles' in window);

	// Stored on purpose, as the documents screen does after sync.
	const first = await page.evaluate((u) => window.__porchlightFiles.cacheFiles(u), [a]);
	expect(first).toMatchObject({ cached: [a], failed: [], evicted: [] });
	expect(await page.evaluate((u) => window.__porchlightFiles.isCached(u), a)).toBe(true);
	// Asked again: already there, not downloaded twice.
	expect((await page.evaluate((u) => window.__porchlightFiles.cacheFiles(u), [a])).skipped).toEqual([a]);
	// Opened online through the service worker: stored as well.
	expect(await pageFetch(page, b)).toMatchObject({ status: 200, head: '%PDF-' });
	await page.waitForFunction((u) => window.__porchlightFiles.isCached(u), b);
	expect(await page.evaluate(() => window.__porchlightFiles.cachedUrls())).toEqual([a, b]);
	// Not a file URL: refused, nothing stored.
	expect((await page.evaluate(() => window.__porchlightFiles.cacheFiles(['/api/branding']))).failed).toEqual(['/api/branding']);

	await browser.context.setOffline(true);
	try {
		expect(await pageFetch(page, a)).toMatchObject({ status: 200, head: '%PDF-', type: 'application/pdf' });
		expect(await pageFetch(page, b)).toMatchObject({ status: 200, head: '%PDF-' });
		// Never stored: no copy to give.
		expect(await pageFetch(page, c)).toHaveProperty('error');
	} finally {
		await browser.context.setOffline(false);
	}

	// Storage pressure: the browser reports usage just over 80 % of quota once c is added, so the
	// oldest file (a) goes and c is stored. A probe database in IndexedDB stands for pending writes.
	await page.evaluate(async () => {
		await new Promise<void>((resolve, reject) => {
			const open = indexedDB.open('pwa-probe', 1);
			open.onupgradeneeded = () => open.result.createObjectStore('pending').put({ body: 'hello' }, 'm1');
			open.onsuccess = () => (open.result.close(), resolve());
			open.onerror = () => reject(open.error);
		});
	});
	const quota = 1_000_000_000;
	await page.evaluate(
		({ usage, quota }) => {
			StorageManager.prototype.estimate = async () => ({ usage, quota });
		},
		{ usage: quota * 0.8 - sizes[c] + 1, quota }
	);
	const pressured = await page.evaluate((u) => window.__porchlightFiles.cacheFiles(u), [c]);
	expect(pressured).toMatchObject({ cached: [c], evicted: [a], failed: [] });
	expect(await page.evaluate(() => window.__porchlightFiles.cachedUrls())).toEqual([b, c]);
	const probe = await page.evaluate(
		() =>
			new Promise<unknown>((resolve, reject) => {
				const open = indexedDB.open('pwa-probe');
				open.onsuccess = () => {
					const get = open.result.transaction('pending').objectStore('pending').get('m1');
					get.onsuccess = () => (open.result.close(), resolve(get.result));
				};
				open.onerror = () => reject(open.error);
			})
	);
	expect(probe).toEqual({ body: 'hello' });

	// The browser refusing a write (QuotaExceededError) also evicts oldest first, then stores.
	await page.evaluate(() => {
		StorageManager.prototype.estimate = async () => ({ usage: 0, quota: 1_000_000_000 });
		const put = Cache.prototype.put;
		let refused = false;
		Cache.prototype.put = function (this: Cache, ...args: Parameters<Cache['put']>) {
			if (!refused) {
				refused = true;
				return Promise.reject(new DOMException('full', 'QuotaExceededError'));
			}
			return put.apply(this, args);
		};
	});
	const refused = await page.evaluate((u) => window.__porchlightFiles.cacheFiles(u), [a]);
	expect(refused).toMatchObject({ cached: [a], evicted: [b] });
	expect(await page.evaluate(() => window.__porchlightFiles.cachedUrls())).toEqual([c, a]);

	// Sign out through the app: the cached files are gone, online or not.
	await page.goto(server.url + '/account');
	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await page.waitForURL(server.url + '/');
	await page.waitForFunction(async () => (await window.__porchlightFiles.cachedUrls()).length === 0);
	expect(await page.evaluate(() => caches.has('porchlight-files'))).toBe(false);
	await browser.context.setOffline(true);
	try {
		expect(await pageFetch(page, c)).toHaveProperty('error');
	} finally {
		await browser.context.setOffline(false);
	}
	// Online and signed out, the server refuses the file and nothing is stored.
	expect(await pageFetch(page, c)).toMatchObject({ status: 401 });
	expect(await page.evaluate(() => caches.has('porchlight-files'))).toBe(false);
});

test('signed in: persistent storage is asked for, the install prompt is offered as "Install app", iOS Safari gets a one-time Add to Home Screen hint', async () => {
	const user = await signIn(server, demoAccounts().customer);
	const [name, value] = user.cookie.split(/=(.*)/s);
	await browser.context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);

	const p = await browser.context.newPage();
	await p.addInitScript(() => {
		const w = window as unknown as { persistCalls: number };
		w.persistCalls = 0;
		StorageManager.prototype.persisted = async () => false;
		StorageManager.prototype.persist = async () => (w.persistCalls++, true);
		// Only the synthetic prompts below: a real one would open a dialog nobody answers.
		window.addEventListener('beforeinstallprompt', (e) => e.isTrusted && e.stopImmediatePropagation(), true);
	});
	const offerInstall = (outcome: 'accepted' | 'dismissed') =>
		p.evaluate((outcome) => {
			const e = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
				prompt: async () => {
					(window as unknown as { prompted: number }).prompted = ((window as unknown as { prompted?: number }).prompted ?? 0) + 1;
				},
				userChoice: Promise.resolve({ outcome, platform: 'web' })
			});
			window.dispatchEvent(e);
			return e.defaultPrevented;
		}, outcome);

	await p.goto(server.url + '/');
	await p.getByRole('navigation', { name: 'Main' }).waitFor();
	await p.waitForFunction(() => (window as unknown as { persistCalls: number }).persistCalls === 1);

	// The browser's own mini-infobar is held back (preventDefault) and our banner offers it.
	expect(await offerInstall('accepted')).toBe(true);
	const install = p.getByRole('button', { name: 'Install app' });
	await install.waitFor();
	await install.click();
	await p.waitForFunction(() => (window as unknown as { prompted?: number }).prompted === 1);
	await install.waitFor({ state: 'detached' });

	// "Not now" puts it off, also after a reload.
	await p.reload();
	await p.getByRole('navigation', { name: 'Main' }).waitFor();
	await offerInstall('dismissed');
	await install.waitFor();
	await p.getByRole('button', { name: 'Not now' }).click();
	await install.waitFor({ state: 'detached' });
	await p.reload();
	await p.getByRole('navigation', { name: 'Main' }).waitFor();
	await offerInstall('dismissed');
	await p.waitForTimeout(300);
	expect(await install.count()).toBe(0);
	await p.close();

	// iOS Safari has no install prompt: a hint, shown once.
	const ios = await browser.context.newPage();
	await ios.addInitScript(() => {
		Object.defineProperty(navigator, 'userAgent', {
			get: () => 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'
		});
	});
	await ios.goto(server.url + '/');
	const hint = ios.getByRole('region', { name: 'Add to Home Screen' });
	await hint.waitFor();
	expect(await hint.textContent()).toMatch(/Tap\s+then Add to Home Screen/);
	await ios.getByRole('button', { name: 'Got it' }).click();
	await hint.waitFor({ state: 'detached' });
	await ios.reload();
	await ios.getByRole('navigation', { name: 'Main' }).waitFor();
	expect(await hint.count()).toBe(0);
	await ios.close();
});

test('a new release shows "A new version is ready", and Reload switches to it', async () => {
	await page.goto(server.url + '/');
	await page.getByRole('heading', { level: 1 }).waitFor();
	await waitForController(page);
	expect(await page.getByRole('button', { name: 'Reload' }).count()).toBe(0);

	// Publish a new service worker (any byte change is a new version to the browser).
	fs.appendFileSync(path.join(clientDir, 'sw.js'), '\n// next release\n');
	await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
	const reload = page.getByRole('button', { name: 'Reload' });
	await reload.waitFor({ timeout: 20_000 });
	await page.getByRole('status').filter({ hasText: 'A new version is ready' }).waitFor();
	expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.waiting !== null)).toBe(true);

	// Dismissible: the close button hides it.
	await page.getByRole('button', { name: /dismiss the update notice/i }).click();
	expect(await reload.count()).toBe(0);

	// The next visit offers it again; Reload activates the waiting worker and reloads the page.
	await page.reload();
	await reload.waitFor({ timeout: 20_000 });
	const navigated = page.waitForEvent('framenavigated');
	await reload.click();
	await navigated;
	await page.getByRole('heading', { level: 1 }).waitFor();
	await page.waitForFunction(async () => {
		const reg = await navigator.serviceWorker.getRegistration();
		return reg?.waiting === null && reg.active?.state === 'activated' && navigator.serviceWorker.controller !== null;
	});
	expect(await page.getByRole('button', { name: 'Reload' }).count()).toBe(0);
});
