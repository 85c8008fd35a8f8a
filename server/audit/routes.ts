import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import { auditQuerySchema, type AuditEntry, type AuditResponse } from '../../shared/protocol/staff.ts';
import { apiKeys, auditLog, customers, portalUsers, staffUsers } from '../db/schema.ts';
import { parseInput } from '../http/errors.ts';

const plugin: FastifyPluginAsync = async (app) => {
	const db = app.store.db;

	app.get('/api/staff/audit', { config: { access: ['owner'] } }, async (request): Promise<AuditResponse> => {
		const q = parseInput(auditQuerySchema, request.query);
		const rows = db
			.select()
			.from(auditLog)
			.where(
				and(
					q.before === undefined ? undefined : lt(auditLog.id, q.before),
					q.entity ? eq(auditLog.entity, q.entity) : undefined,
					q.entityId ? eq(auditLog.entityId, q.entityId) : undefined,
					q.actorId ? eq(auditLog.actorId, q.actorId) : undefined
				)
			)
			.orderBy(desc(auditLog.id))
			.limit(q.limit + 1)
			.all();
		const page = rows.slice(0, q.limit);
		const ids = (kind: string) => [...new Set(page.filter((r) => r.actorKind === kind && r.actorId).map((r) => r.actorId!))];
		const staffIds = ids('staff');
		const keyIds = ids('integration');
		const portalUserIds = ids('customer');
		const names = new Map<string, string>([
			...(staffIds.length ? db.select({ id: staffUsers.id, name: staffUsers.name }).from(staffUsers).where(inArray(staffUsers.id, staffIds)).all() : []).map(
				(r) => [`staff:${r.id}`, r.name] as [string, string]
			),
			...(keyIds.length ? db.select({ id: apiKeys.id, name: apiKeys.name }).from(apiKeys).where(inArray(apiKeys.id, keyIds)).all() : []).map(
				(r) => [`integration:${r.id}`, r.name] as [string, string]
			),
			// A customer's own answer (a quote signed, declined): the person's name, else their customer's.
			...(portalUserIds.length
				? db
						.select({ id: portalUsers.id, name: portalUsers.name, customerName: customers.name })
						.from(portalUsers)
						.innerJoin(customers, eq(customers.id, portalUsers.customerId))
						.where(inArray(portalUsers.id, portalUserIds))
						.all()
				: []
			).map((r) => [`customer:${r.id}`, r.name || r.customerName] as [string, string])
		]);
		const entries: AuditEntry[] = page.map((r) => ({
			id: r.id,
			at: r.at,
			actor: { kind: r.actorKind, id: r.actorId, name: r.actorId ? (names.get(`${r.actorKind}:${r.actorId}`) ?? null) : null },
			action: r.action,
			entity: r.entity,
			entityId: r.entityId,
			detail: r.detail ?? null
		}));
		return { entries, nextBefore: rows.length > q.limit ? page[page.length - 1].id : null };
	});
};

/** `GET /api/staff/audit`: what staff and integrations did, newest first (owner only). */
export const auditRoutes = fp(plugin, { name: 'porchlight-audit', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
