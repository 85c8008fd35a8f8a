import { describe, expect, test } from 'vitest';
import { formatMoney, sumMinor, taxOf } from '../../shared/money.ts';
import { addDays, isValidTimeZone, localDateOf, weekdayOf, zonedParts, zonedTimeToUtc } from '../../shared/time.ts';
import { brandPalette, contrastRatio, ensureContrast, readableTextOn } from '../../shared/color.ts';

describe('money', () => {
	test('formats minor units with the currency exponent', () => {
		expect(formatMoney(43200, 'USD')).toBe('$432.00');
		expect(formatMoney(182000, 'USD')).toBe('$1,820.00');
		expect(formatMoney(500, 'JPY')).toBe('¥500');
		expect(formatMoney(-1, 'USD')).toBe('-$0.01');
	});
	test('refuses floats', () => {
		expect(() => formatMoney(1.5, 'USD')).toThrow(RangeError);
		expect(() => sumMinor([1, 0.1])).toThrow(RangeError);
	});
	test('sums and taxes in integers', () => {
		expect(sumMinor([10, 20, 30])).toBe(60);
		expect(taxOf(40000, 800)).toBe(3200);
		expect(taxOf(12345, 825)).toBe(1018); // 1018.4625
		expect(taxOf(100, 50)).toBe(1); // 0.5 rounds away from zero
	});
});

describe('time', () => {
	const tz = 'America/Chicago';
	test('local date and parts in the business zone', () => {
		// 2026-03-08 05:30 UTC is still March 7th in Chicago
		const t = Date.UTC(2026, 2, 8, 5, 30);
		expect(localDateOf(t, tz)).toBe('2026-03-07');
		expect(zonedParts(t, tz)).toMatchObject({ hour: 23, minute: 30, weekday: 6 });
	});
	test('wall time to UTC across both DST changes', () => {
		// spring forward: 2026-03-08, 02:00 → 03:00 (CST -6 → CDT -5)
		expect(zonedTimeToUtc('2026-03-08', 60, tz)).toBe(Date.UTC(2026, 2, 8, 7, 0));
		expect(zonedTimeToUtc('2026-03-08', 9 * 60, tz)).toBe(Date.UTC(2026, 2, 8, 14, 0));
		// a wall time inside the gap resolves after it
		expect(zonedTimeToUtc('2026-03-08', 2 * 60 + 30, tz)).toBe(Date.UTC(2026, 2, 8, 8, 30));
		// fall back: 2026-11-01, 02:00 → 01:00; 01:30 happens twice, take the first
		expect(zonedTimeToUtc('2026-11-01', 90, tz)).toBe(Date.UTC(2026, 10, 1, 6, 30));
		expect(zonedTimeToUtc('2026-11-01', 9 * 60, tz)).toBe(Date.UTC(2026, 10, 1, 15, 0));
	});
	test('ambiguous and skipped times east of UTC (regression: London fall-back returned the second 01:00)', () => {
		const london = 'Europe/London';
		// fall back 2026-10-25: 01:00 BST (00:00Z) and 01:00 GMT (01:00Z); the first is meant
		expect(zonedTimeToUtc('2026-10-25', 60, london)).toBe(Date.UTC(2026, 9, 25, 0, 0));
		// spring forward 2026-03-29: 01:30 does not exist; the later reading is 02:30 BST
		expect(zonedTimeToUtc('2026-03-29', 90, london)).toBe(Date.UTC(2026, 2, 29, 1, 30));
		expect(zonedTimeToUtc('2026-03-29', 9 * 60, london)).toBe(Date.UTC(2026, 2, 29, 8, 0));
		// Sydney (southern hemisphere, far east): fall back 2026-04-05, 02:30 happens twice
		expect(zonedTimeToUtc('2026-04-05', 150, 'Australia/Sydney')).toBe(Date.UTC(2026, 3, 4, 15, 30));
	});
	test('calendar arithmetic', () => {
		expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
		expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
		expect(weekdayOf('2026-11-25')).toBe(3);
		expect(isValidTimeZone('Europe/Paris')).toBe(true);
		expect(isValidTimeZone('Mars/Olympus')).toBe(false);
	});
});

describe('colour', () => {
	test('contrast ratios match WCAG', () => {
		expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 1);
		expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
	});
	test('the better text colour is picked', () => {
		expect(readableTextOn('#ffcc00')).toBe('#111111');
		expect(readableTextOn('#1f5fa8')).toBe('#ffffff');
	});
	test('every brand palette pairing reaches 4.5:1, even for mid-grey brands', () => {
		for (const brand of ['#ffcc00', '#1f5fa8', '#777777', '#00a0a0', '#ffffff', '#000000', '#ff0000', '#808080']) {
			const p = brandPalette(brand, '#ffffff');
			expect(contrastRatio(p.onSurface, p.surface), brand).toBeGreaterThanOrEqual(4.5);
			expect(contrastRatio(p.asText, '#ffffff'), brand).toBeGreaterThanOrEqual(4.5);
		}
		expect(brandPalette('#1f5fa8', '#ffffff').surface).toBe('#1f5fa8');
	});
	test('a pale brand colour is darkened until it reads on white', () => {
		const c = ensureContrast('#ffcc00', '#ffffff');
		expect(contrastRatio(c, '#ffffff')).toBeGreaterThanOrEqual(4.5);
		expect(ensureContrast('#1f5fa8', '#ffffff')).toBe('#1f5fa8');
	});
});
