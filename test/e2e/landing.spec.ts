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

test('a signed-out visitor sees the branded landing page of the demo business', async () => {
	const branding = await (await fetch(`${server.url}/api/branding`)).json();
	const page = await browser.context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(server.url + '/');
	await page.getByRole('heading', { level: 1 }).waitFor();
	expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(branding.name);
	await page.getByRole('link', { name: /sign in/i }).first().waitFor();
	// themed from the branding
	const primary = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand-primary').trim());
	expect(primary.toLowerCase()).toBe(branding.colors.primary.toLowerCase());
	// tap to call the office
	if (branding.phone) expect(await page.locator(`a[href^="tel:"]`).count()).toBeGreaterThan(0);
	expect(errors).toEqual([]);
	await page.close();
});

test('a deep link opens the app shell, not a server 404', async () => {
	const page = await browser.context.newPage();
	const res = await page.goto(server.url + '/invoices');
	expect(res?.status()).toBe(200);
	await page.waitForLoadState('domcontentloaded');
	expect(await page.title()).not.toBe('');
	await page.close();
});
