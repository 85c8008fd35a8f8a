import { createHash, randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import {
	externalIdSchema,
	V1_DOCUMENT_MAX_BYTES,
	v1AppointmentUpsertSchema,
	v1CustomerUpsertSchema,
	v1DocumentUpsertSchema,
	v1InvoiceUpsertSchema,
	type V1Appointment,
	type V1Customer,
	type V1Document,
	type V1Invoice
} from '../../shared/protocol/integration.ts';
import { audit, type Actor } from '../audit/log.ts';
import { getBusiness } from '../branding/service.ts';
import type { Db } from '../db/client.ts';
import { appointments, customers, documents, invoiceLineItems, invoices, serviceAddresses, serviceTypes } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { afterInvoiceIssued } from '../staff/autopay-hook.ts';
import { billingColumns, insertCustomer, updateCustomer, type CustomerFields } from '../staff/customer-service.ts';
import { insertDocument, pdfFileName, requirePdf, updateDocument } from '../staff/document-service.ts';
import { insertDraft, issueDraft, updateContent, voidOpen } from '../staff/invoice-service.ts';
import type { AppointmentRow, CustomerRow, DocumentRow, InvoiceRow } from '../staff/views.ts';
import type { WriteContext } from '../sync/writer.ts';
import { openApiDocument } from './openapi.ts';

const externalParams = z.object({ externalId: externalIdSchema });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function actorOf(request: FastifyRequest): Actor {
	if (!request.integration) throw new AppError('UNAUTHENTICATED', 'Send an API key as `Authorization: Bearer <key>`.');
	return { kind: 'integration', id: request.integration.keyId };
}

function customerByExternal(db: Db, externalId: string): CustomerRow | undefined {
	return db.select().from(customers).where(eq(customers.externalId, externalId)).get();
}

/** The customer an upsert refers to, or a 400 naming `customerExternalId`. */
function referencedCustomer(db: Db, externalId: string): CustomerRow {
	const row = customerByExternal(db, externalId);
	if (!row || row.deleted) {
		throw new AppError('VALIDATION', `customerExternalId: there is no customer ${externalId}; PUT /api/v1/customers/${externalId} first`, { field: 'customerExternalId' });
	}
	return row;
}

function externalIdOfCustomer(db: Db, customerId: string): string | null {
	return db.select({ externalId: customers.externalId }).from(customers).where(eq(customers.id, customerId)).get()?.externalId ?? null;
}

function v1Customer(db: Db, row: CustomerRow): V1Customer {
	const addresses = db
		.select()
		.from(serviceAddresses)
		.where(and(eq(serviceAddresses.customerId, row.id), eq(serviceAddresses.deleted, false)))
		.orderBy(asc(serviceAddresses.createdAt), asc(serviceAddresses.id))
		.all();
	return {
		id: row.id,
		externalId: row.externalId!,
		name: row.name,
		email: row.email,
		phone: row.phone,
		notes: row.notes,
		billing: {
			name: row.billingName,
			email: row.billingEmail,
			line1: row.billingLine1,
			line2: row.billingLine2,
			city: row.billingCity,
			region: row.billingRegion,
			postalCode: row.billingPostalCode,
			country: row.billingCountry
		},
		addresses: addresses.map((a) => ({ id: a.id, label: a.label, line1: a.line1, line2: a.line2, city: a.city, region: a.region, postalCode: a.postalCode, country: a.country })),
		updatedAt: iso(row.updatedAt)!
	};
}

function v1Invoice(db: Db, row: InvoiceRow): V1Invoice {
	const lines = db
		.select({ description: invoiceLineItems.description, quantityMilli: invoiceLineItems.quantityMilli, unitAmount: invoiceLineItems.unitAmount, amount: invoiceLineItems.amount })
		.from(invoiceLineItems)
		.where(eq(invoiceLineItems.invoiceId, row.id))
		.orderBy(asc(invoiceLineItems.position))
		.all();
	return {
		id: row.id,
		externalId: row.externalId!,
		customerExternalId: externalIdOfCustomer(db, row.customerId),
		number: row.number,
		title: row.title,
		status: row.status,
		currency: row.currency,
		subtotal: row.subtotal,
		taxRateBp: row.taxRateBp,
		tax: row.tax,
		total: row.total,
		amountPaid: row.amountPaid,
		amountDue: row.status === 'void' || row.status === 'paid' ? 0 : Math.max(0, row.total - row.amountPaid),
		issuedAt: iso(row.issuedAt),
		dueDate: row.dueDate,
		paidAt: iso(row.paidAt),
		lines,
		updatedAt: iso(row.updatedAt)!
	};
}

function v1Document(db: Db, row: DocumentRow): V1Document {
	return {
		id: row.id,
		externalId: row.externalId!,
		customerExternalId: externalIdOfCustomer(db, row.customerId),
		kind: row.kind,
		title: row.title,
		fileName: row.fileName,
		size: row.size,
		sha256: row.fileSha256,
		signerName: row.signerName,
		signedAt: iso(row.signedAt),
		updatedAt: iso(row.updatedAt)!
	};
}

function v1Appointment(db: Db, row: AppointmentRow): V1Appointment {
	return {
		id: row.id,
		externalId: row.externalId!,
		customerExternalId: externalIdOfCustomer(db, row.customerId),
		title: row.title,
		status: row.status,
		startsAt: iso(row.startsAt),
		endsAt: iso(row.endsAt),
		serviceTypeId: row.serviceTypeId,
		notes: row.notes,
		updatedAt: iso(row.updatedAt)!
	};
}

function notFound(what: string, externalId: string): AppError {
	return new AppError('NOT_FOUND', `There is no ${what} with externalId ${externalId}.`);
}

/** Documents arrive base64-encoded in JSON: room for the largest PDF plus the other fields. */
const DOCUMENT_BODY_LIMIT = Math.ceil((V1_DOCUMENT_MAX_BYTES * 4) / 3) + 64 * 1024;

const plugin: FastifyPluginAsync = async (app) => {
	const db = app.store.db;
	const access = { access: 'integration' as const };

	// ---- customers
	app.get('/api/v1/customers/:externalId', { config: access }, async (request) => {
		const { externalId } = parseInput(externalParams, request.params);
		const row = customerByExternal(db, externalId);
		if (!row || row.deleted) throw notFound('customer', externalId);
		return { data: v1Customer(db, row) };
	});

	app.put('/api/v1/customers/:externalId', { config: access }, async (request, reply) => {
		const actor = actorOf(request);
		const { externalId } = parseInput(externalParams, request.params);
		const input = parseInput(v1CustomerUpsertSchema, request.body);
		const fields = { name: input.name, email: input.email, phone: input.phone, notes: input.notes, ...billingColumns(input.billing) } as CustomerFields;
		const result = app.writer.transaction((w) => {
			const row = customerByExternal(w.db, externalId);
			if (!row) {
				const id = insertCustomer(w, fields, [], externalId);
				updateCustomer(w, customerByExternal(w.db, externalId)!, {}, input.addresses, 'content');
				audit(w.db, w.now, { actor, action: 'customer.created', entity: 'customer', entityId: id, detail: { externalId } });
				return { created: true, changed: true };
			}
			const changed = updateCustomer(w, row, fields, input.addresses, 'content');
			if (changed) audit(w.db, w.now, { actor, action: 'customer.updated', entity: 'customer', entityId: row.id, detail: { externalId } });
			return { created: false, changed };
		});
		reply.status(result.created ? 201 : 200);
		return { data: v1Customer(db, customerByExternal(db, externalId)!), ...result };
	});

	// ---- invoices
	const invoiceByExternal = (d: Db, externalId: string) => d.select().from(invoices).where(eq(invoices.externalId, externalId)).get();

	app.get('/api/v1/invoices/:externalId', { config: access }, async (request) => {
		const { externalId } = parseInput(externalParams, request.params);
		const row = invoiceByExternal(db, externalId);
		if (!row || row.deleted) throw notFound('invoice', externalId);
		return { data: v1Invoice(db, row) };
	});

	app.put('/api/v1/invoices/:externalId', { config: access }, async (request, reply) => {
		const actor = actorOf(request);
		const { externalId } = parseInput(externalParams, request.params);
		const input = parseInput(v1InvoiceUpsertSchema, request.body);
		let issued: string | null = null;
		const result = app.writer.transaction((w) => {
			const customer = referencedCustomer(w.db, input.customerExternalId);
			const biz = getBusiness(w.db, w.now);
			const currency = input.currency ?? biz.currency;
			const content = {
				number: input.number,
				title: input.title,
				period: input.period,
				currency,
				taxRateBp: input.taxRateBp,
				lines: input.lines,
				notes: input.notes,
				...(input.dueDate !== undefined ? { dueDate: input.dueDate } : {})
			};
			let row = invoiceByExternal(w.db, externalId);
			let created = false;
			let changed = false;
			if (!row || row.deleted) {
				if (row?.deleted) throw new AppError('CONFLICT', `Invoice ${externalId} was deleted here; send it under a new externalId.`);
				const id = insertDraft(w, {
					customerId: customer.id,
					externalId,
					number: input.number ?? null,
					title: input.title,
					period: input.period,
					currency,
					taxRateBp: input.taxRateBp,
					lines: input.lines,
					dueDate: input.dueDate ?? null,
					notes: input.notes
				});
				row = invoiceByExternal(w.db, externalId)!;
				created = changed = true;
				audit(w.db, w.now, { actor, action: 'invoice.created', entity: 'invoice', entityId: id, detail: { externalId } });
			} else {
				if (row.customerId !== customer.id) throw new AppError('CONFLICT', 'customerExternalId: an invoice cannot move to another customer', { field: 'customerExternalId' });
				// Only drafts and open invoices nothing was paid on may change (updateContent refuses the rest).
				if (updateContent(w, row, content)) {
					changed = true;
					audit(w.db, w.now, { actor, action: 'invoice.edited', entity: 'invoice', entityId: row.id, detail: { externalId } });
					row = invoiceByExternal(w.db, externalId)!;
				}
			}
			// Status: draft → open issues; open → void voids; anything else must already hold.
			if (input.status === 'open' && row.status === 'draft') {
				issueDraft(w, row, { dueDate: input.dueDate, timeZone: biz.timeZone });
				issued = row.id;
				changed = true;
				audit(w.db, w.now, { actor, action: 'invoice.issued', entity: 'invoice', entityId: row.id, detail: { externalId } });
			} else if (input.status === 'void' && row.status !== 'void') {
				if (row.status === 'draft') {
					throw new AppError('CONFLICT', 'status: a draft cannot be voided; it was never issued', { field: 'status' });
				}
				voidOpen(w, row);
				changed = true;
				audit(w.db, w.now, { actor, action: 'invoice.voided', entity: 'invoice', entityId: row.id, detail: { externalId } });
			} else if (input.status === 'draft' && row.status !== 'draft') {
				throw new AppError('CONFLICT', `status: invoice ${row.number} is ${row.status} and cannot go back to draft`, { field: 'status' });
			} else if (input.status === 'open' && row.status === 'void') {
				throw new AppError('CONFLICT', `status: invoice ${row.number} is void and cannot reopen`, { field: 'status' });
			}
			return { created, changed };
		});
		if (issued) afterInvoiceIssued(app, issued);
		reply.status(result.created ? 201 : 200);
		return { data: v1Invoice(db, invoiceByExternal(db, externalId)!), ...result };
	});

	// ---- documents
	const documentByExternal = (d: Db, externalId: string) => d.select().from(documents).where(eq(documents.externalId, externalId)).get();

	app.get('/api/v1/documents/:externalId', { config: access }, async (request) => {
		const { externalId } = parseInput(externalParams, request.params);
		const row = documentByExternal(db, externalId);
		if (!row || row.deleted) throw notFound('document', externalId);
		return { data: v1Document(db, row) };
	});

	app.put('/api/v1/documents/:externalId', { config: access, bodyLimit: DOCUMENT_BODY_LIMIT }, async (request, reply) => {
		const actor = actorOf(request);
		const { externalId } = parseInput(externalParams, request.params);
		const input = parseInput(v1DocumentUpsertSchema, request.body);
		const bytes = Buffer.from(input.contentBase64.replace(/\s+/g, ''), 'base64');
		if (bytes.byteLength > V1_DOCUMENT_MAX_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'contentBase64: the document is larger than 20 MB', { field: 'contentBase64' });
		requirePdf(bytes, 'contentBase64');
		const fields = {
			kind: input.kind,
			title: input.title,
			fileName: pdfFileName(input.title, input.fileName),
			signerName: input.signerName,
			signedAt: input.signedAt === null ? null : Date.parse(input.signedAt)
		};
		const result = app.writer.transaction((w) => {
			const customer = referencedCustomer(w.db, input.customerExternalId);
			const row = documentByExternal(w.db, externalId);
			if (!row) {
				const id = insertDocument(w, app.config.dataDir, { ...fields, customerId: customer.id, externalId }, bytes);
				audit(w.db, w.now, { actor, action: 'document.uploaded', entity: 'document', entityId: id, detail: { externalId, size: bytes.byteLength } });
				return { created: true, changed: true };
			}
			const sameFile = row.size === bytes.byteLength && row.fileSha256 === sha256Of(bytes);
			const changed = updateDocument(w, app.config.dataDir, row, { ...fields, customerId: customer.id }, sameFile ? undefined : bytes);
			if (changed) audit(w.db, w.now, { actor, action: 'document.updated', entity: 'document', entityId: row.id, detail: { externalId, fileChanged: !sameFile } });
			return { created: false, changed };
		});
		reply.status(result.created ? 201 : 200);
		return { data: v1Document(db, documentByExternal(db, externalId)!), ...result };
	});

	// ---- appointments
	const appointmentByExternal = (d: Db, externalId: string) => d.select().from(appointments).where(eq(appointments.externalId, externalId)).get();

	app.get('/api/v1/appointments/:externalId', { config: access }, async (request) => {
		const { externalId } = parseInput(externalParams, request.params);
		const row = appointmentByExternal(db, externalId);
		if (!row || row.deleted) throw notFound('appointment', externalId);
		return { data: v1Appointment(db, row) };
	});

	app.put('/api/v1/appointments/:externalId', { config: access }, async (request, reply) => {
		const actor = actorOf(request);
		const { externalId } = parseInput(externalParams, request.params);
		const input = parseInput(v1AppointmentUpsertSchema, request.body);
		const result = app.writer.transaction((w: WriteContext) => {
			const customer = referencedCustomer(w.db, input.customerExternalId);
			if (input.serviceTypeId !== null && !w.db.select({ id: serviceTypes.id }).from(serviceTypes).where(eq(serviceTypes.id, input.serviceTypeId)).get()) {
				throw new AppError('VALIDATION', 'serviceTypeId: is not a service type of this portal', { field: 'serviceTypeId' });
			}
			const values = {
				customerId: customer.id,
				title: input.title,
				status: input.status,
				startsAt: Date.parse(input.startsAt),
				endsAt: Date.parse(input.endsAt),
				serviceTypeId: input.serviceTypeId,
				notes: input.notes
			};
			const row = appointmentByExternal(w.db, externalId);
			if (!row) {
				const id = randomUUID();
				w.db.insert(appointments)
					.values({ id, externalId, ...values, source: 'integration', seq: w.touch('appointments', customer.id, id), deleted: false, createdAt: w.now, updatedAt: w.now })
					.run();
				audit(w.db, w.now, { actor, action: 'appointment.created', entity: 'appointment', entityId: id, detail: { externalId } });
				return { created: true, changed: true };
			}
			if (row.customerId !== customer.id) throw new AppError('CONFLICT', 'customerExternalId: an appointment cannot move to another customer', { field: 'customerExternalId' });
			const same = (Object.keys(values) as (keyof typeof values)[]).every((k) => values[k] === row[k]) && !row.deleted;
			if (same) return { created: false, changed: false };
			w.db.update(appointments)
				.set({ ...values, deleted: false, seq: w.touch('appointments', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
				.where(eq(appointments.id, row.id))
				.run();
			audit(w.db, w.now, { actor, action: 'appointment.updated', entity: 'appointment', entityId: row.id, detail: { externalId } });
			return { created: false, changed: true };
		});
		reply.status(result.created ? 201 : 200);
		return { data: v1Appointment(db, appointmentByExternal(db, externalId)!), ...result };
	});

	// Public: it documents the API and holds nothing secret (a key is needed for every call in it).
	app.get('/api/v1/openapi.json', { config: { access: 'public' } }, async (_request, reply) => {
		reply.header('cache-control', 'no-cache');
		return openApiDocument(app.config.publicUrl, getBusiness(db, app.clock()).name);
	});
};

function sha256Of(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/** `/api/v1`: idempotent upserts of customers, invoices, documents and appointments by the other system's ids. */
export const integrationRoutes = fp(plugin, { name: 'porchlight-integration-v1', dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-api-keys'] });
