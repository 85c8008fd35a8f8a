import fs from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { eq } from 'drizzle-orm';
import { brandingOf, getBusiness } from './service.ts';
import { files } from '../db/schema.ts';
import { filePath } from '../files/store.ts';
import { AppError } from '../http/errors.ts';

const routes: FastifyPluginAsync = async (app) => {
	app.get('/api/branding', { config: { access: 'public' } }, async (_req, reply) => {
		reply.header('Cache-Control', 'no-cache');
		return brandingOf(getBusiness(app.store.db, app.clock()));
	});

	// The logo is public (the signed-out landing page shows it) and content-addressed.
	app.get<{ Params: { sha: string } }>('/api/branding/logo/:sha', { config: { access: 'public' } }, async (req, reply) => {
		const biz = getBusiness(app.store.db);
		if (!/^[0-9a-f]{64}$/.test(req.params.sha) || biz.logoFile !== req.params.sha) throw new AppError('NOT_FOUND', 'No such logo');
		const meta = app.store.db.select().from(files).where(eq(files.sha256, req.params.sha)).get();
		if (!meta) throw new AppError('NOT_FOUND', 'No such logo');
		reply
			.header('Content-Type', meta.mime)
			.header('X-Content-Type-Options', 'nosniff')
			.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
			.header('Cache-Control', 'public, max-age=31536000, immutable');
		return reply.send(fs.createReadStream(filePath(app.config.dataDir, meta.sha256)));
	});
};

/** Public branding: name, logo, colours, contact details, office hours. */
export const brandingRoutes = fp(routes, { name: 'porchlight-branding', dependencies: ['porchlight-db'] });
