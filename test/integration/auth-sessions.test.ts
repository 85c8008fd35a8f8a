import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';
import { addCustomer, addStaff, cookieFor, outboxFiles, sameSiteHeaders, sessionCookieFrom, signIn, waitForOutboxMail } from '../helpers/session.ts';
import { auditLog, portalUsers, sessions, staffUsers } from '../../server/db/schema.ts';
import { devicesResponseSchema } from '../../shared/protocol/auth.ts';

let server: TestServer | undefined;
let smtp: SmtpCapture | undefined;
afterEach(async () => {
	await server?.close();
	await smtp?.close();
	server = undefined;
	smtp = undefined;
});

const DAY = 24 * 60 * 60 * 1000;

/** A same-site POST; without a body it sends no content-type (an empty JSON body is a 400). */
function post(s: TestServer, route: string, body: unknown, cookie?: string) {
	const headers = sameSiteHeaders(s, cookie);
	if (body === undefined) delete headers['content-type'];
	return fetch(`${s.url}${route}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

function get(s: TestServer, route: string, cookie?: string) {
	return fetch(`${s.url}${route}`, { headers: cookie ? { cookie } : {} });
}

async function sessionOf(s: TestServer, cookie: string) {
	return (await (await get(s, '/api/auth/session', cookie)).json()).session;
}

/** Parses one Set-Cookie header into its name, value and lower-cased attributes. */
function parseSetCookie(header: string) {
	const [pair, ...attrs] = header.split(';').map((p) => p.trim());
	const eq = pair.indexOf('=');
	return {
		name: pair.slice(0, eq),
		value: pair.slice(eq + 1),
		attrs: Object.fromEntries(attrs.map((a) => {
			const i = a.indexOf('=');
			return i === -1 ? [a.toLowerCase(), true] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
		})) as Record<string, string | true>
	};
}

describe('session cookie', () => {
	test('under an http PUBLIC_URL: HttpOnly, SameSite=Lax, Path=/, not Secure, no __Host- prefix', async () => {
		smtp = await startSmtpServer();
		server = await startServer({ smtpUrl: smtp.url });
		addCustomer(server, { email: 'jane@example.com' });
		const { attemptId } = await (await post(server, '/api/auth/start', { email: 'jane@example.com' })).json();
		const { code } = await smtp.waitFor(() => true);
		const res = await post(server, '/api/auth/verify-code', { attemptId, code });
		expect(res.status).toBe(200);

		const [header] = res.headers.getSetCookie();
		const cookie = parseSetCookie(header);
		expect(cookie.name).toBe('porchlight_session');
		expect(cookie.value.length).toBeGreaterThanOrEqual(43);
		expect(cookie.attrs.httponly).toBe(true);
		expect(cookie.attrs.samesite).toBe('Lax');
		expect(cookie.attrs.path).toBe('/');
		expect(cookie.attrs.secure).toBeUndefined();
		expect(cookie.attrs.domain).toBeUndefined();
		expect(Number(cookie.attrs['max-age'])).toBe(90 * 24 * 60 * 60);

		// Only the hash of the cookie's value is stored.
		const stored = JSON.stringify(server.app.store.db.select().from(sessions).all());
		expect(stored).not.toContain(cookie.value);
	});

	test('under an https PUBLIC_URL: __Host- prefix and Secure, and the cookie signs requests in', async () => {
		smtp = await startSmtpServer();
		server = await startServer({ smtpUrl: smtp.url, publicUrl: 'https://portal.example.com' });
		addCustomer(server, { email: 'jane@example.com' });
		const origin = { 'content-type': 'application/json', origin: 'https://portal.example.com' };
		const { attemptId } = await (await fetch(`${server.url}/api/auth/start`, { method: 'POST', headers: origin, body: JSON.stringify({ email: 'jane@example.com' }) })).json();
		const mail = await smtp.waitFor(() => true);
		expect(mail.link).toMatch(/^https:\/\/portal\.example\.com\/auth\/confirm#token=/);
		expect(mail.from).toContain('no-reply@portal.example.com');

		// No Origin at all (a non-browser client) is allowed too.
		const res = await fetch(`${server.url}/api/auth/verify-code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ attemptId, code: mail.code }) });
		expect(res.status).toBe(200);
		const cookie = parseSetCookie(res.headers.getSetCookie()[0]);
		expect(cookie.name).toBe('__Host-porchlight_session');
		expect(cookie.attrs.secure).toBe(true);
		expect(cookie.attrs.httponly).toBe(true);
		expect(cookie.attrs.samesite).toBe('Lax');
		expect(cookie.attrs.path).toBe('/');
		expect(cookie.attrs.domain).toBeUndefined();
		expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);

		expect((await sessionOf(server, `${cookie.name}=${cookie.value}`)).kind).toBe('customer');
		// The unprefixed name means nothing here.
		expect(await sessionOf(server, `porchlight_session=${cookie.value}`)).toBeNull();
	});

	test('every sign-in gets a new session id, and the device’s previous session ends', async () => {
		server = await startServer();
		addCustomer(server, { email: 'jane@example.com' });
		const first = await signIn(server, 'jane@example.com');

		// Sign in again on the same device (its cookie is sent along).
		const seen = new Set(outboxFiles(server));
		const { attemptId } = await (await post(server, '/api/auth/start', { email: 'jane@example.com' }, first.cookie)).json();
		const { code } = await waitForOutboxMail(server, 'jane@example.com', seen);
		const res = await post(server, '/api/auth/verify-code', { attemptId, code }, first.cookie);
		expect(res.status).toBe(200);
		const second = sessionCookieFrom(server, res)!;
		expect(second).not.toBe(first.cookie);
		expect((await res.json()).session.sessionId).not.toBe(first.session.sessionId);
		expect(await sessionOf(server, first.cookie)).toBeNull();
		expect((await sessionOf(server, second)).kind).toBe('customer');
	});
});

