import { expect, test } from 'vitest';
import {
	formatInstantDate,
	formatLocalDate,
	formatQuantity,
	formatTaxRate,
	invoiceDisplayStatus,
	isUnpaid
} from '../../shared/invoice-display.ts';

test('an open invoice is overdue only after its due date, on the business’s calendar', () => {
	expect(invoiceDisplayStatus({ status: 'open', dueDate: '2026-05-12' }, '2026-05-11')).toBe('open');
	expect(invoiceDisplayStatus({ status: 'open', dueDate: '2026-05-12' }, '2026-05-12')).toBe('open');
	expect(invoiceDisplayStatus({ status: 'open', dueDate: '2026-05-12' }, '2026-05-13')).toBe('overdue');
	expect(invoiceDisplayStatus({ status: 'open', dueDate: null }, '2099-01-01')).toBe('open');
	// Other states never turn overdue, however late.
	for (const status of ['processing', 'paid', 'void'] as const) expect(invoiceDisplayStatus({ status, dueDate: '2020-01-01' }, '2026-05-13')).toBe(status);
	expect(['open', 'overdue', 'processing'].every((s) => isUnpaid(s as 'open'))).toBe(true);
	expect(isUnpaid('paid') || isUnpaid('void')).toBe(false);
});

test('quantities in thousandths and tax rates in basis points read as people write them', () => {
	expect(formatQuantity(1000)).toBe('1');
	expect(formatQuantity(1500)).toBe('1.5');
	expect(formatQuantity(1250)).toBe('1.25');
	expect(formatQuantity(1)).toBe('0.001');
	expect(formatQuantity(-2500)).toBe('-2.5');
	expect(formatTaxRate(550)).toBe('5.5%');
	expect(formatTaxRate(825)).toBe('8.25%');
	expect(formatTaxRate(0)).toBe('0%');
	expect(formatTaxRate(1000)).toBe('10%');
});

test('dates: a calendar date never shifts by the device’s zone; an instant is dated in the business’s zone', () => {
	expect(formatLocalDate('2026-05-01')).toBe('May 1, 2026');
	// 03:30 UTC on May 2 is still May 1 in Chicago.
	const instant = Date.UTC(2026, 4, 2, 3, 30);
	expect(formatInstantDate(instant, 'America/Chicago')).toBe('May 1, 2026');
	expect(formatInstantDate(instant, 'Europe/Berlin')).toBe('May 2, 2026');
	// An unknown zone falls back to UTC instead of throwing.
	expect(formatInstantDate(instant, 'Not/AZone')).toBe('May 2, 2026');
});
