import { and, asc, eq, gt, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { appointments, loginAttempts, resources, servicePostalCodes, serviceTypes, timeOff, weeklyHours } from '../db/schema.ts';
import { getBusiness } from '../branding/service.ts';
import {
	bookableDays,
	computeSlots,
	isFree,
	worksDuring,
	suitsWindow,
	type Interval,
	type ResourceCalendar,
	type Slot,
	type WorkingHours
} from '../../shared/booking/slots.ts';
import type { ServiceArea } from '../../shared/booking/service-area.ts';
import { SLOT_MINUTES } from '../../shared/protocol/booking.ts';
import { SIGN_IN_MAX_CODE_TRIES } from '../../shared/protocol/auth.ts';
import { addDays, localDateOf, zonedTimeToUtc, type LocalDate } from '../../shared/time.ts';

const DAY = 86_400_000;

/** Appointment statuses that keep their time (and resource) from other bookings. */
export const BLOCKING_STATUSES = ['requested', 'confirmed', 'completed'] as const;

/** The business's booking rules, read once per request. */
export interface BookingSettings {
	businessName: string;
	phone: string;
	email: string;
	timeZone: string;
	instantBooking: boolean;
	leadHours: number;
	horizonDays: number;
	cancelCutoffHours: number;
	area: ServiceArea;
}

/** Reads the booking rules and the service area. */
export function bookingSettings(db: Db, now: number): BookingSettings {
	const b = getBusiness(db, now);
	const postalCodes = db.select({ code: servicePostalCodes.postalCode }).from(servicePostalCodes).all().map((r) => r.code);
	return {
		businessName: b.name,
		phone: b.phone,
		email: b.email,
		timeZone: b.timeZone,
		instantBooking: b.instantBooking,
		leadHours: b.bookingLeadHours,
		horizonDays: b.bookingHorizonDays,
		cancelCutoffHours: b.cancelCutoffHours,
		area: { postalCodes, baseLat: b.baseLat, baseLng: b.baseLng, radiusKm: b.serviceRadiusKm }
	};
}

/** A service type as booking needs it. */
export type ServiceRow = typeof serviceTypes.$inferSelect;

/** What the engine needs of a service: how long the job is and the travel after it. */
export type ServiceShape = Pick<ServiceRow, 'durationMinutes' | 'bufferMinutes'>;

/** The payload of a guest's hold (a `guest_booking` login attempt). */
export interface GuestHoldPayload {
	name: string;
	email: string;
	phone: string;
	address: { line1: string; line2?: string; city: string; region: string; postalCode: string };
	serviceTypeId: string;
	startsAt: number;
	endsAt: number;
	/** End of the held time including the travel buffer. */
	blockEnd: number;
	resourceId: string;
	notes?: string;
}

/** What to leave out when judging a time: the appointment being moved holds its own time. */
export interface Exclusions {
	appointmentId?: string;
}

/**
 * The schedule as the availability engine needs it, read inside whatever transaction the caller
 * is in — so a check followed by an insert in one `writer.transaction` is atomic (better-sqlite3
 * runs the whole transaction synchronously; nothing else writes in between).
 */
export class BookingCalendar {
	readonly settings: BookingSettings;
	constructor(
		readonly db: Db,
		readonly now: number,
		readonly exclude: Exclusions = {}
	) {
		this.settings = bookingSettings(db, now);
	}

	/**
	 * A service type by id: an active one, unless `evenIfInactive` (an existing appointment keeps
	 * its service when the office stops offering it for new bookings).
	 */
	service(id: string, opts: { evenIfInactive?: boolean } = {}): ServiceRow | undefined {
		return this.db
			.select()
			.from(serviceTypes)
			.where(and(eq(serviceTypes.id, id), opts.evenIfInactive ? undefined : eq(serviceTypes.active, true)))
			.get();
	}

	/** The engine's view of every active resource over a span: hours, time off, bookings and holds. */
	calendars(span: Interval, opts: { withBookings?: boolean; withTimeOff?: boolean } = {}): ResourceCalendar[] {
		const { db } = this;
		const withBookings = opts.withBookings ?? true;
		const withTimeOff = opts.withTimeOff ?? true;
		const active = db.select({ id: resources.id }).from(resources).where(eq(resources.active, true)).orderBy(asc(resources.id)).all();
		if (active.length === 0) return [];
		const ids = active.map((r) => r.id);
		const hours = new Map<string, WorkingHours[]>();
		for (const h of db.select().from(weeklyHours).where(inArray(weeklyHours.resourceId, ids)).all()) {
			const list = hours.get(h.resourceId) ?? [];
			list.push({ weekday: h.weekday, startMinute: h.startMinute, endMinute: h.endMinute });
			hours.set(h.resourceId, list);
		}
		const off = new Map<string, Interval[]>();
		const booked = new Map<string, Interval[]>();
		const add = (map: Map<string, Interval[]>, id: string | null, i: Interval) => {
			if (!id || i.end <= span.start || i.start >= span.end) return;
			const list = map.get(id) ?? [];
			list.push(i);
			map.set(id, list);
		};
		if (withTimeOff) {
			for (const t of db
				.select()
				.from(timeOff)
				.where(and(inArray(timeOff.resourceId, ids), lt(timeOff.startsAt, span.end), gt(timeOff.endsAt, span.start)))
				.all()) {
				add(off, t.resourceId, { start: t.startsAt, end: t.endsAt });
			}
		}
		if (withBookings) {
			for (const b of this.blocks(span)) add(booked, b.resourceId, b);
		}
		return active.map((r) => ({ id: r.id, hours: hours.get(r.id) ?? [], timeOff: off.get(r.id) ?? [], booked: booked.get(r.id) ?? [] }));
	}

	/**
	 * Every span of resource time taken near `span`: appointments that keep their time, the times
	 * proposed to customers (held until they answer), and guests' unexpired holds. Each runs to
	 * the end of its service's travel buffer.
	 */
	blocks(span: Interval): (Interval & { resourceId: string })[] {
		const { db, now } = this;
		const out: (Interval & { resourceId: string })[] = [];
		const excluded = this.exclude.appointmentId;
		const timed = db
			.select({ id: appointments.id, resourceId: appointments.resourceId, startsAt: appointments.startsAt, endsAt: appointments.endsAt, buffer: serviceTypes.bufferMinutes })
			.from(appointments)
			.leftJoin(serviceTypes, eq(serviceTypes.id, appointments.serviceTypeId))
			.where(
				and(
					inArray(appointments.status, [...BLOCKING_STATUSES]),
					eq(appointments.deleted, false),
					isNotNull(appointments.resourceId),
					lt(appointments.startsAt, span.end),
					// Buffers are far shorter than a day.
					gt(appointments.endsAt, span.start - DAY)
				)
			)
			.all();
		for (const a of timed) {
			if (a.id === excluded || a.startsAt === null || a.endsAt === null) continue;
			out.push({ resourceId: a.resourceId!, start: a.startsAt, end: a.endsAt + (a.buffer ?? 0) * 60_000 });
		}
		const proposed = db
			.select({ id: appointments.id, proposals: appointments.proposals, buffer: serviceTypes.bufferMinutes })
			.from(appointments)
			.leftJoin(serviceTypes, eq(serviceTypes.id, appointments.serviceTypeId))
			.where(and(eq(appointments.status, 'proposed'), eq(appointments.deleted, false)))
			.all();
		for (const a of proposed) {
			if (a.id === excluded) continue;
			for (const p of a.proposals ?? []) {
				if (p.resourceId) out.push({ resourceId: p.resourceId, start: p.startsAt, end: p.endsAt + (a.buffer ?? 0) * 60_000 });
			}
		}
		for (const h of db
			.select({ payload: loginAttempts.payload })
			.from(loginAttempts)
			// A hold ends when it is confirmed, expires, or has used up its code tries.
			.where(
				and(
					eq(loginAttempts.purpose, 'guest_booking'),
					isNull(loginAttempts.consumedAt),
					gt(loginAttempts.expiresAt, now),
					lt(loginAttempts.failedCodes, SIGN_IN_MAX_CODE_TRIES)
				)
			)
			.all()) {
			const p = h.payload as GuestHoldPayload | null;
			if (p && p.resourceId) out.push({ resourceId: p.resourceId, start: p.startsAt, end: p.blockEnd });
		}
		return out;
	}

	/** The instants covering whole days `first`…`last` in the business's zone, with a day's margin. */
	spanOfDays(first: LocalDate, last: LocalDate): Interval {
		const tz = this.settings.timeZone;
		return { start: zonedTimeToUtc(first, 0, tz) - DAY, end: zonedTimeToUtc(addDays(last, 1), 0, tz) + DAY };
	}

	/** Free slots for a service over days `from`…`to` (inclusive). */
	slots(service: ServiceShape, from: LocalDate, to: LocalDate, opts: { withBookings?: boolean; withTimeOff?: boolean; ignoreLead?: boolean } = {}): Slot[] {
		const s = this.settings;
		const days = bookableDays({ timeZone: s.timeZone, from, to, now: this.now, horizonDays: s.horizonDays });
		if (days.first > days.last) return [];
		const calendars = this.calendars(this.spanOfDays(days.first, days.last), opts);
		return computeSlots(calendars, {
			timeZone: s.timeZone,
			from: days.first,
			to: days.last,
			durationMinutes: service.durationMinutes,
			bufferMinutes: service.bufferMinutes,
			granularityMinutes: SLOT_MINUTES,
			now: this.now,
			leadHours: opts.ignoreLead ? 0 : s.leadHours,
			horizonDays: s.horizonDays
		});
	}

	/** The free slot starting exactly at `startsAt`, or null. */
	slotAt(service: ServiceShape, startsAt: number): Slot | null {
		const day = localDateOf(startsAt, this.settings.timeZone);
		return this.slots(service, day, day).find((s) => s.startsAt === startsAt) ?? null;
	}

	/**
	 * Whether `startsAt` would be offered on an empty calendar: on the grid, inside someone's hours,
	 * after the lead time and within the horizon. Tells "not a time we book" from "taken".
	 */
	isBookableTime(service: ServiceShape, startsAt: number): boolean {
		const day = localDateOf(startsAt, this.settings.timeZone);
		return this.slots(service, day, day, { withBookings: false, withTimeOff: false }).some((s) => s.startsAt === startsAt);
	}

	/** Up to `count` free slots starting after `after`, optionally within a part of the day. */
	nextSlots(service: ServiceShape, after: number, count: number, window?: 'morning' | 'afternoon' | 'any' | null): Slot[] {
		const s = this.settings;
		const out: Slot[] = [];
		const last = addDays(localDateOf(this.now, s.timeZone), s.horizonDays);
		let from = localDateOf(Math.max(after, this.now), s.timeZone);
		while (out.length < count && from <= last) {
			const to = addDays(from, 13) < last ? addDays(from, 13) : last;
			for (const slot of this.slots(service, from, to)) {
				if (slot.startsAt > after && suitsWindow(slot.startsAt, window, s.timeZone)) out.push(slot);
				if (out.length === count) break;
			}
			from = addDays(to, 1);
		}
		return out;
	}

	/**
	 * Which of a slot's free resources takes the job: the preferred one if free, else the one with
	 * the fewest bookings that day (spreading work), then by id for a stable answer.
	 */
	pickResource(slot: Slot, preferred?: string | null): string {
		if (preferred && slot.resourceIds.includes(preferred)) return preferred;
		if (slot.resourceIds.length === 1) return slot.resourceIds[0];
		const day = localDateOf(slot.startsAt, this.settings.timeZone);
		const span = { start: zonedTimeToUtc(day, 0, this.settings.timeZone), end: zonedTimeToUtc(addDays(day, 1), 0, this.settings.timeZone) };
		const load = new Map<string, number>();
		for (const b of this.blocks(span)) if (b.start < span.end && b.end > span.start) load.set(b.resourceId, (load.get(b.resourceId) ?? 0) + 1);
		return [...slot.resourceIds].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0))[0];
	}

	/**
	 * Resources free for a job at any time staff choose: no time off over the job and no booking
	 * over the job plus its buffer. Working hours are not required — staff may book outside them —
	 * but resources working then come first.
	 */
	resourcesFreeAt(service: ServiceShape, startsAt: number): { id: string; working: boolean }[] {
		const job = { start: startsAt, end: startsAt + service.durationMinutes * 60_000 };
		const tz = this.settings.timeZone;
		return this.calendars({ start: job.start - DAY, end: job.end + DAY })
			.filter((r) => isFree(r, job, service.bufferMinutes))
			.map((r) => ({ id: r.id, working: worksDuring(r.hours, job, tz) }))
			.sort((a, b) => Number(b.working) - Number(a.working));
	}
}
