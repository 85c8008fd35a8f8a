import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { and, asc, count, desc, eq, gt, inArray, isNull, lt, max, sql } from 'drizzle-orm';
import { z } from 'zod';
import {
	hoursUpdateSchema,
	resourceCreateSchema,
	resourcePatchSchema,
	serviceAreaUpdateSchema,
	serviceTypeCreateSchema,
	serviceTypePatchSchema,
	timeOffCreateSchema,
	type AvailabilityResource,
	type AvailabilityResponse,
	type ServiceArea,
	type ServiceType,
	type ServiceTypeDeleted,
	type TimeOff,
	type TimeOffCreated
} from '../../shared/protocol/availability.ts';
import { normalizePostalCode } from '../../shared/booking/service-area.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import { getBusiness } from '../branding/service.ts';
import { BLOCKING_STATUSES } from '../booking/calendar.ts';
import type { Db } from '../db/client.ts';
import { appointments, business, customers, loginAttempts, resources, servicePostalCodes, serviceTypes, timeOff, weeklyHours } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';

/** Who may change availability; every staff role may read it (technicians plan their week). */
const OFFICE = ['owner', 'office'] as const;

const idParams = z.object({ id: z.string().min(1).max(64) });

type ResourceRow = typeof resources.$inferSelect;
type ServiceRow = typeof serviceTypes.$inferSelect;

function byWeekThenStart(a: { weekday: number; startMinute: number }, b: { weekday: number; startMinute: number }): number {
	return a.weekday - b.weekday || a.startMinute - b.startMinute;
}

function hoursOf(db: Db, resourceIds: string[]): Map<string, AvailabilityResource['hours']> {
	const out = new Map<string, AvailabilityResource['hours']>();
	if (resourceIds.length === 0) return out;
	for (const h of db.select().from(weeklyHours).where(inArray(weeklyHours.resourceId, resourceIds)).all()) {
		const list = out.get(h.resourceId) ?? [];
		list.push({ weekday: h.weekday, startMinute: h.startMinute, endMinute: h.endMinute });
		out.set(h.resourceId, list);
	}
	for (const list of out.values()) list.sort(byWeekThenStart);
	return out;
}

function resourceView(db: Db, row: ResourceRow): AvailabilityResource {
	return { id: row.id, name: row.name, kind: row.kind, active: row.active, hours: hoursOf(db, [row.id]).get(row.id) ?? [] };
}

function timeOffView(row: typeof timeOff.$inferSelect): TimeOff {
	return { id: row.id, resourceId: row.resourceId, startsAt: row.startsAt, endsAt: row.endsAt, reason: row.reason };
}

/** How many appointments name each service type. */
function appointmentCounts(db: Db, ids?: string[]): Map<string, number> {
	const rows = db
		.select({ id: appointments.serviceTypeId, n: count() })
		.from(appointments)
		.where(ids ? inArray(appointments.serviceTypeId, ids) : undefined)
		.groupBy(appointments.serviceTypeId)
		.all();
	return new Map(rows.filter((r) => r.id !== null).map((r) => [r.id!, r.n]));
}

function serviceView(row: ServiceRow, appointmentCount: number): ServiceType {
	return {
		id: row.id,
		name: row.name,
		description: row.description,
		durationMinutes: row.durationMinutes,
		bufferMinutes: row.bufferMinutes,
		active: row.active,
		position: row.position,
		appointmentCount
	};
}

function serviceAreaOf(db: Db, now: number): ServiceArea {
	const b = getBusiness(db, now);
	const postalCodes = db.select({ code: servicePostalCodes.postalCode }).from(servicePostalCodes).orderBy(asc(servicePostalCodes.postalCode)).all().map((r) => r.code);
	return { postalCodes, baseLat: b.baseLat, baseLng: b.baseLng, radiusKm: b.serviceRadiusKm };
}

/** The resource a body names, or a VALIDATION error naming `field` (nothing is stored). */
function requireResourceField(db: Db, id: string, field: string): ResourceRow {
	const row = db.select().from(resources).where(eq(resources.id, id)).get();
	if (!row) throw new AppError('VALIDATION', `${field}: is not a technician or crew`, { field });
	return row;
}

