import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { API_KEY_PREFIX } from '../../shared/protocol/integration.ts';
import { apiKeyCreateSchema, type ApiKey } from '../../shared/protocol/staff.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import { hashSecret } from '../auth/sessions.ts';
import type { Db } from '../db/client.ts';
import { apiKeys, staffUsers } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';

/** The system calling `/api/v1`, as its API key says. */
export interface IntegrationCaller {
	keyId: string;
	name: string;
}

declare module 'fastify' {
	interface FastifyRequest {
		/** Set on `integration` routes once the bearer key checked out. */
		integration: IntegrationCaller | null;
	}
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A new key: `pl_live_` and 32 base62 characters (about 190 bits). */
export function newApiKey(): string {
	// 256 is a multiple of 62 only approximately; rejection keeps every character equally likely.
	let out = '';
	while (out.length < 32) {
		for (const b of randomBytes(48)) {
			if (b < 248 && out.length < 32) out += BASE62[b % 62];
		}
	}
	return API_KEY_PREFIX + out;
}

/** Characters of a key kept for display: the prefix and four more. */
export function displayPrefix(key: string): string {
	return key.slice(0, API_KEY_PREFIX.length + 4);
}

/** How stale `last_used_at` may get before a request refreshes it (saves a write per call). */
const TOUCH_EVERY_MS = 60 * 1000;

function listKeys(db: Db, id?: string): ApiKey[] {
	return db
		.select({
			id: apiKeys.id,
			name: apiKeys.name,
			prefix: apiKeys.prefix,
			createdAt: apiKeys.createdAt,
			createdByName: staffUsers.name,
			lastUsedAt: apiKeys.lastUsedAt,
			revokedAt: apiKeys.revokedAt
		})
		.from(apiKeys)
		.leftJoin(staffUsers, eq(staffUsers.id, apiKeys.createdBy))
		.where(id ? eq(apiKeys.id, id) : undefined)
		.orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
		.all();
}

const idParams = z.object({ id: z.string().min(1).max(64) });
const OWNER = ['owner'] as const;

const plugin: FastifyPluginAsync = async (app) => {
	app.decorateRequest('integration', null);
	const lookup = app.store.sqlite.prepare<[string], { id: string; name: string; revoked_at: number | null; last_used_at: number | null }>(
		'SELECT id, name, revoked_at, last_used_at FROM api_keys WHERE key_hash = ?'
	);
	const touch = app.store.sqlite.prepare<[number, string]>('UPDATE api_keys SET last_used_at = ? WHERE id = ?');

	// Runs after the auth guard's hook (registered later), which lets `integration` routes through.
	app.addHook('onRequest', async (request) => {
		if (request.routeOptions.config?.access !== 'integration') return;
		const header = request.headers.authorization;
		const match = typeof header === 'string' ? /^Bearer\s+(\S{1,200})\s*$/i.exec(header) : null;
		const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message, { headers: { 'www-authenticate': 'Bearer realm="api"' } });
		if (!match) throw unauthenticated('Send an API key as `Authorization: Bearer <key>`.');
		// Looked up by its SHA-256: the comparison happens on the hash, in the index, so the time
		// it takes says nothing about how much of a guessed key was right.
		const row = lookup.get(hashSecret(match[1]));
		if (!row || row.revoked_at !== null) throw unauthenticated('This API key is not valid (unknown or revoked).');
		const now = app.clock();
		if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) touch.run(now, row.id);
		request.integration = { keyId: row.id, name: row.name };
	});

	app.post('/api/staff/api-keys', { config: { access: OWNER } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { name } = parseInput(apiKeyCreateSchema, request.body);
		const key = newApiKey();
		const id = randomUUID();
		app.writer.transaction((w) => {
			w.db.insert(apiKeys).values({ id, name, prefix: displayPrefix(key), keyHash: hashSecret(key), createdBy: staff.staffUserId, createdAt: w.now }).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'api_key.created', entity: 'api_key', entityId: id, detail: { name, prefix: displayPrefix(key) } });
		});
		reply.status(201).header('cache-control', 'no-store');
		return { apiKey: listKeys(app.store.db, id)[0], key };
	});

	app.get('/api/staff/api-keys', { config: { access: OWNER } }, async () => ({ keys: listKeys(app.store.db) }));

	app.delete('/api/staff/api-keys/:id', { config: { access: OWNER } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = w.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
			if (!row) throw new AppError('NOT_FOUND', 'There is no such API key.');
			if (row.revokedAt !== null) return;
			w.db.update(apiKeys).set({ revokedAt: w.now }).where(eq(apiKeys.id, id)).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'api_key.revoked', entity: 'api_key', entityId: id, detail: { name: row.name, prefix: row.prefix } });
		});
		return reply.status(204).send();
	});

};

/**
 * API keys: created and revoked by the owner in the console (shown once, stored as SHA-256), and
 * the check that lets a bearer key call the `integration` routes.
 */
export const apiKeyRoutes = fp(plugin, { name: 'porchlight-api-keys', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
