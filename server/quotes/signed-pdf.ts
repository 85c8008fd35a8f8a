import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFImage, type PDFPage, type RGB } from 'pdf-lib';
import { ensureContrast, parseHex } from '../../shared/color.ts';
import { formatLocalDate, formatQuantity, formatTaxRate } from '../../shared/invoice-display.ts';
import { formatMoney } from '../../shared/money.ts';
import { chosenItems, type QuoteTotals } from '../../shared/quotes.ts';
import type { Branding } from '../../shared/schemas/branding.ts';
import type { Quote, QuoteItem } from '../../shared/schemas/quote.ts';
import { AppError } from '../http/errors.ts';

/** Who signed, from where, and when: what the audit page records. */
export interface QuoteSigner {
	/** The name as typed (kept exactly in the database; drawn with the PDF fonts' characters). */
	name: string;
	/** The portal user's sign-in address. */
	email: string | null;
	signedAt: number;
	ip: string;
	userAgent: string;
}

/** Everything the signed PDF shows. */
export interface SignedQuotePdfInput {
	business: Branding;
	customerName: string;
	/** The quote as the customer's device showed it (the revision whose hash was signed). */
	quote: Quote;
	selection: readonly string[];
	totals: QuoteTotals;
	signer: QuoteSigner;
	/** The drawn signature, a PNG already checked to be one by its content. */
	signaturePng: Uint8Array;
	signatureSha256: string;
}

const INK = rgb(0.08, 0.09, 0.11);
const MUTED = rgb(0.33, 0.36, 0.41);
const RULE = rgb(0.85, 0.87, 0.9);
const SOFT = rgb(0.96, 0.97, 0.98);

/** The sentence the audit page states the content hash in; tests and verifiers look for it. */
export const CONTENT_HASH_LABEL = 'SHA-256 of the quote as shown:';

function colorOf(hex: string): RGB {
	const [r, g, b] = parseHex(hex) ?? [31, 95, 168];
	return rgb(r / 255, g / 255, b / 255);
}

function pageSize(country: string): [number, number] {
	return ['US', 'CA', 'MX', 'PH'].includes(country.toUpperCase()) ? [612, 792] : [595.28, 841.89];
}

/**
 * The standard PDF fonts know only Windows-1252. Accented letters outside it lose their accent
 * (NFKD), anything else becomes "?", so a name in any script never makes signing fail; the exact
 * text stays in the database and, for the signer's name, as code points on the audit page.
 */
function printable(font: PDFFont): (text: string) => string {
	const known = new Set(font.getCharacterSet());
	return (text) =>
		Array.from(text.normalize('NFC').replace(/[\r\n\t]+/g, ' '), (ch) => {
			if (known.has(ch.codePointAt(0)!)) return ch;
			const base = (STROKED[ch] ?? ch).normalize('NFKD').replace(/\p{M}+/gu, '');
			return base && Array.from(base).every((c) => known.has(c.codePointAt(0)!)) ? base : '?';
		}).join('');
}

/** Latin letters with a stroke, which have no decomposition to drop an accent from. */
const STROKED: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't', Ŀ: 'L', ŀ: 'l' };

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

function lineLabel(item: QuoteItem, chosen: boolean): string {
	if (item.kind === 'included') return 'Included';
	if (item.kind === 'optional') return chosen ? 'Option, chosen' : 'Option, not chosen';
	return chosen ? `${item.group ?? 'Choice'}: chosen` : `${item.group ?? 'Choice'}: not chosen`;
}

/**
 * The signed quote: the business's letterhead, the quote with every line marked included, chosen
 * or not chosen, the totals of the selection (and the deposit asked), notes, validity, the drawn
 * signature above the typed name; then an audit page with who signed, when, from where, and the
 * SHA-256 of the quote as shown and of the signature image. The hash is also in the PDF's
 * Subject and Keywords, so a reader can check it without parsing the pages.
 */
