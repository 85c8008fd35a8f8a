/** Minor units per major unit for the currencies Porchlight formats (ISO 4217 exponent). */
const EXPONENT: Record<string, number> = { JPY: 0, KRW: 0, BHD: 3, KWD: 3 };

/** How many decimal places a currency's minor unit has. */
export function currencyExponent(currency: string): number {
	return EXPONENT[currency.toUpperCase()] ?? 2;
}

/** Formats integer minor units as a localised amount, e.g. 43200 USD → "$432.00". */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
	if (!Number.isSafeInteger(minor)) throw new RangeError(`amount must be an integer number of minor units, got ${minor}`);
	const exp = currencyExponent(currency);
	return new Intl.NumberFormat(locale, {
		style: 'currency',
		currency,
		minimumFractionDigits: exp,
		maximumFractionDigits: exp
	}).format(minor / 10 ** exp);
}

/** Sums integer minor-unit amounts, refusing anything that is not a safe integer. */
export function sumMinor(amounts: readonly number[]): number {
	let total = 0;
	for (const a of amounts) {
		if (!Number.isSafeInteger(a)) throw new RangeError(`amount must be an integer number of minor units, got ${a}`);
		total += a;
	}
	if (!Number.isSafeInteger(total)) throw new RangeError('total exceeds the safe integer range');
	return total;
}

/** Tax on an amount in basis points (825 = 8.25 %), rounded half away from zero to a minor unit. */
export function taxOf(amountMinor: number, rateBasisPoints: number): number {
	const raw = (amountMinor * rateBasisPoints) / 10_000;
	return Math.sign(raw) * Math.round(Math.abs(raw));
}
