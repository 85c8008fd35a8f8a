import { afterEach, describe, expect, test } from 'vitest';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';
import { addCustomer, addStaff, sameSiteHeaders, signIn } from '../helpers/session.ts';
import { loginAttempts, rateLimits } from '../../server/db/schema.ts';

let server: TestServer | undefined;
let smtp: SmtpCapture | undefined;
afterEach(async () => {
	await server?.close();
	await smtp?.close();
	server = undefined;
	smtp = undefined;
});

function post(s: TestServer, route: string, body: unknown, cookie?: string) {
	const headers = sameSiteHeaders(s, cookie);
	if (body === undefined) delete headers['content-type'];
	return fetch(`${s.url}${route}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Status, headers (without Date) and the body's shape with its values replaced by their types. */
async function replyShape(res: Response) {
	const headers = [...res.headers.entries()].filter(([k]) => k !== 'date').sort();
	const body = await res.json();
	// Error codes stay readable; other strings (ids, messages) become their length.
	const shape = Object.fromEntries(
		Object.entries(body).map(([k, v]) => [k, k === 'code' ? v : typeof v === 'string' ? `string(${v.length})` : typeof v === 'number' ? v : JSON.stringify(v)])
	);
	return { status: res.status, headers, shape };
}

const ALL_DIGITS = /^\d{6}$/;

describe('no account enumeration', () => {
	test('known and unknown addresses get the same reply; only the known one gets mail', async () => {
		smtp = await startSmtpServer();
		server = await startServer({ smtpUrl: smtp.url });
		addCustomer(server, { email: 'jane@example.com' });
		addStaff(server, { email: 'olivia@example.com', role: 'owner' });

		const known = await replyShape(await post(server, '/api/auth/start', { email: 'jane@example.com' }));
		const staff = await replyShape(await post(server, '/api/auth/start', { email: 'olivia@example.com' }));
		const unknown = await replyShape(await post(server, '/api/auth/start', { email: 'nobody@example.com' }));
		expect(known.status).toBe(200);
		expect(unknown).toEqual(known);
		expect(staff).toEqual(known);
		expect(known.shape).toEqual({ attemptId: 'string(36)', resendAfterSeconds: 30, expiresInSeconds: 600 });

		await smtp.waitFor((m) => m.envelopeTo.includes('olivia@example.com'));
		await smtp.waitFor((m) => m.envelopeTo.includes('jane@example.com'));
		// Mail is sent right after the reply; give a stray message to nobody@ a moment to show up.
		await new Promise((r) => setTimeout(r, 200));
		expect(smtp.messages.flatMap((m) => m.envelopeTo).sort()).toEqual(['jane@example.com', 'olivia@example.com']);
		// Both attempts are stored alike.
		expect(server.app.store.db.select().from(loginAttempts).all()).toHaveLength(3);
	});

	test('an attempt for an unknown address counts wrong codes down like a real one', async () => {
		smtp = await startSmtpServer();
		server = await startServer({ smtpUrl: smtp.url });
		addCustomer(server, { email: 'jane@example.com' });
		const known = (await (await post(server, '/api/auth/start', { email: 'jane@example.com' })).json()).attemptId;
		const unknown = (await (await post(server, '/api/auth/start', { email: 'nobody@example.com' })).json()).attemptId;
		const { code } = await smtp.waitFor(() => true);
		const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
		expect(wrong).toMatch(ALL_DIGITS);

		for (let i = 0; i < 6; i++) {
			const a = await replyShape(await post(server, '/api/auth/verify-code', { attemptId: known, code: wrong }));
			const b = await replyShape(await post(server, '/api/auth/verify-code', { attemptId: unknown, code: wrong }));
			expect(b).toEqual(a);
			expect(a.status).toBe(i < 5 ? 400 : 410);
		}
	});

	test('a slow mail server does not slow the reply for a known address', async () => {
		smtp = await startSmtpServer({ delayMs: 1500 });
		server = await startServer({ smtpUrl: smtp.url });
		addCustomer(server, { email: 'jane@example.com' });
		const t0 = performance.now();
		const res = await post(server, '/api/auth/start', { email: 'jane@example.com' });
		const took = performance.now() - t0;
		expect(res.status).toBe(200);
		expect(took).toBeLessThan(1000);
		const mail = await smtp.waitFor(() => true, 10_000);
		expect(performance.now() - t0).toBeGreaterThanOrEqual(1500);
		expect(mail.code).toMatch(ALL_DIGITS);
	});
});

describe('rate limits', () => {
	test('start: five per address per 15 minutes, the same for unknown addresses, with Retry-After', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now });
		addCustomer(server, { email: 'jane@example.com' });

		for (const email of ['jane@example.com', 'nobody@example.com']) {
			for (let i = 0; i < 5; i++) expect((await post(server, '/api/auth/start', { email })).status).toBe(200);
		}
		clock.advance(60_000);
		const known = await post(server, '/api/auth/start', { email: 'JANE@example.com' });
		const unknown = await post(server, '/api/auth/start', { email: 'nobody@example.com' });
		expect(known.status).toBe(429);
		expect(known.headers.get('retry-after')).toBe(String(14 * 60));
		const knownShape = await replyShape(known);
		expect(knownShape.shape.code).toBe('RATE_LIMITED');
		expect(await replyShape(unknown)).toEqual(knownShape);

		// Other addresses are not affected, and the window passes.
		expect((await post(server, '/api/auth/start', { email: 'sam@example.com' })).status).toBe(200);
		clock.advance(14 * 60 * 1000);
		expect((await post(server, '/api/auth/start', { email: 'jane@example.com' })).status).toBe(200);
		// The buckets name no address.
		const buckets = JSON.stringify(server.app.store.db.select().from(rateLimits).all());
		expect(buckets).not.toContain('jane');
		expect(buckets).not.toContain('nobody');
	});

	test('start: thirty per IP per 15 minutes', async () => {
		server = await startServer();
		for (let i = 0; i < 30; i++) expect((await post(server, '/api/auth/start', { email: `person${i}@example.com` })).status).toBe(200);
		const res = await post(server, '/api/auth/start', { email: 'one-more@example.com' });
		expect(res.status).toBe(429);
		expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
	});

	test('verify-code: sixty per IP per 15 minutes, whatever the attempts', async () => {
		server = await startServer();
		for (let i = 0; i < 60; i++) {
			const res = await post(server, '/api/auth/verify-code', { attemptId: crypto.randomUUID(), code: '123456' });
			expect(res.status).toBe(410);
		}
		const res = await post(server, '/api/auth/verify-code', { attemptId: crypto.randomUUID(), code: '123456' });
		expect(res.status).toBe(429);
		expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
	});

	test('limits survive a restart (they live in SQLite)', async () => {
		const first = await startServer();
		const dataDir = first.dataDir;
		for (let i = 0; i < 5; i++) expect((await post(first, '/api/auth/start', { email: 'jane@example.com' })).status).toBe(200);
		await first.close({ keepData: true });
		server = await startServer({ dataDir });
		try {
			expect((await post(server, '/api/auth/start', { email: 'jane@example.com' })).status).toBe(429);
		} finally {
			await server.close();
			server = undefined;
			(await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

describe('cross-site requests', () => {
	test('a cross-site form POST gets 403 and stores nothing', async () => {
		server = await startServer();
		addCustomer(server, { email: 'jane@example.com' });
		const res = await fetch(`${server.url}/api/auth/start`, {
			method: 'POST',
			headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
			body: 'email=jane%40example.com'
		});
		expect(res.status).toBe(403);
		expect((await res.json()).code).toBe('CROSS_SITE');
		expect(server.app.store.db.select().from(loginAttempts).all()).toHaveLength(0);
	});

	test('a cross-site sign-out with the victim’s cookie is refused and the session lives on', async () => {
		server = await startServer();
		addCustomer(server, { email: 'jane@example.com' });
		const { cookie } = await signIn(server, 'jane@example.com');
		const attempts: Record<string, string>[] = [
			{ origin: 'https://evil.example', cookie, 'content-type': 'application/x-www-form-urlencoded' },
			{ 'sec-fetch-site': 'cross-site', cookie },
			{ origin: 'null', cookie }
		];
		for (const headers of attempts) {
			const res = await fetch(`${server.url}/api/auth/sign-out-everywhere`, { method: 'POST', headers });
			expect(res.status).toBe(403);
		}
		const session = await (await fetch(`${server.url}/api/auth/session`, { headers: { cookie } })).json();
		expect(session.session).not.toBeNull();
	});
});
