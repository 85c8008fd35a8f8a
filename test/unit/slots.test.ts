import { describe, expect, test } from 'vitest';
import { blockOf, computeSlots, suitsWindow, worksDuring, type ResourceCalendar, type SlotQuery, type WorkingHours } from '../../shared/booking/slots.ts';

/*
 * Expected instants are written out in UTC by hand (not computed with the code under test), so
 * each row also pins the zone's offset on that day.
 */

const iso = (s: string) => Date.parse(s);
const isoList = (slots: { startsAt: number }[]) => slots.map((s) => new Date(s.startsAt).toISOString().replace('.000', ''));

const every = (weekdays: number[], start: string, end: string): WorkingHours[] => {
	const m = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
	return weekdays.map((weekday) => ({ weekday, startMinute: m(start), endMinute: m(end) }));
};

const ALL_WEEK = [0, 1, 2, 3, 4, 5, 6];

function resource(id: string, hours: WorkingHours[], extra: Partial<ResourceCalendar> = {}): ResourceCalendar {
	return { id, hours, timeOff: [], booked: [], ...extra };
}

function query(q: Partial<SlotQuery> & Pick<SlotQuery, 'timeZone' | 'from' | 'to'>): SlotQuery {
	return { durationMinutes: 60, bufferMinutes: 0, granularityMinutes: 60, now: iso('2026-01-01T00:00:00Z'), leadHours: 0, horizonDays: 3650, ...q };
}

interface Row {
	name: string;
	resources: ResourceCalendar[];
	q: SlotQuery;
	expected: string[];
}

const CHI = 'America/Chicago';
const LON = 'Europe/London';

