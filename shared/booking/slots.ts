import { addDays, localDateOf, weekdayOf, zonedParts, zonedTimeToUtc, type LocalDate } from '../time.ts';

/*
 * The availability engine: pure functions, no I/O, so the server computes slots with them and a
 * device could too. Everything is in UTC instants except working hours, which are wall-clock
 * minutes in the business's zone; each day's hours are turned into instants with that day's
 * offset, and candidate starts step through real time from there, so a shift that spans a DST
 * change is as long as the clock on the wall says it is.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A resource's working hours on one weekday (0 = Sunday), in minutes after local midnight. */
export interface WorkingHours {
	weekday: number;
	startMinute: number;
	endMinute: number;
}

/** A half-open span of time `[start, end)`, in ms since the epoch. */
export interface Interval {
	start: number;
	end: number;
}

/** One technician or crew as the engine sees them. */
export interface ResourceCalendar {
	id: string;
	hours: readonly WorkingHours[];
	/** Time away: no job may overlap it (the travel buffer may). */
	timeOff: readonly Interval[];
	/** Time taken by existing bookings and holds, each already extended by its travel buffer. */
	booked: readonly Interval[];
}

/** What is being booked and under which rules. */
export interface SlotQuery {
	/** The business's IANA time zone. */
	timeZone: string;
	/** First and last calendar day to look at, inclusive, in the business's zone. */
	from: LocalDate;
	to: LocalDate;
	/** Length of the job. */
	durationMinutes: number;
	/** Travel time after the job, during which the resource cannot start another. */
	bufferMinutes: number;
	/** Distance between candidate starts, from the start of each shift (aligned to the grid). */
	granularityMinutes: number;
	/** The current instant. */
	now: number;
	/** No start earlier than `now` plus this. */
	leadHours: number;
	/** No start on a day later than today plus this many days. */
	horizonDays: number;
}

/** A free start time and the resources free for it. */
export interface Slot {
	startsAt: number;
	/** End of the job (without the travel buffer). */
	endsAt: number;
	resourceIds: string[];
}

/** The time an appointment keeps its resource from other work: the job plus its travel buffer. */
export function blockOf(startsAt: number, endsAt: number, bufferMinutes: number): Interval {
	return { start: startsAt, end: endsAt + bufferMinutes * MINUTE };
}

/** True when the two half-open spans share any time. */
export function overlaps(a: Interval, b: Interval): boolean {
	return a.start < b.end && b.start < a.end;
}

/** The instant of a wall-clock minute of a day; 1440 is the next midnight. */
function instantOf(date: LocalDate, minute: number, timeZone: string): number {
	return minute >= 1440 ? zonedTimeToUtc(addDays(date, Math.floor(minute / 1440)), minute % 1440, timeZone) : zonedTimeToUtc(date, minute, timeZone);
}

/** The first and last day worth looking at: the query's range cut to today … today + horizon. */
export function bookableDays(q: Pick<SlotQuery, 'timeZone' | 'from' | 'to' | 'now' | 'horizonDays'>): { first: LocalDate; last: LocalDate } {
	const today = localDateOf(q.now, q.timeZone);
	const horizon = addDays(today, q.horizonDays);
	return { first: q.from > today ? q.from : today, last: q.to < horizon ? q.to : horizon };
}

/**
 * The earliest instant a job may start: `now + lead`. Kept separate so callers can say why a
 * time was refused.
 */
export function earliestStart(q: Pick<SlotQuery, 'now' | 'leadHours'>): number {
	return q.now + q.leadHours * HOUR;
}

/** Whether one resource can take a job `[start, start + duration)` followed by its buffer. */
export function isFree(resource: Pick<ResourceCalendar, 'timeOff' | 'booked'>, job: Interval, bufferMinutes: number): boolean {
	const block = { start: job.start, end: job.end + bufferMinutes * MINUTE };
	for (const t of resource.timeOff) if (overlaps(t, job)) return false;
	for (const b of resource.booked) if (overlaps(b, block)) return false;
	return true;
}

/**
 * Free slots for a job across resources, in start order. A start is free for a resource when the
 * job lies inside one of its shifts that day, overlaps none of its time off, and the job plus the
 * travel buffer overlaps none of its bookings (whose own buffers are already in `booked`). Starts
 * before the lead time or on days past the horizon are left out.
 */
export function computeSlots(resources: readonly ResourceCalendar[], q: SlotQuery): Slot[] {
	const g = Math.max(1, Math.round(q.granularityMinutes)) * MINUTE;
	const duration = q.durationMinutes * MINUTE;
	const earliest = earliestStart(q);
	const { first, last } = bookableDays(q);
	const byStart = new Map<number, Set<string>>();
	for (let date = first; date <= last; date = addDays(date, 1)) {
		const weekday = weekdayOf(date);
		for (const r of resources) {
			for (const h of r.hours) {
				if (h.weekday !== weekday || h.endMinute <= h.startMinute) continue;
				const shiftEnd = instantOf(date, h.endMinute, q.timeZone);
				const aligned = Math.ceil(h.startMinute / q.granularityMinutes) * q.granularityMinutes;
				for (let t = instantOf(date, aligned, q.timeZone); t + duration <= shiftEnd; t += g) {
					if (t < earliest) continue;
					if (!isFree(r, { start: t, end: t + duration }, q.bufferMinutes)) continue;
					let set = byStart.get(t);
					if (!set) byStart.set(t, (set = new Set()));
					set.add(r.id);
				}
			}
		}
	}
	return [...byStart.entries()]
		.sort((a, b) => a[0] - b[0])
		.map(([startsAt, ids]) => ({ startsAt, endsAt: startsAt + duration, resourceIds: [...ids].sort() }));
}

/** Whether a job lies wholly inside one of the shifts of the day it starts on. */
export function worksDuring(hours: readonly WorkingHours[], job: Interval, timeZone: string): boolean {
	const date = localDateOf(job.start, timeZone);
	const weekday = weekdayOf(date);
	return hours.some((h) => h.weekday === weekday && instantOf(date, h.startMinute, timeZone) <= job.start && job.end <= instantOf(date, h.endMinute, timeZone));
}

/** Part of the day a slot falls in: before noon is morning, from noon on is afternoon. */
export function windowOf(startsAt: number, timeZone: string): 'morning' | 'afternoon' {
	const p = zonedParts(startsAt, timeZone);
	return p.hour < 12 ? 'morning' : 'afternoon';
}

/** Whether a slot suits a preferred window (`any` or none suits every slot). */
export function suitsWindow(startsAt: number, window: 'morning' | 'afternoon' | 'any' | null | undefined, timeZone: string): boolean {
	return !window || window === 'any' || windowOf(startsAt, timeZone) === window;
}
