import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import { ensureContrast, parseHex } from '../../shared/color.ts';
import {
	INVOICE_STATUS_LABELS,
	PAYMENT_METHOD_LABELS,
	PAYMENT_STATUS_LABELS,
	formatInstantDate,
	formatLocalDate,
	formatQuantity,
	formatTaxRate,
	type InvoiceDisplayStatus
} from '../../shared/invoice-display.ts';
import { formatMoney } from '../../shared/money.ts';
import type { Branding } from '../../shared/schemas/branding.ts';
import type { Invoice } from '../../shared/schemas/invoice.ts';

/** Who the invoice is addressed to, as the PDF prints it. */
export interface InvoiceRecipient {
	name: string;
	email: string | null;
	/** Address lines, already joined per line; may be empty. */
	addressLines: string[];
}

/** Everything the PDF shows. */
export interface InvoicePdfInput {
	invoice: Invoice;
	/** The status as the customer reads it today (open, overdue, …). */
	status: InvoiceDisplayStatus;
	business: Branding;
	recipient: InvoiceRecipient;
	/** The moment of rendering (the app's clock): the PDF's creation date and "generated on". */
	now: number;
}

const INK = rgb(0.08, 0.09, 0.11);
const MUTED = rgb(0.33, 0.36, 0.41);
const RULE = rgb(0.85, 0.87, 0.9);
const SOFT = rgb(0.96, 0.97, 0.98);

const STATUS_COLORS: Record<InvoiceDisplayStatus, { ink: RGB; fill: RGB }> = {
	open: { ink: rgb(0.1, 0.3, 0.55), fill: rgb(0.91, 0.94, 0.98) },
	overdue: { ink: rgb(0.7, 0.15, 0.12), fill: rgb(0.98, 0.91, 0.91) },
	processing: { ink: rgb(0.45, 0.3, 0.0), fill: rgb(0.99, 0.95, 0.85) },
	paid: { ink: rgb(0.09, 0.46, 0.24), fill: rgb(0.89, 0.95, 0.92) },
	void: { ink: rgb(0.33, 0.36, 0.41), fill: rgb(0.93, 0.94, 0.95) }
};

function colorOf(hex: string): RGB {
	const [r, g, b] = parseHex(hex) ?? [31, 95, 168];
	return rgb(r / 255, g / 255, b / 255);
}

/** US and Canadian businesses print on Letter, everyone else on A4. */
function pageSize(country: string): [number, number] {
	return ['US', 'CA', 'MX', 'PH'].includes(country.toUpperCase()) ? [612, 792] : [595.28, 841.89];
}

/**
 * The standard PDF fonts only know Windows-1252: anything else (emoji, CJK, arrows) becomes
 * "?" rather than making the whole download fail.
 */
function printable(font: PDFFont): (text: string) => string {
	const known = new Set(font.getCharacterSet());
	return (text) =>
		Array.from(text.replace(/[\r\n\t]+/g, ' '), (ch) => (known.has(ch.codePointAt(0)!) ? ch : '?')).join('');
}

/** Splits text into lines no wider than `width`; a single word too long for a line is cut. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
	const out: string[] = [];
	let line = '';
	const fits = (s: string) => font.widthOfTextAtSize(s, size) <= width;
	for (const word of text.split(/\s+/).filter(Boolean)) {
		const next = line ? `${line} ${word}` : word;
		if (fits(next)) {
			line = next;
			continue;
		}
		if (line) out.push(line);
		let rest = word;
		while (!fits(rest)) {
			let cut = rest.length - 1;
			while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
			out.push(rest.slice(0, cut));
			rest = rest.slice(cut);
		}
		line = rest;
	}
	if (line) out.push(line);
	return out.length ? out : [''];
}

/**
 * Renders an invoice as a clean, printable PDF: the business's letterhead in its colour, who it
 * is billed to, the lines, the totals, payments made and the status. Long invoices continue on
 * more pages with the table header repeated; every page is numbered.
 */
