import type { Branding } from '$shared/schemas/branding';
import { zonedParts } from '$shared/time';

type Hours = Branding['officeHours'];

/** Whether the office is open at an instant, and when that changes — in the business's zone. */
export interface OfficeStatus {
	open: boolean;
	/** Open now: minute of today the current opening ends. */
	closesAt?: number;
	/** Closed now: the next opening, `daysAhead` 0 = later today. */
	nextOpen?: { weekday: number; minute: number; daysAhead: number };
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function rangesOf(hours: Hours, weekday: number) {
	return hours
		.filter((h) => h.weekday === weekday && h.close > h.open)
		.sort((a, b) => a.open - b.open);
}

/** Open or closed at `now` (ms), computed on the business's wall clock, not the device's. */
export function officeStatus(hours: Hours, timeZone: string, now: number): OfficeStatus {
	let p;
	try {
		p = zonedParts(now, timeZone);
	} catch {
		p = zonedParts(now, 'UTC');
	}
	const minute = p.hour * 60 + p.minute;
	for (const r of rangesOf(hours, p.weekday)) {
		if (minute >= r.open && minute < r.close) {
			// An opening that runs to midnight and continues at 00:00 the next day reads as one.
			const next = r.close === 1440 ? rangesOf(hours, (p.weekday + 1) % 7).find((n) => n.open === 0) : undefined;
			return { open: true, closesAt: next ? undefined : r.close };
		}
	}
	for (let daysAhead = 0; daysAhead < 8; daysAhead++) {
		const weekday = (p.weekday + daysAhead) % 7;
		const later = rangesOf(hours, weekday).find((r) => daysAhead > 0 || r.open > minute);
		if (later) return { open: false, nextOpen: { weekday, minute: later.open, daysAhead } };
	}
	return { open: false };
}

/** "8:00 AM" for a minute of the day, in the device's locale. */
export function formatMinute(minute: number, locale?: string): string {
	const d = new Date(Date.UTC(2000, 0, 1, 0, minute % 1440));
	return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(d);
}

/** A short sentence for the status: "Open until 5:00 PM", "Opens tomorrow at 8:00 AM". */
export function describeStatus(status: OfficeStatus, locale?: string): string {
	if (status.open) return status.closesAt === undefined ? 'Open now' : `Open until ${formatMinute(status.closesAt, locale)}`;
	const n = status.nextOpen;
	if (!n) return 'Closed';
	const at = formatMinute(n.minute, locale);
	if (n.daysAhead === 0) return `Opens today at ${at}`;
	if (n.daysAhead === 1) return `Opens tomorrow at ${at}`;
	return `Opens ${DAY_NAMES[n.weekday]} at ${at}`;
}

/** One line of the weekly table: days with identical hours folded into a range ("Mon – Fri"). */
export interface HoursRow {
	days: string;
	/** Full day names, for screen readers. */
	daysLong: string;
	hours: string;
	weekdays: number[];
}

/** The week, Monday first, with runs of days that share hours folded together. */
export function weeklyRows(hours: Hours, locale?: string): HoursRow[] {
	const order = [1, 2, 3, 4, 5, 6, 0];
	const label = (weekday: number) => {
		const ranges = rangesOf(hours, weekday);
		if (ranges.length === 0) return 'Closed';
		return ranges.map((r) => `${formatMinute(r.open, locale)} – ${r.close === 1440 ? 'midnight' : formatMinute(r.close, locale)}`).join(', ');
	};
	const rows: HoursRow[] = [];
	for (const weekday of order) {
		const text = label(weekday);
		const last = rows[rows.length - 1];
		if (last && last.hours === text) last.weekdays.push(weekday);
		else rows.push({ days: '', daysLong: '', hours: text, weekdays: [weekday] });
	}
	for (const row of rows) {
		const first = row.weekdays[0];
		const end = row.weekdays[row.weekdays.length - 1];
		const single = row.weekdays.length === 1;
		row.days = single ? DAY_SHORT[first] : `${DAY_SHORT[first]} – ${DAY_SHORT[end]}`;
		row.daysLong = single ? DAY_NAMES[first] : `${DAY_NAMES[first]} to ${DAY_NAMES[end]}`;
	}
	return rows;
}

/** The business's weekday at an instant. */
export function businessWeekday(timeZone: string, now: number): number {
	try {
		return zonedParts(now, timeZone).weekday;
	} catch {
		return new Date(now).getUTCDay();
	}
}

/** "Eastern Time" — the zone's generic name, to say which clock the hours are on. */
export function zoneLabel(timeZone: string, locale?: string): string {
	try {
		const parts = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'longGeneric' }).formatToParts(new Date());
		return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
	} catch {
		return timeZone;
	}
}

/** True when the device's clock is in another zone than the business's. */
export function deviceInOtherZone(timeZone: string): boolean {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone !== timeZone;
	} catch {
		return false;
	}
}