function requireResource(db: Db, id: string): ResourceRow {
	const row = db.select().from(resources).where(eq(resources.id, id)).get();
	if (!row) throw new AppError('NOT_FOUND', 'There is no such technician or crew.');
	return row;
}

function requireService(db: Db, id: string): ServiceRow {
	const row = db.select().from(serviceTypes).where(eq(serviceTypes.id, id)).get();
	if (!row) throw new AppError('NOT_FOUND', 'There is no such service.');
	return row;
}

/** Whether a guest's unconfirmed hold names the service (its confirmation will create an appointment of it). */
function heldByGuest(db: Db, serviceId: string, now: number): boolean {
	return !!db
		.select({ id: loginAttempts.id })
		.from(loginAttempts)
		.where(
			and(
				eq(loginAttempts.purpose, 'guest_booking'),
				isNull(loginAttempts.consumedAt),
				gt(loginAttempts.expiresAt, now),
				sql`json_extract(${loginAttempts.payload}, '$.serviceTypeId') = ${serviceId}`
			)
		)
		.get();
}

/** Picks the fields of a patch that differ from the row. */
function changedFields<T extends Record<string, unknown>>(row: T, patch: Partial<T>): Partial<T> {
	const out: Partial<T> = {};
	for (const k of Object.keys(patch) as (keyof T)[]) if (patch[k] !== undefined && patch[k] !== row[k]) out[k] = patch[k];
	return out;
}

