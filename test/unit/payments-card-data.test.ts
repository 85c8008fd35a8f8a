import { expect, test } from 'vitest';
import { findCardData, looksLikeCardNumber } from '../../server/payments/card-data.ts';

test('card numbers are recognised however they are typed', () => {
	for (const pan of ['4242424242424242', '4242 4242 4242 4242', '4242-4242-4242-4242', '378282246310005', '5555555555554444', '6011111111111117', '2223003122003222', 'card: 4000 0566 5566 5556 thanks']) {
		expect(looksLikeCardNumber(pan), pan).toBe(true);
	}
	expect(looksLikeCardNumber(4242424242424242)).toBe(true);
});

test('ids, amounts, timestamps and phone numbers are not mistaken for cards', () => {
	for (const text of ['1778598000000', '1778598000001', '1778598000002', '1778598000003', '1778598000004', '1778598000005', '1778598000006', '1778598000007', '1778598000008', '1778598000009', '+1 555 010 1234', '4242', 'pi_3PqR8sLkdIwHu7ix0abcDEF1', 'INV-04124', '43200', 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff', '42424242424242424242424']) {
		expect(looksLikeCardNumber(text), text).toBe(false);
	}
	expect(looksLikeCardNumber(1_000_000_000_000)).toBe(false);
	expect(looksLikeCardNumber(Date.UTC(2026, 4, 12))).toBe(false);
});

test('the path of the offending field is named: card-only field names, or a value that is a card number', () => {
	expect(findCardData({ amount: 100, paymentMethodId: 'pm_1' })).toBeNull();
	expect(findCardData({ cardNumber: 'x' })).toBe('cardNumber');
	expect(findCardData({ a: { b: [{ c: '4242424242424242' }] } })).toBe('a.b.0.c');
	expect(findCardData({ card: { exp_month: 12 } })).toBe('card.exp_month');
	expect(findCardData({ cvv: '' })).toBe('cvv');
	expect(findCardData('4242424242424242')).toBe('body');
});
