import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import type { ApproveQuoteRequest, ApproveQuoteResponse, QuoteRefusal } from '../../shared/protocol/quotes.ts';
import { formatLocalDate, formatTaxRate } from '../../shared/invoice-display.ts';
import { formatMoney } from '../../shared/money.ts';
import { isQuoteExpired, quoteTotals, selectionProblem } from '../../shared/quotes.ts';
import type { Quote } from '../../shared/schemas/quote.ts';
import { audit } from '../audit/log.ts';
import type { Principal } from '../auth/types.ts';
import { brandingOf, getBusiness } from '../branding/service.ts';
import type { Db } from '../db/client.ts';
import { customers, messages, messageThreads, portalUsers, quoteSignatures, quotes } from '../db/schema.ts';
import { readImageHeader } from '../files/image-header.ts';
import { storeFile } from '../files/store.ts';
import { AppError } from '../http/errors.ts';
import { enqueueMessageCreated, enqueueQuoteApproved } from '../integration/webhooks.ts';
import { afterInvoiceIssued } from '../staff/autopay-hook.ts';
import { insertDocument, pdfFileName } from '../staff/document-service.ts';
import { insertDraft, invoiceRow, issueDraft } from '../staff/invoice-service.ts';
import type { StaffQuoteEvent } from '../staff/stream.ts';
import { ensureThread } from '../sync/threads.ts';
import type { WriteContext } from '../sync/writer.ts';
import { businessToday, quoteRow, type QuoteRow } from './service.ts';
import { renderSignedQuotePdf } from './signed-pdf.ts';
import { customerQuote, visibleQuote } from './views.ts';

/*
 * A customer's answers to a quote: approve (sign), decline, ask for changes. Each is judged
 * against the quote as the server holds it at that moment, inside the transaction that records
 * the answer, so two answers racing each other cannot both win.
 */

type CustomerPrincipal = Extract<Principal, { kind: 'customer' }>;

/** Where a signature was made from, as the request says. */
export interface SigningContext {
	ip: string;
	userAgent: string;
}

/** Largest drawn signature accepted, in pixels (a phone canvas at 3× is well inside). */
const SIGNATURE_MAX_SIDE = 4000;
const SIGNATURE_MAX_PIXELS = 6_000_000;

function refusal(reason: QuoteRefusal, message: string, extra: Record<string, unknown> = {}): AppError {
	return new AppError('CONFLICT', message, { details: { reason, ...extra } });
}

const CLOSED_MESSAGE: Record<QuoteRow['status'], string> = {
	draft: 'This quote is not open for an answer.',
	sent: '',
	changes_requested: '',
	approved: 'This quote is already approved.',
	declined: 'This quote was declined: ask the office for a new one.',
	withdrawn: 'The office withdrew this quote.'
};

/** Refuses (409, reason `status`) a quote that is not waiting for the customer's answer. */
function requireOpen(row: QuoteRow): void {
	if (row.status === 'sent' || row.status === 'changes_requested') return;
	throw refusal('status', CLOSED_MESSAGE[row.status], { status: row.status });
}

/** Refuses (409, reason `changed`) when the quote is no longer the one the customer saw. */
function requireUnchanged(row: QuoteRow, contentHash: string): void {
	if (row.contentHash !== contentHash) throw changedRefusal(row);
}

function changedRefusal(row: QuoteRow): AppError {
	return refusal('changed', 'This quote changed after you opened it: review the new version', { quoteRevision: row.revision, contentHash: row.contentHash });
}

/** Refuses (409, reason `expired`) a quote past its last valid day on the business's calendar. */
function requireNotExpired(row: QuoteRow, today: string): void {
	if (!isQuoteExpired(row.validUntil, today)) return;
	throw refusal('expired', `This quote expired on ${formatLocalDate(row.validUntil!)}`, { validUntil: row.validUntil });
}

/** The drawn signature's bytes, refused (naming `signature`) unless they really are a PNG of a sane size. */
export function signatureBytes(dataUrl: string): Buffer {
	const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
	const header = readImageHeader(bytes);
	if (!header || header.mime !== 'image/png') {
		throw new AppError('VALIDATION', 'signature: must be a drawn signature (a PNG image)', { field: 'signature' });
	}
	if (header.width > SIGNATURE_MAX_SIDE || header.height > SIGNATURE_MAX_SIDE || header.width * header.height > SIGNATURE_MAX_PIXELS) {
		throw new AppError('VALIDATION', 'signature: the drawing is too large; clear it and sign again', { field: 'signature' });
	}
	return bytes;
}

function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

