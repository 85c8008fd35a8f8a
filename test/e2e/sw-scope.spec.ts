import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';

let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
	server = await startServer({ seedDemo: true });
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
});

// Regression: the worker was registered relative to the page ("./sw.js"), so a first visit on a
// deep link asked for /invoices/sw.js, got a 404, and never installed.
test('a first visit on a deep link installs the service worker for the whole origin', async () => {
	const page = await browser.context.newPage();
	await page.goto(server.url + '/invoices/INV-04127');
	const scope = await page.evaluate(async () => {
		const reg = await Promise.race([
			navigator.serviceWorker.ready,
			new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000))
		]);
		return reg ? { scope: reg.scope, script: reg.active?.scriptURL ?? reg.installing?.scriptURL ?? reg.waiting?.scriptURL } : null;
	});
	expect(scope).not.toBeNull();
	expect(scope!.scope).toBe(server.url + '/');
	expect(scope!.script).toBe(server.url + '/sw.js');
	await page.close();
});
