import { and, desc, eq, gt, isNull, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { customers, portalUsers, sessions } from '../db/schema.ts';
import type { Device, SessionInfo } from '../../shared/protocol/auth.ts';
import type { Principal } from './types.ts';

/** Whose sessions an operation covers: one sign-in address, one staff member, or a whole customer. */
export type SessionOwner = { portalUserId: string } | { staffUserId: string } | { customerId: string };

/** The sessions of the user behind a principal (a customer's own address, not the whole customer). */
export function ownerOf(p: Principal): SessionOwner {
	return p.kind === 'customer' ? { portalUserId: p.portalUserId } : { staffUserId: p.staffUserId };
}

function ownerWhere(owner: SessionOwner): SQL {
	if ('portalUserId' in owner) return eq(sessions.portalUserId, owner.portalUserId);
	if ('staffUserId' in owner) return eq(sessions.staffUserId, owner.staffUserId);
	return eq(sessions.customerId, owner.customerId);
}

/**
 * Hears about revoked sessions so open connections (the sync socket) can close at once instead
 * of at their next check. Listeners get the public ids.
 */
export class SessionRevocations {
	#listeners = new Set<(publicIds: string[]) => void>();

	/** Calls `fn` after sessions are revoked; returns the unsubscribe function. */
	subscribe(fn: (publicIds: string[]) => void): () => void {
		this.#listeners.add(fn);
		return () => this.#listeners.delete(fn);
	}

	/** Tells every listener; a throwing listener does not stop the others. */
	publish(publicIds: string[]): void {
		if (publicIds.length === 0) return;
		for (const fn of this.#listeners) {
			try {
				fn(publicIds);
			} catch {
				// a listener's own code logs its failures
			}
		}
	}
}

declare module 'fastify' {
	interface FastifyInstance {
		/** Revoked sessions, announced after the revocation is stored. */
		sessionRevocations: SessionRevocations;
	}
}

/** Revokes every live session of an owner, optionally only the one with `publicId`. Returns the revoked public ids. */
export function revokeSessionsOf(db: Db, owner: SessionOwner, now: number, publicId?: string): string[] {
	const where = and(ownerWhere(owner), isNull(sessions.revokedAt), publicId === undefined ? undefined : eq(sessions.publicId, publicId));
	return db
		.update(sessions)
		.set({ revokedAt: now })
		.where(where)
		.returning({ publicId: sessions.publicId })
		.all()
		.map((r) => r.publicId);
}

/** The owner's live sessions, most recently seen first. */
export function listDevices(db: Db, owner: SessionOwner, currentPublicId: string, now: number): Device[] {
	return db
		.select()
		.from(sessions)
		.where(and(ownerWhere(owner), isNull(sessions.revokedAt), gt(sessions.idleExpiresAt, now), gt(sessions.absoluteExpiresAt, now)))
		.orderBy(desc(sessions.lastSeenAt))
		.all()
		.map((s) => ({
			id: s.publicId,
			current: s.publicId === currentPublicId,
			userAgent: s.userAgent,
			createdAt: s.createdAt,
			lastSeenAt: s.lastSeenAt
		}));
}

/** What `GET /api/auth/session` tells the client about a principal. */
export function sessionInfoOf(db: Db, p: Principal, databaseId: string): SessionInfo {
	if (p.kind === 'staff') {
		return { kind: 'staff', staffUserId: p.staffUserId, name: p.name, email: p.email, role: p.role, sessionId: p.sessionPublicId, databaseId };
	}
	const row = db
		.select({ userName: portalUsers.name, customerName: customers.name })
		.from(portalUsers)
		.innerJoin(customers, eq(customers.id, portalUsers.customerId))
		.where(eq(portalUsers.id, p.portalUserId))
		.get();
	return {
		kind: 'customer',
		customerId: p.customerId,
		name: row?.userName || row?.customerName || p.email,
		email: p.email,
		sessionId: p.sessionPublicId,
		databaseId
	};
}