function clip(s: string, max: number): string {
	return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The customer's name as their own messages show it. */
function customerAuthorName(db: Db, principal: CustomerPrincipal): string {
	const user = db.select({ name: portalUsers.name }).from(portalUsers).where(eq(portalUsers.id, principal.portalUserId)).get();
	const customer = db.select({ name: customers.name }).from(customers).where(eq(customers.id, principal.customerId)).get();
	return user?.name || customer?.name || principal.email;
}

function customerName(db: Db, customerId: string): string {
	return db.select({ name: customers.name }).from(customers).where(eq(customers.id, customerId)).get()?.name ?? '';
}

function quoteEvent(db: Db, row: QuoteRow, status: StaffQuoteEvent['status']): StaffQuoteEvent {
	return { quoteId: row.id, customerId: row.customerId, number: row.number, customerName: customerName(db, row.customerId), status };
}

/**
 * Re-reads the quote inside the answer's transaction: if it changed or was answered while the
 * request was being prepared (the PDF renders outside any transaction), the same refusals apply.
 */
function currentOpenRow(w: WriteContext, seen: QuoteRow): QuoteRow {
	const row = quoteRow(w.db, seen.id);
	if (!row || row.deleted || row.customerId !== seen.customerId || row.status === 'draft') throw new AppError('NOT_FOUND', 'There is no such quote.');
	requireOpen(row);
	return row;
}

/**
 * Approves a quote by signing it: checks status, content hash, validity and selection; renders
 * the signed PDF; then, in one transaction, stores the signature and the PDF, files the PDF in the
 * customer's documents, records the signature's evidence, marks the quote approved and, when the
 * quote asks for a deposit, issues the deposit invoice. Staff hear of it live and `quote.approved`
 * goes out to subscribed systems.
 */
export async function approveQuote(app: FastifyInstance, principal: CustomerPrincipal, id: string, input: ApproveQuoteRequest, from: SigningContext): Promise<ApproveQuoteResponse> {
	const db = app.store.db;
	const seen = visibleQuote(db, principal, id);
	const signedAt = app.clock();
	requireOpen(seen);
	requireUnchanged(seen, input.contentHash);
	requireNotExpired(seen, businessToday(db, signedAt));
	const quote: Quote = customerQuote(db, principal, seen);
	const problem = selectionProblem(quote.items, input.selection);
	if (problem) throw new AppError('VALIDATION', `selection: ${problem}`, { field: 'selection' });
	const totals = quoteTotals(quote, input.selection);
	if (totals.total < 0) throw new AppError('VALIDATION', 'selection: the chosen lines add up to less than nothing', { field: 'selection' });
	const signature = signatureBytes(input.signature);
	const signatureSha256 = sha256(signature);
	const business = brandingOf(getBusiness(db, signedAt));
	const client = customerName(db, seen.customerId);
	const pdf = await renderSignedQuotePdf({
		business,
		customerName: client,
		quote,
		selection: input.selection,
		totals,
		signer: { name: input.signerName, email: principal.email, signedAt, ip: from.ip, userAgent: from.userAgent },
		signaturePng: signature,
		signatureSha256
	});
	const pdfSha256 = sha256(pdf);
	const dataDir = app.config.dataDir;

	const result = app.writer.transaction((w) => {
		const row = currentOpenRow(w, seen);
		// The PDF shows the revision read before it was rendered: it must still be the current one.
		if (row.revision !== seen.revision || row.contentHash !== seen.contentHash) throw changedRefusal(row);

		storeFile(w.db, dataDir, signature, 'image/png', w.now);
		const suffix = ' (signed)';
		const prefix = `${row.number} · `;
		const title = `${prefix}${clip(row.title, 200 - prefix.length - suffix.length)}${suffix}`;
		const documentId = insertDocument(
			w,
			dataDir,
			{ customerId: row.customerId, externalId: null, kind: 'quote', title, fileName: pdfFileName(`${row.number} ${row.title} signed`), signerName: input.signerName, signedAt },
			pdf
		);
		w.db.insert(quoteSignatures)
			.values({
				quoteId: row.id,
				signerName: input.signerName,
				signerEmail: principal.email,
				portalUserId: principal.portalUserId,
				signedAt,
				ip: from.ip,
				userAgent: from.userAgent,
				revision: row.revision,
				contentHash: row.contentHash,
				signatureSha256,
				selection: [...input.selection],
				total: totals.total,
				pdfSha256
			})
			.run();

		let depositInvoiceId: string | null = null;
		if (totals.deposit > 0) {
			const today = businessToday(w.db, w.now);
			depositInvoiceId = insertDraft(w, {
				customerId: row.customerId,
				externalId: null,
				number: null,
				title: clip(`Deposit for quote ${row.number} · ${row.title}`, 200),
				period: null,
				currency: row.currency,
				// The deposit is a share of the total with tax: no tax on top of it.
				taxRateBp: 0,
				lines: [{ description: clip(`Deposit: ${formatTaxRate(row.depositRateBp)} of ${formatMoney(totals.total, row.currency)}, quote ${row.number}`, 500), quantityMilli: 1000, unitAmount: totals.deposit }],
				dueDate: today,
				notes: `Asked when you approved quote ${row.number}.`
			});
			issueDraft(w, invoiceRow(w.db, depositInvoiceId)!, { dueDate: today, timeZone: business.timeZone });
		}

		w.db.update(quotes)
			.set({
				status: 'approved',
				respondedAt: signedAt,
				selection: [...input.selection],
				approvedTotal: totals.total,
				signerName: input.signerName,
				signedDocumentId: documentId,
				depositInvoiceId,
				responseNote: null,
				seq: w.touch('quotes', row.customerId, row.id),
				updatedAt: w.version(row.updatedAt)
			})
			.where(eq(quotes.id, row.id))
			.run();
		audit(w.db, w.now, {
			actor: { kind: 'customer', id: principal.portalUserId },
			action: 'quote.approved',
			entity: 'quote',
			entityId: row.id,
			detail: { number: row.number, revision: row.revision, contentHash: row.contentHash, selection: input.selection, total: totals.total, currency: row.currency, documentId, depositInvoiceId, ip: from.ip }
		});
		enqueueQuoteApproved(w, row.id);
		const event = quoteEvent(w.db, row, 'approved');
		w.afterCommit(() => {
			app.staffQuotes.publish(event);
			if (depositInvoiceId) afterInvoiceIssued(app, depositInvoiceId);
		});
		return { documentId, depositInvoiceId };
	});
	return { quote: customerQuote(db, principal, quoteRow(db, id)!), ...result };
}

/** Declines a quote, with the customer's reason if they gave one. */
export function declineQuote(app: FastifyInstance, principal: CustomerPrincipal, id: string, reason: string | undefined): Quote {
	const db = app.store.db;
	const seen = visibleQuote(db, principal, id);
	requireOpen(seen);
	app.writer.transaction((w) => {
		const row = currentOpenRow(w, seen);
		const note = reason ? reason : null;
		w.db.update(quotes)
			.set({ status: 'declined', respondedAt: w.now, responseNote: note, seq: w.touch('quotes', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
			.where(eq(quotes.id, row.id))
			.run();
		audit(w.db, w.now, { actor: { kind: 'customer', id: principal.portalUserId }, action: 'quote.declined', entity: 'quote', entityId: row.id, detail: { number: row.number, revision: row.revision, reason: note } });
		const event = quoteEvent(w.db, row, 'declined');
		w.afterCommit(() => app.staffQuotes.publish(event));
	});
	return customerQuote(db, principal, quoteRow(db, id)!);
}

/**
 * Asks for changes: the quote waits for the office, and the request lands in the customer's
 * thread as their own message, so the office sees it in the inbox (and other systems hear of it
 * as any customer message).
 */
export function requestQuoteChanges(app: FastifyInstance, principal: CustomerPrincipal, id: string, message: string): Quote {
	const db = app.store.db;
	const seen = visibleQuote(db, principal, id);
	requireOpen(seen);
	app.writer.transaction((w) => {
		const row = currentOpenRow(w, seen);
		w.db.update(quotes)
			.set({ status: 'changes_requested', respondedAt: w.now, responseNote: message, seq: w.touch('quotes', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
			.where(eq(quotes.id, row.id))
			.run();
		const threadId = ensureThread(w, principal.customerId);
		const messageId = randomUUID();
		w.db.insert(messages)
			.values({
				id: messageId,
				threadId,
				customerId: principal.customerId,
				authorKind: 'customer',
				authorId: principal.portalUserId,
				authorName: customerAuthorName(w.db, principal),
				body: `Changes requested on quote ${row.number} (${row.title}):\n\n${message}`,
				attachments: [],
				sentAt: w.now,
				seq: w.touch('messages', principal.customerId, messageId),
				deleted: false,
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		// A customer wrote: the thread waits for the office again.
		w.db.update(messageThreads).set({ lastMessageAt: w.now, status: 'open' }).where(eq(messageThreads.id, threadId)).run();
		enqueueMessageCreated(w, messageId);
		audit(w.db, w.now, {
			actor: { kind: 'customer', id: principal.portalUserId },
			action: 'quote.changes_requested',
			entity: 'quote',
			entityId: row.id,
			detail: { number: row.number, revision: row.revision, messageId }
		});
		const event = quoteEvent(w.db, row, 'changes_requested');
		w.afterCommit(() => app.staffQuotes.publish(event));
	});
	return customerQuote(db, principal, quoteRow(db, id)!);
}
