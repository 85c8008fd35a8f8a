import { expect, test } from 'vitest';
import { amountInputText, checkPartialAmount, parseAmount } from '../../client/lib/payments/amount.ts';
import { DEMO_MODE_LABEL as SCREEN_LABEL } from '../../client/lib/payments/labels.ts';
import { findLocalPayment, hasReceipt, localPayments } from '../../client/lib/payments/local.ts';
import { DEMO_MODE_LABEL } from '../../shared/protocol/payments.ts';
import type { Invoice, InvoicePayment } from '../../shared/schemas/invoice.ts';

test('the pay screens show the demo label the server defines', () => {
	expect(SCREEN_LABEL).toBe(DEMO_MODE_LABEL);
});

test('typed amounts become integer cents without floats', () => {
	expect(parseAmount('120', 'USD')).toBe(12_000);
	expect(parseAmount('120.5', 'USD')).toBe(12_050);
	expect(parseAmount('$1,200.07', 'USD')).toBe(120_007);
	expect(parseAmount(' 0.29 ', 'USD')).toBe(29);
	expect(parseAmount('.5', 'USD')).toBe(50);
	// 0.1 + 0.2 style traps: 4.35 × 100 is 434.99999… as a float.
	expect(parseAmount('4.35', 'USD')).toBe(435);
	expect(parseAmount('1000', 'JPY')).toBe(1000);
	for (const bad of ['', '.', 'abc', '1.234', '1.2.3', '-5', '12e3', '1 000 000 000 000 000']) expect(parseAmount(bad, 'USD'), bad).toBeNull();
	expect(parseAmount('1.5', 'JPY')).toBeNull();
});

test('partial amounts follow the same rules as the server: at least the minimum unless it is the whole rest, at most the balance', () => {
	const rules = { due: 43_200, minimum: 2_500, currency: 'USD' };
	expect(checkPartialAmount('100', rules)).toEqual({ ok: true, minor: 10_000 });
	expect(checkPartialAmount('432', rules)).toEqual({ ok: true, minor: 43_200 });
	expect(checkPartialAmount('25', rules)).toEqual({ ok: true, minor: 2_500 });
	expect(checkPartialAmount('', rules)).toEqual({ ok: false, error: 'Enter an amount.' });
	expect(checkPartialAmount('0', rules)).toEqual({ ok: false, error: 'Enter an amount above zero.' });
	expect(checkPartialAmount('10', rules)).toEqual({ ok: false, error: 'Pay at least $25.00, or the whole $432.00.' });
	expect(checkPartialAmount('432.01', rules)).toEqual({ ok: false, error: 'That is more than the $432.00 due.' });
	expect(checkPartialAmount('ten', rules)).toMatchObject({ ok: false });
	// A balance below the minimum can still be paid in full.
	expect(checkPartialAmount('20', { ...rules, due: 2_000 })).toEqual({ ok: true, minor: 2_000 });
	expect(amountInputText(43_200, 'USD')).toBe('432.00');
	expect(amountInputText(5, 'USD')).toBe('0.05');
	expect(amountInputText(1000, 'JPY')).toBe('1000');
});

function payment(id: string, status: InvoicePayment['status'], createdAt: number, receiptNumber: string | null = null): InvoicePayment {
	return { id, amount: 1_000, currency: 'USD', method: 'card', methodLabel: 'Visa •••• 4242', status, createdAt, settledAt: null, receiptNumber };
}

function invoice(id: string, payments: InvoicePayment[]): Invoice {
	return {
		id,
		number: `INV-${id}`,
		title: 'Service',
		period: null,
		status: 'open',
		currency: 'USD',
		subtotal: 1_000,
		taxRateBp: 0,
		tax: 0,
		total: 1_000,
		amountPaid: 0,
		amountDue: 1_000,
		issuedAt: 1,
		dueDate: null,
		paidAt: null,
		voidedAt: null,
		notes: null,
		lineItems: [],
		payments,
		updatedAt: 1
	};
}

test('the device-side history leaves out attempts that went nowhere and lists the rest newest first', () => {
	const invoices = [
		invoice('a', [payment('p1', 'failed', 10), payment('p2', 'succeeded', 30, 'RCPT-1'), payment('p3', 'pending', 40), payment('p4', 'canceled', 50)]),
		invoice('b', [payment('p5', 'processing', 20), payment('p6', 'refunded', 5, 'RCPT-2')])
	];
	expect(localPayments(invoices).map((x) => [x.payment.id, x.invoice.id])).toEqual([
		['p2', 'a'],
		['p5', 'b'],
		['p1', 'a'],
		['p6', 'b']
	]);
	expect(findLocalPayment(invoices, 'p5')?.invoice.number).toBe('INV-b');
	expect(findLocalPayment(invoices, 'nope')).toBeNull();
	expect(hasReceipt(payment('x', 'succeeded', 1, 'R'))).toBe(true);
	expect(hasReceipt(payment('x', 'refunded', 1, 'R'))).toBe(true);
	expect(hasReceipt(payment('x', 'processing', 1, null))).toBe(false);
	expect(hasReceipt(payment('x', 'succeeded', 1, null))).toBe(false);
});
