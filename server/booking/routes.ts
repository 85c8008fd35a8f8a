import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asc, eq } from 'drizzle-orm';
import { resources, serviceTypes } from '../db/schema.ts';
import { customerOf, staffOf } from '../auth/guard.ts';
import { bucketFor, LIMITS, RateLimiter } from '../auth/rate-limit.ts';
import { ownerOf, revokeSessionsOf, sessionInfoOf } from '../auth/session-admin.ts';
import { resolveSession, setSessionCookie } from '../auth/sessions.ts';
import { AppError, parseInput } from '../http/errors.ts';
import {
	acceptProposalRequestSchema,
	bookRequestSchema,
	guestBookingRequestSchema,
	guestRedeemLinkRequestSchema,
	guestVerifyCodeRequestSchema,
	rescheduleRequestSchema,
	SLOT_MINUTES,
	SLOTS_DEFAULT_DAYS,
	SLOTS_MAX_DAYS,
	slotsQuerySchema,
	staffConfirmRequestSchema,
	staffDeclineRequestSchema,
	staffProposeRequestSchema,
	type AppointmentResponse,
	type BookingResourcesResponse,
	type BookingServicesResponse,
	type GuestBookingResponse,
	type GuestConfirmedResponse,
	type SlotsResponse,
	type StaffBookingRequestsResponse,
	type StaffSlotsResponse
} from '../../shared/protocol/booking.ts';
import { addDays, localDateOf, type LocalDate } from '../../shared/time.ts';
import { appointmentById, appointmentDoc, ownAddress, publicSlot, requireServed } from './appointments.ts';
import { BookingCalendar, bookingSettings, type ServiceRow } from './calendar.ts';
import { acceptProposal, bookOnline, cancel, reschedule } from './customer.ts';
import { confirmGuestByCode, confirmGuestByLink, startGuestBooking, type GuestConfirmed } from './guest.ts';
import { listRequests, staffConfirm, staffDecline, staffPropose } from './staff.ts';

const STAFF_ACCESS = ['owner', 'office'] as const;

function daysBetween(a: LocalDate, b: LocalDate): number {
	const t = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
	return Math.round((t(b) - t(a)) / 86_400_000);
}

/** The range a slots query covers: defaults to today and the next 13 days; at most SLOTS_MAX_DAYS. */
function rangeOf(q: { from?: LocalDate; to?: LocalDate }, calendar: BookingCalendar): { from: LocalDate; to: LocalDate } {
	const from = q.from ?? localDateOf(calendar.now, calendar.settings.timeZone);
	const to = q.to ?? addDays(from, SLOTS_DEFAULT_DAYS - 1);
	if (to < from) throw new AppError('VALIDATION', 'to: must not be before from', { field: 'to' });
	if (daysBetween(from, to) >= SLOTS_MAX_DAYS) throw new AppError('VALIDATION', `to: at most ${SLOTS_MAX_DAYS} days per request`, { field: 'to' });
	return { from, to };
}

function requireService(calendar: BookingCalendar, id: string, field: string): ServiceRow {
	const service = calendar.service(id);
	if (!service) throw new AppError('VALIDATION', `${field}: is not a service you can book`, { field });
	return service;
}

/**
 * The service of the signed-in customer's own appointment `appointmentId` that is being moved:
 * it counts even when the office no longer offers it for new bookings.
 */
function movedService(request: FastifyRequest, calendar: BookingCalendar, serviceId: string, appointmentId: string): ServiceRow {
	const p = request.principal;
	if (!p || p.kind !== 'customer') throw new AppError('UNAUTHENTICATED', 'Sign in to move your appointment.', { field: 'appointment' });
	const row = appointmentById(calendar.db, appointmentId);
	if (!row || row.deleted || row.customerId !== p.customerId || row.serviceTypeId !== serviceId) {
		throw new AppError('VALIDATION', 'appointment: is not one of your appointments of this service', { field: 'appointment' });
	}
	const service = calendar.service(serviceId, { evenIfInactive: true });
	if (!service) throw new AppError('VALIDATION', 'service: is not a service you can book', { field: 'service' });
	return service;
}

function idParam(request: FastifyRequest): string {
	return (request.params as { id: string }).id;
}

