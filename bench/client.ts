/*
 * Client benchmark, in the system's Chromium against the real server and the production build:
 * - JavaScript shipped (gzip): what loads before first paint (the critical path) and in total;
 * - warm offline start: a returning, signed-in customer opens /invoices with no network, from
 *   navigation to the invoice list painted, without and with 4× CPU throttling;
 * - initial sync of 10,000 documents into a fresh device, against raw IndexedDB bulk writes of the
 *   same documents in the same browser in the same run.
 * Prints tables; asserts nothing about time. Build first (`npm run build`); this file builds when
 * the client is missing.
 */
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import * as s from '../server/db/schema.ts';
import { startServer } from '../test/helpers/app.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { cookieFor } from '../test/helpers/session.ts';
import { createCustomer, ensureTestThread } from '../test/helpers/sync.ts';
import { fmt, percentile, table } from './helpers/table.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 3 : 7;
const SYNC_DOCS = QUICK ? 2_000 : 10_000;
const BUILD = path.resolve('build');

if (!fs.existsSync(path.join(BUILD, 'index.html'))) execSync('npx vite build', { stdio: 'inherit' });

const gz = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).byteLength;
const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;

function allJs(dir: string): string[] {
	const out: string[] = [];
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) out.push(...allJs(p));
		else if (e.name.endsWith('.js')) out.push(p);
	}
	return out;
}

const server = await startServer({ seedDemo: true, logLevel: 'silent' });
const browser = await launchBrowser();
const results: (string | number)[][] = [];

