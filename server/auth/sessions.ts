import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { portalUsers, sessions, staffUsers } from '../db/schema.ts';
import type { Principal } from './types.ts';

/** Sliding idle timeout. */
export const SESSION_IDLE_MS = 30 * 24 * 60 * 60 * 1000;
/** Hard limit from sign-in, whatever the activity. */
export const SESSION_ABSOLUTE_MS = 90 * 24 * 60 * 60 * 1000;
/** How stale `last_seen_at` may get before a request refreshes it (saves a write per request). */
const TOUCH_EVERY_MS = 60 * 1000;

/** SHA-256 hex of a secret; secrets are only ever stored this way. */
export function hashSecret(secret: string): string {
	return createHash('sha256').update(secret).digest('hex');
}

/** A new random secret of 256 bits, base64url. */
export function newSecret(bytes = 32): string {
	return randomBytes(bytes).toString('base64url');
}

/** The session cookie's name: `__Host-` prefixed (and Secure) when the portal is served over https. */
export function sessionCookieName(config: Config): string {
	return config.publicUrl.startsWith('https://') ? '__Host-porchlight_session' : 'porchlight_session';
}

/** Cookie attributes for the session cookie. */
export function sessionCookieOptions(config: Config, maxAgeSeconds: number) {
	return {
		path: '/',
		httpOnly: true,
		sameSite: 'lax' as const,
		secure: config.publicUrl.startsWith('https://'),
		maxAge: maxAgeSeconds
	};
}

export type NewSession =
	| { kind: 'customer'; portalUserId: string; customerId: string }
	| { kind: 'staff'; staffUserId: string };

/** Creates a session and returns its secret id (for the cookie) and public handle. */
export function createSession(db: Db, input: NewSession, meta: { now: number; userAgent?: string; ip?: string }) {
	const token = newSecret(32);
	const publicId = newSecret(12);
	db.insert(sessions)
		.values({
			idHash: hashSecret(token),
			publicId,
			userKind: input.kind,
			portalUserId: input.kind === 'customer' ? input.portalUserId : null,
			customerId: input.kind === 'customer' ? input.customerId : null,
			staffUserId: input.kind === 'staff' ? input.staffUserId : null,
			createdAt: meta.now,
			lastSeenAt: meta.now,
			idleExpiresAt: meta.now + SESSION_IDLE_MS,
			absoluteExpiresAt: meta.now + SESSION_ABSOLUTE_MS,
			userAgent: meta.userAgent?.slice(0, 300) ?? null,
			ip: meta.ip ?? null
		})
		.run();
	return { token, publicId };
}

/** Sets the session cookie on a reply. */
export function setSessionCookie(app: FastifyInstance, reply: FastifyReply, token: string): void {
	reply.setCookie(sessionCookieName(app.config), token, sessionCookieOptions(app.config, Math.floor(SESSION_ABSOLUTE_MS / 1000)));
}

/** Clears the session cookie on a reply. */
export function clearSessionCookie(app: FastifyInstance, reply: FastifyReply): void {
	reply.clearCookie(sessionCookieName(app.config), sessionCookieOptions(app.config, 0));
}

function prepareLookups(db: Db) {
	return {
		session: db.select().from(sessions).where(eq(sessions.idHash, sql.placeholder('idHash'))).prepare(),
		portalUser: db.select().from(portalUsers).where(eq(portalUsers.id, sql.placeholder('id'))).prepare(),
		staffUser: db.select().from(staffUsers).where(eq(staffUsers.id, sql.placeholder('id'))).prepare()
	};
}

// Every /api request resolves its session: building and preparing these queries each time cost
// more than running them (bench/sync.ts), so they are prepared once per database handle.
const lookups = new WeakMap<Db, ReturnType<typeof prepareLookups>>();

function lookupsOf(db: Db): ReturnType<typeof prepareLookups> {
	let q = lookups.get(db);
	if (!q) lookups.set(db, (q = prepareLookups(db)));
	return q;
}

/**
 * Resolves a session token to its principal, refreshing the idle timeout. Null when the
 * session is unknown, revoked, expired, or its user was disabled.
 */
export function resolveSession(db: Db, token: string | undefined, now: number): Principal | null {
	if (!token || token.length > 200) return null;
	const idHash = hashSecret(token);
	const q = lookupsOf(db);
	const s = q.session.get({ idHash });
	if (!s || s.revokedAt !== null || now >= s.idleExpiresAt || now >= s.absoluteExpiresAt) return null;
	let principal: Principal | null = null;
	if (s.userKind === 'customer' && s.portalUserId && s.customerId) {
		const u = q.portalUser.get({ id: s.portalUserId });
		if (u && !u.disabled && u.customerId === s.customerId) {
			principal = { kind: 'customer', sessionPublicId: s.publicId, customerId: s.customerId, portalUserId: u.id, email: u.email };
		}
	} else if (s.userKind === 'staff' && s.staffUserId) {
		const u = q.staffUser.get({ id: s.staffUserId });
		if (u && !u.disabled) {
			principal = { kind: 'staff', sessionPublicId: s.publicId, staffUserId: u.id, role: u.role, email: u.email, name: u.name };
		}
	}
	if (principal && now - s.lastSeenAt > TOUCH_EVERY_MS) {
		db.update(sessions)
			.set({ lastSeenAt: now, idleExpiresAt: Math.min(now + SESSION_IDLE_MS, s.absoluteExpiresAt) })
			.where(eq(sessions.idHash, idHash))
			.run();
	}
	return principal;
}

/** True while the session behind a public id is still usable (the stream re-checks this). */
export function isSessionLive(db: Db, publicId: string, now: number): boolean {
	const s = db.select().from(sessions).where(eq(sessions.publicId, publicId)).get();
	return !!s && s.revokedAt === null && now < s.idleExpiresAt && now < s.absoluteExpiresAt;
}

/** Revokes one session by its public id. */
export function revokeSession(db: Db, publicId: string, now: number): void {
	db.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.publicId, publicId), isNull(sessions.revokedAt))).run();
}

/** The session token a request carries, if any. */
export function sessionTokenOf(app: FastifyInstance, request: FastifyRequest): string | undefined {
	return request.cookies?.[sessionCookieName(app.config)];
}
