import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { isCollectionName, type CollectionName } from '../../shared/protocol/collections.ts';
import { pullQuerySchema, type PullResponse } from '../../shared/protocol/pull.ts';
import { PUSH_ROWS_MAX } from '../../shared/protocol/push.ts';
import { MESSAGE_BODY_MAX } from '../../shared/schemas/message.ts';
import { customerOf } from '../auth/guard.ts';
import type { Db } from '../db/client.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { applyPush } from './push.ts';
import { rowsAfter, storedPage } from './rows.ts';
import { serializeRows } from './serialize.ts';
import { visibility } from './visibility.ts';
import type { Principal } from '../auth/types.ts';

function collectionParam(params: unknown): CollectionName {
	const name = (params as { collection?: string }).collection ?? '';
	if (!isCollectionName(name)) throw new AppError('NOT_FOUND', 'There is no such collection.', { field: 'collection' });
	return name;
}

/** One page of a collection for a principal: rows after `after` in seq order, as wire documents. */
export function pullPage<C extends CollectionName>(db: Db, principal: Principal, collection: C, after: number, limit: number): PullResponse<C> {
	const view = visibility[collection](principal);
	const rows = rowsAfter(db, collection, view.scope, after, limit);
	const documents = serializeRows(db, collection, view, rows);
	const last = rows.at(-1);
	return { documents, checkpoint: { seq: last ? last.seq : after } };
}

/**
 * The response body of a pull, as bytes: for a customer, joined by SQLite from the documents the
 * writer stored (rows.ts `storedPage`); otherwise, or when a row of the page has no stored
 * document yet, `pullPage` serialized. Either way the same bytes.
 */
export function pullBody(db: Db, principal: Principal, collection: CollectionName, after: number, limit: number): Buffer {
	if (principal.kind === 'customer') {
		const stored = storedPage(db, collection, visibility[collection](principal).scope, after, limit);
		if (stored) return stored;
	}
	return Buffer.from(JSON.stringify(pullPage(db, principal, collection, after, limit)));
}

// Room for a full batch of the longest messages (each character up to 4 bytes in UTF-8, and JSON escaping).
const PUSH_BODY_LIMIT = Math.max(1024 * 1024, PUSH_ROWS_MAX * (MESSAGE_BODY_MAX * 6 + 4096));

const plugin: FastifyPluginAsync = async (app) => {
	// Devices pull thousands of times a second at peak: an access log line for each (two, with
	// Fastify's) cost about a quarter of a pull's CPU. Errors are still logged.
	app.get('/api/sync/:collection/pull', { config: { access: 'customer' }, logLevel: 'warn' }, async (request, reply) => {
		const collection = collectionParam(request.params);
		const { after, limit } = parseInput(pullQuerySchema, request.query);
		reply.header('Cache-Control', 'no-store').type('application/json; charset=utf-8');
		return pullBody(app.store.db, customerOf(request.principal), collection, after, limit);
	});

	app.post('/api/sync/:collection/push', { config: { access: 'customer' }, bodyLimit: PUSH_BODY_LIMIT }, async (request, reply) => {
		const collection = collectionParam(request.params);
		reply.header('Cache-Control', 'no-store');
		return applyPush(app.writer, customerOf(request.principal), collection, request.body);
	});
};

/** Pull and push per collection for customer devices (RxDB's replication protocol). */
export const syncRoutes = fp(plugin, { name: 'porchlight-sync-routes', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
