import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { staffQuoteCreateSchema, staffQuoteListQuerySchema, staffQuoteUpdateSchema, type StaffQuote, type StaffQuoteList } from '../../shared/protocol/quotes.ts';
import { UPLOAD_MAX_BYTES } from '../../shared/protocol/upload-limits.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import { getBusiness } from '../branding/service.ts';
import { customers, quotes } from '../db/schema.ts';
import { readImageHeader } from '../files/image-header.ts';
import { storeFile } from '../files/store.ts';
import { AppError, parseInput } from '../http/errors.ts';
import {
	addQuotePhoto,
	businessToday,
	insertQuote,
	quoteRow,
	removeQuotePhoto,
	requireEditable,
	sendQuote,
	updateQuoteContent,
	withdrawQuote
} from './service.ts';
import { requireQuote, staffQuote, staffQuotes } from './views.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });
const photoParams = z.object({ id: z.string().min(1).max(64), photoId: z.string().min(1).max(64) });
const photoQuery = z.object({ caption: z.string().trim().max(500, 'must be at most 500 characters').optional() });

/** Technicians read quotes; the owner and the office write them. */
const OFFICE = ['owner', 'office'] as const;

const plugin: FastifyPluginAsync = async (app) => {
	const db = app.store.db;
	// Quote photos are photos like the ones customers attach to messages: the same limit.
	const photoMaxBytes = UPLOAD_MAX_BYTES;
	const megabytes = Math.round((photoMaxBytes / 1024 / 1024) * 10) / 10;
	const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `A photo can be at most ${megabytes} MB.`);

	app.get('/api/staff/quotes', { config: { access: 'staff' } }, async (request): Promise<StaffQuoteList> => {
		const q = parseInput(staffQuoteListQuerySchema, request.query);
		const where = and(
			eq(quotes.deleted, false),
			q.status ? eq(quotes.status, q.status) : undefined,
			q.customerId ? eq(quotes.customerId, q.customerId) : undefined
		) as SQL;
		const rows = db.select().from(quotes).where(where).orderBy(desc(quotes.createdAt), desc(quotes.seq)).limit(q.limit).offset(q.offset).all();
		const { total } = db.select({ total: sql<number>`count(*)` }).from(quotes).where(where).get()!;
		return { quotes: staffQuotes(db, rows), total };
	});

	app.get('/api/staff/quotes/:id', { config: { access: 'staff' } }, async (request): Promise<StaffQuote> => {
		const { id } = parseInput(idParams, request.params);
		return staffQuote(db, id);
	});

	app.post('/api/staff/quotes', { config: { access: OFFICE } }, async (request, reply): Promise<StaffQuote> => {
		const staff = staffOf(request.principal);
		const input = parseInput(staffQuoteCreateSchema, request.body);
		const id = app.writer.transaction((w) => {
			const customer = w.db.select().from(customers).where(eq(customers.id, input.customerId)).get();
			if (!customer || customer.deleted) throw new AppError('VALIDATION', 'customerId: there is no such customer', { field: 'customerId' });
			const today = businessToday(w.db, w.now);
			if (input.send && input.validUntil !== null && input.validUntil < today) {
				throw new AppError('VALIDATION', 'validUntil: is already past; a quote sent today must be valid today or later', { field: 'validUntil' });
			}
			const id = insertQuote(w, {
				customerId: customer.id,
				currency: getBusiness(w.db, w.now).currency,
				status: input.send ? 'sent' : 'draft',
				title: input.title,
				notes: input.notes,
				validUntil: input.validUntil,
				taxRateBp: input.taxRateBp,
				depositRateBp: input.depositRateBp,
				items: input.items
			});
			const row = quoteRow(w.db, id)!;
			audit(w.db, w.now, { actor: staffActor(staff), action: 'quote.created', entity: 'quote', entityId: id, detail: { number: row.number, customerId: customer.id, title: row.title, sent: input.send } });
			return id;
		});
		reply.status(201);
		return staffQuote(db, id);
	});

	app.patch('/api/staff/quotes/:id', { config: { access: OFFICE } }, async (request): Promise<StaffQuote> => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const patch = parseInput(staffQuoteUpdateSchema, request.body ?? {});
		app.writer.transaction((w) => {
			const row = requireQuote(w.db, id);
			// A refused status is refused even for an edit that would change nothing: the console learns why at once.
			requireEditable(row);
			if (updateQuoteContent(w, row, patch)) {
				const after = quoteRow(w.db, id)!;
				audit(w.db, w.now, { actor: staffActor(staff), action: 'quote.edited', entity: 'quote', entityId: id, detail: { number: row.number, fields: Object.keys(patch), revision: after.revision } });
			}
		});
		return staffQuote(db, id);
	});

	app.delete('/api/staff/quotes/:id', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = requireQuote(w.db, id);
			if (row.status !== 'draft') throw new AppError('CONFLICT', `Quote ${row.number} is ${row.status.replace('_', ' ')}: withdraw it instead.`, { details: { status: row.status } });
			w.db.update(quotes).set({ deleted: true, seq: w.touch('quotes', row.customerId, row.id), updatedAt: w.version(row.updatedAt) }).where(eq(quotes.id, id)).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'quote.deleted', entity: 'quote', entityId: id, detail: { number: row.number } });
		});
		return reply.status(204).send();
	});

	app.post('/api/staff/quotes/:id/send', { config: { access: OFFICE } }, async (request): Promise<StaffQuote> => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = requireQuote(w.db, id);
			sendQuote(w, row, businessToday(w.db, w.now));
			audit(w.db, w.now, { actor: staffActor(staff), action: 'quote.sent', entity: 'quote', entityId: id, detail: { number: row.number, revision: row.revision, contentHash: row.contentHash } });
		});
		return staffQuote(db, id);
	});

	app.post('/api/staff/quotes/:id/withdraw', { config: { access: OFFICE } }, async (request): Promise<StaffQuote> => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = requireQuote(w.db, id);
			if (withdrawQuote(w, row)) {
				audit(w.db, w.now, { actor: staffActor(staff), action: 'quote.withdrawn', entity: 'quote', entityId: id, detail: { number: row.number } });
			}
		});
		return staffQuote(db, id);
	});

	// Photos arrive as the raw image body, whatever the Content-Type: the type is decided by the content.
	await app.register(async (scope) => {
		scope.removeAllContentTypeParsers();
		scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: photoMaxBytes }, (_request, body, done) => done(null, body));
		scope.post(
			'/api/staff/quotes/:id/photos',
			{
				config: { access: OFFICE },
				bodyLimit: photoMaxBytes,
				// A declared size over the limit is refused before the body is read.
				onRequest: async (request: FastifyRequest) => {
					const declared = Number(request.headers['content-length']);
					if (Number.isFinite(declared) && declared > photoMaxBytes) throw tooLarge();
				}
			},
			async (request, reply): Promise<StaffQuote> => {
				const staff = staffOf(request.principal);
				const { id } = parseInput(idParams, request.params);
				const { caption } = parseInput(photoQuery, request.query);
				const bytes = request.body;
				if (!Buffer.isBuffer(bytes) || bytes.byteLength === 0) {
					throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the photo itself as the request body (a JPEG, PNG or WebP image).');
				}
				if (bytes.byteLength > photoMaxBytes) throw tooLarge();
				const image = readImageHeader(bytes);
				if (!image) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'This file is not a photo we can take: send a JPEG, PNG or WebP image.');
				app.writer.transaction((w) => {
					const row = requireQuote(w.db, id);
					requireEditable(row);
					const fileSha256 = storeFile(w.db, app.config.dataDir, bytes, image.mime, w.now);
					const photoId = addQuotePhoto(w, row, { fileSha256, mime: image.mime, size: bytes.byteLength, width: image.width, height: image.height, caption: caption || null });
					audit(w.db, w.now, { actor: staffActor(staff), action: 'quote.photo_added', entity: 'quote', entityId: id, detail: { number: row.number, photoId, size: bytes.byteLength, mime: image.mime } });
				});
				reply.status(201);
				return staffQuote(db, id);
			}
		);
	});

	app.delete('/api/staff/quotes/:id/photos/:photoId', { config: { access: OFFICE } }, async (request): Promise<StaffQuote> => {
		const staff = staffOf(request.principal);
		const { id, photoId } = parseInput(photoParams, request.params);
		app.writer.transaction((w) => {
			const row = requireQuote(w.db, id);
			requireEditable(row);
			if (!removeQuotePhoto(w, row, photoId)) throw new AppError('NOT_FOUND', 'This quote has no such photo.');
			audit(w.db, w.now, { actor: staffActor(staff), action: 'quote.photo_removed', entity: 'quote', entityId: id, detail: { number: row.number, photoId } });
		});
		return staffQuote(db, id);
	});
};

/**
 * Quotes in the console: list, read (with the signature's audit record), create, edit (a sent
 * quote gets a new revision), send, withdraw, delete drafts, and photos. Owner and office write;
 * technicians read; every change is audited.
 */
export const staffQuoteRoutes = fp(plugin, { name: 'porchlight-staff-quotes', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
