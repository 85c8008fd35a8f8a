import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addSessionCookie, copyClientBuild, removeClientBuild } from '../helpers/portal.ts';
import { cookieFor } from '../helpers/session.ts';
import { clientJsByAudience, type ClientJs } from '../../scripts/client-graph.ts';
import { staffUsers } from '../../server/db/schema.ts';

/*
 * What the service worker precaches: every script a customer's screen can load (so the portal
 * opens offline) and none of the staff console's (a customer's device never downloads it). With
 * the worker in control, the console still opens, its own scripts fetched from the network.
 */

let server: TestServer;
let browser: TestBrowser;
let clientDir: string;
let graph: ClientJs;
let precached: Set<string>;

beforeAll(async () => {
	clientDir = copyClientBuild('sw.js');
	graph = clientJsByAudience(process.cwd());
	const missing = [...graph.customer, ...graph.staffOnly].find((f) => !fs.existsSync(path.join(clientDir, f)));
	if (missing) throw new Error(`build/ changed while this spec started (${missing}): run it again`);
	precached = new Set([...fs.readFileSync(path.join(clientDir, 'sw.js'), 'utf8').matchAll(/"url":"([^"]+\.js)"/g)].map((m) => m[1]));
	server = await startServer({ seedDemo: true, clientDir });
	browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
	removeClientBuild(clientDir);
});

test('the precache holds every script customer screens load and none of the staff console’s', () => {
	expect(graph.staffOnly.size).toBeGreaterThan(0);
	expect([...graph.customer].filter((f) => !precached.has(f))).toEqual([]);
	expect([...graph.staffOnly].filter((f) => precached.has(f))).toEqual([]);
});

test('with the service worker in control, the staff console opens and loads its scripts from the network', async () => {
	const rosa = server.app.store.db.select().from(staffUsers).where(eq(staffUsers.email, 'rosa@brightwater.example')).get()!;
	await addSessionCookie(server, browser, cookieFor(server, { kind: 'staff', staffUserId: rosa.id }));
	const page = await browser.context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(`${server.url}/staff`);
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });

	const scripts: { file: string; fromWorker: boolean }[] = [];
	page.on('response', (res) => {
		const { pathname } = new URL(res.url());
		if (pathname.startsWith('/_app/') && pathname.endsWith('.js')) scripts.push({ file: pathname.slice(1), fromWorker: res.fromServiceWorker() });
	});
	await page.reload();
	await page.locator('a.thread', { hasText: 'Dana Whitfield' }).waitFor({ timeout: 30_000 });

	const staff = scripts.filter((s) => graph.staffOnly.has(s.file));
	expect(staff.length).toBeGreaterThan(0);
	expect(staff.filter((s) => s.fromWorker)).toEqual([]);
	// The shell the console shares with the portal comes from the precache.
	expect(scripts.some((s) => graph.customer.has(s.file) && s.fromWorker)).toBe(true);
	expect(errors).toEqual([]);
});
