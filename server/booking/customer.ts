import type { FastifyInstance } from 'fastify';
import { appointments } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { CustomerPrincipal } from '../sync/write-rules.ts';
import type { BookRequest } from '../../shared/protocol/booking.ts';
import {
	announceNewAppointment,
	appointmentById,
	ownAddress,
	ownAppointment,
	requireServed,
	requireSlot,
	slotTaken,
	tooLate,
	updateAppointment,
	type AppointmentRow
} from './appointments.ts';
import { BookingCalendar, bookingSettings, type ServiceRow } from './calendar.ts';

/** What a booking call did: a new appointment, or the one an earlier try with the same requestId made. */
export interface Booked {
	row: AppointmentRow;
	created: boolean;
}

function requireService(calendar: BookingCalendar, id: string | null, field: string): ServiceRow {
	const service = id ? calendar.service(id) : undefined;
	if (!service) throw new AppError('VALIDATION', `${field}: is not a service you can book`, { field });
	return service;
}

/**
 * Books a free slot for the signed-in customer. The availability check and the insert run in one
 * write transaction, so of any number of simultaneous requests for the last free resource at a
 * time exactly one gets it; the others get 409 with the next free slots. Confirmed at once with
 * instant booking on, otherwise a request (with the time held) for the office to confirm.
 */
export function bookOnline(app: FastifyInstance, principal: CustomerPrincipal, body: BookRequest): Booked {
	return app.writer.transaction((w) => {
		const existing = appointmentById(w.db, body.requestId);
		if (existing) {
			if (existing.customerId !== principal.customerId) throw new AppError('CONFLICT', 'requestId: this id is already in use; make a new one.', { field: 'requestId' });
			return { row: existing, created: false };
		}
		const calendar = new BookingCalendar(w.db, w.now);
		const service = requireService(calendar, body.serviceTypeId, 'serviceTypeId');
		const address = ownAddress(w.db, principal.customerId, body.addressId, 'addressId');
		requireServed(calendar.settings, address, 'addressId');
		const slot = requireSlot(calendar, service, body.startsAt);
		const resourceId = calendar.pickResource(slot);
		w.db.insert(appointments)
			.values({
				id: body.requestId,
				customerId: principal.customerId,
				serviceTypeId: service.id,
				title: service.name,
				addressId: address.id,
				resourceId,
				status: calendar.settings.instantBooking ? 'confirmed' : 'requested',
				startsAt: slot.startsAt,
				endsAt: slot.endsAt,
				proposals: [],
				notes: body.notes?.trim() || null,
				source: 'customer',
				seq: w.touch('appointments', principal.customerId, body.requestId),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		const row = appointmentById(w.db, body.requestId)!;
		announceNewAppointment(w, row.id, row.status);
		return { row, created: true };
	});
}

/** Whether the customer may still change an appointment online (the cancel cutoff). */
function withinCutoff(row: AppointmentRow, cutoffHours: number, now: number): boolean {
	return row.status === 'confirmed' && row.startsAt !== null && row.startsAt - now < cutoffHours * 3_600_000;
}

/**
 * Moves the customer's own appointment to another free slot. Only confirmed appointments and
 * requests with a chosen time move; not within the cancel cutoff of the current start. The
 * appointment's own time does not count against the new one (moving by half an hour works).
 */
export function reschedule(app: FastifyInstance, principal: CustomerPrincipal, id: string, startsAt: number): AppointmentRow {
	return app.writer.transaction((w) => {
		const row = ownAppointment(w.db, principal.customerId, id);
		const calendar = new BookingCalendar(w.db, w.now, { appointmentId: row.id });
		if (!(row.status === 'confirmed' || (row.status === 'requested' && row.startsAt !== null))) {
			throw new AppError('CONFLICT', `A ${row.status} appointment cannot be rescheduled.`, { details: { reason: 'status', status: row.status } });
		}
		if (withinCutoff(row, calendar.settings.cancelCutoffHours, w.now)) throw tooLate(calendar.settings, 'reschedule');
		// The visit keeps its service even if the office no longer offers it for new bookings.
		const service = row.serviceTypeId ? calendar.service(row.serviceTypeId, { evenIfInactive: true }) : undefined;
		if (!service) throw new AppError('VALIDATION', 'serviceTypeId: this visit has no service to time it by; call the office to move it', { field: 'serviceTypeId' });
		if (startsAt === row.startsAt) return row;
		const slot = requireSlot(calendar, service, startsAt);
		return updateAppointment(w, row, {
			startsAt: slot.startsAt,
			endsAt: slot.endsAt,
			resourceId: calendar.pickResource(slot, row.resourceId),
			status: calendar.settings.instantBooking ? 'confirmed' : 'requested',
			reminderSentAt: null
		});
	});
}

/**
 * Cancels the customer's own appointment or request. A confirmed appointment can't be cancelled
 * online within the cutoff (409 `too_late`, with `messageOffice`); the sync push path applies the
 * same rule (as a conflict) for cancels made offline.
 */
export function cancel(app: FastifyInstance, principal: CustomerPrincipal, id: string): AppointmentRow {
	return app.writer.transaction((w) => {
		const row = ownAppointment(w.db, principal.customerId, id);
		if (row.status === 'cancelled') return row;
		if (!['requested', 'proposed', 'confirmed'].includes(row.status)) {
			throw new AppError('CONFLICT', `A ${row.status} appointment cannot be cancelled.`, { details: { reason: 'status', status: row.status } });
		}
		const settings = bookingSettings(w.db, w.now);
		if (withinCutoff(row, settings.cancelCutoffHours, w.now)) throw tooLate(settings, 'cancel');
		return updateAppointment(w, row, { status: 'cancelled' });
	});
}

/**
 * Takes one of the times the office proposed: the appointment is confirmed then, with the resource
 * the proposal held (or another free one if that one was taken meanwhile).
 */
export function acceptProposal(app: FastifyInstance, principal: CustomerPrincipal, id: string, startsAt: number): AppointmentRow {
	return app.writer.transaction((w) => {
		const row = ownAppointment(w.db, principal.customerId, id);
		if (row.status === 'confirmed' && row.startsAt === startsAt) return row;
		if (row.status !== 'proposed') throw new AppError('CONFLICT', 'There are no proposed times to accept on this appointment.', { details: { reason: 'status', status: row.status } });
		const proposal = (row.proposals ?? []).find((p) => p.startsAt === startsAt);
		if (!proposal) throw new AppError('VALIDATION', 'startsAt: is not one of the proposed times', { field: 'startsAt' });
		if (startsAt <= w.now) throw new AppError('CONFLICT', 'That proposed time has passed.', { field: 'startsAt', details: { reason: 'past' } });
		const calendar = new BookingCalendar(w.db, w.now, { appointmentId: row.id });
		const service = row.serviceTypeId ? calendar.service(row.serviceTypeId) : undefined;
		let resourceId = proposal.resourceId;
		let endsAt = proposal.endsAt;
		if (service) {
			const free = calendar.resourcesFreeAt(service, startsAt);
			endsAt = startsAt + service.durationMinutes * 60_000;
			if (!free.some((r) => r.id === resourceId)) {
				const other = free.find((r) => r.working);
				if (!other) throw slotTaken(calendar, service, startsAt);
				resourceId = other.id;
			}
		}
		return updateAppointment(w, row, { status: 'confirmed', startsAt, endsAt, resourceId, proposals: [], reminderSentAt: null });
	});
}
