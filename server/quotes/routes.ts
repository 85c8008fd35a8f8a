import fs from 'node:fs';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import {
	approveQuoteRequestSchema,
	declineQuoteRequestSchema,
	requestQuoteChangesSchema,
	type ApproveQuoteResponse
} from '../../shared/protocol/quotes.ts';
import { docIdSchema } from '../../shared/schemas/common.ts';
import { customerOf } from '../auth/guard.ts';
import { quotePhotos } from '../db/schema.ts';
import { contentDisposition } from '../files/routes.ts';
import { filePath } from '../files/store.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { approveQuote, declineQuote, requestQuoteChanges, type SigningContext } from './answers.ts';
import { noSuchQuote, visibleQuote } from './views.ts';

const idParams = z.object({ id: z.string() });
const photoParams = z.object({ id: z.string(), photoId: z.string() });

/** Photo types shown in place; anything else (there should be none) is a download. */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/webp']);
const EXTENSION: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/** A quote id from the URL; a malformed one is answered like any id the caller may not see. */
function quoteIdOf(request: FastifyRequest): string {
	const { id } = idParams.parse(request.params);
	if (!docIdSchema.safeParse(id).success) throw noSuchQuote();
	return id;
}

function signingContext(request: FastifyRequest): SigningContext {
	const agent = request.headers['user-agent'];
	return { ip: request.ip, userAgent: (typeof agent === 'string' ? agent : '').slice(0, 1000) };
}

const plugin: FastifyPluginAsync = async (app) => {
	app.post('/api/quotes/:id/approve', { config: { access: 'customer' } }, async (request): Promise<ApproveQuoteResponse> => {
		const customer = customerOf(request.principal);
		const id = quoteIdOf(request);
		const input = parseInput(approveQuoteRequestSchema, request.body);
		return approveQuote(app, customer, id, input, signingContext(request));
	});

	app.post('/api/quotes/:id/decline', { config: { access: 'customer' } }, async (request) => {
		const customer = customerOf(request.principal);
		const id = quoteIdOf(request);
		const { reason } = parseInput(declineQuoteRequestSchema, request.body ?? {});
		return { quote: declineQuote(app, customer, id, reason || undefined) };
	});

	app.post('/api/quotes/:id/request-changes', { config: { access: 'customer' } }, async (request) => {
		const customer = customerOf(request.principal);
		const id = quoteIdOf(request);
		const { message } = parseInput(requestQuoteChangesSchema, request.body);
		return { quote: requestQuoteChanges(app, customer, id, message) };
	});

	app.get('/api/quotes/:id/photos/:photoId', { config: { access: 'signedIn' } }, async (request, reply) => {
		const notFound = new AppError('NOT_FOUND', 'There is no such photo.');
		const params = photoParams.parse(request.params);
		if (!docIdSchema.safeParse(params.id).success || !docIdSchema.safeParse(params.photoId).success) throw notFound;
		let quote;
		try {
			// Customers: their own quotes that are not drafts; staff: every quote.
			quote = visibleQuote(app.store.db, request.principal!, params.id);
		} catch {
			throw notFound;
		}
		const photo = app.store.db
			.select()
			.from(quotePhotos)
			.where(and(eq(quotePhotos.id, params.photoId), eq(quotePhotos.quoteId, quote.id)))
			.get();
		if (!photo) throw notFound;
		const file = filePath(app.config.dataDir, photo.fileSha256);
		let size: number;
		try {
			size = fs.statSync(file).size;
		} catch {
			request.log.error({ quoteId: quote.id, photoId: photo.id }, 'quote photo file missing from DATA_DIR/files');
			throw notFound;
		}
		const etag = `"${photo.fileSha256}"`;
		reply.header('ETag', etag);
		// Revalidated on every use, so after sign-out the browser's cache never hands it out again.
		reply.header('Cache-Control', 'private, no-cache');
		reply.header('X-Content-Type-Options', 'nosniff');
		reply.header('Content-Security-Policy', "default-src 'none'; sandbox");
		reply.header('Cross-Origin-Resource-Policy', 'same-origin');
		const ifNoneMatch = request.headers['if-none-match'];
		if (typeof ifNoneMatch === 'string' && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
			return reply.status(304).send();
		}
		const image = INLINE_IMAGES.has(photo.mime);
		reply.header('Content-Type', image ? photo.mime : 'application/octet-stream');
		reply.header('Content-Length', size);
		reply.header('Content-Disposition', contentDisposition(image ? 'inline' : 'attachment', `${quote.number}-photo-${photo.position + 1}.${EXTENSION[photo.mime] ?? 'bin'}`));
		return reply.send(fs.createReadStream(file));
	});
};

/**
 * The customer's side of quotes: approve by signing, decline, ask for changes (each answered
 * against the quote as it stands now), and quote photos for whoever may see the quote.
 */
export const quoteRoutes = fp(plugin, { name: 'porchlight-quotes', dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-staff-stream'] });
