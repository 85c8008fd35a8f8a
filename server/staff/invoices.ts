import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import {
	inPersonPaymentSchema,
	invoiceDraftPatchSchema,
	invoiceDraftSchema,
	invoiceIssueSchema,
	invoiceListQuerySchema,
	invoiceVoidSchema,
	type InvoiceListResponse,
	type InvoiceTotals,
	type StaffInvoice
} from '../../shared/protocol/staff.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import { getBusiness } from '../branding/service.ts';
import type { Db } from '../db/client.ts';
import { customers, invoices } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { afterInvoiceIssued } from './autopay-hook.ts';
import { insertDraft, invoiceRow, issueDraft, recordInPersonPayment, updateContent, voidOpen } from './invoice-service.ts';
import { requireCustomer, staffInvoices, type InvoiceRow } from './views.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });
/** Technicians see invoices; only the owner and the office create, issue, void and take payments. */
const OFFICE = ['owner', 'office'] as const;

function requireInvoice(db: Db, id: string): InvoiceRow {
	const row = invoiceRow(db, id);
	if (!row || row.deleted) throw new AppError('NOT_FOUND', 'There is no such invoice.');
	return row;
}

function one(db: Db, id: string): StaffInvoice {
	return staffInvoices(db, [requireInvoice(db, id)])[0];
}