/** The customer and staff booking routes (see shared/protocol/booking.ts for every message). */
export function bookingRoutes(app: FastifyInstance, opts: { holdMinutes: number }): void {
	const limiter = new RateLimiter(app.store.sqlite);

	// Availability changes by the second: never cache an answer.
	app.addHook('onSend', async (request, reply, payload) => {
		if (request.url.startsWith('/api/booking/') || request.url.startsWith('/api/staff/booking/')) reply.header('Cache-Control', 'no-store');
		return payload;
	});

	app.get('/api/booking/services', { config: { access: 'public' } }, async (): Promise<BookingServicesResponse> => {
		const db = app.store.db;
		const s = bookingSettings(db, app.clock());
		const services = db.select().from(serviceTypes).where(eq(serviceTypes.active, true)).orderBy(asc(serviceTypes.position), asc(serviceTypes.name)).all();
		return {
			services: services.map((x) => ({ id: x.id, name: x.name, description: x.description, durationMinutes: x.durationMinutes })),
			timeZone: s.timeZone,
			instantBooking: s.instantBooking,
			leadHours: s.leadHours,
			horizonDays: s.horizonDays,
			cancelCutoffHours: s.cancelCutoffHours,
			slotMinutes: SLOT_MINUTES
		};
	});

	// Public: guests browse too. A saved `address` needs the customer's session; a `postalCode`
	// doesn't. Either is checked against the service area before any slot is computed.
	app.get('/api/booking/slots', { config: { access: 'public' } }, async (request): Promise<SlotsResponse> => {
		const q = parseInput(slotsQuerySchema, request.query);
		const calendar = new BookingCalendar(app.store.db, app.clock());
		const service = q.appointment ? movedService(request, calendar, q.service, q.appointment) : requireService(calendar, q.service, 'service');
		if (q.address) {
			const p = request.principal;
			if (!p || p.kind !== 'customer') throw new AppError('UNAUTHENTICATED', 'Sign in to book at a saved address.', { field: 'address' });
			requireServed(calendar.settings, ownAddress(app.store.db, p.customerId, q.address, 'address'), 'address');
		} else if (q.postalCode) {
			requireServed(calendar.settings, { postalCode: q.postalCode }, 'postalCode');
		}
		const { from, to } = rangeOf(q, calendar);
		return { timeZone: calendar.settings.timeZone, from, to, slots: calendar.slots(service, from, to).map(publicSlot) };
	});

	app.post('/api/booking/appointments', { config: { access: 'customer' } }, async (request, reply): Promise<AppointmentResponse> => {
		const body = parseInput(bookRequestSchema, request.body);
		const { row, created } = bookOnline(app, customerOf(request.principal), body);
		reply.status(created ? 201 : 200);
		return { appointment: appointmentDoc(app.store.db, row) };
	});

	app.post('/api/booking/appointments/:id/reschedule', { config: { access: 'customer' } }, async (request): Promise<AppointmentResponse> => {
		const body = parseInput(rescheduleRequestSchema, request.body);
		const row = reschedule(app, customerOf(request.principal), idParam(request), body.startsAt);
		return { appointment: appointmentDoc(app.store.db, row) };
	});

	app.post('/api/booking/appointments/:id/cancel', { config: { access: 'customer' } }, async (request): Promise<AppointmentResponse> => {
		const row = cancel(app, customerOf(request.principal), idParam(request));
		return { appointment: appointmentDoc(app.store.db, row) };
	});

	app.post('/api/booking/appointments/:id/accept', { config: { access: 'customer' } }, async (request): Promise<AppointmentResponse> => {
		const body = parseInput(acceptProposalRequestSchema, request.body);
		const row = acceptProposal(app, customerOf(request.principal), idParam(request), body.startsAt);
		return { appointment: appointmentDoc(app.store.db, row) };
	});

	app.post('/api/booking/guest', { config: { access: 'public' } }, async (request, reply): Promise<GuestBookingResponse> => {
		const body = parseInput(guestBookingRequestSchema, request.body);
		const now = app.clock();
		limiter.hit(`guest:ip:${request.ip}`, LIMITS.startPerIp, now);
		limiter.hit(bucketFor('guest:email', body.email), LIMITS.startPerEmail, now);
		const held = startGuestBooking(app, body, { ip: request.ip, holdMinutes: opts.holdMinutes });
		reply.status(202);
		return held;
	});

	app.post('/api/booking/guest/verify-code', { config: { access: 'public' } }, async (request, reply): Promise<GuestConfirmedResponse> => {
		const body = parseInput(guestVerifyCodeRequestSchema, request.body);
		limiter.hit(`guest-verify:ip:${request.ip}`, LIMITS.verifyPerIp, app.clock());
		return finishGuest(app, request, reply, confirmGuestByCode(app, body.attemptId, body.code, metaOf(request)));
	});

	app.post('/api/booking/guest/redeem-link', { config: { access: 'public' } }, async (request, reply): Promise<GuestConfirmedResponse> => {
		const body = parseInput(guestRedeemLinkRequestSchema, request.body);
		limiter.hit(`guest-redeem:ip:${request.ip}`, LIMITS.redeemPerIp, app.clock());
		return finishGuest(app, request, reply, confirmGuestByLink(app, body.token, metaOf(request)));
	});

	app.get('/api/staff/booking/requests', { config: { access: STAFF_ACCESS } }, async (): Promise<StaffBookingRequestsResponse> => {
		return { requests: listRequests(app) };
	});

	app.get('/api/staff/booking/resources', { config: { access: STAFF_ACCESS } }, async (): Promise<BookingResourcesResponse> => {
		const rows = app.store.db.select().from(resources).orderBy(asc(resources.name)).all();
		return { resources: rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, active: r.active })) };
	});

	app.get('/api/staff/booking/slots', { config: { access: STAFF_ACCESS } }, async (request): Promise<StaffSlotsResponse> => {
		const q = parseInput(slotsQuerySchema, request.query);
		const calendar = new BookingCalendar(app.store.db, app.clock());
		const service = requireService(calendar, q.service, 'service');
		const { from, to } = rangeOf(q, calendar);
		return { timeZone: calendar.settings.timeZone, from, to, slots: calendar.slots(service, from, to, { ignoreLead: true }) };
	});

	app.post('/api/staff/booking/appointments/:id/confirm', { config: { access: STAFF_ACCESS } }, async (request): Promise<AppointmentResponse> => {
		const body = parseInput(staffConfirmRequestSchema, request.body ?? {});
		const row = staffConfirm(app, staffOf(request.principal), idParam(request), body);
		return { appointment: appointmentDoc(app.store.db, row) };
	});

	app.post('/api/staff/booking/appointments/:id/decline', { config: { access: STAFF_ACCESS } }, async (request): Promise<AppointmentResponse> => {
		const body = parseInput(staffDeclineRequestSchema, request.body);
		const row = staffDecline(app, staffOf(request.principal), idParam(request), body.reason);
		return { appointment: appointmentDoc(app.store.db, row) };
	});

	app.post('/api/staff/booking/appointments/:id/propose', { config: { access: STAFF_ACCESS } }, async (request): Promise<AppointmentResponse> => {
		const body = parseInput(staffProposeRequestSchema, request.body);
		const row = staffPropose(app, staffOf(request.principal), idParam(request), body);
		return { appointment: appointmentDoc(app.store.db, row) };
	});
}

function metaOf(request: FastifyRequest) {
	return { userAgent: request.headers['user-agent'], ip: request.ip };
}

/** Signs the device in as the booking's customer (retiring the session it had) and answers. */
function finishGuest(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, confirmed: GuestConfirmed): GuestConfirmedResponse {
	const db = app.store.db;
	let session: GuestConfirmedResponse['session'] = null;
	if (confirmed.session) {
		const previous = request.principal;
		if (previous) app.sessionRevocations.publish(revokeSessionsOf(db, ownerOf(previous), app.clock(), previous.sessionPublicId));
		setSessionCookie(app, reply, confirmed.session.token);
		const principal = resolveSession(db, confirmed.session.token, app.clock());
		if (principal) session = sessionInfoOf(db, principal, app.store.databaseId);
	}
	return { session, appointment: appointmentDoc(db, confirmed.appointment) };
}
