import { formatMoney } from '$shared/money';

/** Money for the console ("$1,240.00"). */
export function money(minor: number, currency = 'USD'): string {
	return formatMoney(minor, currency);
}

const sameDay = (a: Date, b: Date) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** A short time for lists: "3:05 PM" today, "May 12" this year, "May 12, 2025" before. */
export function shortTime(ms: number, now = Date.now()): string {
	const d = new Date(ms);
	const n = new Date(now);
	if (sameDay(d, n)) return d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
	if (d.getFullYear() === n.getFullYear()) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
	return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Date and time, e.g. "Tue, May 12, 3:05 PM", in a given zone (the business's) when known. */
export function dateTime(ms: number, timeZone?: string): string {
	return new Date(ms).toLocaleString(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone });
}

/** A full date, e.g. "May 12, 2026". */
export function dateOnly(ms: number, timeZone?: string): string {
	return new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone });
}

/** A local date string (YYYY-MM-DD) as "Tue, May 12". */
export function localDateLabel(date: string): string {
	const [y, m, d] = date.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d, 12)).toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** Document kinds as people say them. */
export const DOCUMENT_KIND_LABELS: Record<string, string> = {
	quote: 'Quote',
	contract: 'Contract',
	warranty: 'Warranty',
	certificate_of_insurance: 'Certificate of insurance',
	other: 'Other'
};

/** Staff invoice statuses as people say them. */
export const STAFF_INVOICE_LABELS: Record<string, string> = { draft: 'Draft', open: 'Open', processing: 'Processing', paid: 'Paid', void: 'Void' };