describe('session lifetime', () => {
	test('idle for 30 days ends a session; activity slides the idle timeout', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now });
		const { customerId, portalUserId } = addCustomer(server, { email: 'jane@example.com' });
		const active = cookieFor(server, { kind: 'customer', customerId, portalUserId });
		const idle = cookieFor(server, { kind: 'customer', customerId, portalUserId });

		clock.advance(29 * DAY);
		expect(await sessionOf(server, active)).not.toBeNull();
		clock.advance(2 * DAY);
		expect(await sessionOf(server, active)).not.toBeNull();
		expect(await sessionOf(server, idle)).toBeNull();
	});

	test('90 days after sign-in a session ends however active it was', async () => {
		const clock = fakeClock();
		server = await startServer({}, { clock: clock.now });
		const { customerId, portalUserId } = addCustomer(server, { email: 'jane@example.com' });
		const cookie = cookieFor(server, { kind: 'customer', customerId, portalUserId });
		for (let day = 0; day < 89; day += 10) {
			clock.set(Date.UTC(2026, 4, 12, 15) + day * DAY);
			expect(await sessionOf(server, cookie)).not.toBeNull();
		}
		clock.set(Date.UTC(2026, 4, 12, 15) + 90 * DAY - 1);
		expect(await sessionOf(server, cookie)).not.toBeNull();
		clock.advance(1);
		expect(await sessionOf(server, cookie)).toBeNull();
	});
});

