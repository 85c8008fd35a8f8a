import { invoiceDisplayStatus, isUnpaid, type InvoiceDisplayStatus } from '$shared/invoice-display';
import { formatMoney } from '$shared/money';
import type { Invoice } from '$shared/schemas/invoice';
import { localDateOf, type LocalDate } from '$shared/time';

/** An invoice with the status the customer reads today. */
export interface InvoiceRow {
	invoice: Invoice;
	status: InvoiceDisplayStatus;
}

/** Today's date on the business's calendar (the device's zone is not the business's). */
export function businessToday(timeZone: string, now: number): LocalDate {
	try {
		return localDateOf(now, timeZone);
	} catch {
		return localDateOf(now, 'UTC');
	}
}

const RANK: Record<InvoiceDisplayStatus, number> = { overdue: 0, open: 1, processing: 2, paid: 3, void: 4 };

/**
 * Invoices in the order people look for them: what needs paying first (overdue, then open, each
 * by due date, soonest first), then those being paid, then the settled ones, newest first.
 */
export function invoiceRows(invoices: readonly Invoice[], today: LocalDate): InvoiceRow[] {
	return invoices
		.map((invoice) => ({ invoice, status: invoiceDisplayStatus(invoice, today) }))
		.sort((a, b) => {
			const rank = RANK[a.status] - RANK[b.status];
			if (rank !== 0) return rank;
			if (isUnpaid(a.status)) {
				const due = (a.invoice.dueDate ?? '9999-12-31').localeCompare(b.invoice.dueDate ?? '9999-12-31');
				if (due !== 0) return due;
			}
			const issued = (b.invoice.issuedAt ?? 0) - (a.invoice.issuedAt ?? 0);
			return issued !== 0 ? issued : b.invoice.number.localeCompare(a.invoice.number);
		});
}

/** Which invoices a filter tab shows. */
export type InvoiceFilter = 'all' | 'unpaid' | 'paid';

/** True when a row belongs under a filter tab. */
export function matchesFilter(row: InvoiceRow, filter: InvoiceFilter): boolean {
	if (filter === 'all') return true;
	if (filter === 'unpaid') return isUnpaid(row.status);
	return row.status === 'paid';
}

/** An amount in one currency. */
export interface Amount {
	amount: number;
	currency: string;
}

/**
 * What is left to pay on open, overdue and processing invoices, per currency (a business bills
 * in one currency, so this is almost always one amount). Integer minor units throughout.
 */
export function balanceDue(rows: readonly InvoiceRow[]): Amount[] {
	const totals = new Map<string, number>();
	for (const { invoice, status } of rows) {
		if (!isUnpaid(status)) continue;
		totals.set(invoice.currency, (totals.get(invoice.currency) ?? 0) + invoice.amountDue);
	}
	return [...totals].map(([currency, amount]) => ({ currency, amount }));
}

/** "$432.00", or "$432.00 + €12.00" for the rare customer billed in two currencies. */
export function formatAmounts(amounts: readonly Amount[], fallbackCurrency: string): string {
	if (amounts.length === 0) return formatMoney(0, fallbackCurrency);
	return amounts.map((a) => formatMoney(a.amount, a.currency)).join(' + ');
}

/** The invoice to pay next: the open or overdue one due soonest (processing ones are being paid). */
export function nextToPay(rows: readonly InvoiceRow[]): InvoiceRow | null {
	return rows.find((r) => (r.status === 'open' || r.status === 'overdue') && r.invoice.amountDue > 0) ?? null;
}

/** How many whole days from `today` to `date` (negative: in the past). */
export function daysBetween(today: LocalDate, date: LocalDate): number {
	const t = (d: LocalDate) => {
		const [y, m, day] = d.split('-').map(Number);
		return Date.UTC(y, m - 1, day);
	};
	return Math.round((t(date) - t(today)) / 86_400_000);
}

/** "Due today", "Due tomorrow", "Due in 5 days", "3 days overdue". */
export function dueLabel(today: LocalDate, dueDate: LocalDate): string {
	const days = daysBetween(today, dueDate);
	if (days === 0) return 'Due today';
	if (days === 1) return 'Due tomorrow';
	if (days > 1) return `Due in ${days} days`;
	return days === -1 ? '1 day overdue' : `${-days} days overdue`;
}
