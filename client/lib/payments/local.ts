import type { Invoice, InvoicePayment } from '../../../shared/schemas/invoice.ts';

/*
 * Payments as the device already knows them: every invoice carries its payments, so history and
 * receipts read from the local database (offline too, and live as a debit settles). Attempts that
 * never went anywhere (`pending`, `canceled`) are left out, as the server's history does.
 */

/** A payment with the invoice it paid. */
export interface LocalPayment {
	payment: InvoicePayment;
	invoice: Pick<Invoice, 'id' | 'number' | 'title' | 'period' | 'currency'>;
}

/** True for payments the customer should see: money that moved, is moving, or was refused. */
export function isVisiblePayment(p: Pick<InvoicePayment, 'status'>): boolean {
	return p.status !== 'pending' && p.status !== 'canceled';
}

/** True when a payment has a receipt (paid, or paid and since refunded). */
export function hasReceipt(p: Pick<InvoicePayment, 'status' | 'receiptNumber'>): boolean {
	return (p.status === 'succeeded' || p.status === 'refunded') && p.receiptNumber !== null;
}

/** Every visible payment on the device, newest first. */
export function localPayments(invoices: readonly Invoice[]): LocalPayment[] {
	const out: LocalPayment[] = [];
	for (const invoice of invoices) {
		for (const payment of invoice.payments) {
			if (isVisiblePayment(payment)) out.push({ payment, invoice });
		}
	}
	return out.sort((a, b) => b.payment.createdAt - a.payment.createdAt || b.payment.id.localeCompare(a.payment.id));
}

/** One payment by id, with its invoice; null when the device does not have it (yet). */
export function findLocalPayment(invoices: readonly Invoice[], paymentId: string): LocalPayment | null {
	for (const invoice of invoices) {
		const payment = invoice.payments.find((p) => p.id === paymentId);
		if (payment) return { payment, invoice };
	}
	return null;
}
