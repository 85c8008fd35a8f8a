import type { FreeSlot } from '../../../shared/protocol/booking.ts';
import { addDays, localDateOf, zonedParts, type LocalDate } from '../../../shared/time.ts';

// Pure formatting and grouping of booking times, always on the business's clock (a customer
// travelling in another zone still books "9:00" at the house). Relative imports and no $lib, so
// unit tests run it in Node.

/** Days one slots request covers (mirrors SLOTS_DEFAULT_DAYS without importing zod; a unit test checks). */
export const SLOT_DAYS = 14;

/** Free slots of one day on the business's calendar, split at noon. */
export interface SlotDay {
	/** `YYYY-MM-DD` in the business's zone. */
	date: LocalDate;
	/** "Tue" */
	weekday: string;
	/** "3" */
	dayOfMonth: string;
	/** "Dec" */
	month: string;
	/** "Tuesday, December 3" */
	label: string;
	morning: FreeSlot[];
	afternoon: FreeSlot[];
}

function formatter(timeZone: string, options: Intl.DateTimeFormatOptions, locale?: string): Intl.DateTimeFormat {
	try {
		return new Intl.DateTimeFormat(locale, { ...options, timeZone });
	} catch {
		return new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
	}
}

/** The business-calendar date of an instant (UTC when the zone is unknown to this browser). */
export function dateIn(instant: number, timeZone: string): LocalDate {
	try {
		return localDateOf(instant, timeZone);
	} catch {
		return localDateOf(instant, 'UTC');
	}
}

/** Noon splits the day, as the server's `windowOf` does. */
function isMorning(instant: number, timeZone: string): boolean {
	try {
		return zonedParts(instant, timeZone).hour < 12;
	} catch {
		return new Date(instant).getUTCHours() < 12;
	}
}

/** A calendar date as a Date at UTC midnight, for formatting the date itself. */
function dateAsUtc(date: LocalDate): Date {
	const [y, m, d] = date.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d));
}

/** "Tuesday, December 3" for a business-calendar date. */
export function longDate(date: LocalDate, locale?: string): string {
	return new Intl.DateTimeFormat(locale, { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(dateAsUtc(date));
}

/** "Tue, Dec 3" for a business-calendar date. */
export function shortDate(date: LocalDate, locale?: string): string {
	return new Intl.DateTimeFormat(locale, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(dateAsUtc(date));
}

/** Slots (in start order) grouped by business-calendar day, each day split into morning and afternoon. */
export function groupSlotsByDay(slots: readonly FreeSlot[], timeZone: string, locale?: string): SlotDay[] {
	const days: SlotDay[] = [];
	const weekday = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' });
	const month = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' });
	for (const slot of [...slots].sort((a, b) => a.startsAt - b.startsAt)) {
		const date = dateIn(slot.startsAt, timeZone);
		let day = days.at(-1);
		if (!day || day.date !== date) {
			const utc = dateAsUtc(date);
			day = { date, weekday: weekday.format(utc), dayOfMonth: String(utc.getUTCDate()), month: month.format(utc), label: longDate(date, locale), morning: [], afternoon: [] };
			days.push(day);
		}
		(isMorning(slot.startsAt, timeZone) ? day.morning : day.afternoon).push(slot);
	}
	return days;
}

/** "9:30 AM" on the business's clock. */
export function timeOfDay(instant: number, timeZone: string, locale?: string): string {
	return formatter(timeZone, { hour: 'numeric', minute: '2-digit' }, locale).format(new Date(instant));
}

/** "9:00 – 10:30 AM" on the business's clock. */
export function timeRange(startsAt: number, endsAt: number | null, timeZone: string, locale?: string): string {
	const f = formatter(timeZone, { hour: 'numeric', minute: '2-digit' }, locale);
	if (endsAt === null || endsAt <= startsAt) return f.format(new Date(startsAt));
	const range = (f as Intl.DateTimeFormat & { formatRange?: (a: Date, b: Date) => string }).formatRange;
	return range ? range.call(f, new Date(startsAt), new Date(endsAt)) : `${f.format(new Date(startsAt))} – ${f.format(new Date(endsAt))}`;
}

/** "Tue, Dec 3, 9:00 – 10:30 AM": a visit in one line. */
export function visitLabel(startsAt: number, endsAt: number | null, timeZone: string, locale?: string): string {
	return `${shortDate(dateIn(startsAt, timeZone), locale)}, ${timeRange(startsAt, endsAt, timeZone, locale)}`;
}

/** "45 min", "1 hour", "1 h 30 min", "4 hours". */
export function durationLabel(minutes: number): string {
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	if (h === 0) return `${m} min`;
	if (m === 0) return `${h} hour${h === 1 ? '' : 's'}`;
	return `${h} h ${m} min`;
}

/** The business's today, and the last day a visit can be asked for (today + horizon). */
export function bookableRange(now: number, timeZone: string, horizonDays: number): { today: LocalDate; last: LocalDate } {
	const today = dateIn(now, timeZone);
	return { today, last: addDays(today, Math.max(0, horizonDays)) };
}

/** The preferred part of the day, as people say it. */
export function windowLabel(window: 'morning' | 'afternoon' | 'any' | null): string {
	return window === 'morning' ? 'Morning' : window === 'afternoon' ? 'Afternoon' : 'Any time';
}
