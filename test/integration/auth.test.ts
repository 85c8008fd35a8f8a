import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { fakeClock, startServer, tempDataDir, type TestServer } from '../helpers/app.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';
import { addCustomer, addStaff, sameSiteHeaders, sessionCookieFrom, signIn, waitForOutboxMail } from '../helpers/session.ts';
import { loginAttempts, portalUsers, sessions, staffUsers } from '../../server/db/schema.ts';
import { createSignInLink } from '../../server/auth/sign-in.ts';
import { sessionResponseSchema, signedInResponseSchema, startSignInResponseSchema } from '../../shared/protocol/auth.ts';

let server: TestServer | undefined;
let smtp: SmtpCapture | undefined;
const cleanup: string[] = [];
afterEach(async () => {
	await server?.close();
	await smtp?.close();
	server = undefined;
	smtp = undefined;
	for (const dir of cleanup.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function withSmtp(deps: { clock?: () => number } = {}, overrides: Parameters<typeof startServer>[0] = {}) {
	smtp = await startSmtpServer();
	server = await startServer({ smtpUrl: smtp.url, ...overrides }, deps);
	return { server, smtp };
}

function post(s: TestServer, route: string, body: unknown, cookie?: string) {
	return fetch(`${s.url}${route}`, { method: 'POST', headers: sameSiteHeaders(s, cookie), body: JSON.stringify(body) });
}

async function sessionOf(s: TestServer, cookie?: string) {
	const res = await fetch(`${s.url}/api/auth/session`, { headers: cookie ? { cookie } : {} });
	expect(res.status).toBe(200);
	return sessionResponseSchema.parse(await res.json()).session;
}

async function start(s: TestServer, email: string, extra: Record<string, unknown> = {}) {
	const res = await post(s, '/api/auth/start', { email, ...extra });
	expect(res.status).toBe(200);
	return startSignInResponseSchema.parse(await res.json());
}

describe('sign-in by link', () => {
	test('a customer signs in with the mailed link and the session works', async () => {
		const { server, smtp } = await withSmtp();
		const { customerId, portalUserId } = addCustomer(server, { email: 'jane@example.com', name: 'Jane Doe' });

		const started = await start(server, 'jane@example.com');
		expect(started.expiresInSeconds).toBe(600);
		expect(started.resendAfterSeconds).toBeGreaterThan(0);

		const mail = await smtp.waitFor((m) => m.envelopeTo.includes('jane@example.com'));
		expect(mail.partTypes).toEqual(['text/plain', 'text/html']);
		expect(mail.link).toBe(`${server.config.publicUrl}/auth/confirm#token=${mail.token}`);
		expect(mail.token!.length).toBeGreaterThanOrEqual(43); // 256 bits in base64url
		expect(mail.html).toContain(`#token=${mail.token}`);

		const res = await post(server, '/api/auth/redeem-link', { token: mail.token });
		expect(res.status).toBe(200);
		const { session } = signedInResponseSchema.parse(await res.json());
		expect(session).toMatchObject({ kind: 'customer', customerId, name: 'Jane Doe', email: 'jane@example.com', databaseId: server.app.store.databaseId });

		const cookie = sessionCookieFrom(server, res)!;
		expect(cookie).toMatch(/^(__Host-)?porchlight_session=[A-Za-z0-9_-]{43}$/);
		expect(await sessionOf(server, cookie)).toEqual(session);
		expect(await sessionOf(server)).toBeNull();

		const user = server.app.store.db.select().from(portalUsers).where(eq(portalUsers.id, portalUserId)).get()!;
		expect(user.lastSignInAt).toBeGreaterThan(0);

		// Used once: the same link again is gone.
		const again = await post(server, '/api/auth/redeem-link', { token: mail.token });
		expect(again.status).toBe(410);
		expect((await again.json()).code).toBe('GONE');
	});

	test('secrets are stored only as hashes', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'jane@example.com' });
		const { attemptId } = await start(server, 'jane@example.com');
		const mail = await smtp.waitFor(() => true);
		const row = server.app.store.db.select().from(loginAttempts).where(eq(loginAttempts.id, attemptId)).get()!;
		const stored = JSON.stringify(row);
		expect(stored).not.toContain(mail.token!);
		expect(stored).not.toContain(`"${mail.code}"`);
		expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
		expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
	});

	test('50 concurrent redeems of one link open exactly one session', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'jane@example.com' });
		await start(server, 'jane@example.com');
		const { token } = await smtp.waitFor(() => true);

		const answers = await Promise.all(Array.from({ length: 50 }, () => post(server, '/api/auth/redeem-link', { token })));
		const statuses = answers.map((r) => r.status);
		expect(statuses.filter((s) => s === 200)).toHaveLength(1);
		expect(statuses.filter((s) => s === 410)).toHaveLength(49);
		expect(server.app.store.db.select().from(sessions).all()).toHaveLength(1);
	});

	test("a scanner's GET or HEAD of the link page consumes nothing", async () => {
		// A client build of our own: the test must not depend on the real build being present.
		const clientDir = tempDataDir('porchlight-client-');
		cleanup.push(clientDir);
		fs.writeFileSync(path.join(clientDir, '200.html'), '<!doctype html><title>shell</title>');
		const { server, smtp } = await withSmtp({}, { clientDir });
		addCustomer(server, { email: 'jane@example.com' });
		await start(server, 'jane@example.com');
		const { link, token } = await smtp.waitFor(() => true);

		// fetch, like a browser, never sends the fragment; a scanner may add the token as a query too.
		for (const url of [link!, `${server.url}/auth/confirm?token=${token}`]) {
			const get = await fetch(url);
			expect(get.status).toBe(200);
			expect(get.headers.get('content-type')).toMatch(/text\/html/);
			expect(get.headers.get('referrer-policy')).toBe('no-referrer');
			expect(await get.text()).toContain('shell');
			const head = await fetch(url, { method: 'HEAD' });
			expect(head.status).toBe(200);
		}
		expect(server.app.store.db.select().from(loginAttempts).get()!.consumedAt).toBeNull();

		const res = await post(server, '/api/auth/redeem-link', { token });
		expect(res.status).toBe(200);
	});

	test('a link expires 10 minutes after it was requested', async () => {
		const clock = fakeClock();
		const { server, smtp } = await withSmtp({ clock: clock.now });
		addCustomer(server, { email: 'jane@example.com' });

		await start(server, 'jane@example.com');
		const first = await smtp.waitFor(() => true);
		clock.advance(10 * 60 * 1000 - 1);
		expect((await post(server, '/api/auth/redeem-link', { token: first.token })).status).toBe(200);

		await start(server, 'jane@example.com');
		const second = await smtp.waitFor((m) => m !== first);
		clock.advance(10 * 60 * 1000);
		const res = await post(server, '/api/auth/redeem-link', { token: second.token });
		expect(res.status).toBe(410);
		expect((await res.json()).message).toMatch(/expired or was already used/);
	});

	test('an unknown or malformed token is refused', async () => {
		const { server } = await withSmtp();
		expect((await post(server, '/api/auth/redeem-link', { token: 'A'.repeat(43) })).status).toBe(410);
		const bad = await post(server, '/api/auth/redeem-link', { token: 'short' });
		expect(bad.status).toBe(400);
		expect((await bad.json()).field).toBe('token');
	});
});

