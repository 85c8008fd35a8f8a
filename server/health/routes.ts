import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';
import { appVersion } from '../version.ts';

const routes: FastifyPluginAsync = async (app) => {
	app.get('/api/health', { config: { access: 'public' } }, async (_req, reply) => {
		reply.header('Cache-Control', 'no-store');
		let database: { ok: boolean; id?: string; seq?: number; journalMode?: string; error?: string };
		try {
			const journalMode = app.store.sqlite.pragma('journal_mode', { simple: true }) as string;
			database = { ok: true, id: app.store.databaseId, seq: app.writer.currentSeq(), journalMode };
		} catch (err) {
			app.log.error({ err }, 'health check: database unavailable');
			database = { ok: false, error: 'unavailable' };
		}
		const ok = database.ok;
		reply.status(ok ? 200 : 503);
		return { status: ok ? 'ok' : 'degraded', version: appVersion, protocolVersion: PROTOCOL_VERSION, database };
	});
};

/** `GET /api/health`: status, version and database state. */
export const healthRoutes = fp(routes, { name: 'porchlight-health', dependencies: ['porchlight-db'] });
