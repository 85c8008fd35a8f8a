/** A calendar date in the business's time zone, `YYYY-MM-DD`. */
export type LocalDate = string;

/** Wall-clock parts of an instant in an IANA time zone. */
export interface ZonedParts {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
	weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let f = formatters.get(timeZone);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			weekday: 'short'
		});
		formatters.set(timeZone, f);
	}
	return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone });
		return true;
	} catch {
		return false;
	}
}

/** The wall-clock parts of a UTC instant (ms) in a time zone. Weekday: 0 = Sunday. */
export function zonedParts(instantMs: number, timeZone: string): ZonedParts {
	const parts: Record<string, string> = {};
	for (const p of formatterFor(timeZone).formatToParts(new Date(instantMs))) parts[p.type] = p.value;
	return {
		year: Number(parts.year),
		month: Number(parts.month),
		day: Number(parts.day),
		hour: Number(parts.hour),
		minute: Number(parts.minute),
		second: Number(parts.second),
		weekday: WEEKDAYS.indexOf(parts.weekday)
	};
}

/** The calendar date of an instant in a time zone. */
export function localDateOf(instantMs: number, timeZone: string): LocalDate {
	const p = zonedParts(instantMs, timeZone);
	return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Offset of a time zone from UTC at an instant, in minutes (east positive). */
export function zoneOffsetMinutes(instantMs: number, timeZone: string): number {
	const p = zonedParts(instantMs, timeZone);
	const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
	return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/**
 * The UTC instant of a wall-clock time in a time zone. A time skipped by a DST jump resolves
 * to the instant after the gap; an ambiguous time resolves to its first occurrence.
 */
export function zonedTimeToUtc(date: LocalDate, minuteOfDay: number, timeZone: string): number {
	const [y, m, d] = date.split('-').map(Number);
	const guess = Date.UTC(y, m - 1, d, 0, minuteOfDay);
	// The offsets in force a day either side cover both readings of any DST change, east or west of UTC.
	const day = 86_400_000;
	const offsets = new Set([guess - day, guess, guess + day].map((t) => zoneOffsetMinutes(t, timeZone)));
	const candidates = [...offsets].map((o) => guess - o * 60_000).sort((a, b) => a - b);
	for (const c of candidates) {
		const p = zonedParts(c, timeZone);
		if (localDateOf(c, timeZone) === date && p.hour * 60 + p.minute === minuteOfDay) return c;
	}
	// Inside a DST gap: the wall time does not exist; take the later reading.
	return candidates[candidates.length - 1];
}

/** Adds whole days to a calendar date. */
export function addDays(date: LocalDate, days: number): LocalDate {
	const [y, m, d] = date.split('-').map(Number);
	const t = new Date(Date.UTC(y, m - 1, d + days));
	return t.toISOString().slice(0, 10);
}

/** Day of week of a calendar date, 0 = Sunday. */
export function weekdayOf(date: LocalDate): number {
	const [y, m, d] = date.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}
