import fs from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { docIdSchema } from '../../shared/schemas/common.ts';
import { AppError } from '../http/errors.ts';
import { rowById } from '../sync/rows.ts';
import { visibility } from '../sync/visibility.ts';
import { filePath } from './store.ts';

/** Types a browser may render in place; anything else (HTML, SVG…) is always a download, so a file can never run script on our origin. */
const INLINE_SAFE = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain']);

const query = z.object({ inline: z.enum(['0', '1']).optional() });

/** `Content-Disposition` with an ASCII fallback and the exact name per RFC 5987. */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
	const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'download';
	const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
	return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

const plugin: FastifyPluginAsync = async (app) => {
	app.get('/api/files/:id', { config: { access: 'signedIn' } }, async (request, reply) => {
		const notFound = new AppError('NOT_FOUND', 'There is no such file.');
		const id = docIdSchema.safeParse((request.params as { id: string }).id);
		if (!id.success) throw notFound;
		const principal = request.principal!;
		const view = visibility.documents(principal);
		// Another customer's document is answered exactly like a missing one.
		const doc = rowById(app.store.db, 'documents', id.data, view.scope);
		if (!doc || !view.shows(doc)) throw notFound;
		const { inline } = query.parse(request.query);
		const file = filePath(app.config.dataDir, doc.fileSha256);
		let size: number;
		try {
			size = fs.statSync(file).size;
		} catch {
			request.log.error({ documentId: doc.id }, 'document file missing from DATA_DIR/files');
			throw notFound;
		}
		const etag = `"${doc.fileSha256}"`;
		reply.header('ETag', etag);
		// Revalidated on every use (the ETag keeps that cheap), so after sign-out or a revocation the
		// browser's HTTP cache never hands the file out again without the server's say.
		reply.header('Cache-Control', 'private, no-cache');
		reply.header('X-Content-Type-Options', 'nosniff');
		const ifNoneMatch = request.headers['if-none-match'];
		if (typeof ifNoneMatch === 'string' && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
			return reply.status(304).send();
		}
		const asInline = inline === '1' && INLINE_SAFE.has(doc.mime.toLowerCase());
		reply.header('Content-Type', doc.mime);
		reply.header('Content-Length', size);
		reply.header('Content-Disposition', contentDisposition(asInline ? 'inline' : 'attachment', doc.fileName));
		return reply.send(fs.createReadStream(file));
	});
};

/** `GET /api/files/:id`: a document's file, for whoever may see the document. */
export const fileRoutes = fp(plugin, { name: 'porchlight-file-routes', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
