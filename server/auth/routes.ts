import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditLog, customers } from '../db/schema.ts';
import { getBusiness } from '../branding/service.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { defaultSender } from '../mail/mailer.ts';
import {
	redeemLinkRequestSchema,
	SIGN_IN_EXPIRES_IN_SECONDS,
	SIGN_IN_RESEND_AFTER_SECONDS,
	startSignInRequestSchema,
	verifyCodeRequestSchema,
	type DevicesResponse,
	type SessionResponse,
	type SignedInResponse,
	type StartSignInResponse
} from '../../shared/protocol/auth.ts';
import { staffOf } from './guard.ts';
import { bucketFor, LIMITS, RateLimiter } from './rate-limit.ts';
import { clearSessionCookie, resolveSession, setSessionCookie } from './sessions.ts';
import { listDevices, ownerOf, revokeSessionsOf, sessionInfoOf, SessionRevocations } from './session-admin.ts';
import { signInMail } from './sign-in-mail.ts';
import { createAttempt, findAccount, signInLink, signInWithCode, signInWithLink, sweepAttempts, type SignedIn } from './sign-in.ts';
import type { Principal } from './types.ts';

const plugin: FastifyPluginAsync = async (app) => {
	const db = app.store.db;
	const limiter = new RateLimiter(app.store.sqlite);
	const revocations = new SessionRevocations();
	app.decorate('sessionRevocations', revocations);
	let lastSweep = 0;

	// Sign-in answers and session state must never be cached, by browsers or proxies.
	app.addHook('onSend', async (request, reply, payload) => {
		if (request.url.startsWith('/api/auth/')) reply.header('Cache-Control', 'no-store');
		return payload;
	});

	app.post('/api/auth/start', { config: { access: 'public' } }, async (request): Promise<StartSignInResponse> => {
		const body = parseInput(startSignInRequestSchema, request.body);
		const now = app.clock();
		limiter.hit(`start:ip:${request.ip}`, LIMITS.startPerIp, now);
		limiter.hit(bucketFor('start:email', body.email), LIMITS.startPerEmail, now);
		if (now - lastSweep > 60_000 || now < lastSweep) {
			lastSweep = now;
			sweepAttempts(db, now);
		}

		// Known or not, the same work happens up to sending: lookup, secrets, hashes, an insert,
		// composing the message. Mail goes out after the reply, so its latency reveals nothing.
		const account = findAccount(db, body.email, body.as);
		const attempt = createAttempt(db, { email: body.email, account, ip: request.ip, now });
		const business = getBusiness(db, now);
		const mail = signInMail({
			business,
			to: body.email,
			link: signInLink(app.config.publicUrl, attempt.secret),
			code: attempt.code,
			kind: account?.kind ?? 'customer',
			publicUrl: app.config.publicUrl
		});
		const from = app.config.mailFrom ?? defaultSender(business.name, app.config.publicUrl);
		if (account) {
			setImmediate(() => {
				app.mailer.send({ ...mail, from }).catch((err: unknown) => app.log.error({ err, attemptId: attempt.attemptId }, 'sign-in mail was not sent'));
			});
		}
		return { attemptId: attempt.attemptId, resendAfterSeconds: SIGN_IN_RESEND_AFTER_SECONDS, expiresInSeconds: SIGN_IN_EXPIRES_IN_SECONDS };
	});

	app.post('/api/auth/verify-code', { config: { access: 'public' } }, async (request, reply): Promise<SignedInResponse> => {
		const body = parseInput(verifyCodeRequestSchema, request.body);
		limiter.hit(`verify:ip:${request.ip}`, LIMITS.verifyPerIp, app.clock());
		const signedIn = signInWithCode(app, body.attemptId, body.code, metaOf(request));
		return finishSignIn(app, request, reply, signedIn);
	});

	app.post('/api/auth/redeem-link', { config: { access: 'public' } }, async (request, reply): Promise<SignedInResponse> => {
		const body = parseInput(redeemLinkRequestSchema, request.body);
		limiter.hit(`redeem:ip:${request.ip}`, LIMITS.redeemPerIp, app.clock());
		const signedIn = signInWithLink(app, body.token, metaOf(request));
		return finishSignIn(app, request, reply, signedIn);
	});

	app.get('/api/auth/session', { config: { access: 'public' } }, async (request): Promise<SessionResponse> => {
		const p = request.principal;
		return { session: p ? sessionInfoOf(db, p, app.store.databaseId) : null };
	});

	// Public so a device whose session already ended can still clear its cookie.
	app.post('/api/auth/sign-out', { config: { access: 'public' } }, async (request, reply) => {
		const p = request.principal;
		if (p) revocations.publish(revokeSessionsOf(db, ownerOf(p), app.clock(), p.sessionPublicId));
		clearSessionCookie(app, reply);
		return reply.status(204).send();
	});

	app.post('/api/auth/sign-out-everywhere', { config: { access: 'signedIn' } }, async (request, reply) => {
		const p = request.principal!;
		revocations.publish(revokeSessionsOf(db, ownerOf(p), app.clock()));
		clearSessionCookie(app, reply);
		return reply.status(204).send();
	});

	app.get('/api/auth/devices', { config: { access: 'signedIn' } }, async (request): Promise<DevicesResponse> => {
		const p = request.principal!;
		return { devices: listDevices(db, ownerOf(p), p.sessionPublicId, app.clock()) };
	});

	app.delete<{ Params: { id: string } }>('/api/auth/devices/:id', { config: { access: 'signedIn' } }, async (request, reply) => {
		const p = request.principal!;
		const revoked = revokeSessionsOf(db, ownerOf(p), app.clock(), request.params.id);
		// Someone else's session id looks exactly like an unknown one.
		if (revoked.length === 0) throw new AppError('NOT_FOUND', 'No such signed-in device.');
		revocations.publish(revoked);
		if (request.params.id === p.sessionPublicId) clearSessionCookie(app, reply);
		return reply.status(204).send();
	});

	app.post<{ Params: { id: string } }>(
		'/api/staff/customers/:id/revoke-sessions',
		{ config: { access: ['owner', 'office'] } },
		async (request, reply) => {
			const staff = staffOf(request.principal);
			const customerId = request.params.id;
			const customer = db.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId)).get();
			if (!customer) throw new AppError('NOT_FOUND', 'No such customer.');
			const now = app.clock();
			const revoked = db.transaction((tx) => {
				const ids = revokeSessionsOf(tx as unknown as Db, { customerId }, now);
				tx.insert(auditLog)
					.values({ at: now, actorKind: 'staff', actorId: staff.staffUserId, action: 'revoke_sessions', entity: 'customer', entityId: customerId, detail: { sessions: ids.length } })
					.run();
				return ids;
			});
			revocations.publish(revoked);
			return reply.status(204).send();
		}
	);
};

function metaOf(request: FastifyRequest) {
	return { userAgent: request.headers['user-agent'], ip: request.ip };
}

/** Sets the new session's cookie, retires the session this device had before, answers who signed in. */
function finishSignIn(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn): SignedInResponse {
	const previous = request.principal;
	if (previous) app.sessionRevocations.publish(revokeSessionsOf(app.store.db, ownerOf(previous), app.clock(), previous.sessionPublicId));
	setSessionCookie(app, reply, signedIn.token);
	const principal = principalOf(app, signedIn);
	return { session: sessionInfoOf(app.store.db, principal, app.store.databaseId) };
}

function principalOf(app: FastifyInstance, signedIn: SignedIn): Principal {
	const p = resolveSession(app.store.db, signedIn.token, app.clock());
	// The session was created a moment ago in this process; only a bug makes this null.
	if (!p) throw new Error(`new session ${signedIn.publicId} does not resolve`);
	return p;
}

/** The sign-in, session and device routes, and staff revocation of a customer's sessions. */
export const authRoutes = fp(plugin, {
	name: 'porchlight-auth',
	dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-mail']
});
