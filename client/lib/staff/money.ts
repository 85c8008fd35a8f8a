import { currencyExponent, sumMinor, taxOf } from '$shared/money';

/*
 * Turning what staff type ("12.50", "1,200", "1.5") into the integers the server stores, by string
 * arithmetic: parseFloat("0.29") * 100 is 28.999…, which would lose a cent.
 */

/**
 * Parses a decimal amount with at most `decimals` places into an integer scaled by 10^decimals,
 * or null when it is not a plain number. Thousands separators and a leading currency sign are
 * allowed; "-" is allowed for discounts.
 */
export function parseDecimal(text: string, decimals: number): number | null {
	const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
	const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(t);
	if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
	const frac = m[3] ?? '';
	if (frac.length > decimals) return null;
	const digits = (m[2] || '0') + frac.padEnd(decimals, '0');
	const value = Number(digits);
	if (!Number.isSafeInteger(value)) return null;
	return m[1] ? -value : value;
}

/** Dollars (or the currency's major unit) as typed → integer minor units, or null. */
export function toMinor(text: string, currency: string): number | null {
	return parseDecimal(text, currencyExponent(currency));
}

/** Integer minor units → the plain decimal staff would type back ("12.50"). */
export function minorToInput(minor: number, currency: string): string {
	const exp = currencyExponent(currency);
	const sign = minor < 0 ? '-' : '';
	const abs = String(Math.abs(minor)).padStart(exp + 1, '0');
	return exp === 0 ? sign + abs : `${sign}${abs.slice(0, -exp)}.${abs.slice(-exp)}`;
}

/** A percentage as typed ("8.25") → basis points (825), or null. */
export function percentToBp(text: string): number | null {
	const v = parseDecimal(text, 2);
	return v === null || v < 0 ? null : v;
}

/** `quantityMilli × unitAmount / 1000`, rounded half away from zero, as the server computes it. */
export function lineAmount(quantityMilli: number, unitAmount: number): number {
	const product = BigInt(quantityMilli) * BigInt(unitAmount);
	const negative = product < 0n;
	const abs = negative ? -product : product;
	const rounded = (abs * 2n + 1000n) / 2000n;
	return Number(negative ? -rounded : rounded);
}

/** Subtotal, tax and total of lines, the same way the server will compute them. */
export function invoiceTotals(lines: { quantityMilli: number; unitAmount: number }[], taxRateBp: number): { subtotal: number; tax: number; total: number } {
	const subtotal = sumMinor(lines.map((l) => lineAmount(l.quantityMilli, l.unitAmount)));
	const tax = taxOf(subtotal, taxRateBp);
	return { subtotal, tax, total: subtotal + tax };
}
