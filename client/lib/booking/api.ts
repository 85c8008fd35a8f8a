// Type-only imports: zod stays out of the browser bundle; the server validates every message.
import type {
	AppointmentResponse,
	BookingServicesResponse,
	BookRequest,
	FreeSlot,
	GuestBookingRequest,
	GuestBookingResponse,
	GuestConfirmedResponse,
	OutsideAreaDetails,
	SlotsResponse,
	SlotTakenDetails,
	TooLateDetails
} from '$shared/protocol/booking';
import type { Appointment } from '$shared/schemas/appointment';
import { ApiError, api } from '$lib/api/http';

export type { BookingServicesResponse, FreeSlot, GuestBookingRequest, GuestBookingResponse, GuestConfirmedResponse, SlotsResponse };

export { SLOT_DAYS } from './time';

/** A slow network is treated as none: the screen offers a request instead of spinning. */
const TIMEOUT_MS = 15_000;

/** The bookable services and the business's booking rules. */
export function fetchBookingInfo(): Promise<BookingServicesResponse> {
	return api<BookingServicesResponse>('/api/booking/services', { timeoutMs: TIMEOUT_MS });
}

/** Where a visit is: a saved service address (customers) or a postal code (guests). */
export type SlotPlace = { address: string } | { postalCode: string };

/**
 * Free slots of a service at a place, from `from` for SLOT_DAYS days (default: from today).
 * `appointment`: the customer's own appointment being moved, whose service counts even when it
 * is no longer offered for new bookings.
 */
export function fetchSlots(
	service: string,
	place: SlotPlace,
	range: { from?: string; to?: string; appointment?: string } = {},
	signal?: AbortSignal
): Promise<SlotsResponse> {
	const query = new URLSearchParams({ service, ...place });
	if (range.from) query.set('from', range.from);
	if (range.to) query.set('to', range.to);
	if (range.appointment) query.set('appointment', range.appointment);
	return api<SlotsResponse>(`/api/booking/slots?${query}`, { signal, timeoutMs: TIMEOUT_MS });
}

/** Books a slot; the same `requestId` always yields the same appointment (retries are safe). */
export async function bookSlot(body: BookRequest): Promise<Appointment> {
	return (await api<AppointmentResponse>('/api/booking/appointments', { body, timeoutMs: TIMEOUT_MS })).appointment;
}

function appointmentPath(id: string, action: string): string {
	return `/api/booking/appointments/${encodeURIComponent(id)}/${action}`;
}

/** Moves an appointment to another free slot. */
export async function rescheduleAppointment(id: string, startsAt: number): Promise<Appointment> {
	return (await api<AppointmentResponse>(appointmentPath(id, 'reschedule'), { body: { startsAt }, timeoutMs: TIMEOUT_MS })).appointment;
}

/** Cancels an appointment or request. */
export async function cancelAppointment(id: string): Promise<Appointment> {
	return (await api<AppointmentResponse>(appointmentPath(id, 'cancel'), { method: 'POST', body: {}, timeoutMs: TIMEOUT_MS })).appointment;
}

/** Takes one of the times the office proposed. */
export async function acceptProposal(id: string, startsAt: number): Promise<Appointment> {
	return (await api<AppointmentResponse>(appointmentPath(id, 'accept'), { body: { startsAt }, timeoutMs: TIMEOUT_MS })).appointment;
}

/** Holds a slot for a guest and mails them a link and a code. */
export function startGuestBooking(body: GuestBookingRequest): Promise<GuestBookingResponse> {
	return api<GuestBookingResponse>('/api/booking/guest', { body, timeoutMs: TIMEOUT_MS });
}

/** Confirms a guest booking with the emailed code; the device is signed in as the customer. */
export function verifyGuestCode(attemptId: string, code: string): Promise<GuestConfirmedResponse> {
	return api<GuestConfirmedResponse>('/api/booking/guest/verify-code', { body: { attemptId, code }, timeoutMs: TIMEOUT_MS });
}

/** Confirms a guest booking with the secret from the emailed link. */
export function redeemGuestLink(token: string): Promise<GuestConfirmedResponse> {
	return api<GuestConfirmedResponse>('/api/booking/guest/redeem-link', { body: { token }, timeoutMs: TIMEOUT_MS });
}

function detailsOf(err: unknown, code: string): Record<string, unknown> | null {
	if (!(err instanceof ApiError) || err.code !== code || !err.details || typeof err.details !== 'object') return null;
	return err.details as Record<string, unknown>;
}

/** The next free slots, when the error says the chosen time was taken meanwhile. */
export function slotTakenOf(err: unknown): SlotTakenDetails | null {
	const d = detailsOf(err, 'CONFLICT');
	return d?.reason === 'slot_taken' && Array.isArray(d.nextSlots) ? (d as unknown as SlotTakenDetails) : null;
}

/** The office's contact details, when the error says the place is outside the service area. */
export function outsideAreaOf(err: unknown): OutsideAreaDetails | null {
	const d = detailsOf(err, 'OUTSIDE_SERVICE_AREA');
	return d ? { messageOffice: true, phone: String(d.phone ?? ''), email: String(d.email ?? '') } : null;
}

/** The cutoff, when the error says it is too close to the start to change online. */
export function tooLateOf(err: unknown): TooLateDetails | null {
	const d = detailsOf(err, 'CONFLICT');
	return d?.reason === 'too_late' ? (d as unknown as TooLateDetails) : null;
}
