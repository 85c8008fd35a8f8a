import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';

let smtp: SmtpCapture;
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
	smtp = await startSmtpServer();
	server = await startServer({ seedDemo: true, smtpUrl: smtp.url });
	browser = await launchBrowser();
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
	await smtp?.close();
});

test('a customer signs in with the code from the email, stays signed in across a reload, and signs out', async () => {
	const page = await browser.context.newPage();
	await page.goto(server.url + '/sign-in');
	await page.getByLabel('Email address').fill('dana@example.com');
	await page.getByRole('button', { name: /email me a sign-in code/i }).click();
	await page.getByRole('heading', { name: 'Check your email' }).waitFor();

	const mail = await smtp.waitFor((m) => m.to.includes('dana@example.com'));
	expect(mail.code).toMatch(/^\d{6}$/);
	expect(mail.partTypes).toEqual(expect.arrayContaining(['text/plain', 'text/html']));

	// typing the sixth digit submits the code, as phones' one-time-code autofill expects
	await page.getByLabel('6-digit code').fill(mail.code!);
	await page.waitForURL(server.url + '/');
	await page.getByRole('navigation').first().waitFor();

	const session = await page.evaluate(async () => (await (await fetch('/api/auth/session')).json()).session);
	expect(session).toMatchObject({ kind: 'customer', email: 'dana@example.com' });

	await page.reload();
	await page.getByRole('navigation').first().waitFor();
	expect(await page.evaluate(async () => (await (await fetch('/api/auth/session')).json()).session?.email)).toBe('dana@example.com');

	// the cookie is HttpOnly: page scripts never see the session id
	expect(await page.evaluate(() => document.cookie)).not.toContain('porchlight_session');

	await page.goto(server.url + '/account');
	await page.getByRole('button', { name: 'Sign out', exact: true }).click();
	await page.waitForURL((url) => url.pathname === '/' || url.pathname === '/sign-in');
	expect(await page.evaluate(async () => (await (await fetch('/api/auth/session')).json()).session)).toBeNull();
	await page.close();
});

test('the emailed link opens a confirmation page that signs in only when confirmed', async () => {
	await browser.context.clearCookies();
	const page = await browser.context.newPage();
	const start = await fetch(`${server.url}/api/auth/start`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email: 'dana@example.com' })
	});
	expect(start.status).toBe(200);
	const seen = smtp.messages.length;
	const mail = await smtp.waitFor((m) => m.to.includes('dana@example.com') && smtp.messages.indexOf(m) >= seen);
	expect(mail.link).toContain('/auth/confirm#token=');

	await page.goto(mail.link!);
	await page.getByRole('button', { name: /sign in/i }).first().waitFor();
	// the secret left the address bar before anything else could read or share it
	expect(page.url()).not.toContain('token=');
	expect(await page.getByText(/enter the 6-digit code/i).count()).toBeGreaterThan(0);
	// merely opening the page consumed nothing
	expect(await page.evaluate(async () => (await (await fetch('/api/auth/session')).json()).session)).toBeNull();

	await page.getByRole('button', { name: /sign in/i }).first().click();
	await page.waitForURL(server.url + '/');
	expect(await page.evaluate(async () => (await (await fetch('/api/auth/session')).json()).session?.email)).toBe('dana@example.com');
	await page.close();
});
