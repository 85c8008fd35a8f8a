import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import {
	customerCreateSchema,
	customerPatchSchema,
	customerSearchQuerySchema,
	portalInviteSchema,
	type CustomerSearchResponse,
	type CustomerSummary,
	type PortalInviteResponse
} from '../../shared/protocol/staff.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import { revokeSessionsOf } from '../auth/session-admin.ts';
import { createSignInLink } from '../auth/sign-in.ts';
import { getBusiness } from '../branding/service.ts';
import { customers, portalUsers } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { billingColumns, insertCustomer, updateCustomer, type CustomerFields } from './customer-service.ts';
import { invitationMail } from './invitation-mail.ts';
import { customerRecord, portalUserOf, requireCustomer } from './views.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });
const portalUserParams = z.object({ id: z.string().min(1).max(64), portalUserId: z.string().min(1).max(64) });
const OFFICE = ['owner', 'office'] as const;

/** `%`, `_` and `\` taken literally in a LIKE pattern (with `ESCAPE '\'`). */
function likeEscape(s: string): string {
	return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Phone numbers are matched on their digits, however they were typed.
const PHONE_DIGITS = `replace(replace(replace(replace(replace(replace(coalesce(c.phone, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', '')`;

interface SearchRow {
	id: string;
	external_id: string | null;
	name: string;
	email: string | null;
	phone: string | null;
	portal_users: number;
	open_balance: number;
}

const plugin: FastifyPluginAsync = async (app) => {
	const { sqlite } = app.store;

	app.get('/api/staff/customers', { config: { access: 'staff' } }, async (request): Promise<CustomerSearchResponse> => {
		const q = parseInput(customerSearchQuerySchema, request.query);
		const currency = getBusiness(app.store.db, app.clock()).currency;
		const digits = q.q.replace(/\D/g, '');
		const like = `%${likeEscape(q.q.toLowerCase())}%`;
		const where = `c.deleted = 0 AND (@q = ''
			OR lower(c.name) LIKE @like ESCAPE '\\'
			OR lower(coalesce(c.email, '')) LIKE @like ESCAPE '\\'
			OR (length(@digits) >= 3 AND ${PHONE_DIGITS} LIKE '%' || @digits || '%')
			OR EXISTS (SELECT 1 FROM portal_users pu WHERE pu.customer_id = c.id AND lower(pu.email) LIKE @like ESCAPE '\\')
			OR c.external_id = @q)`;
		const params = { q: q.q, like, digits, currency };
		const rows = sqlite
			.prepare(
				`SELECT c.id, c.external_id, c.name, c.email, c.phone,
				   (SELECT count(*) FROM portal_users pu WHERE pu.customer_id = c.id AND pu.disabled = 0) AS portal_users,
				   (SELECT coalesce(sum(max(0, i.total - i.amount_paid)), 0) FROM invoices i
				     WHERE i.customer_id = c.id AND i.deleted = 0 AND i.status IN ('open', 'processing') AND i.currency = @currency) AS open_balance
				 FROM customers c WHERE ${where}
				 ORDER BY c.name COLLATE NOCASE, c.id LIMIT @limit OFFSET @offset`
			)
			.all({ ...params, limit: q.limit, offset: q.offset }) as SearchRow[];
		const { total } = sqlite.prepare(`SELECT count(*) AS total FROM customers c WHERE ${where}`).get(params) as { total: number };
		const list: CustomerSummary[] = rows.map((r) => ({
			id: r.id,
			externalId: r.external_id,
			name: r.name,
			email: r.email,
			phone: r.phone,
			portalUsers: r.portal_users,
			openBalance: r.open_balance,
			currency
		}));
		return { customers: list, total, offset: q.offset, limit: q.limit };
	});

	app.post('/api/staff/customers', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const input = parseInput(customerCreateSchema, request.body);
		const id = app.writer.transaction((w) => {
			const fields = { name: input.name, email: input.email, phone: input.phone, notes: input.notes, ...billingColumns(input.billing) } as CustomerFields;
			const id = insertCustomer(w, fields, input.addresses);
			audit(w.db, w.now, { actor: staffActor(staff), action: 'customer.created', entity: 'customer', entityId: id, detail: { name: input.name } });
			return id;
		});
		reply.status(201);
		return customerRecord(app.store.db, id);
	});

	app.get('/api/staff/customers/:id', { config: { access: 'staff' } }, async (request) => {
		const { id } = parseInput(idParams, request.params);
		return customerRecord(app.store.db, id);
	});

	app.patch('/api/staff/customers/:id', { config: { access: OFFICE } }, async (request) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const patch = parseInput(customerPatchSchema, request.body);
		app.writer.transaction((w) => {
			const row = requireCustomer(w.db, id);
			const changes: Partial<CustomerFields> = {};
			for (const k of ['name', 'email', 'phone', 'notes'] as const) if (patch[k] !== undefined) changes[k] = patch[k] as never;
			if (patch.billing) Object.assign(changes, billingColumns(patch.billing, row));
			let changed = updateCustomer(w, row, changes, patch.addresses, 'id');
			if (patch.externalId !== undefined && patch.externalId !== row.externalId) {
				if (patch.externalId !== null) {
					const other = w.db.select({ id: customers.id }).from(customers).where(eq(customers.externalId, patch.externalId)).get();
					if (other) throw new AppError('CONFLICT', `externalId: another customer is already linked to ${patch.externalId}`, { field: 'externalId' });
				}
				// Not part of what devices see: no new seq.
				w.db.update(customers).set({ externalId: patch.externalId }).where(eq(customers.id, id)).run();
				changed = true;
			}
			if (changed) {
				const fields = Object.keys(patch).filter((k) => k !== 'notes' || patch.notes !== undefined);
				audit(w.db, w.now, { actor: staffActor(staff), action: 'customer.updated', entity: 'customer', entityId: id, detail: { fields } });
			}
		});
		return customerRecord(app.store.db, id);
	});

	app.post('/api/staff/customers/:id/portal-users', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const input = parseInput(portalInviteSchema, request.body);
		const { user, created } = app.writer.transaction((w) => {
			requireCustomer(w.db, id);
			// Sign-in matches addresses case-insensitively; so does "already has access".
			const existing = w.db.select().from(portalUsers).where(sql`lower(${portalUsers.email}) = ${input.email}`).get();
			let userId: string;
			let created = true;
			if (!existing) {
				userId = randomUUID();
				w.db.insert(portalUsers).values({ id: userId, customerId: id, email: input.email, name: input.name, disabled: false, createdAt: w.now }).run();
			} else if (existing.customerId === id && !existing.disabled) {
				userId = existing.id;
				created = false;
			} else if (existing.customerId !== id && !existing.disabled) {
				throw new AppError('CONFLICT', 'email: this address already signs in for another customer', { field: 'email' });
			} else {
				// A removed address comes back (for this customer or, once removed there, another).
				userId = existing.id;
				w.db.update(portalUsers)
					.set({ customerId: id, disabled: false, name: input.name ?? existing.name })
					.where(eq(portalUsers.id, existing.id))
					.run();
			}
			audit(w.db, w.now, {
				actor: staffActor(staff),
				action: created ? 'portal_user.added' : 'portal_user.invited_again',
				entity: 'customer',
				entityId: id,
				detail: { portalUserId: userId, email: input.email, invitation: input.sendInvitation }
			});
			return { user: w.db.select().from(portalUsers).where(eq(portalUsers.id, userId)).get()!, created };
		});
		let invitationSent = false;
		if (input.sendInvitation) {
			try {
				const link = await createSignInLink(app, user.email, 'customer');
				if (link) {
					const business = getBusiness(app.store.db, app.clock());
					await app.mailer.send(invitationMail({ business, to: user.email, name: user.name, link, publicUrl: app.config.publicUrl }));
					invitationSent = true;
				}
			} catch (err) {
				request.log.error({ err }, 'portal invitation could not be sent');
			}
		}
		reply.status(created ? 201 : 200);
		const answer: PortalInviteResponse = { portalUser: portalUserOf(user), invitationSent };
		return answer;
	});

	app.delete('/api/staff/customers/:id/portal-users/:portalUserId', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id, portalUserId } = parseInput(portalUserParams, request.params);
		const revoked = app.writer.transaction((w) => {
			requireCustomer(w.db, id);
			const user = w.db.select().from(portalUsers).where(eq(portalUsers.id, portalUserId)).get();
			if (!user || user.customerId !== id) throw new AppError('NOT_FOUND', 'This customer has no such portal user.');
			// Kept (sessions and sign-in attempts point at it), but it can no longer sign in.
			w.db.update(portalUsers).set({ disabled: true }).where(eq(portalUsers.id, portalUserId)).run();
			const ids = revokeSessionsOf(w.db, { portalUserId }, w.now);
			audit(w.db, w.now, { actor: staffActor(staff), action: 'portal_user.removed', entity: 'customer', entityId: id, detail: { portalUserId, email: user.email, sessions: ids.length } });
			return ids;
		});
		app.sessionRevocations.publish(revoked);
		return reply.status(204).send();
	});
};

/** Customers in the console: search, create, edit, portal access. */
export const staffCustomerRoutes = fp(plugin, { name: 'porchlight-staff-customers', dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-mail', 'porchlight-auth'] });
