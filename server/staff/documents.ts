import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { DOCUMENT_MAX_BYTES, documentPatchSchema, documentUploadQuerySchema } from '../../shared/protocol/staff.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import type { Db } from '../db/client.ts';
import { documents } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { insertDocument, pdfFileName, requirePdf, tombstoneDocument, updateDocument } from './document-service.ts';
import { requireCustomer, staffDocuments, type DocumentRow } from './views.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });
const OFFICE = ['owner', 'office'] as const;

function requireDocument(db: Db, id: string): DocumentRow {
	const row = db.select().from(documents).where(eq(documents.id, id)).get();
	if (!row || row.deleted) throw new AppError('NOT_FOUND', 'There is no such document.');
	return row;
}

/** Options of the document routes; tests lower the size limit. */
export interface StaffDocumentOptions {
	maxBytes?: number;
}

const plugin: FastifyPluginAsync<StaffDocumentOptions> = async (app, opts) => {
	const maxBytes = opts.maxBytes ?? DOCUMENT_MAX_BYTES;

	// An encapsulated scope: the raw PDF body parser applies to these routes only.
	await app.register(async (scope) => {
		scope.addContentTypeParser(['application/pdf', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));

		scope.post('/api/staff/customers/:id/documents', { config: { access: OFFICE }, bodyLimit: maxBytes }, async (request, reply) => {
			const staff = staffOf(request.principal);
			const { id } = parseInput(idParams, request.params);
			const meta = parseInput(documentUploadQuerySchema, request.query);
			const bytes = request.body;
			if (!Buffer.isBuffer(bytes)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the PDF itself as the body, with Content-Type: application/pdf.');
			requirePdf(bytes);
			const docId = app.writer.transaction((w) => {
				requireCustomer(w.db, id);
				const docId = insertDocument(
					w,
					app.config.dataDir,
					{
						customerId: id,
						externalId: null,
						kind: meta.kind,
						title: meta.title,
						fileName: pdfFileName(meta.title, meta.fileName),
						signerName: meta.signerName || null,
						signedAt: meta.signedAt ?? null
					},
					bytes
				);
				audit(w.db, w.now, { actor: staffActor(staff), action: 'document.uploaded', entity: 'document', entityId: docId, detail: { customerId: id, kind: meta.kind, title: meta.title, size: bytes.byteLength } });
				return docId;
			});
			reply.status(201);
			return staffDocuments(app.store.db, [requireDocument(app.store.db, docId)])[0];
		});
	});

	app.patch('/api/staff/documents/:id', { config: { access: OFFICE } }, async (request) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const patch = parseInput(documentPatchSchema, request.body);
		app.writer.transaction((w) => {
			const row = requireDocument(w.db, id);
			if (updateDocument(w, app.config.dataDir, row, patch)) {
				audit(w.db, w.now, { actor: staffActor(staff), action: 'document.updated', entity: 'document', entityId: id, detail: { fields: Object.keys(patch) } });
			}
		});
		return staffDocuments(app.store.db, [requireDocument(app.store.db, id)])[0];
	});

	app.delete('/api/staff/documents/:id', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = requireDocument(w.db, id);
			tombstoneDocument(w, row);
			audit(w.db, w.now, { actor: staffActor(staff), action: 'document.deleted', entity: 'document', entityId: id, detail: { customerId: row.customerId, title: row.title } });
		});
		return reply.status(204).send();
	});
};

/** Documents in the console: PDF upload (checked by content, size-limited), edit, delete. */
export const staffDocumentRoutes = fp(plugin, { name: 'porchlight-staff-documents', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
