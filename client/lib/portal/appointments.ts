import type { Appointment } from '$shared/schemas/appointment';
import { formatLocalDate } from '$shared/invoice-display';

/** Statuses of an appointment that is still going to happen (or may). */
const ACTIVE = new Set<Appointment['status']>(['confirmed', 'proposed', 'requested']);

/**
 * The visit to show on Home: the next confirmed one, else the soonest proposal or request
 * still waiting for the office, else null.
 */
export function upcomingAppointment(appointments: readonly Appointment[], now: number): Appointment | null {
	const confirmed = appointments
		.filter((a) => a.status === 'confirmed' && a.startsAt !== null && (a.endsAt ?? a.startsAt) > now)
		.sort((a, b) => a.startsAt! - b.startsAt!);
	if (confirmed[0]) return confirmed[0];
	const waiting = appointments
		.filter((a) => ACTIVE.has(a.status) && a.status !== 'confirmed')
		.sort((a, b) => (a.startsAt ?? a.createdAt) - (b.startsAt ?? b.createdAt));
	return waiting[0] ?? null;
}

function fmt(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	try {
		return new Intl.DateTimeFormat(undefined, { ...options, timeZone });
	} catch {
		return new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' });
	}
}

/** "Tuesday, December 2" on the business's calendar. */
export function visitDate(startsAt: number, timeZone: string): string {
	return fmt(timeZone, { weekday: 'long', month: 'long', day: 'numeric' }).format(new Date(startsAt));
}

/** "8:00 – 9:30 AM" on the business's clock. */
export function visitWindow(startsAt: number, endsAt: number | null, timeZone: string): string {
	const f = fmt(timeZone, { hour: 'numeric', minute: '2-digit' });
	if (endsAt === null || endsAt <= startsAt) return f.format(new Date(startsAt));
	const range = (f as Intl.DateTimeFormat & { formatRange?: (a: Date, b: Date) => string }).formatRange;
	return range ? range.call(f, new Date(startsAt), new Date(endsAt)) : `${f.format(new Date(startsAt))} – ${f.format(new Date(endsAt))}`;
}

/** What a waiting request looks like to the customer. */
export function requestSummary(a: Appointment): string {
	if (a.status === 'proposed') return 'The office proposed a time — choose one to confirm';
	const day = a.preferredDate ? formatLocalDate(a.preferredDate, undefined, 'long') : null;
	const window = a.preferredWindow === 'morning' ? 'morning' : a.preferredWindow === 'afternoon' ? 'afternoon' : null;
	if (day) return `Requested for ${day}${window ? `, ${window}` : ''} — we'll confirm a time`;
	return "Requested — we'll confirm a time";
}
