import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { and, eq, sql } from 'drizzle-orm';
import {
	attachmentParamsSchema,
	attachmentQuerySchema,
	UPLOAD_MAX_BYTES,
	UPLOADS_PATH,
	UPLOADS_PER_HOUR,
	uploadQuerySchema,
	type UploadMimeType,
	type UploadResponse
} from '../../shared/protocol/uploads.ts';
import { customerOf } from '../auth/guard.ts';
import { RateLimiter } from '../auth/rate-limit.ts';
import type { Principal } from '../auth/types.ts';
import type { Db } from '../db/client.ts';
import { messages, uploads } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { visibility } from '../sync/visibility.ts';
import { readImageHeader } from './image-header.ts';
import { contentDisposition } from './routes.ts';
import { filePath, storeFile } from './store.ts';

/** Options of the upload routes; tests may lower the size limit. */
export interface UploadOptions {
	maxBytes?: number;
}

const EXTENSION: Record<UploadMimeType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
const KNOWN_EXTENSIONS = /\.(jpe?g|png|webp|gif|heic|heif|avif|bmp|tiff?)$/i;

/**
 * The name a photo is stored and downloaded under: the device's name without any folder or
 * control characters, its extension matching what the bytes are (a HEIC photo the phone
 * re-encoded as JPEG is `….jpg`).
 */
export function photoName(claimed: string | undefined, mime: UploadMimeType): string {
	const base = (claimed ?? '')
		.split(/[/\\]/)
		.pop()!
		.replace(/[\u0000-\u001f\u007f]/g, '')
		.trim()
		.replace(KNOWN_EXTENSIONS, '')
		.slice(0, 200);
	return `${base || 'photo'}.${EXTENSION[mime]}`;
}

/** An upload as the device and the message attachment see it. */
function toResponse(row: typeof uploads.$inferSelect): UploadResponse {
	return { id: row.id, name: row.name, mime: row.mime, size: row.size, width: row.width, height: row.height, fileSha256: row.fileSha256 };
}

interface StoredFile {
	fileSha256: string;
	name: string;
	mime: string;
}

/**
 * Finds the file behind an attachment id for a principal, or null — the same null whether the id
 * is unknown or belongs to someone else. A customer may open their own uploads, and any
 * attachment of a message they may see (the sync visibility rule: their own thread, the office's
 * messages too); staff may open any of them.
 */
function attachmentFor(db: Db, principal: Principal, id: string): StoredFile | null {
	const customerId = principal.kind === 'customer' ? principal.customerId : null;
	const upload = db
		.select()
		.from(uploads)
		.where(customerId ? and(eq(uploads.id, id), eq(uploads.customerId, customerId)) : eq(uploads.id, id))
		.get();
	if (upload) return { fileSha256: upload.fileSha256, name: upload.name, mime: upload.mime };
	// Attachments that came from elsewhere (the office, the integration API) have no upload row:
	// they are found in the messages themselves.
	const view = visibility.messages(principal);
	const rows = db
		.select()
		.from(messages)
		.where(and(view.scope, eq(messages.deleted, false), sql`exists (select 1 from json_each(${messages.attachments}) a where json_extract(a.value, '$.id') = ${id})`))
		.limit(5)
		.all();
	for (const row of rows) {
		if (!view.shows(row)) continue;
		const a = row.attachments.find((x) => x.id === id);
		if (a && /^[0-9a-f]{64}$/.test(a.fileSha256)) return { fileSha256: a.fileSha256, name: a.name, mime: a.mime };
	}
	return null;
}

