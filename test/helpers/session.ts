import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createSession, sessionCookieName, type NewSession } from '../../server/auth/sessions.ts';
import { customers, portalUsers, staffUsers } from '../../server/db/schema.ts';
import type { SessionInfo } from '../../shared/protocol/auth.ts';
import type { TestServer } from './app.ts';
import { parseMail, type ParsedMail, type SmtpCapture } from './smtp.ts';

/*
 * Signing in, for tests.
 * - Tests about something else: `cookieFor(server, { kind: 'staff', staffUserId })` makes a session
 *   directly and returns the Cookie header value.
 * - Tests that want the real flow: `signIn(server, email)` starts a sign-in, reads the code from
 *   the mail (the outbox .eml when the server has no SMTP_URL, or `mailbox` when it has one) and
 *   verifies it, like the sign-in screen does.
 * - `addCustomer` / `addStaff` create someone to sign in as.
 */

/** A signed-in test user: the Cookie header value to send, and what the server says about the session. */
export interface SignedInUser {
	/** `name=value`, ready for a `cookie` request header. */
	cookie: string;
	session: SessionInfo;
}

/** Headers a same-site browser request carries, so the cross-site check lets it through. */
export function sameSiteHeaders(server: TestServer, cookie?: string): Record<string, string> {
	return { 'content-type': 'application/json', origin: server.config.publicUrl, ...(cookie ? { cookie } : {}) };
}

/** The `name=value` of the session cookie a response sets, or null. */
export function sessionCookieFrom(server: TestServer, res: Response): string | null {
	const name = sessionCookieName(server.config);
	for (const c of res.headers.getSetCookie()) {
		const pair = c.split(';')[0];
		if (pair.startsWith(`${name}=`) && pair.length > name.length + 1) return pair;
	}
	return null;
}

/** Creates a session directly (no mail, no HTTP) and returns its Cookie header value. */
export function cookieFor(server: TestServer, input: NewSession, meta: { userAgent?: string } = {}): string {
	const { token } = createSession(server.app.store.db, input, { now: server.app.clock(), userAgent: meta.userAgent });
	return `${sessionCookieName(server.config)}=${token}`;
}

/** The .eml files in the server's outbox, oldest first. */
export function outboxFiles(server: TestServer): string[] {
	const dir = path.join(server.dataDir, 'outbox');
	if (!fs.existsSync(dir)) return [];
	return fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.eml'))
		.sort()
		.map((f) => path.join(dir, f));
}

/** Waits for an outbox message to `email` that is not among `seen` (paths), and parses it. */
export async function waitForOutboxMail(server: TestServer, email: string, seen: Set<string> = new Set(), timeoutMs = 5000): Promise<ParsedMail & { file: string }> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		for (const file of outboxFiles(server)) {
			if (seen.has(file)) continue;
			const mail = parseMail(fs.readFileSync(file, 'utf8'));
			if (mail.to.toLowerCase().includes(email.toLowerCase())) return { ...mail, file };
		}
		if (Date.now() > deadline) throw new Error(`no outbox mail to ${email} within ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

/**
 * Signs in through the real code flow and returns the cookie and session. Reads the code from
 * `mailbox` when given (a server started with that SMTP server's url), else from the outbox.
 */
export async function signIn(
	server: TestServer,
	email: string,
	opts: { mailbox?: SmtpCapture; as?: 'customer' | 'staff'; userAgent?: string } = {}
): Promise<SignedInUser> {
	const headers = { ...sameSiteHeaders(server), ...(opts.userAgent ? { 'user-agent': opts.userAgent } : {}) };
	const seenFiles = new Set(outboxFiles(server));
	const seenMails = new Set(opts.mailbox?.messages ?? []);
	const start = await fetch(`${server.url}/api/auth/start`, { method: 'POST', headers, body: JSON.stringify({ email, as: opts.as }) });
	if (start.status !== 200) throw new Error(`start answered ${start.status}: ${await start.text()}`);
	const { attemptId } = (await start.json()) as { attemptId: string };

	const mail = opts.mailbox
		? await opts.mailbox.waitFor((m) => !seenMails.has(m) && m.envelopeTo.includes(email.trim().toLowerCase()))
		: await waitForOutboxMail(server, email.trim(), seenFiles);
	if (!mail.code) throw new Error(`the sign-in mail has no code:\n${mail.text}`);

	const verify = await fetch(`${server.url}/api/auth/verify-code`, { method: 'POST', headers, body: JSON.stringify({ attemptId, code: mail.code }) });
	if (verify.status !== 200) throw new Error(`verify-code answered ${verify.status}: ${await verify.text()}`);
	const cookie = sessionCookieFrom(server, verify);
	if (!cookie) throw new Error('verify-code set no session cookie');
	const { session } = (await verify.json()) as { session: SessionInfo };
	return { cookie, session };
}

/** Creates a customer with one sign-in address. */
export function addCustomer(server: TestServer, input: { email: string; name?: string; disabled?: boolean }): { customerId: string; portalUserId: string } {
	const customerId = randomUUID();
	const portalUserId = randomUUID();
	const name = input.name ?? 'Test Customer';
	server.app.writer.transaction((w) => {
		w.db.insert(customers).values({ id: customerId, name, email: input.email, seq: w.touch('profile', customerId, customerId), createdAt: w.now, updatedAt: w.now }).run();
		w.db.insert(portalUsers).values({ id: portalUserId, customerId, email: input.email, name, disabled: input.disabled ?? false, createdAt: w.now }).run();
	});
	return { customerId, portalUserId };
}

/** Creates a staff member. */
export function addStaff(server: TestServer, input: { email: string; role: 'owner' | 'office' | 'technician'; name?: string; disabled?: boolean }): { staffUserId: string } {
	const staffUserId = randomUUID();
	server.app.store.db
		.insert(staffUsers)
		.values({ id: staffUserId, email: input.email, name: input.name ?? 'Test Staff', role: input.role, disabled: input.disabled ?? false, createdAt: server.app.clock() })
		.run();
	return { staffUserId };
}