const plugin: FastifyPluginAsync = async (app) => {
	app.get('/api/staff/availability', { config: { access: 'staff' } }, async (): Promise<AvailabilityResponse> => {
		const db = app.store.db;
		const now = app.clock();
		const rows = db.select().from(resources).orderBy(desc(resources.active), asc(resources.name), asc(resources.id)).all();
		const hours = hoursOf(db, rows.map((r) => r.id));
		const services = db.select().from(serviceTypes).orderBy(asc(serviceTypes.position), asc(serviceTypes.name)).all();
		const counts = appointmentCounts(db);
		return {
			timeZone: getBusiness(db, now).timeZone,
			resources: rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind, active: r.active, hours: hours.get(r.id) ?? [] })),
			timeOff: db.select().from(timeOff).where(gt(timeOff.endsAt, now)).orderBy(asc(timeOff.startsAt), asc(timeOff.id)).all().map(timeOffView),
			serviceTypes: services.map((s) => serviceView(s, counts.get(s.id) ?? 0)),
			serviceArea: serviceAreaOf(db, now)
		};
	});

	app.post('/api/staff/availability/resources', { config: { access: OFFICE } }, async (request, reply): Promise<AvailabilityResource> => {
		const staff = staffOf(request.principal);
		const input = parseInput(resourceCreateSchema, request.body);
		const id = randomUUID();
		app.writer.transaction((w) => {
			w.db.insert(resources).values({ id, name: input.name, kind: input.kind, active: true, createdAt: w.now }).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'resource.created', entity: 'resource', entityId: id, detail: { name: input.name, kind: input.kind } });
		});
		reply.status(201);
		return resourceView(app.store.db, requireResource(app.store.db, id));
	});

	app.patch('/api/staff/availability/resources/:id', { config: { access: OFFICE } }, async (request): Promise<AvailabilityResource> => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const patch = parseInput(resourcePatchSchema, request.body);
		app.writer.transaction((w) => {
			const row = requireResource(w.db, id);
			const set = changedFields(row, patch);
			if (Object.keys(set).length === 0) return;
			w.db.update(resources).set(set).where(eq(resources.id, id)).run();
			// Appointments show their technician's name: devices holding them re-pull them.
			if (set.name !== undefined) {
				for (const a of w.db.select({ id: appointments.id, customerId: appointments.customerId }).from(appointments).where(eq(appointments.resourceId, id)).all()) {
					w.bump('appointments', a.customerId, a.id);
				}
			}
			audit(w.db, w.now, { actor: staffActor(staff), action: 'resource.updated', entity: 'resource', entityId: id, detail: { ...set } });
		});
		return resourceView(app.store.db, requireResource(app.store.db, id));
	});

	app.put('/api/staff/availability/hours', { config: { access: OFFICE } }, async (request): Promise<AvailabilityResource> => {
		const staff = staffOf(request.principal);
		const input = parseInput(hoursUpdateSchema, request.body);
		const next = [...input.hours].sort(byWeekThenStart);
		app.writer.transaction((w) => {
			const row = requireResourceField(w.db, input.resourceId, 'resourceId');
			const before = resourceView(w.db, row).hours;
			if (JSON.stringify(before) === JSON.stringify(next)) return;
			w.db.delete(weeklyHours).where(eq(weeklyHours.resourceId, row.id)).run();
			for (const h of next) w.db.insert(weeklyHours).values({ id: randomUUID(), resourceId: row.id, ...h }).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'resource.hours_set', entity: 'resource', entityId: row.id, detail: { before, after: next } });
		});
		return resourceView(app.store.db, requireResource(app.store.db, input.resourceId));
	});

	app.post('/api/staff/availability/time-off', { config: { access: OFFICE } }, async (request, reply): Promise<TimeOffCreated> => {
		const staff = staffOf(request.principal);
		const input = parseInput(timeOffCreateSchema, request.body);
		const id = randomUUID();
		const overlapping = app.writer.transaction((w) => {
			const row = requireResourceField(w.db, input.resourceId, 'resourceId');
			w.db.insert(timeOff).values({ id, resourceId: row.id, startsAt: input.startsAt, endsAt: input.endsAt, reason: input.reason }).run();
			audit(w.db, w.now, {
				actor: staffActor(staff),
				action: 'time_off.added',
				entity: 'time_off',
				entityId: id,
				detail: { resourceId: row.id, resourceName: row.name, startsAt: input.startsAt, endsAt: input.endsAt, reason: input.reason }
			});
			return w.db
				.select({ id: appointments.id, title: appointments.title, startsAt: appointments.startsAt, endsAt: appointments.endsAt, customerName: customers.name })
				.from(appointments)
				.innerJoin(customers, eq(customers.id, appointments.customerId))
				.where(
					and(
						eq(appointments.resourceId, row.id),
						eq(appointments.deleted, false),
						inArray(appointments.status, [...BLOCKING_STATUSES]),
						lt(appointments.startsAt, input.endsAt),
						gt(appointments.endsAt, input.startsAt)
					)
				)
				.orderBy(asc(appointments.startsAt))
				.all()
				.map((a) => ({ id: a.id, title: a.title, startsAt: a.startsAt!, endsAt: a.endsAt!, customerName: a.customerName }));
		});
		reply.status(201);
		const created = app.store.db.select().from(timeOff).where(eq(timeOff.id, id)).get()!;
		return { timeOff: timeOffView(created), overlapping };
	});

	app.delete('/api/staff/availability/time-off/:id', { config: { access: OFFICE } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		app.writer.transaction((w) => {
			const row = w.db.select().from(timeOff).where(eq(timeOff.id, id)).get();
			if (!row) throw new AppError('NOT_FOUND', 'There is no such time off.');
			w.db.delete(timeOff).where(eq(timeOff.id, id)).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'time_off.removed', entity: 'time_off', entityId: id, detail: { resourceId: row.resourceId, startsAt: row.startsAt, endsAt: row.endsAt, reason: row.reason } });
		});
		return reply.status(204).send();
	});

	app.post('/api/staff/availability/services', { config: { access: OFFICE } }, async (request, reply): Promise<ServiceType> => {
		const staff = staffOf(request.principal);
		const input = parseInput(serviceTypeCreateSchema, request.body);
		const id = randomUUID();
		app.writer.transaction((w) => {
			const position = input.position ?? (w.db.select({ last: max(serviceTypes.position) }).from(serviceTypes).get()?.last ?? -1) + 1;
			const values = { id, name: input.name, description: input.description, durationMinutes: input.durationMinutes, bufferMinutes: input.bufferMinutes, active: input.active, position };
			w.db.insert(serviceTypes).values(values).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'service_type.created', entity: 'service_type', entityId: id, detail: { ...values } });
		});
		reply.status(201);
		return serviceView(requireService(app.store.db, id), 0);
	});

	app.patch('/api/staff/availability/services/:id', { config: { access: OFFICE } }, async (request): Promise<ServiceType> => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const patch = parseInput(serviceTypePatchSchema, request.body);
		app.writer.transaction((w) => {
			const row = requireService(w.db, id);
			const set = changedFields(row, patch);
			if (Object.keys(set).length === 0) return;
			w.db.update(serviceTypes).set(set).where(eq(serviceTypes.id, id)).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'service_type.updated', entity: 'service_type', entityId: id, detail: { ...set } });
		});
		const db = app.store.db;
		return serviceView(requireService(db, id), appointmentCounts(db, [id]).get(id) ?? 0);
	});

	// Appointments keep their service (its name, length and the travel buffer that still blocks
	// the technician's time), so a service they name is only taken off the customer's list.
	app.delete('/api/staff/availability/services/:id', { config: { access: OFFICE } }, async (request): Promise<ServiceTypeDeleted> => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(idParams, request.params);
		const outcome = app.writer.transaction((w) => {
			const row = requireService(w.db, id);
			const used = appointmentCounts(w.db, [id]).get(id) ?? 0;
			if (used > 0 || heldByGuest(w.db, id, w.now)) {
				if (row.active) w.db.update(serviceTypes).set({ active: false }).where(eq(serviceTypes.id, id)).run();
				audit(w.db, w.now, { actor: staffActor(staff), action: 'service_type.deactivated', entity: 'service_type', entityId: id, detail: { name: row.name, appointments: used } });
				return 'deactivated' as const;
			}
			w.db.delete(serviceTypes).where(eq(serviceTypes.id, id)).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'service_type.deleted', entity: 'service_type', entityId: id, detail: { name: row.name } });
			return 'deleted' as const;
		});
		if (outcome === 'deleted') return { outcome, id };
		const db = app.store.db;
		return { outcome, id, serviceType: serviceView(requireService(db, id), appointmentCounts(db, [id]).get(id) ?? 0) };
	});

	app.put('/api/staff/availability/service-area', { config: { access: OFFICE } }, async (request): Promise<ServiceArea> => {
		const staff = staffOf(request.principal);
		const input = parseInput(serviceAreaUpdateSchema, request.body);
		// "53704" and "53 704" are the same code to the booking engine: keep the first spelling.
		const seen = new Set<string>();
		const codes = input.postalCodes.filter((c) => {
			const key = normalizePostalCode(c);
			if (seen.has(key)) return false;
			seen.add(key);
			return true;
		});
		app.writer.transaction((w) => {
			const before = serviceAreaOf(w.db, w.now);
			const after: ServiceArea = { postalCodes: [...codes].sort(), baseLat: input.baseLat, baseLng: input.baseLng, radiusKm: input.radiusKm };
			if (JSON.stringify(before) === JSON.stringify(after)) return;
			w.db.delete(servicePostalCodes).run();
			for (const postalCode of codes) w.db.insert(servicePostalCodes).values({ postalCode }).run();
			const row = getBusiness(w.db, w.now);
			w.db.update(business)
				.set({ baseLat: input.baseLat, baseLng: input.baseLng, serviceRadiusKm: input.radiusKm, updatedAt: Math.max(w.now, row.updatedAt + 1) })
				.where(eq(business.id, 1))
				.run();
			const added = after.postalCodes.filter((c) => !before.postalCodes.includes(c));
			const removed = before.postalCodes.filter((c) => !after.postalCodes.includes(c));
			audit(w.db, w.now, {
				actor: staffActor(staff),
				action: 'service_area.updated',
				entity: 'business',
				entityId: '1',
				detail: { added, removed, baseLat: input.baseLat, baseLng: input.baseLng, radiusKm: input.radiusKm }
			});
		});
		return serviceAreaOf(app.store.db, app.clock());
	});
};

/**
 * The availability editor's API: technicians and crews with their weekly hours, time off, service
 * types and the service area. Owner and office change them (each change audited); any staff role
 * reads them. The booking engine reads the same rows on every request, so customers' slots follow
 * at once.
 */
export const staffAvailabilityRoutes = fp(plugin, { name: 'porchlight-staff-availability', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
