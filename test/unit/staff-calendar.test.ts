import { expect, test } from 'vitest';
import { daysOf, minuteInDay, mondayOf, parseDate, placeInDay, rangeOf, step } from '../../client/routes/staff/bookings/calendar.ts';
import type { CalendarAppointment } from '../../shared/protocol/availability.ts';
import { zonedTimeToUtc } from '../../shared/time.ts';

const ZONE = 'America/Chicago';
const at = (date: string, hhmm: string) => zonedTimeToUtc(date, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)), ZONE);

function appt(id: string, date: string, from: string, to: string): CalendarAppointment {
	return {
		id,
		title: id,
		status: 'confirmed',
		startsAt: at(date, from),
		endsAt: at(date, to),
		customer: { id: 'c', name: 'C' },
		service: null,
		resource: null,
		address: null,
		notes: null
	};
}

test('a week runs Monday to Sunday around any of its days; steps move by a day or a week', () => {
	expect(mondayOf('2026-05-17')).toBe('2026-05-11');
	expect(mondayOf('2026-05-11')).toBe('2026-05-11');
	expect(daysOf('week', '2026-05-13')).toEqual(['2026-05-11', '2026-05-12', '2026-05-13', '2026-05-14', '2026-05-15', '2026-05-16', '2026-05-17']);
	expect(daysOf('day', '2026-05-13')).toEqual(['2026-05-13']);
	expect(step('week', '2026-05-13', 1)).toBe('2026-05-20');
	expect(step('day', '2026-05-13', -1)).toBe('2026-05-12');
});

test('a range covers whole days on the business’s clock, a week with a DST change being 167 hours long', () => {
	expect(rangeOf(['2026-05-13'], ZONE)).toEqual({ from: at('2026-05-13', '00:00'), to: at('2026-05-14', '00:00') });
	const spring = rangeOf(daysOf('week', '2026-03-08'), ZONE);
	expect((spring.to - spring.from) / 3_600_000).toBe(167);
});

test('dates from a link are taken only when they are real days', () => {
	expect(parseDate('2026-02-28')).toBe('2026-02-28');
	expect(parseDate('2026-02-30')).toBeNull();
	expect(parseDate('2026-5-1')).toBeNull();
	expect(parseDate(null)).toBeNull();
});

test('overlapping jobs in a lane share its width; jobs after them get the whole width back', () => {
	const d = '2026-05-13';
	const placed = placeInDay([appt('c', d, '09:30', '10:30'), appt('a', d, '09:00', '10:00'), appt('b', d, '09:00', '09:30'), appt('e', d, '11:00', '12:00')], d, ZONE);
	const by = Object.fromEntries(placed.map((p) => [p.appointment.id, p]));
	expect(placed.map((p) => p.appointment.id)).toEqual(['b', 'a', 'c', 'e']);
	expect([by.b.column, by.a.column, by.c.column]).toEqual([0, 1, 0]);
	expect([by.b.columns, by.a.columns, by.c.columns]).toEqual([2, 2, 2]);
	expect(by.e).toMatchObject({ start: 11 * 60, end: 12 * 60, column: 0, columns: 1 });
});

test('a job running past midnight is cut at the edges of the day it is shown on', () => {
	expect(minuteInDay(at('2026-05-12', '23:00'), '2026-05-13', ZONE)).toBe(0);
	expect(minuteInDay(at('2026-05-14', '01:00'), '2026-05-13', ZONE)).toBe(1440);
	expect(minuteInDay(at('2026-05-13', '13:45'), '2026-05-13', ZONE)).toBe(13 * 60 + 45);
});
