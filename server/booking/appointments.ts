import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { appointments, serviceAddresses } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { serializeRows } from '../sync/serialize.ts';
import type { CollectionRows, View } from '../sync/visibility.ts';
import type { WriteContext } from '../sync/writer.ts';
import { enqueueAppointmentEvent } from '../integration/webhooks.ts';
import type { Appointment } from '../../shared/schemas/appointment.ts';
import { judgeServiceArea } from '../../shared/booking/service-area.ts';
import type { Slot } from '../../shared/booking/slots.ts';
import { NEXT_SLOTS_COUNT, type FreeSlot } from '../../shared/protocol/booking.ts';
import type { BookingCalendar, BookingSettings, ServiceShape } from './calendar.ts';

/** A stored appointment row. */
export type AppointmentRow = CollectionRows['appointments'];

const SHOW_ALL: View<'appointments'> = { scope: undefined, shows: (r) => !r.deleted, hears: () => true };

/** The row as the `appointments` collection carries it to the customer's devices. */
export function appointmentDoc(db: Db, row: AppointmentRow): Appointment {
	const [doc] = serializeRows(db, 'appointments', SHOW_ALL, [row]);
	const { _deleted, ...rest } = doc as Appointment & { _deleted: boolean };
	void _deleted;
	return rest;
}

/** Re-reads an appointment by id. */
export function appointmentById(db: Db, id: string): AppointmentRow | undefined {
	return db.select().from(appointments).where(eq(appointments.id, id)).get();
}

/** The customer's own appointment; another customer's id looks exactly like an unknown one. */
export function ownAppointment(db: Db, customerId: string, id: string): AppointmentRow {
	const row = db
		.select()
		.from(appointments)
		.where(and(eq(appointments.id, id), eq(appointments.customerId, customerId), eq(appointments.deleted, false)))
		.get();
	if (!row) throw new AppError('NOT_FOUND', 'No such appointment.');
	return row;
}

/** The customer's own, current service address, or a VALIDATION error naming `field`. */
export function ownAddress(db: Db, customerId: string, id: string, field: string) {
	const row = db
		.select()
		.from(serviceAddresses)
		.where(and(eq(serviceAddresses.id, id), eq(serviceAddresses.customerId, customerId), eq(serviceAddresses.deleted, false)))
		.get();
	if (!row) throw new AppError('VALIDATION', `${field}: is not one of your service addresses`, { field });
	return row;
}

/** Refuses a place outside the service area with 422 and a way to reach the office instead. */
export function requireServed(settings: BookingSettings, place: { postalCode: string | null; lat?: number | null; lng?: number | null }, field: string): void {
	const verdict = judgeServiceArea(settings.area, place);
	if (verdict.inside) return;
	const contact = [settings.phone, settings.email].filter(Boolean).join(' or ');
	throw new AppError(
		'OUTSIDE_SERVICE_AREA',
		`Sorry — we don't book online at that address: it is outside the area we serve.${contact ? ` Send us a message or reach us at ${contact}, and we'll see what we can do.` : " Send us a message and we'll see what we can do."}`,
		{ field, details: { messageOffice: true, phone: settings.phone, email: settings.email } }
	);
}

/** A slot as customers see it: a count of free resources, never who. */
export function publicSlot(s: Slot): FreeSlot {
	return { startsAt: s.startsAt, endsAt: s.endsAt, available: s.resourceIds.length };
}

/**
 * The free slot at `startsAt` for `service`, or the error that says why not: 400 naming `field`
 * when it is no time we would ever offer (off the grid, outside hours, too soon or too far), 409
 * CONFLICT with the next free slots when it was free but is taken now.
 */
export function requireSlot(calendar: BookingCalendar, service: ServiceShape, startsAt: number, field = 'startsAt'): Slot {
	const slot = calendar.slotAt(service, startsAt);
	if (slot) return slot;
	if (!calendar.isBookableTime(service, startsAt)) {
		throw new AppError('VALIDATION', `${field}: is not a time we can book — pick one of the free slots.`, { field });
	}
	throw slotTaken(calendar, service, startsAt, field);
}

/** 409 CONFLICT for a time taken meanwhile, offering the next free slots after it. */
export function slotTaken(calendar: BookingCalendar, service: ServiceShape, after: number, field = 'startsAt'): AppError {
	const nextSlots = calendar.nextSlots(service, after, NEXT_SLOTS_COUNT).map(publicSlot);
	return new AppError('CONFLICT', nextSlots.length > 0 ? 'Sorry — someone just took that time. Here are the next free times.' : 'Sorry — someone just took that time, and nothing else is free for now.', {
		field,
		details: { reason: 'slot_taken', nextSlots }
	});
}

/** 409 CONFLICT: too close to the start to change online. */
export function tooLate(settings: BookingSettings, what: 'cancel' | 'reschedule'): AppError {
	const contact = [settings.phone, settings.email].filter(Boolean).join(' or ');
	return new AppError(
		'CONFLICT',
		`It's less than ${settings.cancelCutoffHours} hours to the start, so we can't ${what} online. Send us a message${contact ? ` or reach us at ${contact}` : ''}.`,
		{ details: { reason: 'too_late', cancelCutoffHours: settings.cancelCutoffHours, messageOffice: true } }
	);
}

/** Writes new values on an appointment with a new seq, so the customer's devices hear of it. */
export function updateAppointment(w: WriteContext, row: AppointmentRow, values: Partial<typeof appointments.$inferInsert>): AppointmentRow {
	w.db.update(appointments)
		.set({ ...values, seq: w.touch('appointments', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
		.where(eq(appointments.id, row.id))
		.run();
	if (values.status === 'confirmed' && row.status !== 'confirmed') enqueueAppointmentEvent(w, 'appointment.booked', row.id);
	return appointmentById(w.db, row.id)!;
}

/**
 * Tells the business's other systems about an appointment just inserted by a booking path:
 * `appointment.booked` when it is confirmed, `appointment.requested` when staff must confirm it.
 */
export function announceNewAppointment(w: WriteContext, id: string, status: string): void {
	if (status === 'confirmed') enqueueAppointmentEvent(w, 'appointment.booked', id);
	else if (status === 'requested') enqueueAppointmentEvent(w, 'appointment.requested', id);
}