const table: Row[] = [
	{
		name: 'Chicago, an ordinary May morning (CDT, UTC−5), 30-minute grid',
		resources: [resource('r1', every([2], '08:00', '10:00'))],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', granularityMinutes: 30 }),
		expected: ['2026-05-12T13:00:00Z', '2026-05-12T13:30:00Z', '2026-05-12T14:00:00Z']
	},
	{
		name: 'Chicago, 8:00 on the days around spring forward: 14:00Z before (CST), 13:00Z after (CDT)',
		resources: [resource('r1', every([6, 1], '08:00', '09:00'))],
		q: query({ timeZone: CHI, from: '2026-03-07', to: '2026-03-09' }),
		expected: ['2026-03-07T14:00:00Z', '2026-03-09T13:00:00Z']
	},
	{
		name: 'Chicago, spring forward (2026-03-08): a 0:00–4:00 shift is three real hours; 2:00 does not exist',
		resources: [resource('r1', every([0], '00:00', '04:00'))],
		q: query({ timeZone: CHI, from: '2026-03-08', to: '2026-03-08' }),
		expected: ['2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z']
	},
	{
		name: 'Chicago, 8:00 on the days around fall back: 13:00Z before (CDT), 14:00Z after (CST)',
		resources: [resource('r1', every([6, 1], '08:00', '09:00'))],
		q: query({ timeZone: CHI, from: '2026-10-31', to: '2026-11-02' }),
		expected: ['2026-10-31T13:00:00Z', '2026-11-02T14:00:00Z']
	},
	{
		name: 'Chicago, fall back (2026-11-01): a 0:00–4:00 shift is five real hours; 1:00 comes twice',
		resources: [resource('r1', every([0], '00:00', '04:00'))],
		q: query({ timeZone: CHI, from: '2026-11-01', to: '2026-11-01' }),
		expected: ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z', '2026-11-01T08:00:00Z', '2026-11-01T09:00:00Z']
	},
	{
		name: 'Chicago, fall back: a two-hour job fits four times into the five-hour shift',
		resources: [resource('r1', every([0], '00:00', '04:00'))],
		q: query({ timeZone: CHI, from: '2026-11-01', to: '2026-11-01', durationMinutes: 120 }),
		expected: ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z', '2026-11-01T08:00:00Z']
	},
	{
		name: 'London, 9:00 around spring forward: 09:00Z on Friday (GMT), 08:00Z on Monday (BST)',
		resources: [resource('r1', every([5, 1], '09:00', '10:00'))],
		q: query({ timeZone: LON, from: '2026-03-27', to: '2026-03-30' }),
		expected: ['2026-03-27T09:00:00Z', '2026-03-30T08:00:00Z']
	},
	{
		name: 'London, spring forward (2026-03-29): 0:00–4:00 is three real hours',
		resources: [resource('r1', every([0], '00:00', '04:00'))],
		q: query({ timeZone: LON, from: '2026-03-29', to: '2026-03-29' }),
		expected: ['2026-03-29T00:00:00Z', '2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z']
	},
	{
		name: 'London, fall back (2026-10-25): 0:00 BST to 4:00 GMT is five real hours, starting the evening before in UTC',
		resources: [resource('r1', every([0], '00:00', '04:00'))],
		q: query({ timeZone: LON, from: '2026-10-25', to: '2026-10-25' }),
		expected: ['2026-10-24T23:00:00Z', '2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z', '2026-10-25T02:00:00Z', '2026-10-25T03:00:00Z']
	},
	{
		name: 'London, 9:00 around fall back: 08:00Z on Friday (BST), 09:00Z on Monday (GMT)',
		resources: [resource('r1', every([5, 1], '09:00', '10:00'))],
		q: query({ timeZone: LON, from: '2026-10-23', to: '2026-10-26' }),
		expected: ['2026-10-23T08:00:00Z', '2026-10-26T09:00:00Z']
	},
	{
		name: 'time off 9:00–10:00 removes every start whose job touches it; a job may end exactly as it starts',
		resources: [resource('r1', every([2], '08:00', '12:00'), { timeOff: [{ start: iso('2026-05-12T14:00:00Z'), end: iso('2026-05-12T15:00:00Z') }] })],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', granularityMinutes: 30 }),
		expected: ['2026-05-12T13:00:00Z', '2026-05-12T15:00:00Z', '2026-05-12T15:30:00Z', '2026-05-12T16:00:00Z']
	},
	{
		name: 'the travel buffer may run into time off (nobody travels to a holiday)',
		resources: [resource('r1', every([2], '08:00', '10:00'), { timeOff: [{ start: iso('2026-05-12T14:00:00Z'), end: iso('2026-05-12T20:00:00Z') }] })],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', bufferMinutes: 30 }),
		expected: ['2026-05-12T13:00:00Z']
	},
	{
		name: "buffers: an existing 10:00–11:00 job with 30 min of travel blocks to 11:30; the new job's own 30 min must end by 10:00",
		resources: [resource('r1', every([2], '08:00', '13:00'), { booked: [blockOf(iso('2026-05-12T15:00:00Z'), iso('2026-05-12T16:00:00Z'), 30)] })],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', granularityMinutes: 30, bufferMinutes: 30 }),
		expected: ['2026-05-12T13:00:00Z', '2026-05-12T13:30:00Z', '2026-05-12T16:30:00Z', '2026-05-12T17:00:00Z']
	},
	{
		name: 'without a buffer the same day has the 9:00 start back',
		resources: [resource('r1', every([2], '08:00', '13:00'), { booked: [blockOf(iso('2026-05-12T15:00:00Z'), iso('2026-05-12T16:00:00Z'), 0)] })],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', granularityMinutes: 30 }),
		expected: ['2026-05-12T13:00:00Z', '2026-05-12T13:30:00Z', '2026-05-12T14:00:00Z', '2026-05-12T16:00:00Z', '2026-05-12T16:30:00Z', '2026-05-12T17:00:00Z']
	},
	{
		name: 'lead time: at 7:00 with 2 hours of lead, the first start is 9:00',
		resources: [resource('r1', every([2], '08:00', '11:00'))],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', now: iso('2026-05-12T12:00:00Z'), leadHours: 2 }),
		expected: ['2026-05-12T14:00:00Z', '2026-05-12T15:00:00Z']
	},
	{
		name: 'lead time: a start exactly at now + lead is offered',
		resources: [resource('r1', every([2], '08:00', '10:00'))],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', now: iso('2026-05-11T13:00:00Z'), leadHours: 24 }),
		expected: ['2026-05-12T13:00:00Z', '2026-05-12T14:00:00Z']
	},
	{
		name: 'horizon: two days ahead from Monday ends with Wednesday',
		resources: [resource('r1', every(ALL_WEEK, '08:00', '09:00'))],
		q: query({ timeZone: CHI, from: '2026-05-11', to: '2026-05-20', now: iso('2026-05-11T12:00:00Z'), horizonDays: 2 }),
		expected: ['2026-05-11T13:00:00Z', '2026-05-12T13:00:00Z', '2026-05-13T13:00:00Z']
	},
	{
		name: 'the past is never offered, whatever `from` says',
		resources: [resource('r1', every(ALL_WEEK, '08:00', '09:00'))],
		q: query({ timeZone: CHI, from: '2026-05-01', to: '2026-05-12', now: iso('2026-05-11T15:00:00Z') }),
		expected: ['2026-05-12T13:00:00Z']
	},
	{
		name: 'shifts that start off the grid are aligned to it (8:15 → 8:30)',
		resources: [resource('r1', every([2], '08:15', '10:00'))],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', granularityMinutes: 30 }),
		expected: ['2026-05-12T13:30:00Z', '2026-05-12T14:00:00Z']
	},
	{
		name: 'split shifts on one day both count',
		resources: [resource('r1', [...every([2], '08:00', '09:00'), ...every([2], '13:00', '14:00')])],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12' }),
		expected: ['2026-05-12T13:00:00Z', '2026-05-12T18:00:00Z']
	},
	{
		name: 'a shift ending at midnight (24:00) runs to the next midnight',
		resources: [resource('r1', every([2], '22:00', '24:00'))],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12' }),
		expected: ['2026-05-13T03:00:00Z', '2026-05-13T04:00:00Z']
	},
	{
		name: 'nobody works: no slots',
		resources: [resource('r1', [])],
		q: query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-18' }),
		expected: []
	}
];

