import { and, desc, eq, notInArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { PDFDocument, StandardFonts, rgb, type PDFFont } from 'pdf-lib';
import { formatInstantDate, PAYMENT_STATUS_LABELS } from '../../shared/invoice-display.ts';
import { formatMoney } from '../../shared/money.ts';
import { DEMO_MODE_LABEL, type PaymentSummary, type Receipt } from '../../shared/protocol/payments.ts';
import { getBusiness } from '../branding/service.ts';
import { customers, invoices, payments } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { InvoiceRow, PaymentRow } from './service.ts';

/** The path of a payment's receipt (JSON; `?format=pdf` for the PDF). */
export function receiptPath(paymentId: string): string {
	return `/api/pay/payments/${encodeURIComponent(paymentId)}/receipt`;
}

/** A payment as history and receipts show it. */
export function paymentSummary(row: PaymentRow, invoice: Pick<InvoiceRow, 'number' | 'title'>): PaymentSummary {
	const paid = row.status === 'succeeded' || row.status === 'refunded';
	return {
		id: row.id,
		invoiceId: row.invoiceId,
		invoiceNumber: invoice.number,
		invoiceTitle: invoice.title,
		amount: row.amount,
		amountRefunded: row.amountRefunded,
		currency: row.currency,
		method: row.method,
		methodLabel: row.methodLabel,
		status: row.status,
		failureMessage: row.failureMessage,
		offSession: row.offSession,
		receiptNumber: row.receiptNumber,
		createdAt: row.createdAt,
		settledAt: row.settledAt,
		demo: row.provider === 'demo',
		receiptUrl: paid ? receiptPath(row.id) : null
	};
}

/** The customer's payments, newest first; attempts never completed are left out. */
export function paymentHistory(app: FastifyInstance, customerId: string): PaymentSummary[] {
	return app.store.db
		.select({ p: payments, number: invoices.number, title: invoices.title })
		.from(payments)
		.innerJoin(invoices, eq(invoices.id, payments.invoiceId))
		.where(and(eq(payments.customerId, customerId), notInArray(payments.status, ['pending', 'canceled'])))
		.orderBy(desc(payments.createdAt), desc(payments.id))
		.limit(500)
		.all()
		.map((r) => paymentSummary(r.p, r));
}

/** One of the customer's payments, or 404 (another customer's payment is exactly a missing one). */
export function customerPayment(app: FastifyInstance, customerId: string, paymentId: string): { row: PaymentRow; invoice: InvoiceRow } {
	const found = app.store.db
		.select({ p: payments, i: invoices })
		.from(payments)
		.innerJoin(invoices, eq(invoices.id, payments.invoiceId))
		.where(and(eq(payments.id, paymentId), eq(payments.customerId, customerId)))
		.get();
	if (!found) throw new AppError('NOT_FOUND', 'There is no such payment.');
	return { row: found.p, invoice: found.i };
}

/** The receipt of a paid payment; 409 while it has not gone through. */
export function receiptOf(app: FastifyInstance, customerId: string, paymentId: string): Receipt {
	const { row, invoice } = customerPayment(app, customerId, paymentId);
	if ((row.status !== 'succeeded' && row.status !== 'refunded') || !row.receiptNumber) {
		throw new AppError('CONFLICT', `There is no receipt yet: the payment is ${PAYMENT_STATUS_LABELS[row.status].toLowerCase()}.`, { details: { status: row.status } });
	}
	const db = app.store.db;
	const business = getBusiness(db, app.clock());
	const customer = db.select().from(customers).where(eq(customers.id, customerId)).get()!;
	const cityLine = [business.city, [business.region, business.postalCode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
	return {
		receiptNumber: row.receiptNumber,
		payment: paymentSummary(row, invoice),
		business: {
			name: business.name,
			email: business.email,
			phone: business.phone,
			addressLines: [business.addressLine1, business.addressLine2 ?? '', cityLine].filter(Boolean)
		},
		customerName: customer.billingName || customer.name,
		paidOn: formatInstantDate(row.settledAt ?? row.updatedAt, business.timeZone),
		demoMode: row.provider === 'demo'
	};
}

function printable(font: PDFFont): (text: string) => string {
	const known = new Set(font.getCharacterSet());
	return (text) => Array.from(text.replace(/[\r\n\t]+/g, ' '), (ch) => (known.has(ch.codePointAt(0)!) ? ch : '?')).join('');
}

/** A one-page PDF of a receipt. */
export async function renderReceiptPdf(receipt: Receipt, now: number): Promise<Uint8Array> {
	const pdf = await PDFDocument.create({ updateMetadata: false });
	pdf.setTitle(`Receipt ${receipt.receiptNumber}`);
	pdf.setAuthor(receipt.business.name);
	pdf.setCreator('Porchlight');
	pdf.setProducer('Porchlight');
	pdf.setCreationDate(new Date(now));
	pdf.setModificationDate(new Date(now));
	const page = pdf.addPage([612, 792]);
	const regular = await pdf.embedFont(StandardFonts.Helvetica);
	const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
	const text = printable(regular);
	const ink = rgb(0.08, 0.09, 0.11);
	const muted = rgb(0.33, 0.36, 0.41);
	let y = 740;
	const line = (s: string, opts: { size?: number; font?: PDFFont; color?: typeof ink; x?: number } = {}) => {
		page.drawText(text(s), { x: opts.x ?? 56, y, size: opts.size ?? 11, font: opts.font ?? regular, color: opts.color ?? ink });
	};
	line(receipt.business.name, { size: 18, font: bold });
	y -= 18;
	for (const l of [...receipt.business.addressLines, [receipt.business.phone, receipt.business.email].filter(Boolean).join(' · ')]) {
		if (!l) continue;
		line(l, { size: 10, color: muted });
		y -= 13;
	}
	y -= 24;
	line(`Receipt ${receipt.receiptNumber}`, { size: 16, font: bold });
	y -= 20;
	if (receipt.demoMode) {
		line(`${DEMO_MODE_LABEL}. This receipt is for a simulated payment.`, { size: 11, font: bold, color: rgb(0.7, 0.15, 0.12) });
		y -= 20;
	}
	const p = receipt.payment;
	const rows: [string, string][] = [
		['Received from', receipt.customerName],
		['Paid on', receipt.paidOn],
		['Amount', formatMoney(p.amount, p.currency)],
		['Paid with', p.methodLabel ?? '—'],
		['For invoice', `${p.invoiceNumber} — ${p.invoiceTitle}`],
		['Status', PAYMENT_STATUS_LABELS[p.status]]
	];
	if (p.amountRefunded > 0) rows.push(['Refunded', formatMoney(p.amountRefunded, p.currency)]);
	if (p.offSession) rows.push(['Charged by', 'Autopay']);
	for (const [k, v] of rows) {
		y -= 22;
		line(k, { color: muted });
		line(v, { x: 180, font: bold });
	}
	y -= 40;
	line('Thank you for your payment.', { color: muted });
	return pdf.save();
}
