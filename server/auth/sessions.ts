import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { and, eq, getTableName, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { portalUsers, sessions, staffUsers } from '../db/schema.ts';
import type { Principal, StaffRole } from './types.ts';

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

/** A session joined with its user, as the lookup statement returns it (raw, in this order). */
type SessionLookupRow = [
	publicId: string,
	userKind: 'customer' | 'staff',
	customerId: string | null,
	lastSeenAt: number,
	idleExpiresAt: number,
	absoluteExpiresAt: number,
	revokedAt: number | null,
	portalUserId: string | null,
	portalUserCustomerId: string | null,
	portalUserEmail: string | null,
	portalUserDisabled: number | null,
	staffUserId: string | null,
	staffRole: StaffRole | null,
	staffEmail: string | null,
	staffName: string | null,
	staffDisabled: number | null
];

function prepareLookup(client: Database.Database): Database.Statement<[string], SessionLookupRow> {
	const [S, P, U] = [sessions, portalUsers, staffUsers];
	const c = (table: string, column: { name: string }) => `${table}."${column.name}"`;
	return client
		.prepare<[string], SessionLookupRow>(
			`SELECT ${[S.publicId, S.userKind, S.customerId, S.lastSeenAt, S.idleExpiresAt, S.absoluteExpiresAt, S.revokedAt].map((col) => c('s', col)).join(', ')},
				${[P.id, P.customerId, P.email, P.disabled].map((col) => c('p', col)).join(', ')},
				${[U.id, U.role, U.email, U.name, U.disabled].map((col) => c('u', col)).join(', ')}
			FROM "${getTableName(S)}" s
			LEFT JOIN "${getTableName(P)}" p ON ${c('s', S.userKind)} = 'customer' AND ${c('p', P.id)} = ${c('s', S.portalUserId)}
			LEFT JOIN "${getTableName(U)}" u ON ${c('s', S.userKind)} = 'staff' AND ${c('u', U.id)} = ${c('s', S.staffUserId)}
			WHERE ${c('s', S.idHash)} = ?`
		)
		.raw(true);
}

// Every /api request resolves its session. It is one statement, prepared once per connection and
// read raw: drizzle's query builder and row mapping cost more than SQLite did (bench/sync.ts).
const lookups = new WeakMap<Database.Database, Database.Statement<[string], SessionLookupRow>>();

function lookupOf(db: Db): Database.Statement<[string], SessionLookupRow> {
	const client = (db as { $client?: Database.Database }).$client;
	if (!client) throw new Error('resolveSession needs the root database handle, not a transaction');
	let stmt = lookups.get(client);
	if (!stmt) lookups.set(client, (stmt = prepareLookup(client)));
	return stmt;
}

/**
 * Resolves a session token to its principal, refreshing the idle timeout. Null when the
 * session is unknown, revoked, expired, or its user was disabled.
 */
export function resolveSession(db: Db, token: string | undefined, now: number): Principal | null {
	if (!token || token.length > 200) return null;
	const idHash = hashSecret(token);
	const row = lookupOf(db).get(idHash);
	if (!row) return null;
	const [publicId, userKind, customerId, lastSeenAt, idleExpiresAt, absoluteExpiresAt, revokedAt, portalUserId, portalUserCustomerId, portalUserEmail, portalUserDisabled, staffUserId, staffRole, staffEmail, staffName, staffDisabled] = row;
	if (revokedAt !== null || now >= idleExpiresAt || now >= absoluteExpiresAt) return null;
	let principal: Principal | null = null;
	if (userKind === 'customer' && portalUserId !== null && customerId !== null) {
		if (!portalUserDisabled && portalUserCustomerId === customerId) {
			principal = { kind: 'customer', sessionPublicId: publicId, customerId, portalUserId, email: portalUserEmail! };
		}
	} else if (userKind === 'staff' && staffUserId !== null) {
		if (!staffDisabled) {
			principal = { kind: 'staff', sessionPublicId: publicId, staffUserId, role: staffRole!, email: staffEmail!, name: staffName! };
		}
	}
	if (principal && now - lastSeenAt > TOUCH_EVERY_MS) {
		db.update(sessions)
			.set({ lastSeenAt: now, idleExpiresAt: Math.min(now + SESSION_IDLE_MS, absoluteExpiresAt) })
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