describe('sign-in by code', () => {
	test('a staff member signs in with the 6-digit code typed into the app', async () => {
		const { server, smtp } = await withSmtp();
		const { staffUserId } = addStaff(server, { email: 'olivia@example.com', role: 'office', name: 'Olivia' });

		const { attemptId } = await start(server, 'olivia@example.com');
		const mail = await smtp.waitFor(() => true);
		expect(mail.code).toMatch(/^\d{6}$/);
		expect(mail.text).toMatch(/staff console/);

		const res = await post(server, '/api/auth/verify-code', { attemptId, code: mail.code });
		expect(res.status).toBe(200);
		const { session } = signedInResponseSchema.parse(await res.json());
		expect(session).toMatchObject({ kind: 'staff', staffUserId, role: 'office', name: 'Olivia', email: 'olivia@example.com' });
		const cookie = sessionCookieFrom(server, res)!;
		expect(await sessionOf(server, cookie)).toEqual(session);
		expect(server.app.store.db.select().from(staffUsers).get()!.lastSignInAt).toBeGreaterThan(0);

		// The code is spent, and so is the link of the same attempt.
		expect((await post(server, '/api/auth/verify-code', { attemptId, code: mail.code })).status).toBe(410);
		expect((await post(server, '/api/auth/redeem-link', { token: mail.token })).status).toBe(410);
	});

	test('the code works with spaces typed in it', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'jane@example.com' });
		const { attemptId } = await start(server, 'jane@example.com');
		const { code } = await smtp.waitFor(() => true);
		const res = await post(server, '/api/auth/verify-code', { attemptId, code: `${code!.slice(0, 3)} ${code!.slice(3)}` });
		expect(res.status).toBe(200);
	});

	test('five wrong codes kill the attempt: the sixth try fails even with the right code', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'jane@example.com' });
		const { attemptId } = await start(server, 'jane@example.com');
		const { code, token } = await smtp.waitFor(() => true);
		const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

		const triesLeft: number[] = [];
		for (let i = 0; i < 5; i++) {
			const res = await post(server, '/api/auth/verify-code', { attemptId, code: wrong });
			expect(res.status).toBe(400);
			const body = await res.json();
			expect(body.code).toBe('VALIDATION');
			expect(body.field).toBe('code');
			triesLeft.push(body.details.triesLeft);
		}
		expect(triesLeft).toEqual([4, 3, 2, 1, 0]);

		const sixth = await post(server, '/api/auth/verify-code', { attemptId, code });
		expect(sixth.status).toBe(410);
		expect((await sixth.json()).message).toBe('This code has expired or was already used. Request a new one.');
		expect((await post(server, '/api/auth/redeem-link', { token })).status).toBe(410);
		expect(server.app.store.db.select().from(sessions).all()).toHaveLength(0);
	});

	test("a code only works for its own attempt", async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'jane@example.com' });
		addCustomer(server, { email: 'sam@example.com' });
		const jane = await start(server, 'jane@example.com');
		await start(server, 'sam@example.com');
		const samMail = await smtp.waitFor((m) => m.envelopeTo.includes('sam@example.com'));
		const res = await post(server, '/api/auth/verify-code', { attemptId: jane.attemptId, code: samMail.code });
		expect(res.status).toBe(400);
	});

	test('a code expires 10 minutes after it was requested', async () => {
		const clock = fakeClock();
		const { server, smtp } = await withSmtp({ clock: clock.now });
		addCustomer(server, { email: 'jane@example.com' });
		const { attemptId } = await start(server, 'jane@example.com');
		const { code } = await smtp.waitFor(() => true);
		clock.advance(10 * 60 * 1000);
		expect((await post(server, '/api/auth/verify-code', { attemptId, code })).status).toBe(410);
	});

	test('bad input names the field and changes nothing', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'jane@example.com' });
		const { attemptId } = await start(server, 'jane@example.com');
		await smtp.waitFor(() => true);

		for (const [body, field] of [
			[{ attemptId, code: '12345' }, 'code'],
			[{ attemptId, code: 'abcdef' }, 'code'],
			[{ attemptId: 'nope', code: '123456' }, 'attemptId']
		] as const) {
			const res = await post(server, '/api/auth/verify-code', body);
			expect(res.status).toBe(400);
			expect((await res.json()).field).toBe(field);
		}
		expect(server.app.store.db.select().from(loginAttempts).get()!.failedCodes).toBe(0);

		for (const [body, field] of [
			[{ email: 'not an address' }, 'email'],
			[{ email: `${'a'.repeat(250)}@example.com` }, 'email'],
			[{}, 'email'],
			[{ email: 'jane@example.com', as: 'admin' }, 'as']
		] as const) {
			const res = await post(server, '/api/auth/start', body);
			expect(res.status).toBe(400);
			const err = await res.json();
			expect(err.code).toBe('VALIDATION');
			expect(err.field).toBe(field);
		}
		expect(server.app.store.db.select().from(loginAttempts).all()).toHaveLength(1);
	});
});

