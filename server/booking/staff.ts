import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { appointments, auditLog, customers, messages, resources, serviceAddresses, serviceTypes } from '../db/schema.ts';
import type { Principal } from '../auth/types.ts';
import { AppError } from '../http/errors.ts';
import { ensureThread } from '../sync/threads.ts';
import type { WriteContext } from '../sync/writer.ts';
import { suitsWindow } from '../../shared/booking/slots.ts';
import type { StaffBookingRequest, StaffConfirmRequest, StaffProposeRequest, StaffSlot } from '../../shared/protocol/booking.ts';
import { addDays, localDateOf, zonedTimeToUtc } from '../../shared/time.ts';
import { appointmentById, slotTaken, updateAppointment, type AppointmentRow } from './appointments.ts';
import { BookingCalendar, type ServiceShape } from './calendar.ts';
import { describeTime } from './mail.ts';

/** A staff principal. */
export type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

/** Appointments still waiting for an answer: the office's, or the customer's (a proposal). */
const OPEN = ['requested', 'proposed'] as const;

function openRow(w: WriteContext, id: string): AppointmentRow {
	const row = appointmentById(w.db, id);
	if (!row || row.deleted) throw new AppError('NOT_FOUND', 'No such appointment.');
	return row;
}

function requireOpen(row: AppointmentRow, action: string): void {
	if (!(OPEN as readonly string[]).includes(row.status)) {
		throw new AppError('CONFLICT', `A ${row.status} appointment cannot be ${action}.`, { details: { reason: 'status', status: row.status } });
	}
}

/** The job's length: the service's, or (for an appointment without one) its own, or an hour. */
function shapeOf(w: WriteContext, row: AppointmentRow): ServiceShape {
	const service = row.serviceTypeId ? w.db.select().from(serviceTypes).where(eq(serviceTypes.id, row.serviceTypeId)).get() : undefined;
	if (service) return service;
	const own = row.startsAt !== null && row.endsAt !== null ? Math.round((row.endsAt - row.startsAt) / 60_000) : 0;
	return { durationMinutes: own > 0 ? own : 60, bufferMinutes: 0 };
}

function audit(w: WriteContext, staff: StaffPrincipal, action: string, id: string, detail: unknown): void {
	w.db.insert(auditLog).values({ at: w.now, actorKind: 'staff', actorId: staff.staffUserId, action, entity: 'appointment', entityId: id, detail }).run();
}

/**
 * The resource for a job at `startsAt`: the one asked for if it is free (400 if it is no active
 * resource, 409 if busy), else the appointment's current one, else any free resource working then.
 */
function chooseResource(calendar: BookingCalendar, service: ServiceShape, startsAt: number, asked: string | undefined, current: string | null, field: string): string {
	const free = calendar.resourcesFreeAt(service, startsAt);
	if (asked) {
		const exists = calendar.db.select({ id: resources.id }).from(resources).where(and(eq(resources.id, asked), eq(resources.active, true))).get();
		if (!exists) throw new AppError('VALIDATION', `${field.replace(/startsAt$/, 'resourceId')}: is not an active technician or crew`, { field: field.replace(/startsAt$/, 'resourceId') });
		if (!free.some((r) => r.id === asked)) throw slotTaken(calendar, service, startsAt, field);
		return asked;
	}
	const working = free.filter((r) => r.working);
	const pick = working.find((r) => r.id === current) ?? working[0];
	if (!pick) throw slotTaken(calendar, service, startsAt, field);
	return pick.id;
}

/**
 * Confirms a request (or a proposal on the customer's behalf) at its own time or one staff
 * choose, with a resource that is free then. Idempotent for an appointment already confirmed so.
 */
export function staffConfirm(app: FastifyInstance, staff: StaffPrincipal, id: string, body: StaffConfirmRequest): AppointmentRow {
	return app.writer.transaction((w) => {
		const row = openRow(w, id);
		if (row.status === 'confirmed' && (body.startsAt === undefined || body.startsAt === row.startsAt) && (!body.resourceId || body.resourceId === row.resourceId)) return row;
		requireOpen(row, 'confirmed');
		const startsAt = body.startsAt ?? row.startsAt;
		if (startsAt === null) throw new AppError('VALIDATION', 'startsAt: this request has no time yet; choose one.', { field: 'startsAt' });
		if (startsAt <= w.now) throw new AppError('VALIDATION', 'startsAt: is in the past', { field: 'startsAt' });
		const service = shapeOf(w, row);
		const calendar = new BookingCalendar(w.db, w.now, { appointmentId: row.id });
		const resourceId = chooseResource(calendar, service, startsAt, body.resourceId, row.resourceId, 'startsAt');
		const updated = updateAppointment(w, row, {
			status: 'confirmed',
			startsAt,
			endsAt: startsAt + service.durationMinutes * 60_000,
			resourceId,
			proposals: [],
			reminderSentAt: null
		});
		audit(w, staff, 'booking.confirm', row.id, { startsAt, resourceId });
		return updated;
	});
}

/**
 * Declines a request. The reason reaches the customer as a message from the office in their
 * conversation (and the appointment turns `declined` on their devices), both live.
 */
