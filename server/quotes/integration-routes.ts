import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { externalIdSchema, v1QuoteUpsertSchema, type V1Quote } from '../../shared/protocol/integration.ts';
import { audit, type Actor } from '../audit/log.ts';
import { getBusiness } from '../branding/service.ts';
import type { Db } from '../db/client.ts';
import { customers, quoteItems, quotes } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { businessToday, insertQuote, quoteRow, sendQuote, updateQuoteContent, type QuoteRow } from './service.ts';

const externalParams = z.object({ externalId: externalIdSchema });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function actorOf(request: FastifyRequest): Actor {
	if (!request.integration) throw new AppError('UNAUTHENTICATED', 'Send an API key as `Authorization: Bearer <key>`.');
	return { kind: 'integration', id: request.integration.keyId };
}

function quoteByExternal(db: Db, externalId: string): QuoteRow | undefined {
	return db.select().from(quotes).where(eq(quotes.externalId, externalId)).get();
}

/** A quote as other systems read it. */
function v1Quote(db: Db, row: QuoteRow): V1Quote {
	const items = db.select().from(quoteItems).where(eq(quoteItems.quoteId, row.id)).orderBy(asc(quoteItems.position), asc(quoteItems.id)).all();
	const customerExternalId = db.select({ externalId: customers.externalId }).from(customers).where(eq(customers.id, row.customerId)).get()?.externalId ?? null;
	return {
		id: row.id,
		externalId: row.externalId!,
		customerExternalId,
		number: row.number,
		title: row.title,
		status: row.status,
		currency: row.currency,
		taxRateBp: row.taxRateBp,
		depositRateBp: row.depositRateBp,
		notes: row.notes,
		validUntil: row.validUntil,
		revision: row.revision,
		contentHash: row.contentHash,
		items: items.map((i) => ({
			id: i.id,
			kind: i.kind,
			group: i.groupName,
			description: i.description,
			quantityMilli: i.quantityMilli,
			unitAmount: i.unitAmount,
			amount: i.amount,
			selectedByDefault: i.selectedByDefault
		})),
		sentAt: iso(row.sentAt),
		respondedAt: iso(row.respondedAt),
		selection: row.selection,
		approvedTotal: row.approvedTotal,
		signerName: row.signerName,
		signedDocumentId: row.signedDocumentId,
		depositInvoiceId: row.depositInvoiceId,
		responseNote: row.responseNote,
		updatedAt: iso(row.updatedAt)!
	};
}

const plugin: FastifyPluginAsync = async (app) => {
	const db = app.store.db;
	const access = { access: 'integration' as const };

	app.get('/api/v1/quotes/:externalId', { config: access }, async (request) => {
		const { externalId } = parseInput(externalParams, request.params);
		const row = quoteByExternal(db, externalId);
		if (!row || row.deleted) throw new AppError('NOT_FOUND', `There is no quote with externalId ${externalId}.`);
		return { data: v1Quote(db, row) };
	});

	app.put('/api/v1/quotes/:externalId', { config: access }, async (request, reply) => {
		const actor = actorOf(request);
		const { externalId } = parseInput(externalParams, request.params);
		const input = parseInput(v1QuoteUpsertSchema, request.body);
		const result = app.writer.transaction((w) => {
			const customer = w.db.select().from(customers).where(eq(customers.externalId, input.customerExternalId)).get();
			if (!customer || customer.deleted) {
				throw new AppError('VALIDATION', `customerExternalId: there is no customer ${input.customerExternalId}; PUT /api/v1/customers/${input.customerExternalId} first`, {
					field: 'customerExternalId'
				});
			}
			const today = businessToday(w.db, w.now);
			const content = { title: input.title, notes: input.notes, validUntil: input.validUntil, taxRateBp: input.taxRateBp, depositRateBp: input.depositRateBp, items: input.items };
			let row = quoteByExternal(w.db, externalId);
			if (!row) {
				if (input.status === 'sent' && input.validUntil !== null && input.validUntil < today) {
					throw new AppError('VALIDATION', 'validUntil: is already past; a quote sent today must be valid today or later', { field: 'validUntil' });
				}
				const id = insertQuote(w, {
					...content,
					customerId: customer.id,
					currency: getBusiness(w.db, w.now).currency,
					externalId,
					number: input.number ?? null,
					status: input.status
				});
				const created = quoteRow(w.db, id)!;
				audit(w.db, w.now, { actor, action: 'quote.created', entity: 'quote', entityId: id, detail: { externalId, number: created.number, sent: input.status === 'sent' } });
				return { created: true, changed: true };
			}
			if (row.deleted) throw new AppError('CONFLICT', `Quote ${externalId} was deleted here; send it under a new externalId.`);
			if (row.customerId !== customer.id) throw new AppError('CONFLICT', 'customerExternalId: a quote cannot move to another customer', { field: 'customerExternalId' });
			let changed = false;
			// Answered or withdrawn quotes refuse real changes (updateQuoteContent says why); a resend of what they say is fine.
			if (updateQuoteContent(w, row, content)) {
				changed = true;
				row = quoteRow(w.db, row.id)!;
				audit(w.db, w.now, { actor, action: 'quote.edited', entity: 'quote', entityId: row.id, detail: { externalId, revision: row.revision } });
			}
			if (input.status === 'sent' && (row.status === 'draft' || row.status === 'changes_requested')) {
				sendQuote(w, row, today);
				changed = true;
				audit(w.db, w.now, { actor, action: 'quote.sent', entity: 'quote', entityId: row.id, detail: { externalId, revision: row.revision } });
			} else if (input.status === 'draft' && row.status !== 'draft') {
				throw new AppError('CONFLICT', `status: quote ${row.number} is ${row.status.replace('_', ' ')} and cannot go back to draft`, { field: 'status' });
			}
			return { created: false, changed };
		});
		reply.status(result.created ? 201 : 200);
		return { data: v1Quote(db, quoteByExternal(db, externalId)!), ...result };
	});
};

/** `/api/v1/quotes/:externalId`: read and idempotently upsert quotes by the other system's id. */
export const integrationQuoteRoutes = fp(plugin, { name: 'porchlight-integration-quotes', dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-api-keys'] });
