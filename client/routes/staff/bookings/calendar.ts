import type { CalendarAppointment } from '../../../../shared/protocol/availability.ts';
import { addDays, localDateOf, weekdayOf, zonedParts, zonedTimeToUtc, type LocalDate } from '../../../../shared/time.ts';

/*
 * Pure date work for the console's calendar, on the business's clock: the days a view covers,
 * the instants that bound them, and where an appointment sits in a day. Relative imports and no
 * $lib, so unit tests run it in Node.
 */

/** What the calendar shows: one day, or a week from Monday. */
export type CalendarView = 'day' | 'week';

/** Today in the business's zone (UTC when this browser does not know the zone). */
export function todayIn(timeZone: string, now = Date.now()): LocalDate {
	try {
		return localDateOf(now, timeZone);
	} catch {
		return localDateOf(now, 'UTC');
	}
}

/** The Monday on or before a date. */
export function mondayOf(date: LocalDate): LocalDate {
	return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/** The days a view shows around `anchor`. */
export function daysOf(view: CalendarView, anchor: LocalDate): LocalDate[] {
	if (view === 'day') return [anchor];
	const monday = mondayOf(anchor);
	return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** The instants `[from, to)` that cover whole days `days[0]`…`days.at(-1)` in the zone. */
export function rangeOf(days: LocalDate[], timeZone: string): { from: number; to: number } {
	return { from: zonedTimeToUtc(days[0], 0, timeZone), to: zonedTimeToUtc(addDays(days[days.length - 1], 1), 0, timeZone) };
}

/** The anchor one step before or after in this view. */
export function step(view: CalendarView, anchor: LocalDate, by: -1 | 1): LocalDate {
	return addDays(anchor, view === 'day' ? by : by * 7);
}

/** A valid `YYYY-MM-DD`, or null. */
export function parseDate(value: string | null | undefined): LocalDate | null {
	if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
	const [y, m, d] = value.split('-').map(Number);
	const t = new Date(Date.UTC(y, m - 1, d));
	return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d ? value : null;
}

/** Minutes after the day's local midnight at an instant (0 before the day, 1440 after it). */
export function minuteInDay(instant: number, day: LocalDate, timeZone: string): number {
	const date = localDateOf(instant, timeZone);
	if (date < day) return 0;
	if (date > day) return 1440;
	const p = zonedParts(instant, timeZone);
	return p.hour * 60 + p.minute;
}

/** An appointment placed in a day's lane: its minutes and the sub-column it takes when others overlap it. */
export interface Placed {
	appointment: CalendarAppointment;
	start: number;
	end: number;
	column: number;
	columns: number;
}

/**
 * Places a lane's appointments of one day: each gets the first sub-column free at its start, and
 * every appointment of an overlapping cluster shares that cluster's column count.
 */
export function placeInDay(list: CalendarAppointment[], day: LocalDate, timeZone: string): Placed[] {
	const items = list
		.map((a) => ({ appointment: a, start: minuteInDay(a.startsAt, day, timeZone), end: Math.max(minuteInDay(a.endsAt, day, timeZone), minuteInDay(a.startsAt, day, timeZone) + 15), column: 0, columns: 1 }))
		.sort((a, b) => a.start - b.start || a.end - b.end);
	let cluster: Placed[] = [];
	let clusterEnd = -1;
	const columnEnds: number[] = [];
	const close = () => {
		const n = Math.max(1, ...cluster.map((p) => p.column + 1));
		for (const p of cluster) p.columns = n;
		cluster = [];
		columnEnds.length = 0;
	};
	for (const item of items) {
		if (item.start >= clusterEnd) close();
		let col = columnEnds.findIndex((end) => end <= item.start);
		if (col === -1) col = columnEnds.length;
		columnEnds[col] = item.end;
		item.column = col;
		cluster.push(item);
		clusterEnd = Math.max(clusterEnd, item.end);
	}
	close();
	return items;
}

/** "9:00 AM" on the business's clock. */
export function clock(instant: number, timeZone: string): string {
	return new Date(instant).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', timeZone });
}

/** "Tue, May 12" for a business-calendar date. */
export function dayLabel(date: LocalDate, style: 'short' | 'long' = 'short'): string {
	const [y, m, d] = date.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d, 12)).toLocaleDateString(undefined, {
		weekday: style === 'long' ? 'long' : 'short',
		month: style === 'long' ? 'long' : 'short',
		day: 'numeric',
		timeZone: 'UTC'
	});
}

/** "May 11 – 17, 2026" style label of a run of days. */
export function rangeLabel(days: LocalDate[]): string {
	const [y1, m1, d1] = days[0].split('-').map(Number);
	const [y2, m2, d2] = days[days.length - 1].split('-').map(Number);
	const fmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
	const a = new Date(Date.UTC(y1, m1 - 1, d1, 12));
	const b = new Date(Date.UTC(y2, m2 - 1, d2, 12));
	return days.length === 1 ? dayLabel(days[0], 'long') + `, ${y1}` : fmt.formatRange(a, b);
}