describe('computeSlots', () => {
	test.each(table)('$name', ({ resources, q, expected }) => {
		expect(isoList(computeSlots(resources, q))).toEqual(expected);
	});

	test('slots merge across resources, listing who is free; a busy resource drops out of that start only', () => {
		const busyAt9 = [blockOf(iso('2026-05-12T14:00:00Z'), iso('2026-05-12T15:00:00Z'), 0)];
		const slots = computeSlots([resource('b', every([2], '08:00', '10:00'), { booked: busyAt9 }), resource('a', every([2], '09:00', '11:00'))], query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12' }));
		expect(slots).toEqual([
			{ startsAt: iso('2026-05-12T13:00:00Z'), endsAt: iso('2026-05-12T14:00:00Z'), resourceIds: ['b'] },
			{ startsAt: iso('2026-05-12T14:00:00Z'), endsAt: iso('2026-05-12T15:00:00Z'), resourceIds: ['a'] },
			{ startsAt: iso('2026-05-12T15:00:00Z'), endsAt: iso('2026-05-12T16:00:00Z'), resourceIds: ['a'] }
		]);
	});

	test('endsAt is the end of the job, without the travel buffer', () => {
		const [slot] = computeSlots([resource('r1', every([2], '08:00', '09:30'))], query({ timeZone: CHI, from: '2026-05-12', to: '2026-05-12', durationMinutes: 90, bufferMinutes: 45 }));
		expect(slot).toEqual({ startsAt: iso('2026-05-12T13:00:00Z'), endsAt: iso('2026-05-12T14:30:00Z'), resourceIds: ['r1'] });
	});
});

describe('windows and working hours', () => {
	test.each([
		['2026-05-12T16:59:00Z', 'morning', true],
		['2026-05-12T17:00:00Z', 'morning', false],
		['2026-05-12T17:00:00Z', 'afternoon', true],
		['2026-05-12T16:30:00Z', 'afternoon', false],
		['2026-05-12T16:30:00Z', 'any', true],
		['2026-05-12T16:30:00Z', null, true]
	] as const)('%s in Chicago suits %s: %s', (at, window, expected) => {
		expect(suitsWindow(iso(at), window, CHI)).toBe(expected);
	});

	test('worksDuring: a job must lie inside one shift of its day', () => {
		const hours = every([2], '08:00', '12:00');
		expect(worksDuring(hours, { start: iso('2026-05-12T13:00:00Z'), end: iso('2026-05-12T17:00:00Z') }, CHI)).toBe(true);
		expect(worksDuring(hours, { start: iso('2026-05-12T16:30:00Z'), end: iso('2026-05-12T17:30:00Z') }, CHI)).toBe(false);
		expect(worksDuring(hours, { start: iso('2026-05-13T13:00:00Z'), end: iso('2026-05-13T14:00:00Z') }, CHI)).toBe(false);
	});
});
