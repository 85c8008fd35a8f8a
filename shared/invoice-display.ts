import type { Invoice, InvoicePayment } from './schemas/invoice.ts';
import type { LocalDate } from './time.ts';

// Type-only imports: the client uses these helpers on its critical path without pulling in zod.

/** An invoice's status as people read it: `overdue` is an open invoice past its due date. */
export type InvoiceDisplayStatus = 'open' | 'overdue' | 'processing' | 'paid' | 'void';

/**
 * The status to show, given today's date in the business's time zone. An invoice due today is
 * not overdue yet; a draft (staff only) reads as open.
 */
export function invoiceDisplayStatus(invoice: Pick<Invoice, 'status' | 'dueDate'>, today: LocalDate): InvoiceDisplayStatus {
	const status = invoice.status as Invoice['status'] | 'draft';
	if (status === 'open' || status === 'draft') return invoice.dueDate !== null && invoice.dueDate < today ? 'overdue' : 'open';
	return status;
}

/** Words for each display status. */
export const INVOICE_STATUS_LABELS: Record<InvoiceDisplayStatus, string> = {
	open: 'Open',
	overdue: 'Overdue',
	processing: 'Processing',
	paid: 'Paid',
	void: 'Void'
};

/** True for the statuses that still ask something of the customer (or are on their way). */
export function isUnpaid(status: InvoiceDisplayStatus): boolean {
	return status === 'open' || status === 'overdue' || status === 'processing';
}

/** Words for each payment method. */
export const PAYMENT_METHOD_LABELS: Record<InvoicePayment['method'], string> = {
	card: 'Card',
	us_bank_account: 'Bank account',
	cash: 'Cash',
	check: 'Check',
	other: 'Other'
};

/** Words for each payment status. */
export const PAYMENT_STATUS_LABELS: Record<InvoicePayment['status'], string> = {
	pending: 'Pending',
	processing: 'Processing',
	succeeded: 'Paid',
	failed: 'Failed',
	refunded: 'Refunded',
	canceled: 'Canceled'
};

/** A quantity in thousandths as people write it: 1500 → "1.5", 1000 → "1". */
export function formatQuantity(quantityMilli: number): string {
	const sign = quantityMilli < 0 ? '-' : '';
	const abs = Math.abs(quantityMilli);
	const whole = Math.floor(abs / 1000);
	const frac = String(abs % 1000).padStart(3, '0').replace(/0+$/, '');
	return sign + String(whole) + (frac ? '.' + frac : '');
}

/** A tax rate in basis points as a percentage: 550 → "5.5%", 825 → "8.25%". */
export function formatTaxRate(rateBasisPoints: number): string {
	const whole = Math.floor(rateBasisPoints / 100);
	const frac = String(rateBasisPoints % 100).padStart(2, '0').replace(/0+$/, '');
	return `${whole}${frac ? '.' + frac : ''}%`;
}

/** "May 12, 2026" for a `YYYY-MM-DD` calendar date (no time zone shift: it is already local). */
export function formatLocalDate(date: LocalDate, locale = 'en-US', style: 'medium' | 'long' | 'short' = 'medium'): string {
	const [y, m, d] = date.split('-').map(Number);
	return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** "May 12, 2026" for an instant, on the business's calendar. */
export function formatInstantDate(instant: number, timeZone: string, locale = 'en-US', style: 'medium' | 'long' | 'short' = 'medium'): string {
	try {
		return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone }).format(new Date(instant));
	} catch {
		return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(new Date(instant));
	}
}
