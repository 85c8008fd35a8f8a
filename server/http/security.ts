import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

const plugin: FastifyPluginAsync = async (app) => {
	app.addHook('onSend', async (_req, reply, payload) => {
		// No page of ours leaks its URL (which may carry a sign-in secret in its fragment's
		// history) to another site.
		reply.header('Referrer-Policy', 'no-referrer');
		reply.header('X-Content-Type-Options', 'nosniff');
		reply.header('X-Frame-Options', 'DENY');
		reply.header('Cross-Origin-Opener-Policy', 'same-origin');
		if (app.config.publicUrl.startsWith('https://')) {
			reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
		}
		return payload;
	});
};

/** Security headers on every response. */
export const securityHeaders = fp(plugin, { name: 'porchlight-security-headers' });
