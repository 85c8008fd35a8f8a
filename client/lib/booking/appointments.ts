import type { Appointment } from '../../../shared/schemas/appointment.ts';
import type { LocalDate } from '../../../shared/time.ts';

// What the appointment screens need to know about an appointment, as pure functions (no $lib,
// no RxDB), so unit tests check them in Node.

/** The part of the day a request prefers. */
export type PreferredWindow = NonNullable<Appointment['preferredWindow']>;

/**
 * Where an appointment stands for the customer: the server's status, or — for the device's own
 * request — `pending` (saved here, not at the office yet) or `failed` (the office refused it).
 */
export type AppointmentPhase = Appointment['status'] | 'pending' | 'failed';

/** What the device writes for a request made without a connection. */
export interface NewRequest {
	id?: string;
	serviceTypeId: string | null;
	/** The service's name, so the request reads right before the office has it. */
	title: string;
	addressId: string | null;
	preferredDate: LocalDate;
	preferredWindow: PreferredWindow;
	notes?: string;
}

/**
 * A booking request as the device inserts it into the `appointments` collection: status
 * `requested`, a preferred day and window and no time. The office-owned fields are left empty and
 * createdAt/updatedAt stay 0 until the server's copy comes back (the server sets them, the
 * customer, the title if empty, and answers with a time or proposals).
 */
export function newRequestDoc(input: NewRequest): Appointment {
	const notes = input.notes?.trim() ?? '';
	return {
		id: input.id ?? crypto.randomUUID(),
		serviceTypeId: input.serviceTypeId,
		title: input.title.slice(0, 200),
		addressId: input.addressId,
		resourceName: null,
		status: 'requested',
		startsAt: null,
		endsAt: null,
		preferredDate: input.preferredDate,
		preferredWindow: input.preferredWindow,
		proposals: [],
		notes: notes ? notes.slice(0, 2000) : null,
		createdAt: 0,
		updatedAt: 0
	};
}

/** The phase of an appointment, given the ids still in the device's outbox and those refused. */
export function phaseOf(a: Pick<Appointment, 'id' | 'status' | 'createdAt'>, pendingIds: ReadonlySet<string> | undefined, failedIds: ReadonlySet<string>): AppointmentPhase {
	if (failedIds.has(a.id)) return 'failed';
	// Never seen by the server (createdAt 0), or a change (a cancel) not acknowledged yet.
	if (a.createdAt === 0) return 'pending';
	if (pendingIds?.has(a.id)) return 'pending';
	return a.status;
}

/** Still to happen, or waiting for an answer. */
export function isUpcoming(a: Appointment, now: number): boolean {
	if (a.status === 'requested' || a.status === 'proposed') return true;
	if (a.status !== 'confirmed') return false;
	return (a.endsAt ?? a.startsAt ?? 0) > now;
}

/** When an appointment sorts: its time, else its preferred day, else when it was made. */
function sortKey(a: Appointment): number {
	if (a.startsAt !== null) return a.startsAt;
	if (a.proposals.length > 0) return Math.min(...a.proposals.map((p) => p.startsAt));
	if (a.preferredDate) return Date.parse(a.preferredDate + 'T12:00:00Z');
	return a.createdAt || Number.MAX_SAFE_INTEGER;
}

/** Upcoming (soonest first) and earlier or cancelled (latest first). */
export function splitAppointments(list: readonly Appointment[], now: number): { upcoming: Appointment[]; past: Appointment[] } {
	const upcoming = list.filter((a) => isUpcoming(a, now)).sort((a, b) => sortKey(a) - sortKey(b) || a.id.localeCompare(b.id));
	const past = list.filter((a) => !isUpcoming(a, now)).sort((a, b) => sortKey(b) - sortKey(a) || a.id.localeCompare(b.id));
	return { upcoming, past };
}

/** Why a change cannot be made online. */
export type ChangeBlock = 'cutoff' | 'status' | 'pending';

/** What the customer may do with an appointment from the app, and why not. */
export interface ChangeRules {
	canReschedule: boolean;
	canCancel: boolean;
	/** Set when neither works: inside the cutoff, a finished status, or not at the office yet. */
	blocked: ChangeBlock | null;
}

/**
 * The business's rules as the server applies them: confirmed appointments and requests with a
 * chosen time can move; requested, proposed and confirmed ones can be cancelled; a confirmed
 * appointment starting within `cancelCutoffHours` cannot be changed online at all.
 */
export function changeRules(a: Appointment, phase: AppointmentPhase, cancelCutoffHours: number, now: number): ChangeRules {
	if (phase === 'pending' || phase === 'failed') return { canReschedule: false, canCancel: false, blocked: 'pending' };
	const active = a.status === 'requested' || a.status === 'proposed' || a.status === 'confirmed';
	if (!active) return { canReschedule: false, canCancel: false, blocked: 'status' };
	if (a.status === 'confirmed' && a.startsAt !== null && a.startsAt - now < cancelCutoffHours * 3_600_000) {
		return { canReschedule: false, canCancel: false, blocked: 'cutoff' };
	}
	const canReschedule = a.status === 'confirmed' || (a.status === 'requested' && a.startsAt !== null);
	return { canReschedule, canCancel: true, blocked: null };
}

/** The proposals still in the future, soonest first. */
export function openProposals(a: Appointment, now: number): Appointment['proposals'] {
	return a.proposals.filter((p) => p.startsAt > now).sort((x, y) => x.startsAt - y.startsAt);
}

/**
 * Of the device's copy and a copy a booking call just returned, the newer one: the call's answer
 * shows at once, and the synced copy takes over as soon as it is as new.
 */
export function newerOf(local: Appointment | null | undefined, answered: Appointment | null): Appointment | null {
	if (!answered || (local && local.id !== answered.id)) return local ?? null;
	if (!local) return answered;
	return answered.updatedAt > local.updatedAt ? answered : local;
}
