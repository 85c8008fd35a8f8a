import { randomInt, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.ts';
import { loginAttempts, portalUsers, staffUsers } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import {
	emailSchema,
	SIGN_IN_CODE_LENGTH,
	SIGN_IN_CONFIRM_PATH,
	SIGN_IN_EXPIRES_IN_SECONDS,
	SIGN_IN_MAX_CODE_TRIES
} from '../../shared/protocol/auth.ts';
import { createSession, hashSecret, newSecret, type NewSession } from './sessions.ts';

/** The account an address signs in to. */
export type SignInAccount = NewSession;

/** How long a link and code live. */
export const ATTEMPT_TTL_MS = SIGN_IN_EXPIRES_IN_SECONDS * 1000;

/**
 * The account an (already normalised) address belongs to, or null. Disabled users have none.
 * An address that is both a customer's and a staff member's signs in as the customer unless
 * the sign-in screen asked for staff: customers are the many, and a staff member testing the
 * portal with their own address should land where customers land.
 */
export function findAccount(db: Db, email: string, as?: 'customer' | 'staff'): SignInAccount | null {
	// Case-insensitive, whatever case the address was stored in by staff or an integration.
	const customer = db
		.select({ id: portalUsers.id, customerId: portalUsers.customerId })
		.from(portalUsers)
		.where(and(sql`lower(${portalUsers.email}) = ${email}`, eq(portalUsers.disabled, false)))
		.get();
	const staff = db
		.select({ id: staffUsers.id })
		.from(staffUsers)
		.where(and(sql`lower(${staffUsers.email}) = ${email}`, eq(staffUsers.disabled, false)))
		.get();
	if (staff && (!customer || as === 'staff')) return { kind: 'staff', staffUserId: staff.id };
	if (customer) return { kind: 'customer', portalUserId: customer.id, customerId: customer.customerId };
	return null;
}

/** The code's stored form: bound to its attempt, so one table of 10^6 hashes doesn't open every row. */
export function hashCode(attemptId: string, code: string): string {
	return hashSecret(`${attemptId}:${code}`);
}

/** The mailed link: the secret rides in the fragment, which browsers never send to the server. */
export function signInLink(publicUrl: string, secret: string): string {
	return `${publicUrl}${SIGN_IN_CONFIRM_PATH}#token=${secret}`;
}

/** A new attempt's secrets; they exist only here and in the email. */
export interface NewAttempt {
	attemptId: string;
	secret: string;
	code: string;
}

/**
 * Stores a sign-in attempt. With no account the row is stored anyway (same work, same timing),
 * but with no user it can never be redeemed: its link and code are never mailed.
 */
export function createAttempt(db: Db, input: { email: string; account: SignInAccount | null; ip?: string; now: number }): NewAttempt {
	const attemptId = randomUUID();
	const secret = newSecret(32);
	const code = String(randomInt(0, 10 ** SIGN_IN_CODE_LENGTH)).padStart(SIGN_IN_CODE_LENGTH, '0');
	const account = input.account;
	db.insert(loginAttempts)
		.values({
			id: attemptId,
			email: input.email,
			userKind: account?.kind ?? null,
			portalUserId: account?.kind === 'customer' ? account.portalUserId : null,
			staffUserId: account?.kind === 'staff' ? account.staffUserId : null,
			secretHash: hashSecret(secret),
			codeHash: hashCode(attemptId, code),
			createdAt: input.now,
			expiresAt: input.now + ATTEMPT_TTL_MS,
			ip: input.ip ?? null,
			purpose: 'sign_in'
		})
		.run();
	return { attemptId, secret, code };
}

/** Drops sign-in attempts older than a day; they are dead long before that. */
export function sweepAttempts(db: Db, now: number): void {
	db.delete(loginAttempts)
		.where(and(eq(loginAttempts.purpose, 'sign_in'), sql`${loginAttempts.createdAt} < ${now - 24 * 60 * 60 * 1000}`))
		.run();
}

const statements = new WeakMap<object, Map<string, unknown>>();

/** A prepared statement, prepared once per database connection. */
function prepared<P extends object, R>(app: FastifyInstance, source: string) {
	let cache = statements.get(app.store.sqlite);
	if (!cache) statements.set(app.store.sqlite, (cache = new Map()));
	let stmt = cache.get(source);
	if (!stmt) cache.set(source, (stmt = app.store.sqlite.prepare<P, R>(source)));
	return stmt as Database.Statement<P, R>;
}

interface ConsumedRow {
	user_kind: 'customer' | 'staff';
	portal_user_id: string | null;
	staff_user_id: string | null;
}

// Every redeemable condition sits in the UPDATE's WHERE, so check-and-consume is one statement:
// of any number of concurrent redeems, exactly one sees `changes = 1`.
const LIVE = `purpose = 'sign_in' AND user_kind IS NOT NULL AND consumed_at IS NULL AND expires_at > @now AND failed_codes < ${SIGN_IN_MAX_CODE_TRIES}`;

function consumeByCode(app: FastifyInstance, attemptId: string, code: string, now: number): ConsumedRow | undefined {
	return prepared<{ now: number; id: string; hash: string }, ConsumedRow>(
			app,
			`UPDATE login_attempts SET consumed_at = @now WHERE id = @id AND code_hash = @hash AND ${LIVE}
			 RETURNING user_kind, portal_user_id, staff_user_id`
		)
		.get({ now, id: attemptId, hash: hashCode(attemptId, code) });
}

function consumeBySecret(app: FastifyInstance, secret: string, now: number): ConsumedRow | undefined {
	return prepared<{ now: number; hash: string }, ConsumedRow>(
			app,
			`UPDATE login_attempts SET consumed_at = @now WHERE secret_hash = @hash AND ${LIVE}
			 RETURNING user_kind, portal_user_id, staff_user_id`
		)
		.get({ now, hash: hashSecret(secret) });
}

/** Counts a wrong code. Returns the tries left, or null when the attempt was already dead. */
function countWrongCode(app: FastifyInstance, attemptId: string, now: number): number | null {
	// No `user_kind` condition: an attempt for an unknown address counts down exactly like a real one.
	const row = prepared<{ now: number; id: string }, { failed_codes: number }>(
			app,
			`UPDATE login_attempts SET failed_codes = failed_codes + 1
			 WHERE id = @id AND purpose = 'sign_in' AND consumed_at IS NULL AND expires_at > @now AND failed_codes < ${SIGN_IN_MAX_CODE_TRIES}
			 RETURNING failed_codes`
		)
		.get({ now, id: attemptId });
	return row ? SIGN_IN_MAX_CODE_TRIES - row.failed_codes : null;
}

/** The session a consumed attempt opens, or GONE when its user was disabled meanwhile. */
function accountOf(db: Db, row: ConsumedRow, via: 'code' | 'link'): SignInAccount {
	if (row.user_kind === 'customer' && row.portal_user_id) {
		const u = db.select().from(portalUsers).where(eq(portalUsers.id, row.portal_user_id)).get();
		if (u && !u.disabled) return { kind: 'customer', portalUserId: u.id, customerId: u.customerId };
	} else if (row.user_kind === 'staff' && row.staff_user_id) {
		const u = db.select().from(staffUsers).where(eq(staffUsers.id, row.staff_user_id)).get();
		if (u && !u.disabled) return { kind: 'staff', staffUserId: u.id };
	}
	throw gone(via);
}

/** Where a sign-in comes from, for the session's device list. */
export interface SignInMeta {
	userAgent?: string;
	ip?: string;
}

/** A new session: its secret (for the cookie) and public id. */
export interface SignedIn {
	token: string;
	publicId: string;
	account: SignInAccount;
}

function openSession(app: FastifyInstance, row: ConsumedRow, meta: SignInMeta, now: number, via: 'code' | 'link'): SignedIn {
	const db = app.store.db;
	const account = accountOf(db, row, via);
	const { token, publicId } = createSession(db, account, { now, userAgent: meta.userAgent, ip: meta.ip });
	if (account.kind === 'customer') db.update(portalUsers).set({ lastSignInAt: now }).where(eq(portalUsers.id, account.portalUserId)).run();
	else db.update(staffUsers).set({ lastSignInAt: now }).where(eq(staffUsers.id, account.staffUserId)).run();
	return { token, publicId, account };
}

function gone(via: 'code' | 'link'): AppError {
	return new AppError(
		'GONE',
		via === 'code'
			? 'This code has expired or was already used. Request a new one.'
			: 'This sign-in link has expired or was already used. Request a new one.'
	);
}

/**
 * Signs in with an attempt's code. A wrong code answers 400 (field `code`, `details.triesLeft`);
 * after the fifth wrong code, or once the attempt expired or was used, every try is 410 GONE.
 */
export function signInWithCode(app: FastifyInstance, attemptId: string, code: string, meta: SignInMeta): SignedIn {
	const now = app.clock();
	const signedIn = app.store.sqlite.transaction(() => {
		const row = consumeByCode(app, attemptId, code, now);
		return row ? openSession(app, row, meta, now, 'code') : null;
	})();
	if (signedIn) return signedIn;
	const triesLeft = countWrongCode(app, attemptId, now);
	if (triesLeft === null) throw gone('code');
	throw new AppError(
		'VALIDATION',
		triesLeft > 0
			? `That code is not right. ${triesLeft === 1 ? '1 try' : `${triesLeft} tries`} left.`
			: 'That code is not right, and that was the last try. Request a new one.',
		{ field: 'code', details: { triesLeft } }
	);
}

/** Signs in with the secret from a link. Bad, expired or used secrets are 410 GONE. */
export function signInWithLink(app: FastifyInstance, secret: string, meta: SignInMeta): SignedIn {
	const now = app.clock();
	const signedIn = app.store.sqlite.transaction(() => {
		const row = consumeBySecret(app, secret, now);
		return row ? openSession(app, row, meta, now, 'link') : null;
	})();
	if (!signedIn) throw gone('link');
	return signedIn;
}

/**
 * Creates a sign-in attempt for `email` and returns its link without mailing it (the demo's
 * start banner prints it). Null when the address has no account or is not an address.
 */
export async function createSignInLink(app: FastifyInstance, email: string, as?: 'customer' | 'staff'): Promise<string | null> {
	const parsed = emailSchema.safeParse(email);
	if (!parsed.success) return null;
	const account = findAccount(app.store.db, parsed.data, as);
	if (!account) return null;
	const { secret } = createAttempt(app.store.db, { email: parsed.data, account, now: app.clock() });
	return signInLink(app.config.publicUrl, secret);
}