describe('accounts', () => {
	test('the address is matched whatever its case and surrounding spaces', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'Jane.Doe@Example.com' });
		await start(server, '  JANE.DOE@example.COM ');
		const mail = await smtp.waitFor(() => true);
		expect(mail.envelopeTo).toEqual(['jane.doe@example.com']);
	});

	test('an address that is both a customer and staff signs in as the customer unless staff is asked for', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'both@example.com' });
		addStaff(server, { email: 'both@example.com', role: 'owner' });

		const { session: asCustomer } = await signIn(server, 'both@example.com', { mailbox: smtp });
		expect(asCustomer.kind).toBe('customer');
		const { session: asStaff } = await signIn(server, 'both@example.com', { mailbox: smtp, as: 'staff' });
		expect(asStaff).toMatchObject({ kind: 'staff', role: 'owner' });
	});

	test('a disabled user gets no mail, and one disabled after asking cannot use the code', async () => {
		const { server, smtp } = await withSmtp();
		addCustomer(server, { email: 'off@example.com', disabled: true });
		const { portalUserId } = addCustomer(server, { email: 'soon-off@example.com' });

		await start(server, 'off@example.com');
		const { attemptId } = await start(server, 'soon-off@example.com');
		const mail = await smtp.waitFor(() => true);
		expect(mail.envelopeTo).toEqual(['soon-off@example.com']);

		server.app.store.db.update(portalUsers).set({ disabled: true }).where(eq(portalUsers.id, portalUserId)).run();
		expect((await post(server, '/api/auth/verify-code', { attemptId, code: mail.code })).status).toBe(410);
		expect(smtp.messages).toHaveLength(1);
	});

	test('createSignInLink makes a working link for a known address and nothing for others', async () => {
		const { server, smtp } = await withSmtp();
		const { customerId } = addCustomer(server, { email: 'jane@example.com' });
		expect(await createSignInLink(server.app, 'nobody@example.com')).toBeNull();
		expect(await createSignInLink(server.app, 'not an address')).toBeNull();

		const link = await createSignInLink(server.app, 'Jane@Example.com');
		expect(link).toMatch(new RegExp(`^${server.config.publicUrl}/auth/confirm#token=[A-Za-z0-9_-]{43}$`));
		const token = new URL(link!).hash.replace('#token=', '');
		const res = await post(server, '/api/auth/redeem-link', { token });
		expect(res.status).toBe(200);
		expect((await res.json()).session.customerId).toBe(customerId);
		expect(smtp.messages).toHaveLength(0);
	});

	test('without SMTP the mail lands in DATA_DIR/outbox as an .eml with the link and code', async () => {
		server = await startServer();
		addCustomer(server, { email: 'jane@example.com' });
		const { attemptId } = await start(server, 'jane@example.com');
		const mail = await waitForOutboxMail(server, 'jane@example.com');
		expect(path.dirname(mail.file)).toBe(path.join(server.dataDir, 'outbox'));
		expect(mail.partTypes).toEqual(['text/plain', 'text/html']);
		expect(mail.code).toMatch(/^\d{6}$/);
		expect(mail.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		const res = await post(server, '/api/auth/verify-code', { attemptId, code: mail.code });
		expect(res.status).toBe(200);
	});

	test('the signIn helper signs in through the outbox', async () => {
		server = await startServer();
		const { customerId } = addCustomer(server, { email: 'jane@example.com' });
		const { cookie, session } = await signIn(server, 'jane@example.com');
		expect(session).toMatchObject({ kind: 'customer', customerId });
		expect(await sessionOf(server, cookie)).toEqual(session);
	});
});
