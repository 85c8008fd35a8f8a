import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { MAX_MINOR } from '../../shared/schemas/common.ts';
import { sumMinor, taxOf } from '../../shared/money.ts';
import { DEFAULT_NET_DAYS, type InPersonPayment, type InvoiceLineInput } from '../../shared/protocol/staff.ts';
import { addDays, localDateOf } from '../../shared/time.ts';
import type { Db } from '../db/client.ts';
import { invoiceLineItems, invoices, payments } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { enqueuePaymentSucceeded } from '../integration/webhooks.ts';
import type { WriteContext } from '../sync/writer.ts';
import type { InvoiceRow } from './views.ts';

/*
 * Invoice writes shared by the console and the integration API. Amounts are integer minor units;
 * the server computes every line amount, the subtotal, the tax and the total, so what a customer
 * is asked to pay never depends on arithmetic done elsewhere.
 */

/** `quantityMilli × unitAmount / 1000`, rounded half away from zero, exactly (no float products). */
export function lineAmount(quantityMilli: number, unitAmount: number): number {
	const product = BigInt(quantityMilli) * BigInt(unitAmount);
	const negative = product < 0n;
	const abs = negative ? -product : product;
	const rounded = (abs * 2n + 1000n) / 2000n;
	return Number(negative ? -rounded : rounded);
}

/** A line with its computed amount. */
export interface ComputedLine extends InvoiceLineInput {
	amount: number;
}

/** Computed lines and totals of an invoice. */
export interface InvoiceTotalsOf {
	lines: ComputedLine[];
	subtotal: number;
	tax: number;
	total: number;
}

/** Line amounts, subtotal, tax (on the subtotal, in basis points) and total; refuses amounts past the wire's range, naming the field. */
export function computeInvoice(lines: readonly InvoiceLineInput[], taxRateBp: number, field = 'lines'): InvoiceTotalsOf {
	const computed = lines.map((line, i) => {
		const amount = lineAmount(line.quantityMilli, line.unitAmount);
		if (Math.abs(amount) > MAX_MINOR) throw new AppError('VALIDATION', `${field}.${i}: the line amount is too large`, { field: `${field}.${i}` });
		return { ...line, amount };
	});
	const subtotal = sumMinor(computed.map((l) => l.amount));
	const tax = taxOf(subtotal, taxRateBp);
	const total = subtotal + tax;
	if (Math.abs(subtotal) > MAX_MINOR || Math.abs(total) > MAX_MINOR) throw new AppError('VALIDATION', `${field}: the invoice total is too large`, { field });
	return { lines: computed, subtotal, tax, total };
}

/** The next free `INV-nnnnn` number (one more than the highest such number). */
export function nextInvoiceNumber(db: Db): string {
	const row = db
		.select({ max: sql<number | null>`max(cast(substr(${invoices.number}, 5) as integer))` })
		.from(invoices)
		.where(sql`${invoices.number} glob 'INV-[0-9]*' and substr(${invoices.number}, 5) not glob '*[^0-9]*'`)
		.get();
	return `INV-${String((row?.max ?? 0) + 1).padStart(5, '0')}`;
}

/** Refuses a number another invoice already has, naming the field. */
export function requireFreeNumber(db: Db, number: string, exceptId: string | null, field = 'number'): void {
	const other = db.select({ id: invoices.id }).from(invoices).where(eq(invoices.number, number)).get();
	if (other && other.id !== exceptId) throw new AppError('CONFLICT', `${field}: another invoice already has the number ${number}`, { field });
}

function replaceLines(w: WriteContext, invoiceId: string, lines: readonly ComputedLine[]): void {
	w.db.delete(invoiceLineItems).where(eq(invoiceLineItems.invoiceId, invoiceId)).run();
	lines.forEach((l, position) => {
		w.db.insert(invoiceLineItems)
			.values({ id: randomUUID(), invoiceId, position, description: l.description, quantityMilli: l.quantityMilli, unitAmount: l.unitAmount, amount: l.amount })
			.run();
	});
}

/** The stored lines of an invoice, in order, as inputs (for comparing with an incoming set). */
export function storedLines(db: Db, invoiceId: string): InvoiceLineInput[] {
	return db
		.select({ description: invoiceLineItems.description, quantityMilli: invoiceLineItems.quantityMilli, unitAmount: invoiceLineItems.unitAmount })
		.from(invoiceLineItems)
		.where(eq(invoiceLineItems.invoiceId, invoiceId))
		.orderBy(asc(invoiceLineItems.position))
		.all();
}