export async function renderSignedQuotePdf(input: SignedQuotePdfInput): Promise<Uint8Array> {
	const { business, quote, signer, totals } = input;
	const money = (minor: number) => formatMoney(minor, quote.currency);
	const signedIso = new Date(signer.signedAt).toISOString();
	let signedLocal: string;
	try {
		signedLocal = new Intl.DateTimeFormat('en-US', { timeZone: business.timeZone, dateStyle: 'long', timeStyle: 'long' }).format(new Date(signer.signedAt));
	} catch {
		signedLocal = signedIso;
	}

	// updateMetadata: false keeps pdf-lib from reading the wall clock; the signing time is used instead.
	const pdf = await PDFDocument.create({ updateMetadata: false });
	pdf.setTitle(`Quote ${quote.number} · ${quote.title} (signed)`);
	pdf.setAuthor(business.name);
	pdf.setSubject(`Quote ${quote.number}, revision ${quote.quoteRevision}, approved and signed by ${signer.name} on ${signedIso}. ${CONTENT_HASH_LABEL} ${quote.contentHash}`);
	pdf.setKeywords(['quote', quote.number, `revision:${quote.quoteRevision}`, `content-sha256:${quote.contentHash}`, `signature-sha256:${input.signatureSha256}`]);
	pdf.setCreator('Porchlight');
	pdf.setProducer('Porchlight');
	pdf.setCreationDate(new Date(signer.signedAt));
	pdf.setModificationDate(new Date(signer.signedAt));

	let signature: PDFImage;
	try {
		signature = await pdf.embedPng(input.signaturePng);
	} catch {
		throw new AppError('VALIDATION', 'signature: the drawn signature could not be read; clear it and sign again', { field: 'signature' });
	}

	const regular = await pdf.embedFont(StandardFonts.Helvetica);
	const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
	const mono = await pdf.embedFont(StandardFonts.Courier);
	const clean = printable(regular);
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
		page.drawRectangle({ x: 0, y: height - 6, width, height: 6, color: brand });
		y = height - margin;
	};
	const ensure = (needed: number, heading?: () => void) => {
		if (y - needed >= margin + 30) return;
		newPage();
		text(`Quote ${quote.number} (continued)`, margin, y, { font: bold, size: 11 });
		y -= 28;
		heading?.();
	};
	const paragraph = (s: string, opts: { size?: number; color?: RGB; font?: PDFFont; indent?: number } = {}) => {
		const size = opts.size ?? 9.5;
		for (const line of wrap(clean(s), opts.font ?? regular, size, contentWidth - (opts.indent ?? 0))) {
			ensure(size + 4);
			text(line, margin + (opts.indent ?? 0), y, { size, color: opts.color ?? INK, font: opts.font });
			y -= size + 3.5;
		}
	};

	newPage();

	// Letterhead: the business on the left, the quote's identity on the right.
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
	text('QUOTE', right, y, { font: bold, size: 22, align: 'right' });
	y -= 22;
	text(quote.number, right, y, { font: bold, size: 11, align: 'right' });
	y -= 16;
	text(`Revision ${quote.quoteRevision}`, right, y, { size: 9.5, color: MUTED, align: 'right' });
	y -= 13;
	text('APPROVED AND SIGNED', right, y, { font: bold, size: 9, color: brand, align: 'right' });
	y -= 13;
	text(signedLocal, right, y, { size: 9, color: MUTED, align: 'right' });
	y = Math.min(y, leftBottom) - 18;
	page.drawLine({ start: { x: margin, y }, end: { x: right, y }, thickness: 0.75, color: RULE });
	y -= 24;

	text('PREPARED FOR', margin, y, { font: bold, size: 8.5, color: MUTED });
	text('FOR', margin + contentWidth / 2, y, { font: bold, size: 8.5, color: MUTED });
	y -= 15;
	text(input.customerName, margin, y, { font: bold, size: 10 });
	const forTop = y;
	for (const line of wrap(clean(quote.title), bold, 10, contentWidth / 2)) {
		text(line, margin + contentWidth / 2, y, { font: bold, size: 10 });
		y -= 13.5;
	}
	y = Math.min(y, forTop - 13.5) - 8;
	text(quote.validUntil ? `Valid until ${formatLocalDate(quote.validUntil)}` : 'No expiry date', margin + contentWidth / 2, y, { size: 9.5, color: MUTED });
	y -= 26;

	// Lines: every line, marked included, chosen or not chosen; only counted lines carry an amount.
	const col = { qty: right - 190, unit: right - 90, amount: right - 8 };
	const descWidth = col.qty - 40 - margin;
	const tableHeader = () => {
		page.drawRectangle({ x: margin, y: y - 8, width: contentWidth, height: 22, color: SOFT });
		text('Description', margin + 8, y, { font: bold, size: 9, color: MUTED });
		text('Qty', col.qty, y, { font: bold, size: 9, color: MUTED, align: 'right' });
		text('Unit price', col.unit, y, { font: bold, size: 9, color: MUTED, align: 'right' });
		text('Amount', col.amount, y, { font: bold, size: 9, color: MUTED, align: 'right' });
		y -= 26;
	};
	tableHeader();
	const counted = new Set(chosenItems(quote.items, input.selection).map((i) => i.id));
	for (const item of quote.items) {
		const chosen = counted.has(item.id);
		const lines = wrap(clean(item.description), regular, 10, descWidth);
		ensure(lines.length * 13 + 24, tableHeader);
		const rowTop = y;
		for (const line of lines) {
			text(line, margin + 8, y, { size: 10, color: chosen ? INK : MUTED });
			y -= 13;
		}
		text(lineLabel(item, chosen), margin + 8, y, { size: 8, color: chosen ? brand : MUTED, font: chosen ? bold : regular });
		y -= 11;
		text(formatQuantity(item.quantityMilli), col.qty, rowTop, { size: 10, align: 'right', color: chosen ? INK : MUTED });
		text(money(item.unitAmount), col.unit, rowTop, { size: 10, align: 'right', color: chosen ? INK : MUTED });
		text(chosen ? money(item.amount) : '—', col.amount, rowTop, { size: 10, align: 'right', color: chosen ? INK : MUTED });
		const ruleY = y + 6;
		page.drawLine({ start: { x: margin, y: ruleY }, end: { x: right, y: ruleY }, thickness: 0.5, color: RULE });
		y = ruleY - 15;
	}

	// Totals of the selection.
	y -= 6;
	const rows: [string, string, boolean][] = [
		['Subtotal', money(totals.subtotal), false],
		[`Tax (${formatTaxRate(quote.taxRateBp)})`, money(totals.tax), false],
		['Total approved', money(totals.total), true]
	];
	if (totals.deposit > 0) rows.push([`Deposit due now (${formatTaxRate(quote.depositRateBp)})`, money(totals.deposit), false]);
	ensure(rows.length * 16 + 20);
	const labelX = right - 250;
	for (const [k, v, strong] of rows) {
		text(k, labelX, y, { font: strong ? bold : regular, size: 10, color: strong ? INK : MUTED });
		text(v, col.amount, y, { font: strong ? bold : regular, size: 10, align: 'right' });
		y -= 16;
	}
	y -= 12;

	if (quote.notes) {
		ensure(40);
		text('Notes', margin, y, { font: bold, size: 11 });
		y -= 16;
		paragraph(quote.notes, { color: MUTED });
		y -= 10;
	}

	// The signature: the drawn image above the line, the typed name and time below it.
	const box = { width: 240, height: 90 };
	ensure(box.height + 90);
	text('Signature', margin, y, { font: bold, size: 11 });
	y -= 14;
	paragraph(`${signer.name} approved this quote, with the options marked chosen above, and agreed to sign electronically.`, { color: MUTED, size: 9 });
	y -= 6;
	const scale = Math.min(box.width / signature.width, box.height / signature.height, 1);
	const drawn = { width: signature.width * scale, height: signature.height * scale };
	page.drawImage(signature, { x: margin, y: y - drawn.height, width: drawn.width, height: drawn.height });
	y -= box.height + 4;
	page.drawLine({ start: { x: margin, y }, end: { x: margin + box.width + 40, y }, thickness: 0.75, color: INK });
	y -= 13;
	text(signer.name, margin, y, { font: bold, size: 10 });
	y -= 13;
	text(`Signed ${signedLocal}`, margin, y, { size: 9, color: MUTED });
	y -= 13;

	// The audit page.
	newPage();
	text('Signature audit record', margin, y, { font: bold, size: 16 });
	y -= 20;
	paragraph(`Quote ${quote.number} · ${quote.title}, issued by ${business.name} to ${input.customerName}.`, { color: MUTED });
	y -= 12;
	const shownName = clean(signer.name);
	const facts: [string, string, PDFFont?][] = [
		['Signer name', signer.name],
		...(shownName !== signer.name.normalize('NFC')
			? ([['Name as typed (code points)', Array.from(signer.name, (c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ')]] as [string, string][])
			: []),
		['Signer email', signer.email ?? '(none)'],
		['Signed at (UTC)', signedIso],
		[`Signed at (${business.timeZone})`, signedLocal],
		['IP address', signer.ip],
		['User agent', signer.userAgent || '(none sent)'],
		['Quote revision', String(quote.quoteRevision)],
		['Options chosen', quote.items.filter((i) => i.kind !== 'included' && counted.has(i.id)).map((i) => (i.kind === 'choice' ? `${i.group}: ${i.description}` : i.description)).join('; ') || '(none)'],
		['Total approved', `${money(totals.total)}${totals.deposit > 0 ? ` (deposit ${money(totals.deposit)})` : ''}`],
		['Consent', 'The signer agreed to sign electronically.']
	];
	const keyWidth = 150;
	for (const [k, v] of facts) {
		const lines = wrap(clean(v), regular, 10, contentWidth - keyWidth);
		ensure(lines.length * 13 + 6);
		text(k, margin, y, { size: 9.5, color: MUTED });
		for (const line of lines) {
			text(line, margin + keyWidth, y, { size: 10 });
			y -= 13;
		}
		y -= 5;
	}
	y -= 8;
	ensure(90);
	page.drawLine({ start: { x: margin, y: y + 6 }, end: { x: right, y: y + 6 }, thickness: 0.5, color: RULE });
	y -= 12;
	text(CONTENT_HASH_LABEL, margin, y, { font: bold, size: 10 });
	y -= 14;
	text(quote.contentHash, margin, y, { font: mono, size: 9 });
	y -= 20;
	text('SHA-256 of the signature image:', margin, y, { font: bold, size: 10 });
	y -= 14;
	text(input.signatureSha256, margin, y, { font: mono, size: 9 });
	y -= 22;
	paragraph(
		"The quote's hash is taken over its content (number, title, currency, tax and deposit rates, notes, validity, every line and photo) as the portal showed it to the signer. The signature was accepted only because the hash the signer's device sent matched the quote the business held at that moment.",
		{ color: MUTED, size: 8.5 }
	);

	pages.forEach((p, i) => {
		page = p;
		page.drawLine({ start: { x: margin, y: margin + 8 }, end: { x: right, y: margin + 8 }, thickness: 0.5, color: RULE });
		text(`${business.name} · Quote ${quote.number} · signed ${signedIso}`, margin, margin - 6, { size: 8, color: MUTED });
		text(`Page ${i + 1} of ${pages.length}`, right, margin - 6, { size: 8, color: MUTED, align: 'right' });
	});

	return pdf.save();
}
