import type { Principal } from '../auth/types.ts';
import type { Db } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

/**
 * Who did something: a signed-in staff member, another system through an API key, the server
 * itself, or a customer (their portal user) answering something the office sent them.
 */
export type Actor = { kind: 'staff'; id: string } | { kind: 'integration'; id: string } | { kind: 'system'; id: null } | { kind: 'customer'; id: string };

/** One audited action. `action` is `<entity>.<verb>`, e.g. `invoice.issued`. */
export interface AuditEntry {
	actor: Actor;
	action: string;
	entity: string;
	entityId: string | null;
	detail?: Record<string, unknown> | null;
}

/** The actor behind a staff principal. */
export function staffActor(p: Extract<Principal, { kind: 'staff' }>): Actor {
	return { kind: 'staff', id: p.staffUserId };
}

/**
 * Records an action. Call it with the transaction's handle (`w.db`) inside the transaction that
 * makes the change, so the log never claims something that was rolled back, nor misses a change.
 */
export function audit(db: Db, now: number, entry: AuditEntry): void {
	db.insert(auditLog)
		.values({
			at: now,
			actorKind: entry.actor.kind,
			actorId: entry.actor.id,
			action: entry.action,
			entity: entry.entity,
			entityId: entry.entityId,
			detail: entry.detail ?? null
		})
		.run();
}