function likeEscape(s: string): string {
	return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const plugin: FastifyPluginAsync = async (app) => {
	const db = app.store.db;

	app.get('/api/staff/invoices', { config: { access: 'staff' } }, async (request): Promise<InvoiceListResponse> => {
		const q = parseInput(invoiceListQuerySchema, request.query);
		const filters: (SQL | undefined)[] = [eq(invoices.deleted, false)];
		if (q.customerId) filters.push(eq(invoices.customerId, q.customerId));
		if (q.q) {
			const like = `%${likeEscape(q.q.toLowerCase())}%`;
			filters.push(
				sql`(lower(${invoices.number}) like ${like} escape '\\' or lower(${invoices.title}) like ${like} escape '\\' or lower(${customers.name}) like ${like} escape '\\')`
			);
		}
		const listWhere = and(...filters, q.status === 'all' ? undefined : eq(invoices.status, q.status));
		const rows = db
			.select({ invoice: invoices })
			.from(invoices)
			.innerJoin(customers, eq(customers.id, invoices.customerId))
			.where(listWhere)
			.orderBy(desc(invoices.createdAt), desc(invoices.seq))
			.limit(q.limit)
			.offset(q.offset)
			.all()
			.map((r) => r.invoice);
		const { total } = db
			.select({ total: sql<number>`count(*)` })
			.from(invoices)
			.innerJoin(customers, eq(customers.id, invoices.customerId))
			.where(listWhere)
			.get()!;
		// Totals per status ignore the status filter, so the console's tabs can show every status.
		const totals = db
			.select({
				status: invoices.status,
				currency: invoices.currency,
				count: sql<number>`count(*)`,
				total: sql<number>`coalesce(sum(${invoices.total}), 0)`,
				amountPaid: sql<number>`coalesce(sum(${invoices.amountPaid}), 0)`,
				amountDue: sql<number>`coalesce(sum(case when ${invoices.status} in ('paid', 'void') then 0 else max(0, ${invoices.total} - ${invoices.amountPaid}) end), 0)`
			})
			.from(invoices)
			.innerJoin(customers, eq(customers.id, invoices.customerId))
			.where(and(...filters))
			.groupBy(invoices.status, invoices.currency)
			.orderBy(invoices.status, invoices.currency)
			.all() as InvoiceTotals[];
		return { invoices: staffInvoices(db, rows), total, offset: q.offset, limit: q.limit, totals };
	});

	app.get('/api/staff/invoices/:id', { config: { access: 'staff' } }, async (request) => {
		const { id } = parseInput(idParams, request.params);
		return one(db, id);
	});

	app.post('/api/staff/invoices', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const input = parseInput(invoiceDraftSchema, request.body);
		const id = app.writer.transaction((w) => {
			requireCustomer(w.db, input.customerId);
			const id = insertDraft(w, {
				customerId: input.customerId,
				externalId: null,
				number: null,
				title: input.title,
				period: input.period,
				currency: input.currency ?? getBusiness(w.db, w.now).currency,
				taxRateBp: input.taxRateBp,
				lines: input.lines,
				dueDate: input.dueDate,
				notes: input.notes
			});
			audit(w.db, w.now, { actor: staffActor(staff), action: 'invoice.created', entity: 'invoice', entityId: id, detail: { customerId: input.customerId, title: input.title } });
			return id;
		});
		reply.status(201);
		return one(db, id);
	});

	app.patch('/api/staff/invoices/:id', { config: { access: OFFICE } }, async (request) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const patch = parseInput(invoiceDraftPatchSchema, request.body);
		app.writer.transaction((w) => {
			const row = requireInvoice(w.db, id);
			if (row.status !== 'draft') throw new AppError('CONFLICT', `Invoice ${row.number} is ${row.status}: only drafts can be edited.`);
			if (updateContent(w, row, patch)) {
				audit(w.db, w.now, { actor: staffActor(staff), action: 'invoice.edited', entity: 'invoice', entityId: id, detail: { fields: Object.keys(patch) } });
			}
		});
		return one(db, id);
	});

	// A draft was never shown to the customer: deleting it leaves only a tombstone.
	app.delete('/api/staff/invoices/:id', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = requireInvoice(w.db, id);
			if (row.status !== 'draft') throw new AppError('CONFLICT', `Invoice ${row.number} is ${row.status}: void it instead.`);
			w.db.update(invoices)
				.set({ deleted: true, seq: w.touch('invoices', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
				.where(eq(invoices.id, id))
				.run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'invoice.deleted', entity: 'invoice', entityId: id, detail: { number: row.number } });
		});
		return reply.status(204).send();
	});

	app.post('/api/staff/invoices/:id/issue', { config: { access: OFFICE } }, async (request) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const input = parseInput(invoiceIssueSchema, request.body ?? {});
		app.writer.transaction((w) => {
			const row = requireInvoice(w.db, id);
			issueDraft(w, row, { dueDate: input.dueDate, timeZone: getBusiness(w.db, w.now).timeZone });
			const issued = invoiceRow(w.db, id)!;
			audit(w.db, w.now, { actor: staffActor(staff), action: 'invoice.issued', entity: 'invoice', entityId: id, detail: { number: issued.number, total: issued.total, currency: issued.currency, dueDate: issued.dueDate } });
			w.afterCommit(() => afterInvoiceIssued(app, id));
		});
		return one(db, id);
	});

	app.post('/api/staff/invoices/:id/void', { config: { access: OFFICE } }, async (request) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const { reason } = parseInput(invoiceVoidSchema, request.body ?? {});
		app.writer.transaction((w) => {
			const row = requireInvoice(w.db, id);
			if (row.status === 'void') return;
			voidOpen(w, row);
			audit(w.db, w.now, { actor: staffActor(staff), action: 'invoice.voided', entity: 'invoice', entityId: id, detail: { number: row.number, reason } });
		});
		return one(db, id);
	});

	app.post('/api/staff/invoices/:id/payments', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const input = parseInput(inPersonPaymentSchema, request.body);
		app.writer.transaction((w) => {
			const row = requireInvoice(w.db, id);
			const paymentId = recordInPersonPayment(w, row, input);
			audit(w.db, w.now, {
				actor: staffActor(staff),
				action: 'payment.recorded',
				entity: 'invoice',
				entityId: id,
				detail: { paymentId, amount: input.amount, currency: row.currency, method: input.method, reference: input.reference }
			});
		});
		reply.status(201);
		return one(db, id);
	});
};

/** Invoices in the console: list with totals, drafts, issue, void, payments taken in person. */
export const staffInvoiceRoutes = fp(plugin, { name: 'porchlight-staff-invoices', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