/** True when two line lists say the same. */
export function sameLines(a: readonly InvoiceLineInput[], b: readonly InvoiceLineInput[]): boolean {
	return a.length === b.length && a.every((l, i) => l.description === b[i].description && l.quantityMilli === b[i].quantityMilli && l.unitAmount === b[i].unitAmount);
}

/** What a new invoice is made of. */
export interface NewInvoice {
	customerId: string;
	externalId: string | null;
	number: string | null;
	title: string;
	period: string | null;
	currency: string;
	taxRateBp: number;
	lines: readonly InvoiceLineInput[];
	dueDate: string | null;
	notes: string | null;
}

/** Inserts a draft (customers' devices get it as a tombstone, so they never see it). Returns the id. */
export function insertDraft(w: WriteContext, input: NewInvoice): string {
	const id = randomUUID();
	const totals = computeInvoice(input.lines, input.taxRateBp);
	const number = input.number ?? nextInvoiceNumber(w.db);
	requireFreeNumber(w.db, number, null);
	w.db.insert(invoices)
		.values({
			id,
			customerId: input.customerId,
			externalId: input.externalId,
			number,
			title: input.title,
			period: input.period,
			status: 'draft',
			currency: input.currency,
			subtotal: totals.subtotal,
			taxRateBp: input.taxRateBp,
			tax: totals.tax,
			total: totals.total,
			amountPaid: 0,
			dueDate: input.dueDate,
			notes: input.notes,
			seq: w.touch('invoices', input.customerId, id),
			deleted: false,
			createdAt: w.now,
			updatedAt: w.now
		})
		.run();
	replaceLines(w, id, totals.lines);
	return id;
}

/** Changes to an invoice's content; `lines` replaces every line. */
export interface InvoiceContent {
	number?: string;
	title?: string;
	period?: string | null;
	currency?: string;
	taxRateBp?: number;
	lines?: readonly InvoiceLineInput[];
	dueDate?: string | null;
	notes?: string | null;
}

/** True when `content` would change nothing of `row`. */
export function contentUnchanged(db: Db, row: InvoiceRow, content: InvoiceContent): boolean {
	const same = <K extends keyof InvoiceContent & keyof InvoiceRow>(k: K) => content[k] === undefined || content[k] === row[k];
	return (
		same('number') &&
		same('title') &&
		same('period') &&
		same('currency') &&
		same('taxRateBp') &&
		same('dueDate') &&
		same('notes') &&
		(content.lines === undefined || sameLines(storedLines(db, row.id), content.lines))
	);
}

/**
 * Rewrites an invoice's content and totals. Drafts change freely; an open invoice only while
 * nothing was paid on it (totals must not move under a payment). Returns whether it changed.
 */
export function updateContent(w: WriteContext, row: InvoiceRow, content: InvoiceContent): boolean {
	if (contentUnchanged(w.db, row, content)) return false;
	const editable = row.status === 'draft' || (row.status === 'open' && !hasPayments(w.db, row.id));
	if (!editable) throw new AppError('CONFLICT', `Invoice ${row.number} is ${row.status === 'open' ? 'open with payments on it' : row.status}: its content can no longer change.`);
	if (content.number !== undefined) requireFreeNumber(w.db, content.number, row.id);
	const taxRateBp = content.taxRateBp ?? row.taxRateBp;
	const lines = content.lines ?? storedLines(w.db, row.id);
	const totals = computeInvoice(lines, taxRateBp);
	w.db.update(invoices)
		.set({
			number: content.number ?? row.number,
			title: content.title ?? row.title,
			period: content.period === undefined ? row.period : content.period,
			currency: content.currency ?? row.currency,
			taxRateBp,
			subtotal: totals.subtotal,
			tax: totals.tax,
			total: totals.total,
			dueDate: content.dueDate === undefined ? row.dueDate : content.dueDate,
			notes: content.notes === undefined ? row.notes : content.notes,
			seq: w.touch('invoices', row.customerId, row.id),
			updatedAt: w.version(row.updatedAt)
		})
		.where(eq(invoices.id, row.id))
		.run();
	if (content.lines !== undefined) replaceLines(w, row.id, totals.lines);
	return true;
}

function hasPayments(db: Db, invoiceId: string): boolean {
	return db.select({ id: payments.id }).from(payments).where(eq(payments.invoiceId, invoiceId)).get() !== undefined;
}

/** Re-reads an invoice row. */
export function invoiceRow(db: Db, id: string): InvoiceRow | undefined {
	return db.select().from(invoices).where(eq(invoices.id, id)).get();
}

