import { expect, test } from 'vitest';
import { changeRules, newerOf, newRequestDoc, openProposals, phaseOf, splitAppointments } from '../../client/lib/booking/appointments.ts';
import { whenOf } from '../../client/lib/booking/describe.ts';
import { bookableRange, durationLabel, groupSlotsByDay, SLOT_DAYS, timeRange } from '../../client/lib/booking/time.ts';
import { SLOTS_DEFAULT_DAYS } from '../../shared/protocol/booking.ts';
import { appointmentSchema, type Appointment } from '../../shared/schemas/appointment.ts';
import { zonedTimeToUtc } from '../../shared/time.ts';

/*
 * The booking screens' pure helpers: slots grouped by the business's day across a DST change,
 * the device's own request document (valid for the shared schema the server checks), phases,
 * the cutoff rule, ordering, and which copy of an appointment the screen shows.
 */

const ZONE = 'America/Chicago';
const HOUR = 3_600_000;
const at = (date: string, hh: number, mm = 0) => zonedTimeToUtc(date, hh * 60 + mm, ZONE);
const slot = (startsAt: number, minutes = 60) => ({ startsAt, endsAt: startsAt + minutes * 60_000, available: 1 });

function appt(over: Partial<Appointment> = {}): Appointment {
	return {
		id: 'a1',
		serviceTypeId: 's1',
		title: 'Drain cleaning',
		addressId: 'addr1',
		resourceName: null,
		status: 'confirmed',
		startsAt: null,
		endsAt: null,
		preferredDate: null,
		preferredWindow: null,
		proposals: [],
		notes: null,
		createdAt: 1,
		updatedAt: 1,
		...over
	};
}

test('slots are grouped by the business’s day and split at its noon, also across the end of DST', () => {
	// 2026-11-01: Chicago falls back from CDT to CST at 2:00.
	const slots = [slot(at('2026-11-02', 13)), slot(at('2026-10-31', 23, 30)), slot(at('2026-11-01', 8)), slot(at('2026-11-01', 11, 30)), slot(at('2026-11-01', 12))];
	const days = groupSlotsByDay(slots, ZONE, 'en-US');
	expect(days.map((d) => d.date)).toEqual(['2026-10-31', '2026-11-01', '2026-11-02']);
	expect(days[0].afternoon).toHaveLength(1);
	expect(days[1].morning.map((s) => s.startsAt)).toEqual([at('2026-11-01', 8), at('2026-11-01', 11, 30)]);
	expect(days[1].afternoon.map((s) => s.startsAt)).toEqual([at('2026-11-01', 12)]);
	expect(days[1]).toMatchObject({ weekday: 'Sun', dayOfMonth: '1', month: 'Nov', label: 'Sunday, November 1' });
	// A slot at 23:30 Chicago time is the next day in UTC, but the business's day counts.
	expect(new Date(slots[1].startsAt).toISOString().slice(0, 10)).toBe('2026-11-01');
	expect(timeRange(at('2026-11-01', 9), at('2026-11-01', 10, 30), ZONE, 'en-US').replace(/\s/g, ' ')).toMatch(/^9:00 – 10:30 AM$/);
});

test('durations read as people say them', () => {
	expect([45, 60, 75, 90, 240].map(durationLabel)).toEqual(['45 min', '1 hour', '1 h 15 min', '1 h 30 min', '4 hours']);
});

test('the bookable range runs from the business’s today to today plus the horizon', () => {
	expect(bookableRange(at('2026-05-12', 23, 30), ZONE, 60)).toEqual({ today: '2026-05-12', last: '2026-07-11' });
});

test('a request made on the device is valid for the shared schema, with the office’s fields left to the server', () => {
	const doc = newRequestDoc({ serviceTypeId: 's1', title: 'Leak inspection', addressId: 'addr1', preferredDate: '2026-05-20', preferredWindow: 'morning', notes: '  Side gate  ' });
	expect(appointmentSchema.safeParse(doc).success).toBe(true);
	expect(doc).toMatchObject({ status: 'requested', startsAt: null, endsAt: null, resourceName: null, proposals: [], notes: 'Side gate', createdAt: 0, updatedAt: 0 });
	expect(doc.id).toMatch(/^[0-9a-f-]{36}$/);
	expect(newRequestDoc({ serviceTypeId: null, title: 'Visit request', addressId: null, preferredDate: '2026-05-20', preferredWindow: 'any' }).notes).toBeNull();
});