export function staffDecline(app: FastifyInstance, staff: StaffPrincipal, id: string, reason: string): AppointmentRow {
	return app.writer.transaction((w) => {
		const row = openRow(w, id);
		if (row.status === 'declined') return row;
		requireOpen(row, 'declined');
		const updated = updateAppointment(w, row, { status: 'declined', proposals: [] });
		const timeZone = calendarZone(w);
		const when = row.startsAt !== null ? ` for ${describeTime(row.startsAt, timeZone)}` : row.preferredDate ? ` for ${row.preferredDate}` : '';
		const threadId = ensureThread(w, row.customerId);
		const messageId = randomUUID();
		w.db.insert(messages)
			.values({
				id: messageId,
				threadId,
				customerId: row.customerId,
				authorKind: 'staff',
				authorId: staff.staffUserId,
				authorName: staff.name,
				body: `We can't take your booking request (${row.title}${when}): ${reason}`,
				attachments: [],
				sentAt: w.now,
				seq: w.touch('messages', row.customerId, messageId),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		audit(w, staff, 'booking.decline', row.id, { reason });
		return updated;
	});
}

function calendarZone(w: WriteContext): string {
	return new BookingCalendar(w.db, w.now).settings.timeZone;
}

/**
 * Offers the customer other times. Each is checked like a staff confirm (a free resource at that
 * time) and then held for them until they accept one, cancel, or the office answers otherwise.
 */
export function staffPropose(app: FastifyInstance, staff: StaffPrincipal, id: string, body: StaffProposeRequest): AppointmentRow {
	return app.writer.transaction((w) => {
		const row = openRow(w, id);
		requireOpen(row, 'given other times');
		const service = shapeOf(w, row);
		const calendar = new BookingCalendar(w.db, w.now, { appointmentId: row.id });
		const seen = new Set<number>();
		const proposals = body.options.map((o, i) => {
			const field = `options.${i}.startsAt`;
			if (o.startsAt <= w.now) throw new AppError('VALIDATION', `${field}: is in the past`, { field });
			if (seen.has(o.startsAt)) throw new AppError('VALIDATION', `${field}: is proposed twice`, { field });
			seen.add(o.startsAt);
			const resourceId = chooseResource(calendar, service, o.startsAt, o.resourceId, row.resourceId, field);
			return { startsAt: o.startsAt, endsAt: o.startsAt + service.durationMinutes * 60_000, resourceId };
		});
		const updated = updateAppointment(w, row, { status: 'proposed', proposals, startsAt: null, endsAt: null, resourceId: null });
		audit(w, staff, 'booking.propose', row.id, { proposals });
		return updated;
	});
}

/** Open requests and proposals, oldest first, with up to three suggested free slots each. */
export function listRequests(app: FastifyInstance): StaffBookingRequest[] {
	const db = app.store.db;
	const now = app.clock();
	const rows = db
		.select()
		.from(appointments)
		.where(and(inArray(appointments.status, [...OPEN]), eq(appointments.deleted, false)))
		.orderBy(asc(appointments.createdAt), asc(appointments.id))
		.all();
	if (rows.length === 0) return [];
	const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((x) => [x.id, x]));
	const customerIds = [...new Set(rows.map((r) => r.customerId))];
	const serviceIds = [...new Set(rows.map((r) => r.serviceTypeId).filter((x): x is string => !!x))];
	const addressIds = [...new Set(rows.map((r) => r.addressId).filter((x): x is string => !!x))];
	const cs = byId(db.select().from(customers).where(inArray(customers.id, customerIds)).all());
	const ss = byId(serviceIds.length ? db.select().from(serviceTypes).where(inArray(serviceTypes.id, serviceIds)).all() : []);
	const as = byId(addressIds.length ? db.select().from(serviceAddresses).where(inArray(serviceAddresses.id, addressIds)).all() : []);
	return rows.map((r) => {
		const c = cs.get(r.customerId);
		const s = r.serviceTypeId ? ss.get(r.serviceTypeId) : undefined;
		const a = r.addressId ? as.get(r.addressId) : undefined;
		return {
			id: r.id,
			status: r.status as (typeof OPEN)[number],
			source: r.source,
			title: r.title,
			customer: { id: r.customerId, name: c?.name ?? '', email: c?.email ?? null, phone: c?.phone ?? null },
			service: s ? { id: s.id, name: s.name, durationMinutes: s.durationMinutes } : null,
			address: a ? { id: a.id, line1: a.line1, line2: a.line2, city: a.city, region: a.region, postalCode: a.postalCode } : null,
			startsAt: r.startsAt,
			endsAt: r.endsAt,
			resourceId: r.resourceId,
			preferredDate: r.preferredDate,
			preferredWindow: r.preferredWindow,
			proposals: (r.proposals ?? []).map((p) => ({ startsAt: p.startsAt, endsAt: p.endsAt, resourceId: p.resourceId })),
			notes: r.notes,
			createdAt: r.createdAt,
			suggestions: s ? suggestionsFor(new BookingCalendar(db, now, { appointmentId: r.id }), s, r) : []
		};
	});
}

function suggestionsFor(calendar: BookingCalendar, service: ServiceShape, r: AppointmentRow): StaffSlot[] {
	const tz = calendar.settings.timeZone;
	const today = localDateOf(calendar.now, tz);
	const day = r.preferredDate ?? (r.startsAt !== null ? localDateOf(r.startsAt, tz) : today);
	const sameDay = day >= today ? calendar.slots(service, day, day).filter((s) => suitsWindow(s.startsAt, r.preferredWindow, tz)) : [];
	const picked = sameDay.length > 0 ? sameDay.slice(0, 3) : calendar.nextSlots(service, Math.max(zonedTimeToUtc(addDays(day, 1), 0, tz) - 1, calendar.now), 3, r.preferredWindow);
	return picked.map((s) => ({ startsAt: s.startsAt, endsAt: s.endsAt, resourceIds: s.resourceIds }));
}
