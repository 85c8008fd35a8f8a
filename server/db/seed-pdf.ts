import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { parseHex } from '../../shared/color.ts';
import { formatMoney, sumMinor, taxOf } from '../../shared/money.ts';
import type { DemoLine } from './seed-data.ts';

/** What a one-page business document shows. */
export interface PdfContent {
	business: { name: string; tagline: string; phone: string; email: string; address: string; licence: string; primaryColor: string };
	kindLabel: string;
	ref: string;
	title: string;
	customer: { name: string; address: string };
	/** Already formatted in the business's time zone. */
	date: string;
	paragraphs: string[];
	lines?: DemoLine[];
	taxBp: number;
	currency: string;
	signed?: { by: string; date: string };
	/** Instant used for the PDF's own creation date, so the same seed gives the same bytes. */
	createdAt: number;
}

const PAGE = { width: 612, height: 792, margin: 56 };
const INK = rgb(0.13, 0.13, 0.13);
const MUTED = rgb(0.38, 0.38, 0.38);

function colorOf(hex: string) {
	const [r, g, b] = parseHex(hex) ?? [14, 110, 140];
	return rgb(r / 255, g / 255, b / 255);
}

/** Splits text into lines that fit `width` at `size` (Helvetica has no hyphenation, so words stay whole). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
	const out: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/)) {
		const next = line ? `${line} ${word}` : word;
		if (line && font.widthOfTextAtSize(next, size) > width) {
			out.push(line);
			line = word;
		} else {
			line = next;
		}
	}
	if (line) out.push(line);
	return out;
}

/**
 * Renders a small, real, one-page PDF (Letter) for a demo document: letterhead in the brand
 * colour, who it is for, the body, priced lines with tax for quotes, and the signature block.
 */
export async function renderDocumentPdf(c: PdfContent): Promise<Uint8Array> {
	// updateMetadata: false keeps pdf-lib from stamping the wall-clock time into the file.
	const pdf = await PDFDocument.create({ updateMetadata: false });
	const created = new Date(c.createdAt);
	pdf.setTitle(`${c.title} (${c.ref})`);
	pdf.setAuthor(c.business.name);
	pdf.setSubject(`${c.kindLabel} for ${c.customer.name}`);
	pdf.setCreator('Porchlight');
	pdf.setProducer('Porchlight (pdf-lib)');
	pdf.setCreationDate(created);
	pdf.setModificationDate(created);

	const regular = await pdf.embedFont(StandardFonts.Helvetica);
	const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
	const page: PDFPage = pdf.addPage([PAGE.width, PAGE.height]);
	const brand = colorOf(c.business.primaryColor);
	const left = PAGE.margin;
	const right = PAGE.width - PAGE.margin;
	const width = right - left;

	// Letterhead band.
	page.drawRectangle({ x: 0, y: PAGE.height - 96, width: PAGE.width, height: 96, color: brand });
	page.drawText(c.business.name, { x: left, y: PAGE.height - 50, size: 20, font: bold, color: rgb(1, 1, 1) });
	page.drawText(c.business.tagline, { x: left, y: PAGE.height - 70, size: 9.5, font: regular, color: rgb(1, 1, 1) });
	const contact = [c.business.phone, c.business.email];
	contact.forEach((t, i) => {
		page.drawText(t, { x: right - regular.widthOfTextAtSize(t, 9.5), y: PAGE.height - 46 - i * 14, size: 9.5, font: regular, color: rgb(1, 1, 1) });
	});

	let y = PAGE.height - 130;
	const text = (t: string, opts: { size?: number; font?: PDFFont; color?: ReturnType<typeof rgb>; x?: number } = {}) => {
		const size = opts.size ?? 10.5;
		page.drawText(t, { x: opts.x ?? left, y, size, font: opts.font ?? regular, color: opts.color ?? INK });
	};

	text(c.kindLabel.toUpperCase(), { size: 9, font: bold, color: brand });
	y -= 22;
	for (const line of wrap(c.title, bold, 17, width)) {
		text(line, { size: 17, font: bold });
		y -= 22;
	}
	y -= 4;
	text(`Reference ${c.ref}`, { size: 9.5, color: MUTED });
	const dateText = `Date ${c.date}`;
	text(dateText, { size: 9.5, color: MUTED, x: right - regular.widthOfTextAtSize(dateText, 9.5) });
	y -= 28;

	text('PREPARED FOR', { size: 8.5, font: bold, color: MUTED });
	y -= 15;
	text(c.customer.name, { font: bold });
	y -= 14;
	text(c.customer.address, { color: MUTED });
	y -= 28;

	for (const p of c.paragraphs) {
		for (const line of wrap(p, regular, 10.5, width)) {
			text(line);
			y -= 15;
		}
		y -= 7;
	}

	if (c.lines?.length) {
		y -= 6;
		const amounts = c.lines.map(([, q, unit]) => Math.round((Math.round(q * 1000) * unit) / 1000));
		const subtotal = sumMinor(amounts);
		const tax = taxOf(subtotal, c.taxBp);
		page.drawLine({ start: { x: left, y: y + 12 }, end: { x: right, y: y + 12 }, thickness: 0.8, color: MUTED });
		text('Description', { size: 9, font: bold, color: MUTED });
		text('Qty', { size: 9, font: bold, color: MUTED, x: right - 170 });
		const amountHead = 'Amount';
		text(amountHead, { size: 9, font: bold, color: MUTED, x: right - bold.widthOfTextAtSize(amountHead, 9) });
		y -= 18;
		c.lines.forEach(([desc, qty], i) => {
			text(desc);
			text(String(qty), { x: right - 170 });
			const a = formatMoney(amounts[i], c.currency);
			text(a, { x: right - regular.widthOfTextAtSize(a, 10.5) });
			y -= 16;
		});
		page.drawLine({ start: { x: right - 220, y: y + 10 }, end: { x: right, y: y + 10 }, thickness: 0.5, color: MUTED });
		y -= 4;
		const totals: [string, number, PDFFont][] = [
			['Subtotal', subtotal, regular],
			[`Sales tax ${(c.taxBp / 100).toFixed(2)}%`, tax, regular],
			['Total', subtotal + tax, bold]
		];
		for (const [label, amount, font] of totals) {
			text(label, { font, x: right - 220 });
			const a = formatMoney(amount, c.currency);
			text(a, { font, x: right - font.widthOfTextAtSize(a, 10.5) });
			y -= 16;
		}
		y -= 10;
	}

	// Signature block: who accepted it and when, or where the signature still goes.
	y = Math.min(y, 170);
	page.drawLine({ start: { x: left, y }, end: { x: left + 240, y }, thickness: 0.8, color: INK });
	y -= 14;
	if (c.signed) {
		text(`Signed by ${c.signed.by} on ${c.signed.date}`, { font: bold, size: 10 });
		y -= 13;
		text('Accepted electronically through the customer portal.', { size: 9, color: MUTED });
	} else {
		text(c.kindLabel === 'Quote' ? 'Not signed yet: accept this quote in the portal or reply to the office.' : `Issued by ${c.business.name}`, { size: 9.5, color: MUTED });
	}

	const footer = `${c.business.name} · ${c.business.address} · ${c.business.licence}`;
	page.drawText(footer, { x: left, y: 40, size: 8, font: regular, color: MUTED });

	return pdf.save({ useObjectStreams: false });
}
