import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ACCOUNT_EXPORT_PATH } from '../../shared/protocol/account.ts';
import { localDateOf } from '../../shared/time.ts';
import { customerOf } from '../auth/guard.ts';
import { getBusiness } from '../branding/service.ts';
import { contentDisposition } from '../files/routes.ts';
import { buildAccountExport } from './export.ts';

const plugin: FastifyPluginAsync = async (app) => {
	app.get(ACCOUNT_EXPORT_PATH, { config: { access: 'customer' } }, async (request, reply) => {
		const principal = customerOf(request.principal);
		const now = app.clock();
		const business = getBusiness(app.store.db, now);
		const { zip, manifest } = buildAccountExport({ db: app.store.db, dataDir: app.config.dataDir, principal, businessName: business.name, now });
		if (manifest.missing.length > 0) request.log.error({ customerId: principal.customerId, missing: manifest.missing.length }, 'account export: stored files missing');
		let day: string;
		try {
			day = localDateOf(now, business.timeZone);
		} catch {
			day = localDateOf(now, 'UTC');
		}
		const slug = business.shortName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'portal';
		reply.header('Content-Type', 'application/zip');
		reply.header('Content-Disposition', contentDisposition('attachment', `${slug}-my-data-${day}.zip`));
		reply.header('X-Content-Type-Options', 'nosniff');
		reply.header('Cache-Control', 'private, no-store');
		return reply.send(zip);
	});
};

/** `GET /api/account/export`: everything the signed-in customer can see, as one ZIP archive. */
export const accountRoutes = fp(plugin, { name: 'porchlight-account-routes', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