const plugin: FastifyPluginAsync<UploadOptions> = async (app, opts) => {
	const maxBytes = opts.maxBytes ?? UPLOAD_MAX_BYTES;
	const limiter = new RateLimiter(app.store.sqlite);
	const megabytes = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
	const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `A photo can be at most ${megabytes} MB.`);

	// An encapsulated scope: here every body, whatever its Content-Type, arrives as raw bytes, so
	// the type is decided by the content alone.
	await app.register(async (scope) => {
		scope.removeAllContentTypeParsers();
		scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));

		scope.post(
			UPLOADS_PATH,
			{
				config: { access: 'customer' },
				bodyLimit: maxBytes,
				// Before the body is read: a declared size over the limit, or a customer over their
				// hourly allowance, costs us no upload.
				onRequest: async (request: FastifyRequest) => {
					const declared = Number(request.headers['content-length']);
					if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
					const customer = customerOf(request.principal);
					limiter.hit(`upload:${customer.customerId}`, { max: UPLOADS_PER_HOUR, windowMs: 3_600_000 }, app.clock());
				}
			},
			async (request, reply) => {
				const customer = customerOf(request.principal);
				const { name } = parseInput(uploadQuerySchema, request.query);
				const bytes = request.body;
				if (!Buffer.isBuffer(bytes) || bytes.byteLength === 0) {
					throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the photo itself as the request body (a JPEG, PNG or WebP image).');
				}
				if (bytes.byteLength > maxBytes) throw tooLarge();
				const image = readImageHeader(bytes);
				if (!image) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'This file is not a photo we can take: send a JPEG, PNG or WebP image.');
				const now = app.clock();
				const db = app.store.db;
				const result = app.store.sqlite.transaction(() => {
					const fileSha256 = storeFile(db, app.config.dataDir, bytes, image.mime, now);
					const existing = db
						.select()
						.from(uploads)
						.where(and(eq(uploads.customerId, customer.customerId), eq(uploads.fileSha256, fileSha256)))
						.get();
					if (existing) return { row: existing, created: false };
					const row = {
						id: randomUUID(),
						customerId: customer.customerId,
						fileSha256,
						name: photoName(name, image.mime),
						mime: image.mime,
						size: bytes.byteLength,
						width: image.width,
						height: image.height,
						createdAt: now
					};
					db.insert(uploads).values(row).run();
					return { row, created: true };
				})();
				reply.status(result.created ? 201 : 200);
				return toResponse(result.row);
			}
		);
	});

	app.get('/api/files/attachments/:id', { config: { access: 'signedIn' } }, async (request, reply) => {
		const notFound = new AppError('NOT_FOUND', 'There is no such file.');
		const params = attachmentParamsSchema.safeParse(request.params);
		if (!params.success) throw notFound;
		// The thread's preview is the photo itself: devices resize photos before uploading them.
		parseInput(attachmentQuerySchema, request.query);
		const stored = attachmentFor(app.store.db, request.principal!, params.data.id);
		if (!stored) throw notFound;
		const file = filePath(app.config.dataDir, stored.fileSha256);
		let size: number;
		try {
			size = fs.statSync(file).size;
		} catch {
			request.log.error({ attachmentId: params.data.id }, 'attachment file missing from DATA_DIR/files');
			throw notFound;
		}
		const etag = `"${stored.fileSha256}"`;
		reply.header('ETag', etag);
		// As for documents: revalidated on every use, so after sign-out the browser's cache never
		// hands the photo out without the server's say.
		reply.header('Cache-Control', 'private, no-cache');
		reply.header('X-Content-Type-Options', 'nosniff');
		// Whatever bytes a customer managed to upload, they never run as a page on our origin.
		reply.header('Content-Security-Policy', "default-src 'none'; sandbox");
		reply.header('Cross-Origin-Resource-Policy', 'same-origin');
		const ifNoneMatch = request.headers['if-none-match'];
		if (typeof ifNoneMatch === 'string' && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
			return reply.status(304).send();
		}
		const image = stored.mime === 'image/jpeg' || stored.mime === 'image/png' || stored.mime === 'image/webp' || stored.mime === 'image/gif';
		reply.header('Content-Type', image ? stored.mime : 'application/octet-stream');
		reply.header('Content-Length', size);
		reply.header('Content-Disposition', contentDisposition(image ? 'inline' : 'attachment', stored.name));
		return reply.send(fs.createReadStream(file));
	});
};

/**
 * Message photos: `POST /api/files/uploads` (a customer's photo, checked by content, size- and
 * rate-limited, stored once per customer and file) and `GET /api/files/attachments/:id` (for
 * the customer whose thread it is in, or staff; anyone else gets the answer a missing id gets).
 */
export const uploadRoutes = fp(plugin, { name: 'porchlight-upload-routes', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
