import { currencyExponent, formatMoney } from '../../../shared/money.ts';

/** A typed amount read as minor units, or why it cannot be paid. */
export type AmountCheck = { ok: true; minor: number } | { ok: false; error: string };

/**
 * Reads what someone typed as an amount ("120", "120.5", "$1,200.00") into integer minor units,
 * without floats. Commas are thousands separators, as on the US invoices this app shows.
 */
export function parseAmount(text: string, currency: string): number | null {
	const exp = currencyExponent(currency);
	if (text.includes('-')) return null;
	const cleaned = text.trim().replace(/^[^\d.]*\s*/, '').replace(/,/g, '').replace(/\s+/g, '');
	const m = exp > 0 ? new RegExp(`^(\\d{0,12})(?:\\.(\\d{0,${exp}}))?$`).exec(cleaned) : /^(\d{0,12})()$/.exec(cleaned);
	if (!m || (m[1] === '' && !m[2])) return null;
	const whole = Number(m[1]);
	const frac = Number((m[2] ?? '').padEnd(exp, '0') || '0');
	const minor = whole * 10 ** exp + frac;
	return Number.isSafeInteger(minor) ? minor : null;
}

/**
 * Checks a partial amount against the business's rules, with the same limits the server
 * applies: at least the minimum (unless it is the whole balance), at most the balance.
 */
export function checkPartialAmount(text: string, rules: { due: number; minimum: number; currency: string }): AmountCheck {
	const fmt = (n: number) => formatMoney(n, rules.currency);
	if (text.trim() === '') return { ok: false, error: 'Enter an amount.' };
	const minor = parseAmount(text, rules.currency);
	if (minor === null) return { ok: false, error: `Enter an amount like ${fmt(Math.min(rules.due, 10_000)).replace(/^[^\d]*/, '')}.` };
	if (minor <= 0) return { ok: false, error: 'Enter an amount above zero.' };
	if (minor > rules.due) return { ok: false, error: `That is more than the ${fmt(rules.due)} due.` };
	if (minor < rules.minimum && minor !== rules.due) return { ok: false, error: `Pay at least ${fmt(rules.minimum)}, or the whole ${fmt(rules.due)}.` };
	return { ok: true, minor };
}

/** Minor units as an input's text: 43200 → "432.00". */
export function amountInputText(minor: number, currency: string): string {
	const exp = currencyExponent(currency);
	if (exp === 0) return String(minor);
	const whole = Math.floor(minor / 10 ** exp);
	return `${whole}.${String(minor % 10 ** exp).padStart(exp, '0')}`;
}