export async function renderInvoicePdf(input: InvoicePdfInput): Promise<Uint8Array> {
	const { invoice, business, recipient, status } = input;
	const money = (minor: number) => formatMoney(minor, invoice.currency);
	// updateMetadata: false keeps pdf-lib from reading the wall clock; the app's clock is used instead.
	const pdf = await PDFDocument.create({ updateMetadata: false });
	const created = new Date(input.now);
	pdf.setTitle(`Invoice ${invoice.number}`);
	pdf.setAuthor(business.name);
	pdf.setSubject(`${invoice.title} for ${recipient.name}`);
	pdf.setCreator('Porchlight');
	pdf.setProducer('Porchlight');
	pdf.setCreationDate(created);
	pdf.setModificationDate(created);

	const regular = await pdf.embedFont(StandardFonts.Helvetica);
	const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
	const clean = printable(regular);
	// The brand colour as text on white must stay readable when printed.
	const brand = colorOf(ensureContrast(business.colors.primary, '#ffffff'));

	const [width, height] = pageSize(business.address.country || 'US');
	const margin = 54;
	const right = width - margin;
	const contentWidth = right - margin;
	const pages: PDFPage[] = [];
	let page!: PDFPage;
	let y = 0;

	const text = (s: string, x: number, yy: number, opts: { font?: PDFFont; size?: number; color?: RGB; align?: 'left' | 'right' } = {}) => {
		const font = opts.font ?? regular;
		const size = opts.size ?? 10;
		const str = clean(s);
		const w = font.widthOfTextAtSize(str, size);
		page.drawText(str, { x: opts.align === 'right' ? x - w : x, y: yy, size, font, color: opts.color ?? INK });
	};

	const newPage = () => {
		page = pdf.addPage([width, height]);
		pages.push(page);
		// A thin band of the brand colour across the top.
		page.drawRectangle({ x: 0, y: height - 6, width, height: 6, color: brand });
		y = height - margin;
	};

	// Columns of the line table (right edges for numbers).
	const col = { qty: right - 200, unit: right - 90, amount: right };
	const descWidth = col.qty - 40 - margin;

	const tableHeader = () => {
		page.drawRectangle({ x: margin, y: y - 8, width: contentWidth, height: 22, color: SOFT });
		text('Description', margin + 8, y, { font: bold, size: 9, color: MUTED });
		text('Qty', col.qty, y, { font: bold, size: 9, color: MUTED, align: 'right' });
		text('Unit price', col.unit, y, { font: bold, size: 9, color: MUTED, align: 'right' });
		text('Amount', col.amount - 8, y, { font: bold, size: 9, color: MUTED, align: 'right' });
		y -= 26;
	};

	/** Starts a new page when fewer than `needed` points are left above the footer. */
	const ensure = (needed: number, withTableHeader = false) => {
		if (y - needed >= margin + 30) return;
		newPage();
		text(`Invoice ${invoice.number} (continued)`, margin, y, { font: bold, size: 11 });
		y -= 28;
		if (withTableHeader) tableHeader();
	};

	newPage();

	// Letterhead: business on the left, the invoice's identity on the right.
	const top = y;
	text(business.name, margin, y, { font: bold, size: 18, color: brand });
	y -= 18;
	const addr = business.address;
	const cityLine = [addr.city, [addr.region, addr.postalCode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
	for (const line of [addr.line1, addr.line2, cityLine, business.phone, business.email, business.website].filter((l): l is string => !!l)) {
		text(line, margin, y, { size: 9.5, color: MUTED });
		y -= 13;
	}
	const leftBottom = y;

	y = top;
	text('INVOICE', right, y, { font: bold, size: 22, align: 'right' });
	y -= 22;
	text(invoice.number, right, y, { font: bold, size: 11, align: 'right' });
	y -= 20;
	// The status as a chip: words, not colour alone, so it reads in black and white too.
	const label = INVOICE_STATUS_LABELS[status].toUpperCase();
	const chipW = bold.widthOfTextAtSize(label, 9) + 16;
	page.drawRectangle({ x: right - chipW, y: y - 5, width: chipW, height: 17, color: STATUS_COLORS[status].fill });
	text(label, right - 8, y, { font: bold, size: 9, color: STATUS_COLORS[status].ink, align: 'right' });
	y -= 24;
	const facts: [string, string][] = [];
	if (invoice.issuedAt !== null) facts.push(['Issued', formatInstantDate(invoice.issuedAt, business.timeZone)]);
	if (invoice.dueDate) facts.push(['Due', formatLocalDate(invoice.dueDate)]);
	if (invoice.period) facts.push(['Period', invoice.period]);
	if (invoice.paidAt !== null && invoice.status === 'paid') facts.push(['Paid', formatInstantDate(invoice.paidAt, business.timeZone)]);
	if (invoice.voidedAt !== null && invoice.status === 'void') facts.push(['Voided', formatInstantDate(invoice.voidedAt, business.timeZone)]);
	for (const [k, v] of facts) {
		text(v, right, y, { size: 9.5, align: 'right' });
		text(k, right - 130, y, { size: 9.5, color: MUTED });
		y -= 13;
	}
	y = Math.min(y, leftBottom) - 18;

	page.drawLine({ start: { x: margin, y }, end: { x: right, y }, thickness: 0.75, color: RULE });
	y -= 24;

	// Bill to, and what the invoice is for.
	text('BILL TO', margin, y, { font: bold, size: 8.5, color: MUTED });
	text('FOR', margin + contentWidth / 2, y, { font: bold, size: 8.5, color: MUTED });
	y -= 15;
	const billTop = y;
	for (const [i, line] of [recipient.name, ...recipient.addressLines, recipient.email ?? ''].filter(Boolean).entries()) {
		text(line, margin, y, { font: i === 0 ? bold : regular, size: 10 });
		y -= 13.5;
	}
	const billBottom = y;
	y = billTop;
	for (const line of wrap(clean(invoice.title), bold, 10, contentWidth / 2)) {
		text(line, margin + contentWidth / 2, y, { font: bold, size: 10 });
		y -= 13.5;
	}
	if (invoice.period) {
		text(invoice.period, margin + contentWidth / 2, y, { size: 10, color: MUTED });
		y -= 13.5;
	}
	y = Math.min(y, billBottom) - 22;

	// Line items.
	tableHeader();
	for (const item of invoice.lineItems) {
		const lines = wrap(clean(item.description), regular, 10, descWidth);
		ensure(lines.length * 13 + 12, true);
		const rowTop = y;
		for (const line of lines) {
			text(line, margin + 8, y, { size: 10 });
			y -= 13;
		}
		text(formatQuantity(item.quantityMilli), col.qty, rowTop, { size: 10, align: 'right' });
		text(money(item.unitAmount), col.unit, rowTop, { size: 10, align: 'right' });
		text(money(item.amount), col.amount - 8, rowTop, { size: 10, align: 'right' });
		// The rule sits under the descenders of the row's last line, with room above the next row.
		const ruleY = y + 6;
		page.drawLine({ start: { x: margin, y: ruleY }, end: { x: right, y: ruleY }, thickness: 0.5, color: RULE });
		y = ruleY - 15;
	}
	if (invoice.lineItems.length === 0) {
		text('No line items.', margin + 8, y, { size: 10, color: MUTED });
		y -= 19;
	}

	// Totals, right-aligned under the amount column.
	y -= 8;
	const totals: [string, string, boolean][] = [
		['Subtotal', money(invoice.subtotal), false],
		[`Tax (${formatTaxRate(invoice.taxRateBp)})`, money(invoice.tax), false],
		['Total', money(invoice.total), true],
		['Amount paid', money(invoice.amountPaid), false]
	];
	ensure(totals.length * 16 + 40);
	const labelX = right - 230;
	for (const [k, v, strong] of totals) {
		text(k, labelX, y, { font: strong ? bold : regular, size: 10, color: strong ? INK : MUTED });
		text(v, right - 8, y, { font: strong ? bold : regular, size: 10, align: 'right' });
		y -= 16;
	}
	y -= 4;
	page.drawRectangle({ x: labelX - 8, y: y - 8, width: right - labelX + 8, height: 26, color: status === 'void' ? SOFT : colorOf('#ffffff'), borderColor: brand, borderWidth: 1 });
	const dueLabel = status === 'void' ? 'Amount due (void)' : 'Amount due';
	text(dueLabel, labelX, y, { font: bold, size: 11 });
	text(money(invoice.amountDue), right - 8, y, { font: bold, size: 12, align: 'right', color: brand });
	y -= 40;

	// Payments made.
	if (invoice.payments.length > 0) {
		ensure(40 + invoice.payments.length * 15);
		text('Payments', margin, y, { font: bold, size: 11 });
		y -= 18;
		for (const p of invoice.payments) {
			ensure(16);
			const when = formatInstantDate(p.settledAt ?? p.createdAt, business.timeZone);
			const how = p.methodLabel ?? PAYMENT_METHOD_LABELS[p.method];
			text(when, margin, y, { size: 9.5, color: MUTED });
			text(how, margin + 100, y, { size: 9.5 });
			text(PAYMENT_STATUS_LABELS[p.status], margin + 300, y, { size: 9.5, color: MUTED });
			text(formatMoney(p.amount, p.currency), right - 8, y, { size: 9.5, align: 'right' });
			y -= 15;
		}
		y -= 14;
	}

	// Notes.
	if (invoice.notes) {
		const lines = wrap(clean(invoice.notes), regular, 9.5, contentWidth);
		ensure(30 + Math.min(lines.length, 6) * 13);
		text('Notes', margin, y, { font: bold, size: 11 });
		y -= 16;
		for (const line of lines) {
			ensure(14);
			text(line, margin, y, { size: 9.5, color: MUTED });
			y -= 13;
		}
	}

	// Footer on every page, now that the page count is known.
	const generated = formatInstantDate(input.now, business.timeZone);
	pages.forEach((p, i) => {
		page = p;
		page.drawLine({ start: { x: margin, y: margin + 8 }, end: { x: right, y: margin + 8 }, thickness: 0.5, color: RULE });
		text(`${business.name} · Invoice ${invoice.number} · Generated ${generated}`, margin, margin - 6, { size: 8, color: MUTED });
		text(`Page ${i + 1} of ${pages.length}`, right, margin - 6, { size: 8, color: MUTED, align: 'right' });
	});

	return pdf.save();
}
