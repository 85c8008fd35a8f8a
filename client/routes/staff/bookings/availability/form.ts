import { localDateOf, zonedParts, zonedTimeToUtc, type LocalDate } from '$shared/time';

/*
 * Small conversions the availability forms share: minutes of the day to and from the `HH:MM` of
 * a time input, and instants to and from a date and time on the business's clock.
 */

/** Weekdays in the order the console lists them (Monday first); values are 0 = Sunday … 6. */
export const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;

/** Weekday names by number (0 = Sunday). */
export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** `HH:MM` for a minute of the day; the end of the day (1440) shows as 00:00. */
export function hhmm(minute: number): string {
	const m = minute % 1440;
	return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Minutes after midnight of an `HH:MM`, or null when it is not one. */
export function minutesOf(value: string): number | null {
	const m = /^(\d{2}):(\d{2})$/.exec(value);
	if (!m) return null;
	const h = Number(m[1]);
	const min = Number(m[2]);
	return h < 24 && min < 60 ? h * 60 + min : null;
}

/** An end time: 00:00 after a start means midnight at the end of the day. */
export function endMinutesOf(value: string): number | null {
	const m = minutesOf(value);
	return m === 0 ? 1440 : m;
}

/** The instant of a date and `HH:MM` on the business's clock. */
export function instantOf(date: LocalDate, time: string, timeZone: string): number | null {
	const minute = minutesOf(time);
	if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || minute === null) return null;
	return zonedTimeToUtc(date, minute, timeZone);
}

/** The date and `HH:MM` of an instant on the business's clock. */
export function partsOf(instant: number, timeZone: string): { date: LocalDate; time: string } {
	const p = zonedParts(instant, timeZone);
	return { date: localDateOf(instant, timeZone), time: hhmm(p.hour * 60 + p.minute) };
}

/** "1 h 30 min" for a number of minutes. */
export function duration(minutes: number): string {
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	return [h ? `${h} h` : '', m || !h ? `${m} min` : ''].filter(Boolean).join(' ');
}
