import type { Appointment } from '../../../shared/schemas/appointment.ts';
import { dateIn, shortDate, timeRange, visitLabel, windowLabel } from './time.ts';

/** The "when" line of an appointment, in words, on the business's clock. */
export function whenOf(a: Appointment, timeZone: string, locale?: string): string {
	if (a.status === 'proposed') {
		const n = a.proposals.length;
		return n === 1 ? 'The office proposed another time — choose it to confirm' : 'The office proposed other times — choose one';
	}
	if (a.startsAt !== null) {
		const when = visitLabel(a.startsAt, a.endsAt, timeZone, locale);
		return a.status === 'requested' ? `Requested for ${when}` : when;
	}
	if (a.preferredDate) {
		const part = a.preferredWindow && a.preferredWindow !== 'any' ? `, ${windowLabel(a.preferredWindow).toLowerCase()}` : '';
		return `Asked for ${shortDate(a.preferredDate, locale)}${part}`;
	}
	return 'No time yet — the office will suggest one';
}

/** The date tile of an appointment: the visit's day, else the preferred day, else none. */
export function tileDateOf(a: Appointment, timeZone: string): string | null {
	if (a.startsAt !== null) return dateIn(a.startsAt, timeZone);
	return a.preferredDate;
}

/** "9:00 – 10:30 AM" of a confirmed visit (empty for requests without a time). */
export function windowOf(a: Appointment, timeZone: string, locale?: string): string {
	return a.startsAt === null ? '' : timeRange(a.startsAt, a.endsAt, timeZone, locale);
}