try {
	const { db } = server.app.store;
	const dana = db.select().from(s.portalUsers).where(eq(s.portalUsers.email, 'dana@example.com')).get()!;
	const danaCookie = cookieFor(server, { kind: 'customer', portalUserId: dana.id, customerId: dana.customerId });
	const [name, value] = danaCookie.split(/=(.*)/s);
	await browser.context.addCookies([{ name, value, url: server.url }]);

	// 1. JavaScript shipped. The critical path is every script that finished loading before the
	// first contentful paint of a cold, signed-in visit to /invoices.
	const page = await browser.context.newPage();
	const jsLoaded: { url: string; at: number }[] = [];
	page.on('requestfinished', (req) => {
		if (req.url().endsWith('.js')) jsLoaded.push({ url: req.url(), at: Date.now() });
	});
	const navStart = Date.now();
	await page.goto(server.url + '/invoices');
	await page.getByText('INV-04127').first().waitFor({ timeout: 60_000 });
	const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0);
	const localPath = (url: string) => path.join(BUILD, new URL(url).pathname);
	const critical = jsLoaded.filter((j) => j.at - navStart <= fcp + 5 && fs.existsSync(localPath(j.url)));
	const criticalGz = critical.reduce((n, j) => n + gz(localPath(j.url)), 0);
	const appJs = allJs(path.join(BUILD, '_app'));
	const totalGz = appJs.reduce((n, f) => n + gz(f), 0);
	const swGz = fs.existsSync(path.join(BUILD, 'sw.js')) ? gz(path.join(BUILD, 'sw.js')) : 0;
	const loadedGz = [...new Set(jsLoaded.map((j) => j.url))].filter((u) => fs.existsSync(localPath(u))).reduce((n, u) => n + gz(localPath(u)), 0);
	results.push(['JS before first paint (critical path), gzip', kb(criticalGz), '≤ 60 KB', `${critical.length} files`]);
	results.push(['JS loaded to paint the invoice list, gzip', kb(loadedGz), '', `${new Set(jsLoaded.map((j) => j.url)).size} files`]);
	results.push(['JS in the whole app build, gzip', kb(totalGz), '≤ 200 KB', `${appJs.length} files; + service worker ${kb(swGz)}`]);

	// Let the device finish its first sync and the service worker take control, so the next
	// starts are warm.
	await page.evaluate(async () => {
		await navigator.serviceWorker.ready;
	});
	await page.reload();
	await page.getByText('INV-04127').first().waitFor();
	await page.waitForTimeout(1500);
	await page.close();

	// 2. Warm offline start → invoice list painted.
	async function warmStart(throttle: number): Promise<number[]> {
		const times: number[] = [];
		for (let i = 0; i < RUNS; i++) {
			const p = await browser.context.newPage();
			const cdp = await browser.context.newCDPSession(p);
			await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
			await browser.context.setOffline(true);
			await p.goto(server.url + '/invoices');
			await p.getByText('INV-04127').first().waitFor({ timeout: 60_000 });
			times.push(await p.evaluate(() => performance.now()));
			await browser.context.setOffline(false);
			await cdp.detach();
			await p.close();
		}
		return times.sort((a, b) => a - b);
	}
	for (const [throttle, goal] of [
		[1, '≤ 300 ms'],
		[4, '≤ 1.2 s']
	] as const) {
		const t = await warmStart(throttle);
		results.push([
			`Warm offline start → invoice list painted${throttle > 1 ? `, ${throttle}× CPU throttle` : ''}`,
			`${fmt(percentile(t, 50))} ms`,
			goal,
			`median of ${RUNS}; min ${fmt(t[0])} ms, max ${fmt(t.at(-1)!)} ms`
		]);
	}

	// 3. Initial sync of SYNC_DOCS documents into a fresh device vs raw IndexedDB bulk writes.
	const bulk = createCustomer(server.app, { name: 'Bulk Customer' });
	const threadId = ensureTestThread(server.app, bulk.id);
	server.app.writer.transaction((w) => {
		for (let i = 0; i < SYNC_DOCS; i++) {
			const id = randomUUID();
			w.db.insert(s.messages)
				.values({
					id,
					threadId,
					customerId: bulk.id,
					authorKind: 'staff',
					authorName: 'Olive Office',
					body: `Update ${i}: your technician has the part and will be there between 9 and 11.`,
					sentAt: w.now + i,
					seq: w.touch('messages', bulk.id, id),
					createdAt: w.now + i,
					updatedAt: w.now + i
				})
				.run();
		}
	});
	const portalUserId = randomUUID();
	db.insert(s.portalUsers).values({ id: portalUserId, customerId: bulk.id, email: 'bulk@customers.test', createdAt: server.app.clock() }).run();
	const bulkCookie = cookieFor(server, { kind: 'customer', portalUserId, customerId: bulk.id });

	const fresh = await launchBrowser();
	try {
		const [n2, v2] = bulkCookie.split(/=(.*)/s);
		await fresh.context.addCookies([{ name: n2, value: v2, url: server.url }]);
		const p = await fresh.context.newPage();
		let firstPull = 0;
		let lastPull = 0;
		let pulled = 0;
		const done = new Promise<void>((resolve) => {
			p.on('response', async (res) => {
				if (!res.url().includes('/api/sync/messages/pull')) return;
				if (!firstPull) firstPull = Date.now();
				const body = (await res.json().catch(() => null)) as { documents: unknown[] } | null;
				if (!body) return;
				pulled += body.documents.length;
				if (body.documents.length === 0 && pulled >= SYNC_DOCS) {
					lastPull = Date.now();
					resolve();
				}
			});
		});
		await p.goto(server.url + '/messages');
		await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('initial sync did not finish in 5 minutes')), 300_000))]);
		const syncMs = lastPull - firstPull;

		// The same documents, written straight into IndexedDB in one transaction, in the same page.
		const rawMs = await p.evaluate(async (count) => {
			const docs: unknown[] = [];
			let after = 0;
			while (docs.length < count) {
				const res = await fetch(`/api/sync/messages/pull?after=${after}&limit=1000`);
				const page = (await res.json()) as { documents: unknown[]; checkpoint: { seq: number } | null };
				if (page.documents.length === 0) break;
				docs.push(...page.documents);
				after = page.checkpoint!.seq;
			}
			const open = indexedDB.open(`bench-raw-${Date.now()}`, 1);
			open.onupgradeneeded = () => open.result.createObjectStore('docs', { keyPath: 'id' });
			const idb: IDBDatabase = await new Promise((resolve, reject) => {
				open.onsuccess = () => resolve(open.result);
				open.onerror = () => reject(open.error);
			});
			const started = performance.now();
			await new Promise<void>((resolve, reject) => {
				const tx = idb.transaction('docs', 'readwrite');
				const store = tx.objectStore('docs');
				for (const d of docs) store.put(d);
				tx.oncomplete = () => resolve();
				tx.onerror = () => reject(tx.error);
			});
			const ms = performance.now() - started;
			idb.close();
			return ms;
		}, SYNC_DOCS);
		const syncRate = (pulled / syncMs) * 1000;
		const rawRate = (SYNC_DOCS / rawMs) * 1000;
		results.push([`Initial sync of ${fmt(SYNC_DOCS)} messages into a fresh device`, `${fmt(syncRate)} docs/s`, '', `${fmt(syncMs)} ms, pages of 200 over HTTP`]);
		results.push([`Raw IndexedDB bulk write of the same ${fmt(SYNC_DOCS)}`, `${fmt(rawRate)} docs/s`, '', `${fmt(rawMs)} ms, one transaction`]);
		results.push(['Initial sync speed as a share of raw IndexedDB', `${fmt((syncRate / rawRate) * 100)} %`, '≥ 60 %', 'sync includes the network and RxDB']);
		await p.close();
	} finally {
		await fresh.close();
	}
} finally {
	await browser.close();
	await server.close();
}

console.log(`Client benchmark — ${os.cpus().length} cores, Node ${process.version}, Chromium headless${QUICK ? ', BENCH_QUICK' : ''}\n`);
console.log(table(['Measure', 'Result', 'Goal', 'Notes'], results));
