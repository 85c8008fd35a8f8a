import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { appointments, serviceAddresses } from '../db/schema.ts';
import type { Change } from '../sync/changes.ts';
import { judgeServiceArea } from '../../shared/booking/service-area.ts';
import { suitsWindow, type Slot } from '../../shared/booking/slots.ts';
import { addDays, localDateOf, zonedTimeToUtc } from '../../shared/time.ts';
import { appointmentById, updateAppointment } from './appointments.ts';
import { BookingCalendar } from './calendar.ts';
import type { JobRunner } from './jobs.ts';

/** Job kind: look at a booking request that arrived without a time (made offline). */
export const REQUEST_JOB = 'booking.request';

/** Alternatives proposed when the preferred day is full. */
export const AUTO_PROPOSALS = 3;

/** What happened to a request. */
export type RequestOutcome = 'confirmed' | 'proposed' | 'left_for_staff' | 'not_a_request';

/** Sources whose untimed requests are looked at automatically; staff and integrations place their own. */
const AUTO_SOURCES = new Set(['customer', 'guest']);

/**
 * Answers a booking request that has a preferred day and window but no time — the kind a device
 * saves offline and pushes later. With instant booking on, it is confirmed at the first free slot
 * in the window that day; when the day is full (or already past) the first free slot of each of
 * the next days is proposed instead, and the customer picks one; with instant booking off a day
 * with room is left for the office. Requests it cannot judge (no service, outside the area,
 * nothing free within the horizon) stay requested for the office: a request is never dropped.
 * Written through the writer, so the device hears the answer live.
 */
export function answerRequest(app: FastifyInstance, appointmentId: string): RequestOutcome {
	return app.writer.transaction((w) => {
		const row = appointmentById(w.db, appointmentId);
		if (!row || row.deleted || row.status !== 'requested' || row.startsAt !== null) return 'not_a_request';
		const calendar = new BookingCalendar(w.db, w.now, { appointmentId: row.id });
		const service = row.serviceTypeId ? calendar.service(row.serviceTypeId) : undefined;
		if (!service) return 'left_for_staff';
		if (row.addressId) {
			const address = w.db.select().from(serviceAddresses).where(eq(serviceAddresses.id, row.addressId)).get();
			if (address && !judgeServiceArea(calendar.settings.area, address).inside) return 'left_for_staff';
		}
		const { timeZone, instantBooking } = calendar.settings;
		const today = localDateOf(w.now, timeZone);
		const window = row.preferredWindow;
		const day = row.preferredDate && row.preferredDate >= today ? row.preferredDate : null;
		const confirm = (slot: Slot): RequestOutcome => {
			updateAppointment(w, row, { status: 'confirmed', startsAt: slot.startsAt, endsAt: slot.endsAt, resourceId: calendar.pickResource(slot), proposals: [] });
			return 'confirmed';
		};

		if (day === null) {
			// No day (or a day that passed while the request waited offline): the earliest free time.
			const [first] = calendar.nextSlots(service, w.now, 1, window);
			return first && instantBooking ? confirm(first) : 'left_for_staff';
		}
		const sameDay = calendar.slots(service, day, day).filter((s) => suitsWindow(s.startsAt, window, timeZone));
		if (sameDay.length > 0) return instantBooking ? confirm(sameDay[0]) : 'left_for_staff';

		const proposals: { startsAt: number; endsAt: number; resourceId: string }[] = [];
		const seenDays = new Set<string>();
		const after = zonedTimeToUtc(addDays(day, 1), 0, timeZone) - 1;
		for (const slot of calendar.nextSlots(service, after, 200, window)) {
			const d = localDateOf(slot.startsAt, timeZone);
			if (seenDays.has(d)) continue;
			seenDays.add(d);
			proposals.push({ startsAt: slot.startsAt, endsAt: slot.endsAt, resourceId: calendar.pickResource(slot) });
			if (proposals.length === AUTO_PROPOSALS) break;
		}
		if (proposals.length === 0) return 'left_for_staff';
		updateAppointment(w, row, { status: 'proposed', proposals, resourceId: null });
		return 'proposed';
	});
}

/**
 * Listens for committed appointment changes and queues a job for each untimed request from a
 * customer, so requests pushed from devices are answered — also after a restart, since the job
 * is a row. The sync push path needs no change: it already publishes every insert.
 */
export function watchRequests(app: FastifyInstance, runner: JobRunner): () => void {
	return app.changes.subscribe((changes: readonly Change[]) => {
		const ids = changes.filter((c) => c.collection === 'appointments').map((c) => c.id);
		if (ids.length === 0) return;
		let queued = 0;
		for (let i = 0; i < ids.length; i += 500) {
			const rows = app.store.db
				.select({ id: appointments.id, status: appointments.status, startsAt: appointments.startsAt, source: appointments.source, serviceTypeId: appointments.serviceTypeId })
				.from(appointments)
				.where(and(inArray(appointments.id, ids.slice(i, i + 500)), eq(appointments.deleted, false), eq(appointments.status, 'requested')))
				.all();
			for (const r of rows) {
				if (r.startsAt !== null || r.serviceTypeId === null || !AUTO_SOURCES.has(r.source)) continue;
				runner.enqueue({ id: `${REQUEST_JOB}:${r.id}`, kind: REQUEST_JOB, runAt: app.clock(), payload: { appointmentId: r.id } });
				queued++;
			}
		}
		if (queued > 0) runner.kick();
	});
}