test('phase: waiting to send until the server has it; refused writes are failed; then the server’s status', () => {
	const none = new Set<string>();
	expect(phaseOf(appt({ createdAt: 0, status: 'requested' }), undefined, none)).toBe('pending');
	expect(phaseOf(appt({ status: 'cancelled' }), new Set(['a1']), none)).toBe('pending');
	expect(phaseOf(appt({ createdAt: 0 }), undefined, new Set(['a1']))).toBe('failed');
	expect(phaseOf(appt({ status: 'proposed' }), new Set(['other']), none)).toBe('proposed');
});

test('the cutoff: a confirmed visit within the cutoff cannot change; requests and later visits can', () => {
	const now = at('2026-05-12', 10);
	const soon = appt({ startsAt: now + 23 * HOUR, endsAt: now + 24 * HOUR });
	expect(changeRules(soon, 'confirmed', 24, now)).toEqual({ canReschedule: false, canCancel: false, blocked: 'cutoff' });
	const later = appt({ startsAt: now + 25 * HOUR, endsAt: now + 26 * HOUR });
	expect(changeRules(later, 'confirmed', 24, now)).toEqual({ canReschedule: true, canCancel: true, blocked: null });
	// A request with a held time moves and cancels even inside the cutoff (the office hasn't confirmed).
	expect(changeRules(appt({ status: 'requested', startsAt: now + HOUR }), 'requested', 24, now)).toEqual({ canReschedule: true, canCancel: true, blocked: null });
	// A request without a time (made offline) can only be cancelled.
	expect(changeRules(appt({ status: 'requested' }), 'requested', 24, now)).toEqual({ canReschedule: false, canCancel: true, blocked: null });
	expect(changeRules(appt({ status: 'completed' }), 'completed', 24, now).blocked).toBe('status');
	expect(changeRules(appt({ createdAt: 0, status: 'requested' }), 'pending', 24, now).blocked).toBe('pending');
});

test('upcoming soonest first (requests by their preferred day), then past and cancelled latest first', () => {
	const now = at('2026-05-12', 10);
	const list = [
		appt({ id: 'past', status: 'completed', startsAt: now - 48 * HOUR }),
		appt({ id: 'tomorrow', startsAt: now + 24 * HOUR, endsAt: now + 25 * HOUR }),
		appt({ id: 'request', status: 'requested', preferredDate: '2026-05-14' }),
		appt({ id: 'cancelled', status: 'cancelled', startsAt: now + 72 * HOUR }),
		appt({ id: 'ended', startsAt: now - 2 * HOUR, endsAt: now - HOUR })
	];
	const { upcoming, past } = splitAppointments(list, now);
	expect(upcoming.map((a) => a.id)).toEqual(['tomorrow', 'request']);
	expect(past.map((a) => a.id)).toEqual(['cancelled', 'ended', 'past']);
});

test('the screen shows a booking call’s answer until the synced copy is as new, and only future proposals', () => {
	const local = appt({ updatedAt: 10, status: 'confirmed' });
	const answered = appt({ updatedAt: 11, status: 'cancelled' });
	expect(newerOf(local, answered)?.status).toBe('cancelled');
	expect(newerOf(appt({ updatedAt: 11, status: 'cancelled' }), answered)?.status).toBe('cancelled');
	expect(newerOf(appt({ updatedAt: 12, status: 'confirmed' }), answered)?.status).toBe('confirmed');
	expect(newerOf(undefined, answered)).toBe(answered);
	expect(newerOf(null, null)).toBeNull();
	const now = at('2026-05-12', 10);
	const proposed = appt({ status: 'proposed', proposals: [{ startsAt: now + 48 * HOUR, endsAt: now + 49 * HOUR }, { startsAt: now - HOUR, endsAt: now }, { startsAt: now + 24 * HOUR, endsAt: now + 25 * HOUR }] });
	expect(openProposals(proposed, now).map((p) => p.startsAt)).toEqual([now + 24 * HOUR, now + 48 * HOUR]);
	expect(whenOf(proposed, ZONE, 'en-US')).toBe('The office proposed other times — choose one');
	expect(whenOf(appt({ status: 'requested', preferredDate: '2026-05-14', preferredWindow: 'afternoon' }), ZONE, 'en-US')).toBe('Asked for Thu, May 14, afternoon');
});

test('the client’s slot range mirrors the server’s default', () => {
	expect(SLOT_DAYS).toBe(SLOTS_DEFAULT_DAYS);
});
