import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { and, asc, eq, gt, isNotNull, lt } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { CALENDAR_MAX_APPOINTMENTS, calendarQuerySchema, type CalendarResponse } from '../../shared/protocol/availability.ts';
import { getBusiness } from '../branding/service.ts';
import { appointments, customers, resources, serviceAddresses, serviceTypes, timeOff } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';

const plugin: FastifyPluginAsync = async (app) => {
	// Every staff role: technicians read their own week here.
	app.get('/api/staff/booking/appointments', { config: { access: 'staff' } }, async (request): Promise<CalendarResponse> => {
		const q = parseInput(calendarQuerySchema, request.query);
		const db = app.store.db;
		if (q.resourceId && !db.select({ id: resources.id }).from(resources).where(eq(resources.id, q.resourceId)).get()) {
			throw new AppError('VALIDATION', 'resourceId: is not a technician or crew', { field: 'resourceId' });
		}
		const resource = alias(resources, 'resource');
		const rows = db
			.select({
				id: appointments.id,
				title: appointments.title,
				status: appointments.status,
				startsAt: appointments.startsAt,
				endsAt: appointments.endsAt,
				notes: appointments.notes,
				customerId: customers.id,
				customerName: customers.name,
				serviceId: serviceTypes.id,
				serviceName: serviceTypes.name,
				resourceId: resource.id,
				resourceName: resource.name,
				line1: serviceAddresses.line1,
				city: serviceAddresses.city,
				postalCode: serviceAddresses.postalCode
			})
			.from(appointments)
			.innerJoin(customers, eq(customers.id, appointments.customerId))
			.leftJoin(serviceTypes, eq(serviceTypes.id, appointments.serviceTypeId))
			.leftJoin(resource, eq(resource.id, appointments.resourceId))
			.leftJoin(serviceAddresses, eq(serviceAddresses.id, appointments.addressId))
			.where(
				and(
					eq(appointments.deleted, false),
					isNotNull(appointments.startsAt),
					isNotNull(appointments.endsAt),
					lt(appointments.startsAt, q.to),
					gt(appointments.endsAt, q.from),
					q.resourceId ? eq(appointments.resourceId, q.resourceId) : undefined
				)
			)
			.orderBy(asc(appointments.startsAt), asc(appointments.id))
			.limit(CALENDAR_MAX_APPOINTMENTS + 1)
			.all();
		const off = db
			.select({ id: timeOff.id, resourceId: timeOff.resourceId, startsAt: timeOff.startsAt, endsAt: timeOff.endsAt, reason: timeOff.reason, resourceName: resources.name })
			.from(timeOff)
			.innerJoin(resources, eq(resources.id, timeOff.resourceId))
			.where(and(lt(timeOff.startsAt, q.to), gt(timeOff.endsAt, q.from), q.resourceId ? eq(timeOff.resourceId, q.resourceId) : undefined))
			.orderBy(asc(timeOff.startsAt), asc(timeOff.id))
			.all();
		return {
			timeZone: getBusiness(db, app.clock()).timeZone,
			from: q.from,
			to: q.to,
			appointments: rows.slice(0, CALENDAR_MAX_APPOINTMENTS).map((r) => ({
				id: r.id,
				title: r.title,
				status: r.status,
				startsAt: r.startsAt!,
				endsAt: r.endsAt!,
				customer: { id: r.customerId, name: r.customerName },
				service: r.serviceId ? { id: r.serviceId, name: r.serviceName! } : null,
				resource: r.resourceId ? { id: r.resourceId, name: r.resourceName! } : null,
				address: r.line1 !== null ? { line1: r.line1, city: r.city!, postalCode: r.postalCode! } : null,
				notes: r.notes
			})),
			timeOff: off,
			truncated: rows.length > CALENDAR_MAX_APPOINTMENTS
		};
	});
};

/**
 * The console's calendar: appointments with a time in a range of at most CALENDAR_MAX_DAYS, with
 * customer, service, resource and status, and the time off in that range.
 */
export const staffCalendarRoutes = fp(plugin, { name: 'porchlight-staff-calendar', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
