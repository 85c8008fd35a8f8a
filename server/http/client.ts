import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';

/** Files that must be revalidated on every load so a new release reaches devices. */
const NO_CACHE = new Set(['/index.html', '/200.html', '/sw.js', '/manifest.webmanifest', '/registerSW.js', '/version.json']);

/** Cache policy of a built file by its path under the client build. */
export function cacheControlFor(urlPath: string): string {
	if (urlPath.startsWith('/_app/immutable/')) return 'public, max-age=31536000, immutable';
	if (NO_CACHE.has(urlPath) || urlPath.endsWith('.html') || /^\/workbox-[\w-]+\.js$/.test(urlPath)) return 'no-cache';
	return 'public, max-age=3600, must-revalidate';
}

const plugin: FastifyPluginAsync = async (app) => {
	const root = app.config.clientDir;
	const shell = ['200.html', 'index.html'].map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
	if (!shell) {
		app.log.warn(`no client build in ${root}: run "npm run build"; serving the API only`);
	} else {
		await app.register(fastifyStatic, {
			root,
			prefix: '/',
			wildcard: true,
			index: ['index.html'],
			cacheControl: false,
			etag: true,
			lastModified: true,
			setHeaders(res, filePath) {
				const rel = '/' + path.relative(root, filePath).split(path.sep).join('/');
				res.header('Cache-Control', cacheControlFor(rel));
				if (rel === '/sw.js') res.header('Service-Worker-Allowed', '/');
			}
		});
	}

	// Deep links (/invoices/123) get the SPA shell; unknown API paths stay JSON 404s.
	app.setNotFoundHandler((request, reply) => {
		const urlPath = request.url.split('?')[0];
		const isPage = (request.method === 'GET' || request.method === 'HEAD') && !urlPath.startsWith('/api/') && !urlPath.startsWith('/_app/') && !path.extname(urlPath);
		if (isPage && shell) {
			reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8');
			return reply.send(fs.createReadStream(shell));
		}
		return reply.status(404).send({ code: 'NOT_FOUND', message: `No route for ${request.method} ${urlPath}` });
	});
};

/** Serves the built SvelteKit client with its cache policy and the SPA fallback. */
export const clientPlugin = fp(plugin, { name: 'porchlight-client' });