/**
 * Issues a draft: open, issued now, due on `dueDate` (default: the invoice's own, else 30 days
 * from today on the business's calendar). The customer's devices see it at once. A total of zero
 * or less has nothing to ask for, so it is issued as paid.
 */
export function issueDraft(w: WriteContext, row: InvoiceRow, opts: { dueDate?: string; timeZone: string }): void {
	if (row.status !== 'draft') throw new AppError('CONFLICT', `Invoice ${row.number} is already ${row.status}.`);
	if (storedLines(w.db, row.id).length === 0) throw new AppError('VALIDATION', 'lines: add at least one line before issuing', { field: 'lines' });
	const dueDate = opts.dueDate ?? row.dueDate ?? addDays(localDateOf(w.now, opts.timeZone), DEFAULT_NET_DAYS);
	const settled = row.total <= 0;
	w.db.update(invoices)
		.set({
			status: settled ? 'paid' : 'open',
			issuedAt: w.now,
			paidAt: settled ? w.now : null,
			dueDate,
			seq: w.touch('invoices', row.customerId, row.id),
			updatedAt: w.version(row.updatedAt)
		})
		.where(eq(invoices.id, row.id))
		.run();
}

/** Voids an open invoice nothing was paid on (money taken must be refunded first). */
export function voidOpen(w: WriteContext, row: InvoiceRow): void {
	if (row.status === 'void') return;
	if (row.status === 'draft') throw new AppError('CONFLICT', `Invoice ${row.number} is a draft: delete it instead.`);
	if (row.status !== 'open') throw new AppError('CONFLICT', `Invoice ${row.number} is ${row.status}: it cannot be voided.`);
	if (row.amountPaid > 0) throw new AppError('CONFLICT', `Invoice ${row.number} has payments on it: refund them before voiding.`);
	const inFlight = w.db
		.select({ id: payments.id })
		.from(payments)
		.where(and(eq(payments.invoiceId, row.id), sql`${payments.status} in ('pending', 'processing')`))
		.get();
	if (inFlight) throw new AppError('CONFLICT', `A payment on invoice ${row.number} is under way: wait for it before voiding.`);
	w.db.update(invoices)
		.set({ status: 'void', voidedAt: w.now, seq: w.touch('invoices', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
		.where(eq(invoices.id, row.id))
		.run();
}

const METHOD_LABEL = { cash: 'Cash', check: 'Check', other: 'Other' } as const;

/**
 * Records money taken in person (cash, check) against an open invoice: a succeeded `manual`
 * payment, the invoice's amount paid (and status, once covered), a bumped invoice for the
 * customer's devices and a `payment.succeeded` webhook, all in the caller's transaction.
 * Returns the payment id.
 */
export function recordInPersonPayment(w: WriteContext, row: InvoiceRow, input: InPersonPayment): string {
	if (row.status !== 'open') throw new AppError('CONFLICT', `Invoice ${row.number} is ${row.status}: payments are recorded on open invoices.`);
	const due = Math.max(0, row.total - row.amountPaid);
	if (input.amount > due) throw new AppError('VALIDATION', `amount: must be at most the amount due (${due})`, { field: 'amount' });
	const id = randomUUID();
	const manualCount = w.db
		.select({ n: sql<number>`count(*)` })
		.from(payments)
		.where(and(eq(payments.invoiceId, row.id), eq(payments.provider, 'manual')))
		.get()!.n;
	const label = input.method === 'check' && input.reference ? `Check #${input.reference.replace(/^#/, '')}` : input.reference && input.method === 'other' ? input.reference : METHOD_LABEL[input.method];
	const settledAt = input.receivedAt ?? w.now;
	w.db.insert(payments)
		.values({
			id,
			invoiceId: row.id,
			customerId: row.customerId,
			amount: input.amount,
			currency: row.currency,
			method: input.method,
			methodLabel: label,
			status: 'succeeded',
			provider: 'manual',
			receiptNumber: `RCPT-${row.number.replace(/^INV-?/i, '')}-M${Number(manualCount) + 1}`,
			createdAt: w.now,
			updatedAt: w.now,
			settledAt
		})
		.run();
	const amountPaid = row.amountPaid + input.amount;
	const paid = amountPaid >= row.total;
	w.db.update(invoices)
		.set({ amountPaid, status: paid ? 'paid' : 'open', paidAt: paid ? w.now : null })
		.where(eq(invoices.id, row.id))
		.run();
	w.bump('invoices', row.customerId, row.id);
	enqueuePaymentSucceeded(w, id);
	return id;
}
