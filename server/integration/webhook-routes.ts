import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { webhookEndpointCreateSchema, type WebhookDelivery, type WebhookEndpoint } from '../../shared/protocol/integration.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import { newSecret } from '../auth/sessions.ts';
import { webhookDeliveries, webhookEndpoints } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { enqueueWebhook, WEBHOOK_DEFAULTS, WebhookDispatcher, type WebhookTimings } from './webhooks.ts';

declare module 'fastify' {
	interface FastifyInstance {
		/** The outgoing webhook dispatcher (tests wait on `runDue`). */
		webhooks: WebhookDispatcher;
	}
}

const idParams = z.object({ id: z.string().min(1).max(64) });
const OWNER = ['owner'] as const;

/**
 * True when a URL would reach this very server: its public origin, or a loopback (or
 * this host's) address on the port it listens on. Such endpoints are refused, so an event can
 * never call the portal that sent it.
 */
export function reachesSelf(app: FastifyInstance, url: URL): boolean {
	if (url.origin === new URL(app.config.publicUrl).origin) return true;
	const address = app.server.address();
	const port = typeof address === 'object' && address ? address.port : app.config.port;
	const urlPort = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
	const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
	const local =
		host === 'localhost' || host.endsWith('.localhost') || host === '0.0.0.0' || host === '::' || host === '::1' || /^127\./.test(host) || host === app.config.host.toLowerCase();
	return local && urlPort === port;
}

function endpointsWithStats(app: FastifyInstance, id?: string): WebhookEndpoint[] {
	const rows = app.store.db
		.select()
		.from(webhookEndpoints)
		.where(id ? eq(webhookEndpoints.id, id) : undefined)
		.orderBy(desc(webhookEndpoints.createdAt))
		.all();
	return rows.map((e) => {
		const stats = app.store.db
			.select({
				pending: sql<number>`coalesce(sum(case when ${webhookDeliveries.deliveredAt} is null and ${webhookDeliveries.failedAt} is null then 1 else 0 end), 0)`,
				delivered: sql<number>`coalesce(sum(case when ${webhookDeliveries.deliveredAt} is not null then 1 else 0 end), 0)`,
				failed: sql<number>`coalesce(sum(case when ${webhookDeliveries.failedAt} is not null then 1 else 0 end), 0)`
			})
			.from(webhookDeliveries)
			.where(eq(webhookDeliveries.endpointId, e.id))
			.get()!;
		const last = app.store.db
			.select({ lastError: webhookDeliveries.lastError })
			.from(webhookDeliveries)
			.where(and(eq(webhookDeliveries.endpointId, e.id), isNotNull(webhookDeliveries.lastError), isNull(webhookDeliveries.deliveredAt)))
			.orderBy(desc(webhookDeliveries.createdAt))
			.limit(1)
			.get();
		return {
			id: e.id,
			url: e.url,
			events: e.events,
			active: e.active,
			createdAt: e.createdAt,
			deliveries: { pending: Number(stats.pending), delivered: Number(stats.delivered), failed: Number(stats.failed) },
			lastError: last?.lastError ?? null
		};
	});
}

const plugin: FastifyPluginAsync<{ timings?: WebhookTimings }> = async (app, opts) => {
	const dispatcher = new WebhookDispatcher({
		db: app.store.db,
		clock: app.clock,
		log: app.log,
		timings: { ...WEBHOOK_DEFAULTS, ...opts.timings },
		isSelf: (url) => reachesSelf(app, url)
	});
	app.decorate('webhooks', dispatcher);
	app.addHook('onReady', async () => dispatcher.start());
	// Stop before the database closes (hooks run in reverse order of registration).
	app.addHook('onClose', async () => dispatcher.stop());

	app.post('/api/staff/webhooks', { config: { access: OWNER } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const input = parseInput(webhookEndpointCreateSchema, request.body);
		const url = new URL(input.url);
		if (url.username || url.password) throw new AppError('VALIDATION', 'url: must not carry a user name or password', { field: 'url' });
		if (reachesSelf(app, url)) throw new AppError('VALIDATION', 'url: must be another system, not this portal', { field: 'url' });
		const id = randomUUID();
		const secret = `whsec_${newSecret(24)}`;
		app.writer.transaction((w) => {
			w.db.insert(webhookEndpoints).values({ id, url: url.href, secret, events: input.events, active: true, createdAt: w.now }).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'webhook.created', entity: 'webhook_endpoint', entityId: id, detail: { url: url.href, events: input.events } });
		});
		reply.status(201);
		return { endpoint: endpointsWithStats(app, id)[0], secret };
	});

	app.get('/api/staff/webhooks', { config: { access: OWNER } }, async () => ({ endpoints: endpointsWithStats(app) }));

	app.delete('/api/staff/webhooks/:id', { config: { access: OWNER } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = w.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
			if (!row) throw new AppError('NOT_FOUND', 'There is no such webhook endpoint.');
			if (!row.active) return;
			w.db.update(webhookEndpoints).set({ active: false }).where(eq(webhookEndpoints.id, id)).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'webhook.removed', entity: 'webhook_endpoint', entityId: id, detail: { url: row.url } });
		});
		return reply.status(204).send();
	});

	app.get('/api/staff/webhooks/:id/deliveries', { config: { access: OWNER } }, async (request) => {
		const { id } = parseInput(idParams, request.params);
		if (!app.store.db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get()) {
			throw new AppError('NOT_FOUND', 'There is no such webhook endpoint.');
		}
		const deliveries: WebhookDelivery[] = app.store.db
			.select({
				id: webhookDeliveries.id,
				event: webhookDeliveries.event,
				attempts: webhookDeliveries.attempts,
				nextAttemptAt: webhookDeliveries.nextAttemptAt,
				deliveredAt: webhookDeliveries.deliveredAt,
				failedAt: webhookDeliveries.failedAt,
				lastError: webhookDeliveries.lastError,
				createdAt: webhookDeliveries.createdAt
			})
			.from(webhookDeliveries)
			.where(eq(webhookDeliveries.endpointId, id))
			.orderBy(desc(webhookDeliveries.createdAt))
			.limit(100)
			.all();
		return { deliveries };
	});

	// "Send test": a `ping` to this endpoint only, whatever it subscribed to.
	app.post('/api/staff/webhooks/:id/test', { config: { access: OWNER } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const queued = app.writer.transaction((w) => {
			const row = w.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
			if (!row || !row.active) throw new AppError('NOT_FOUND', 'There is no such webhook endpoint.');
			audit(w.db, w.now, { actor: staffActor(staff), action: 'webhook.tested', entity: 'webhook_endpoint', entityId: id });
			return enqueueWebhook(w, 'ping', { message: 'A test event from the staff console.' }, id);
		});
		return reply.status(202).send({ queued });
	});
};

/** Outgoing webhooks: the endpoints the owner configures, and the dispatcher that calls them. */
export const webhookRoutes = fp(plugin, { name: 'porchlight-webhooks', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
