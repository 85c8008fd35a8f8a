import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import { AppError } from '../http/errors.ts';
import { resolveSession, sessionTokenOf } from './sessions.ts';
import type { Principal, StaffRole } from './types.ts';

/**
 * Who may call a route. Every `/api` route declares one in `config.access`; a route without it
 * fails at start-up, so nothing is public by accident.
 * - `public`: anyone;
 * - `signedIn`: any session; `customer`: a customer session;
 * - `staff`: any staff role, or a list of the roles allowed;
 * - `integration`: an API key (checked by the integration plugin);
 * - `webhook`: a signed provider call (checked by its route).
 */
export type Access = 'public' | 'signedIn' | 'customer' | 'staff' | readonly StaffRole[] | 'integration' | 'webhook';

declare module 'fastify' {
	interface FastifyContextConfig {
		access?: Access;
	}
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Decides whether a principal passes an access rule; throws 401/403 otherwise. */
export function checkAccess(access: Access, principal: Principal | null): void {
	if (access === 'public' || access === 'integration' || access === 'webhook') return;
	if (!principal) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
	if (access === 'signedIn') return;
	if (access === 'customer') {
		if (principal.kind !== 'customer') throw new AppError('FORBIDDEN', 'This is for customers.');
		return;
	}
	if (principal.kind !== 'staff') throw new AppError('FORBIDDEN', 'This is for staff.');
	if (access === 'staff') return;
	if (!access.includes(principal.role)) throw new AppError('FORBIDDEN', `Your role (${principal.role}) cannot do this.`);
}

/** True when a state-changing request comes from our own pages (or from no browser at all). */
export function isSameSite(app: FastifyInstance, headers: Record<string, string | string[] | undefined>): boolean {
	const origin = headers.origin;
	if (typeof origin === 'string' && origin !== 'null') return origin === app.config.publicUrl;
	if (origin === 'null') return false;
	const site = headers['sec-fetch-site'];
	if (typeof site === 'string') return site === 'same-origin' || site === 'none';
	// Neither header: not a browser (curl, another server). Cookies alone can't be forged
	// cross-site without a browser, so this is not a CSRF vector.
	return true;
}

const plugin: FastifyPluginAsync = async (app) => {
	await app.register(fastifyCookie);
	app.decorateRequest('principal', null);

	app.addHook('onRoute', (route: RouteOptions) => {
		const url = route.url;
		if (!url.startsWith('/api/')) return;
		const access = (route.config as { access?: Access } | undefined)?.access;
		if (!access) throw new Error(`route ${route.method} ${url} declares no config.access`);
	});

	app.addHook('onRequest', async (request) => {
		const access = request.routeOptions.config?.access;
		if (!access) return; // static files and the SPA fallback
		if (access !== 'integration' && access !== 'webhook' && !SAFE_METHODS.has(request.method) && !isSameSite(app, request.headers)) {
			throw new AppError('CROSS_SITE', 'Cross-site requests are not allowed.');
		}
		if (access !== 'integration' && access !== 'webhook') {
			request.principal = resolveSession(app.store.db, sessionTokenOf(app, request), app.clock());
		}
		checkAccess(access, request.principal);
	});
};

/** Cookies, the session → principal lookup, the access guard and the cross-site check. */
export const authGuard = fp(plugin, { name: 'porchlight-auth-guard', dependencies: ['porchlight-db'] });

/** The customer principal of a request that passed a `customer` guard. */
export function customerOf(p: Principal | null): Extract<Principal, { kind: 'customer' }> {
	if (!p || p.kind !== 'customer') throw new AppError('FORBIDDEN', 'This is for customers.');
	return p;
}

/** The staff principal of a request that passed a `staff` guard. */
export function staffOf(p: Principal | null): Extract<Principal, { kind: 'staff' }> {
	if (!p || p.kind !== 'staff') throw new AppError('FORBIDDEN', 'This is for staff.');
	return p;
}
