import type { Message } from '$shared/schemas/message';
import { addDays, localDateOf } from '$shared/time';
import { formatMinute, type OfficeStatus } from '$lib/office-hours';

/** The messages of one day on the business's calendar. */
export interface DayGroup {
	/** `YYYY-MM-DD` in the business's time zone. */
	date: string;
	/** "Today", "Yesterday", "Monday, May 11", "Friday, December 19, 2025". */
	label: string;
	messages: Message[];
}

// Making an Intl.DateTimeFormat costs far more than using one: one per kind, zone and locale.
const formatters = new Map<string, Intl.DateTimeFormat>();
function cached(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
	let f = formatters.get(key);
	if (!f) formatters.set(key, (f = make()));
	return f;
}

function dateIn(instant: number, timeZone: string): string {
	try {
		return localDateOf(instant, timeZone);
	} catch {
		return localDateOf(instant, 'UTC');
	}
}

/** A day heading for `date`, relative to `today` (both business-calendar dates). */
export function dayLabel(date: string, today: string, locale?: string): string {
	if (date === today) return 'Today';
	if (date === addDays(today, -1)) return 'Yesterday';
	const [y, m, d] = date.split('-').map(Number);
	const sameYear = date.slice(0, 4) === today.slice(0, 4);
	const format = cached(`day|${locale ?? ''}|${sameYear}`, () => new Intl.DateTimeFormat(locale, { weekday: 'long', month: 'long', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }), timeZone: 'UTC' }));
	return format.format(new Date(Date.UTC(y, m - 1, d)));
}

/** Messages (oldest first) grouped by the business-calendar day they were sent. */
export function groupByDay(messages: readonly Message[], timeZone: string, now: number, locale?: string): DayGroup[] {
	const today = dateIn(now, timeZone);
	const groups: DayGroup[] = [];
	for (const message of messages) {
		const date = dateIn(message.sentAt, timeZone);
		const last = groups.at(-1);
		if (last && last.date === date) last.messages.push(message);
		else groups.push({ date, label: dayLabel(date, today, locale), messages: [message] });
	}
	return groups;
}

/** "3:05 PM" on the business's clock (UTC's when the zone is unknown to the device). */
export function timeOf(instant: number, timeZone: string, locale?: string): string {
	const format = cached(`time|${locale ?? ''}|${timeZone}`, () => {
		try {
			return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone });
		} catch {
			return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' });
		}
	});
	return format.format(new Date(instant));
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Outside office hours: "We're closed now — we'll reply by 8:00 AM tomorrow." Null while open.
 * `zone` names the business's clock when the device is on another one.
 */
export function closedNotice(status: OfficeStatus, zone?: string, locale?: string): string | null {
	if (status.open) return null;
	const next = status.nextOpen;
	if (!next) return "We're closed now — we'll reply as soon as we can.";
	const at = formatMinute(next.minute, locale);
	const when = next.daysAhead === 0 ? `${at} today` : next.daysAhead === 1 ? `${at} tomorrow` : `${DAY_NAMES[next.weekday]} at ${at}`;
	return `We're closed now — we'll reply by ${when}${zone ? ` (${zone})` : ''}.`;
}