describe('sign-out and revocation', () => {
	test('sign-out revokes the session on the server and clears the cookie', async () => {
		server = await startServer();
		addCustomer(server, { email: 'jane@example.com' });
		const { cookie } = await signIn(server, 'jane@example.com');
		expect((await get(server, '/api/auth/devices', cookie)).status).toBe(200);

		const out = await post(server, '/api/auth/sign-out', undefined, cookie);
		expect(out.status).toBe(204);
		const cleared = parseSetCookie(out.headers.getSetCookie()[0]);
		expect(cleared.name).toBe('porchlight_session');
		expect(cleared.value).toBe('');

		// The old cookie, replayed, is worth nothing.
		expect(await sessionOf(server, cookie)).toBeNull();
		const after = await get(server, '/api/auth/devices', cookie);
		expect(after.status).toBe(401);
		expect((await after.json()).code).toBe('UNAUTHENTICATED');
		// Signing out again (an already ended session) still answers 204.
		expect((await post(server, '/api/auth/sign-out', undefined, cookie)).status).toBe(204);
	});

	test('sign-out everywhere ends every session of that user and no one else’s', async () => {
		server = await startServer();
		const { customerId } = addCustomer(server, { email: 'jane@example.com' });
		const phone = await signIn(server, 'jane@example.com', { userAgent: 'Phone' });
		const laptop = await signIn(server, 'jane@example.com', { userAgent: 'Laptop' });
		// Another address of the same customer keeps its session: it is someone else.
		const other = cookieFor(server, { kind: 'customer', customerId, portalUserId: addSecondAddress(server, customerId) });

		const res = await post(server, '/api/auth/sign-out-everywhere', undefined, laptop.cookie);
		expect(res.status).toBe(204);
		expect(await sessionOf(server, phone.cookie)).toBeNull();
		expect(await sessionOf(server, laptop.cookie)).toBeNull();
		expect(await sessionOf(server, other)).not.toBeNull();
		expect((await post(server, '/api/auth/sign-out-everywhere', undefined, laptop.cookie)).status).toBe(401);
	});

	test('devices lists this user’s live sessions and revokes one', async () => {
		server = await startServer();
		addCustomer(server, { email: 'jane@example.com' });
		addCustomer(server, { email: 'sam@example.com' });
		const phone = await signIn(server, 'jane@example.com', { userAgent: 'Phone' });
		const laptop = await signIn(server, 'jane@example.com', { userAgent: 'Laptop' });
		const sam = await signIn(server, 'sam@example.com', { userAgent: 'Sam' });

		const list = devicesResponseSchema.parse(await (await get(server, '/api/auth/devices', laptop.cookie)).json()).devices;
		expect(list.map((d) => d.userAgent).sort()).toEqual(['Laptop', 'Phone']);
		expect(list.find((d) => d.current)?.id).toBe(laptop.session.sessionId);
		expect(list.find((d) => d.userAgent === 'Phone')?.id).toBe(phone.session.sessionId);

		// Someone else's device cannot be revoked (and looks like no device at all).
		const foreign = await fetch(`${server.url}/api/auth/devices/${sam.session.sessionId}`, { method: 'DELETE', headers: { origin: server.config.publicUrl, cookie: laptop.cookie } });
		expect(foreign.status).toBe(404);
		expect(await sessionOf(server, sam.cookie)).not.toBeNull();

		const del = await fetch(`${server.url}/api/auth/devices/${phone.session.sessionId}`, { method: 'DELETE', headers: { origin: server.config.publicUrl, cookie: laptop.cookie } });
		expect(del.status).toBe(204);
		expect(await sessionOf(server, phone.cookie)).toBeNull();
		expect(await sessionOf(server, laptop.cookie)).not.toBeNull();
		const after = devicesResponseSchema.parse(await (await get(server, '/api/auth/devices', laptop.cookie)).json()).devices;
		expect(after.map((d) => d.userAgent)).toEqual(['Laptop']);
	});

	test('revocations are announced to listeners (the sync socket closes on them)', async () => {
		server = await startServer();
		addCustomer(server, { email: 'jane@example.com' });
		const heard: string[][] = [];
		server.app.sessionRevocations.subscribe((ids) => heard.push(ids));
		const { cookie, session } = await signIn(server, 'jane@example.com');
		await post(server, '/api/auth/sign-out', undefined, cookie);
		expect(heard).toEqual([[session.sessionId]]);
	});

	test('office staff revoke all of a customer’s sessions; customers and technicians get 403', async () => {
		server = await startServer();
		const { customerId } = addCustomer(server, { email: 'jane@example.com' });
		const phone = await signIn(server, 'jane@example.com');
		const laptop = await signIn(server, 'jane@example.com');
		const { staffUserId: officeId } = addStaff(server, { email: 'office@example.com', role: 'office' });
		const office = cookieFor(server, { kind: 'staff', staffUserId: officeId });
		const tech = cookieFor(server, { kind: 'staff', staffUserId: addStaff(server, { email: 'tech@example.com', role: 'technician' }).staffUserId });
		const route = `/api/staff/customers/${customerId}/revoke-sessions`;

		const asCustomer = await post(server, route, undefined, phone.cookie);
		expect(asCustomer.status).toBe(403);
		expect((await asCustomer.json()).code).toBe('FORBIDDEN');
		expect((await post(server, route, undefined, tech)).status).toBe(403);
		expect((await post(server, route, undefined)).status).toBe(401);
		expect(await sessionOf(server, phone.cookie)).not.toBeNull();

		expect((await post(server, route, undefined, office)).status).toBe(204);
		expect(await sessionOf(server, phone.cookie)).toBeNull();
		expect(await sessionOf(server, laptop.cookie)).toBeNull();
		expect(await sessionOf(server, office)).not.toBeNull();
		const audit = server.app.store.db.select().from(auditLog).where(eq(auditLog.action, 'revoke_sessions')).all();
		expect(audit).toMatchObject([{ actorKind: 'staff', actorId: officeId, entity: 'customer', entityId: customerId, detail: { sessions: 2 } }]);

		expect((await post(server, '/api/staff/customers/no-such-customer/revoke-sessions', undefined, office)).status).toBe(404);
	});

	test('a staff session with a disabled user stops working', async () => {
		server = await startServer();
		const { staffUserId } = addStaff(server, { email: 'owner@example.com', role: 'owner' });
		const { cookie } = await signIn(server, 'owner@example.com');
		expect((await sessionOf(server, cookie)).staffUserId).toBe(staffUserId);
		server.app.store.db.update(staffUsers).set({ disabled: true }).run();
		expect(await sessionOf(server, cookie)).toBeNull();
	});
});

function addSecondAddress(s: TestServer, customerId: string): string {
	const id = crypto.randomUUID();
	s.app.store.db.insert(portalUsers).values({ id, customerId, email: 'jane.partner@example.com', createdAt: s.app.clock() }).run();
	return id;
}
