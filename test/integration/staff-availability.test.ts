import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { availabilityResponseSchema, serviceTypeDeletedSchema, timeOffCreatedSchema } from '../../shared/protocol/availability.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { addResource, addService, at, getSlots, setRules, TUESDAY_10AM, ZONE } from '../helpers/booking.ts';
import { call, dbState } from '../helpers/staff.ts';
import { createAppointment, createCustomer, customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/**
 * Tuesday 2026-05-12 10:00 in Chicago; one technician (Luis) working Mon–Fri 8:00–12:00, a
 * one-hour service, postal code 62701 served; an office and a technician session.
 */
async function bookable() {
	const clock = fakeClock(TUESDAY_10AM);
	server = await startServer({}, { clock: clock.now });
	const app = server.app;
	setRules(app);
	const luis = addResource(app, { name: 'Luis Ortega' });
	const svc = addService(app, { name: 'Drain cleaning' });
	const office = staffCookie(server, 'office', 'Olive Office');
	const tech = staffCookie(server, 'technician', 'Terry Tech');
	return { app, clock, luis, svc, office: office.cookie, officeId: office.staffUserId, tech: tech.cookie };
}

const starts = (body: { slots: { startsAt: number }[] }) => body.slots.map((x) => x.startsAt);

function auditActions(srv: TestServer, entityId: string) {
	return srv.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, entityId)).all();
}

describe('availability: who may do what', () => {
	test('every staff role reads it; a technician may not change anything; a customer gets 403 and no session 401', async () => {
		const { app, luis, svc, office, tech } = await bookable();
		const c = createCustomer(app);
		const customer = customerCookie(server!, c.id);

		const read = await call(server!, 'GET', '/api/staff/availability', { cookie: tech });
		expect(read.status).toBe(200);
		const body = availabilityResponseSchema.parse(read.body);
		expect(body.timeZone).toBe(ZONE);
		expect(body.resources).toEqual([{ id: luis, name: 'Luis Ortega', kind: 'technician', active: true, hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMinute: 480, endMinute: 720 })) }]);
		expect(body.serviceTypes).toEqual([expect.objectContaining({ id: svc, name: 'Drain cleaning', durationMinutes: 60, bufferMinutes: 0, active: true, appointmentCount: 0 })]);
		expect(body.serviceArea).toEqual({ postalCodes: ['62701'], baseLat: null, baseLng: null, radiusKm: null });
		expect((await call(server!, 'GET', '/api/staff/availability', { cookie: office })).status).toBe(200);

		const timeOffId = randomUUID();
		app.store.db.insert(s.timeOff).values({ id: timeOffId, resourceId: luis, startsAt: at('2026-05-13', '08:00'), endsAt: at('2026-05-13', '12:00') }).run();
		const writes: [string, string, unknown][] = [
			['POST', '/api/staff/availability/resources', { name: 'Night crew', kind: 'crew' }],
			['PATCH', `/api/staff/availability/resources/${luis}`, { active: false }],
			['PUT', '/api/staff/availability/hours', { resourceId: luis, hours: [] }],
			['POST', '/api/staff/availability/time-off', { resourceId: luis, startsAt: at('2026-05-14', '08:00'), endsAt: at('2026-05-14', '12:00') }],
			['DELETE', `/api/staff/availability/time-off/${timeOffId}`, undefined],
			['POST', '/api/staff/availability/services', { name: 'Boiler service', durationMinutes: 90 }],
			['PATCH', `/api/staff/availability/services/${svc}`, { durationMinutes: 30 }],
			['DELETE', `/api/staff/availability/services/${svc}`, undefined],
			['PUT', '/api/staff/availability/service-area', { postalCodes: [], baseLat: null, baseLng: null, radiusKm: null }]
		];
		const before = dbState(server!);
		for (const [method, path, payload] of writes) {
			const asTech = await call(server!, method, path, { cookie: tech, body: payload });
			expect(asTech.status, `${method} ${path} as a technician`).toBe(403);
			expect(asTech.body.message).toContain('technician');
			const asCustomer = await call(server!, method, path, { cookie: customer.cookie, body: payload });
			expect(asCustomer.status, `${method} ${path} as a customer`).toBe(403);
			expect(asCustomer.body.code).toBe('FORBIDDEN');
			expect((await call(server!, method, path, { body: payload })).status, `${method} ${path} without a session`).toBe(401);
		}
		expect((await call(server!, 'GET', '/api/staff/availability', { cookie: customer.cookie })).status).toBe(403);
		expect((await call(server!, 'GET', '/api/staff/availability')).status).toBe(401);
		expect(dbState(server!)).toBe(before);
	});

	test('changes from another site are refused', async () => {
		const { luis, office } = await bookable();
		const res = await call(server!, 'PUT', '/api/staff/availability/hours', { cookie: office, body: { resourceId: luis, hours: [] }, headers: { origin: 'https://evil.example' } });
		expect(res.status).toBe(403);
		expect(res.body.code).toBe('CROSS_SITE');
	});
});

describe('working hours', () => {
	test('a new week replaces the old one; customers are offered the new hours at once; the change is audited', async () => {
		const { luis, svc, office, officeId } = await bookable();
		const wednesday = { service: svc, from: '2026-05-13', to: '2026-05-13' };
		expect(starts((await getSlots(server!, wednesday)).body)).toEqual(['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00'].map((t) => at('2026-05-13', t)));

		// Wednesday becomes a split shift; Friday is dropped; Saturday morning is added.
		const hours = [
			{ weekday: 6, startMinute: 9 * 60, endMinute: 11 * 60 },
			{ weekday: 3, startMinute: 13 * 60, endMinute: 15 * 60 },
			{ weekday: 3, startMinute: 7 * 60, endMinute: 9 * 60 },
			...[1, 2, 4].map((weekday) => ({ weekday, startMinute: 480, endMinute: 720 }))
		];
		const res = await call(server!, 'PUT', '/api/staff/availability/hours', { cookie: office, body: { resourceId: luis, hours } });
		expect(res.status).toBe(200);
		expect(res.body.hours).toEqual([...hours].sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute));

		expect(starts((await getSlots(server!, wednesday)).body)).toEqual([
			...['07:00', '07:30', '08:00'].map((t) => at('2026-05-13', t)),
			...['13:00', '13:30', '14:00'].map((t) => at('2026-05-13', t))
		]);
		expect((await getSlots(server!, { service: svc, from: '2026-05-15', to: '2026-05-15' })).body.slots).toEqual([]);
		expect(starts((await getSlots(server!, { service: svc, from: '2026-05-16', to: '2026-05-16' })).body)).toEqual(['09:00', '09:30', '10:00'].map((t) => at('2026-05-16', t)));

		const log = auditActions(server!, luis);
		expect(log).toEqual([expect.objectContaining({ actorKind: 'staff', actorId: officeId, action: 'resource.hours_set', entity: 'resource' })]);
		// Saving the same week again changes nothing and logs nothing.
		expect((await call(server!, 'PUT', '/api/staff/availability/hours', { cookie: office, body: { resourceId: luis, hours } })).status).toBe(200);
		expect(auditActions(server!, luis)).toHaveLength(1);
	});

	test('backwards, overlapping or out-of-range hours and unknown resources are refused naming the field; nothing changes', async () => {
		const { luis, office } = await bookable();
		const before = dbState(server!);
		const cases: [unknown, string][] = [
			[{ resourceId: luis, hours: [{ weekday: 1, startMinute: 600, endMinute: 540 }] }, 'hours.0.endMinute'],
			[{ resourceId: luis, hours: [{ weekday: 1, startMinute: 600, endMinute: 600 }] }, 'hours.0.endMinute'],
			[
				{
					resourceId: luis,
					hours: [
						{ weekday: 1, startMinute: 480, endMinute: 720 },
						{ weekday: 2, startMinute: 480, endMinute: 720 },
						{ weekday: 1, startMinute: 690, endMinute: 900 }
					]
				},
				'hours.2.startMinute'
			],
			[{ resourceId: luis, hours: [{ weekday: 7, startMinute: 480, endMinute: 720 }] }, 'hours.0.weekday'],
			[{ resourceId: luis, hours: [{ weekday: 1, startMinute: -30, endMinute: 720 }] }, 'hours.0.startMinute'],
			[{ resourceId: luis, hours: [{ weekday: 1, startMinute: 480, endMinute: 1500 }] }, 'hours.0.endMinute'],
			[{ resourceId: luis, hours: [{ weekday: 1, startMinute: 480.5, endMinute: 720 }] }, 'hours.0.startMinute'],
			[{ resourceId: 'nobody', hours: [] }, 'resourceId'],
			[{ hours: [] }, 'resourceId'],
			[{ resourceId: luis }, 'hours']
		];
		for (const [body, field] of cases) {
			const res = await call(server!, 'PUT', '/api/staff/availability/hours', { cookie: office, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body, JSON.stringify(body)).toMatchObject({ code: 'VALIDATION', field });
			expect(res.body.message).toContain(field);
		}
		// Hours that touch are not overlapping.
		expect(dbState(server!)).toBe(before);
		const touching = await call(server!, 'PUT', '/api/staff/availability/hours', {
			cookie: office,
			body: { resourceId: luis, hours: [{ weekday: 1, startMinute: 480, endMinute: 720 }, { weekday: 1, startMinute: 720, endMinute: 960 }] }
		});
		expect(touching.status).toBe(200);
	});

	test('a new crew has no hours until given some; a resource taken off the schedule is offered no slots', async () => {
		const { luis, svc, office } = await bookable();
		const created = await call(server!, 'POST', '/api/staff/availability/resources', { cookie: office, body: { name: '  Install crew ', kind: 'crew' } });
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({ name: 'Install crew', kind: 'crew', active: true, hours: [] });
		const crew = created.body.id as string;
		expect(auditActions(server!, crew).map((a) => a.action)).toEqual(['resource.created']);

		const sat = { service: svc, from: '2026-05-16', to: '2026-05-16' };
		expect((await getSlots(server!, sat)).body.slots).toEqual([]);
		await call(server!, 'PUT', '/api/staff/availability/hours', { cookie: office, body: { resourceId: crew, hours: [{ weekday: 6, startMinute: 480, endMinute: 600 }] } });
		expect(starts((await getSlots(server!, sat)).body)).toEqual(['08:00', '08:30', '09:00'].map((t) => at('2026-05-16', t)));

		const off = await call(server!, 'PATCH', `/api/staff/availability/resources/${crew}`, { cookie: office, body: { active: false, name: 'Install crew (spring)' } });
		expect(off.status).toBe(200);
		expect(off.body).toMatchObject({ active: false, name: 'Install crew (spring)' });
		expect((await getSlots(server!, sat)).body.slots).toEqual([]);
		expect(auditActions(server!, crew).map((a) => a.action)).toEqual(['resource.created', 'resource.hours_set', 'resource.updated']);

		const bad = await call(server!, 'POST', '/api/staff/availability/resources', { cookie: office, body: { name: '', kind: 'crew' } });
		expect(bad.body).toMatchObject({ code: 'VALIDATION', field: 'name' });
		expect((await call(server!, 'POST', '/api/staff/availability/resources', { cookie: office, body: { name: 'X', kind: 'robot' } })).body).toMatchObject({ field: 'kind' });
		expect((await call(server!, 'PATCH', `/api/staff/availability/resources/${luis}`, { cookie: office, body: { active: 'no' } })).body).toMatchObject({ field: 'active' });
		expect((await call(server!, 'PATCH', '/api/staff/availability/resources/nobody', { cookie: office, body: { active: false } })).status).toBe(404);
	});
});

describe('time off', () => {
	test('time off takes its hours off the customer’s slots at once, lists appointments already booked then, and gives them back when removed', async () => {
		const { app, luis, svc, office } = await bookable();
		const wednesday = { service: svc, from: '2026-05-13', to: '2026-05-13' };
		expect(starts((await getSlots(server!, wednesday)).body)).toContain(at('2026-05-13', '09:00'));

		// Someone is booked with Luis on Wednesday at 11:00.
		const c = createCustomer(app, { name: 'Ada Customer' });
		const booked = createAppointment(app, c.id, { startsAt: at('2026-05-13', '11:00'), title: 'Leak inspection' });
		app.store.db.update(s.appointments).set({ resourceId: luis }).where(eq(s.appointments.id, booked)).run();

		const res = await call(server!, 'POST', '/api/staff/availability/time-off', {
			cookie: office,
			body: { resourceId: luis, startsAt: at('2026-05-13', '08:30'), endsAt: at('2026-05-13', '12:00'), reason: 'Dentist' }
		});
		expect(res.status).toBe(201);
		const created = timeOffCreatedSchema.parse(res.body);
		expect(created.timeOff).toMatchObject({ resourceId: luis, startsAt: at('2026-05-13', '08:30'), endsAt: at('2026-05-13', '12:00'), reason: 'Dentist' });
		expect(created.overlapping).toEqual([{ id: booked, title: 'Leak inspection', startsAt: at('2026-05-13', '11:00'), endsAt: at('2026-05-13', '12:00'), customerName: 'Ada Customer' }]);

		// Only 8:00 is left before the time off starts, and the 8:00 one-hour job would run into it.
		expect((await getSlots(server!, wednesday)).body.slots).toEqual([]);
		const listed = await call(server!, 'GET', '/api/staff/availability', { cookie: office });
		expect(listed.body.timeOff).toEqual([created.timeOff]);
		expect(auditActions(server!, created.timeOff.id)).toEqual([expect.objectContaining({ action: 'time_off.added', entity: 'time_off' })]);

		expect((await call(server!, 'DELETE', `/api/staff/availability/time-off/${created.timeOff.id}`, { cookie: office })).status).toBe(204);
		expect(starts((await getSlots(server!, wednesday)).body)).toEqual(['08:00', '08:30', '09:00', '09:30', '10:00'].map((t) => at('2026-05-13', t)));
		expect(auditActions(server!, created.timeOff.id).map((a) => a.action)).toEqual(['time_off.added', 'time_off.removed']);
		expect((await call(server!, 'DELETE', `/api/staff/availability/time-off/${created.timeOff.id}`, { cookie: office })).status).toBe(404);
	});

	test('time off that ends before it starts, lasts over a year or names nobody is refused naming the field; nothing changes', async () => {
		const { luis, office } = await bookable();
		const before = dbState(server!);
		const start = at('2026-05-13', '08:00');
		const cases: [unknown, string][] = [
			[{ resourceId: luis, startsAt: start, endsAt: start - 60_000 }, 'endsAt'],
			[{ resourceId: luis, startsAt: start, endsAt: start }, 'endsAt'],
			[{ resourceId: luis, startsAt: start, endsAt: start + 400 * 86_400_000 }, 'endsAt'],
			[{ resourceId: 'nobody', startsAt: start, endsAt: start + 3_600_000 }, 'resourceId'],
			[{ resourceId: luis, startsAt: 'tomorrow', endsAt: start + 3_600_000 }, 'startsAt'],
			[{ resourceId: luis, startsAt: start, endsAt: start + 3_600_000, reason: 'x'.repeat(201) }, 'reason'],
			[{ resourceId: luis, startsAt: start, endsAt: start + 3_600_000, extra: true }, '']
		];
		for (const [body, field] of cases) {
			const res = await call(server!, 'POST', '/api/staff/availability/time-off', { cookie: office, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			if (field) expect(res.body, JSON.stringify(body)).toMatchObject({ code: 'VALIDATION', field });
		}
		expect(dbState(server!)).toBe(before);
	});
});

describe('service types', () => {
	test('create, edit and the customer’s list and slots follow; durations must be more than zero', async () => {
		const { svc, office } = await bookable();
		const created = await call(server!, 'POST', '/api/staff/availability/services', {
			cookie: office,
			body: { name: 'Boiler service', description: 'Annual check', durationMinutes: 90, bufferMinutes: 30 }
		});
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({ name: 'Boiler service', description: 'Annual check', durationMinutes: 90, bufferMinutes: 30, active: true, position: 1, appointmentCount: 0 });
		const boiler = created.body.id as string;
		const services = await call(server!, 'GET', '/api/booking/services');
		expect(services.body.services.map((x: { id: string }) => x.id)).toEqual([svc, boiler]);
		// 90 minutes in a 8:00–12:00 shift: the last start is 10:30.
		expect(starts((await getSlots(server!, { service: boiler, from: '2026-05-13', to: '2026-05-13' })).body).at(-1)).toBe(at('2026-05-13', '10:30'));

		const before = dbState(server!);
		for (const [method, path, body, field] of [
			['POST', '/api/staff/availability/services', { name: 'Zero', durationMinutes: 0 }, 'durationMinutes'],
			['POST', '/api/staff/availability/services', { name: 'Negative', durationMinutes: -30 }, 'durationMinutes'],
			['POST', '/api/staff/availability/services', { name: 'No length' }, 'durationMinutes'],
			['POST', '/api/staff/availability/services', { name: '', durationMinutes: 60 }, 'name'],
			['POST', '/api/staff/availability/services', { name: 'Buffer', durationMinutes: 60, bufferMinutes: -5 }, 'bufferMinutes'],
			['PATCH', `/api/staff/availability/services/${boiler}`, { durationMinutes: 0 }, 'durationMinutes'],
			['PATCH', `/api/staff/availability/services/${boiler}`, { durationMinutes: 12.5 }, 'durationMinutes'],
			['PATCH', `/api/staff/availability/services/${boiler}`, { price: 100 }, '']
		] as const) {
			const res = await call(server!, method, path, { cookie: office, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			if (field) expect(res.body).toMatchObject({ code: 'VALIDATION', field });
		}
		expect(dbState(server!)).toBe(before);

		const edited = await call(server!, 'PATCH', `/api/staff/availability/services/${boiler}`, { cookie: office, body: { durationMinutes: 120, active: false } });
		expect(edited.status).toBe(200);
		expect(edited.body).toMatchObject({ durationMinutes: 120, active: false });
		expect((await call(server!, 'GET', '/api/booking/services')).body.services.map((x: { id: string }) => x.id)).toEqual([svc]);
		expect((await getSlots(server!, { service: boiler })).body).toMatchObject({ code: 'VALIDATION', field: 'service' });
		expect(auditActions(server!, boiler).map((a) => a.action)).toEqual(['service_type.created', 'service_type.updated']);
	});

	test('removing a service no appointment names deletes it; one that appointments name is only deactivated and they keep it', async () => {
		const { app, svc, office } = await bookable();
		const unused = addService(app, { name: 'Typo servce' });
		const gone = await call(server!, 'DELETE', `/api/staff/availability/services/${unused}`, { cookie: office });
		expect(gone.status).toBe(200);
		expect(serviceTypeDeletedSchema.parse(gone.body)).toEqual({ outcome: 'deleted', id: unused });
		expect(app.store.db.select().from(s.serviceTypes).where(eq(s.serviceTypes.id, unused)).all()).toEqual([]);

		const c = createCustomer(app);
		const device = customerCookie(server!, c.id);
		const appt = createAppointment(app, c.id, { startsAt: at('2026-05-14', '09:00'), title: 'Drain cleaning' });
		app.store.db.update(s.appointments).set({ serviceTypeId: svc }).where(eq(s.appointments.id, appt)).run();
		const seen = (await pullAll(server!, device.cookie, 'appointments')).documents;

		const kept = await call(server!, 'DELETE', `/api/staff/availability/services/${svc}`, { cookie: office });
		expect(kept.status).toBe(200);
		expect(serviceTypeDeletedSchema.parse(kept.body)).toMatchObject({ outcome: 'deactivated', id: svc, serviceType: { active: false, appointmentCount: 1 } });
		expect(app.store.db.select().from(s.appointments).where(eq(s.appointments.id, appt)).get()).toMatchObject({ serviceTypeId: svc, status: 'confirmed', title: 'Drain cleaning' });
		// The customer's copy is untouched, and the service is no longer offered.
		expect((await pullAll(server!, device.cookie, 'appointments')).documents).toEqual(seen);
		expect((await call(server!, 'GET', '/api/booking/services')).body.services).toEqual([]);
		expect(auditActions(server!, svc).map((a) => a.action)).toEqual(['service_type.deactivated']);
		expect((await call(server!, 'DELETE', `/api/staff/availability/services/${randomUUID()}`, { cookie: office })).status).toBe(404);
	});

	test('a customer can still move a visit of a service that is no longer offered; nobody can book it anew', async () => {
		const { app, svc, office } = await bookable();
		const c = createCustomer(app);
		const other = createCustomer(app);
		const device = customerCookie(server!, c.id);
		const appt = createAppointment(app, c.id, { startsAt: at('2026-05-14', '09:00'), title: 'Drain cleaning' });
		app.store.db.update(s.appointments).set({ serviceTypeId: svc, addressId: c.addressId }).where(eq(s.appointments.id, appt)).run();
		const addressId = c.addressId;
		expect((await call(server!, 'DELETE', `/api/staff/availability/services/${svc}`, { cookie: office })).body).toMatchObject({ outcome: 'deactivated' });

		const query = `service=${svc}&address=${addressId}&from=2026-05-15&to=2026-05-15`;
		const fresh = await call(server!, 'GET', `/api/booking/slots?${query}`, { cookie: device.cookie });
		expect(fresh.status).toBe(400);
		expect(fresh.body).toMatchObject({ code: 'VALIDATION', field: 'service' });
		// Another customer's appointment, or none, does not open the service up.
		const stranger = await call(server!, 'GET', `/api/booking/slots?${query}&appointment=${appt}`, { cookie: customerCookie(server!, other.id).cookie });
		expect(stranger.body).toMatchObject({ code: 'VALIDATION', field: 'appointment' });
		expect((await call(server!, 'GET', `/api/booking/slots?${query}&appointment=${appt}`)).status).toBe(401);

		const moving = await call(server!, 'GET', `/api/booking/slots?${query}&appointment=${appt}`, { cookie: device.cookie });
		expect(moving.status, moving.text).toBe(200);
		expect(starts(moving.body)).toContain(at('2026-05-15', '09:00'));
		const moved = await call(server!, 'POST', `/api/booking/appointments/${appt}/reschedule`, { cookie: device.cookie, body: { startsAt: at('2026-05-15', '09:00') } });
		expect(moved.status, moved.text).toBe(200);
		expect(app.store.db.select().from(s.appointments).where(eq(s.appointments.id, appt)).get()).toMatchObject({ serviceTypeId: svc, startsAt: at('2026-05-15', '09:00') });
	});

	test('a service a guest is holding a time for is only deactivated; once the hold has lapsed it can be deleted', async () => {
		const { clock, svc, office } = await bookable();
		const hold = await call(server!, 'POST', '/api/booking/guest', {
			body: {
				name: 'Grace Guest',
				email: 'grace@example.com',
				phone: '+1 555 010 2030',
				address: { line1: '12 Elm St', city: 'Springfield', region: 'IL', postalCode: '62701' },
				serviceTypeId: svc,
				startsAt: at('2026-05-13', '09:00')
			}
		});
		expect(hold.status).toBe(202);
		const kept = await call(server!, 'DELETE', `/api/staff/availability/services/${svc}`, { cookie: office });
		expect(kept.body).toMatchObject({ outcome: 'deactivated', serviceType: { active: false, appointmentCount: 0 } });

		clock.advance(hold.body.expiresInSeconds * 1000 + 1000);
		const gone = await call(server!, 'DELETE', `/api/staff/availability/services/${svc}`, { cookie: office });
		expect(gone.body).toEqual({ outcome: 'deleted', id: svc });
		expect(auditActions(server!, svc).map((a) => a.action)).toEqual(['service_type.deactivated', 'service_type.deleted']);
	});
});

describe('service area', () => {
	test('postal codes and the radius replace the old area; guests are judged by the new one at once', async () => {
		const { svc, office } = await bookable();
		const guest = (postalCode: string) => getSlots(server!, { service: svc, postalCode, from: '2026-05-13', to: '2026-05-13' });
		expect((await guest('62701')).status).toBe(200);
		expect((await guest('53704')).status).toBe(422);

		const res = await call(server!, 'PUT', '/api/staff/availability/service-area', {
			cookie: office,
			body: { postalCodes: ['53704', ' 53705 ', '53704', 'sw1a 1aa'], baseLat: 43.09, baseLng: -89.35, radiusKm: 35 }
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ postalCodes: ['53704', '53705', 'SW1A 1AA'], baseLat: 43.09, baseLng: -89.35, radiusKm: 35 });
		expect((await guest('53704')).status).toBe(200);
		expect((await guest('53704-1234')).status).toBe(200);
		expect((await guest('SW1A1AA')).status).toBe(200);
		expect((await guest('62701')).status).toBe(422);
		expect(server!.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'service_area.updated')).all()).toEqual([
			expect.objectContaining({ actorKind: 'staff', detail: expect.objectContaining({ added: ['53704', '53705', 'SW1A 1AA'], removed: ['62701'], radiusKm: 35 }) })
		]);

		// No codes and no radius: everywhere is served.
		const open = await call(server!, 'PUT', '/api/staff/availability/service-area', { cookie: office, body: { postalCodes: [], baseLat: null, baseLng: null, radiusKm: null } });
		expect(open.status).toBe(200);
		expect((await guest('62701')).status).toBe(200);
	});

	test('malformed postal codes, half a base location or a radius without one are refused naming the field; nothing changes', async () => {
		const { office } = await bookable();
		const before = dbState(server!);
		const area = { postalCodes: ['53704'], baseLat: null, baseLng: null, radiusKm: null };
		const cases: [unknown, string][] = [
			[{ ...area, postalCodes: ['53704', '53<b>'] }, 'postalCodes.1'],
			[{ ...area, postalCodes: ['5'] }, 'postalCodes.0'],
			[{ ...area, postalCodes: ['12345678901'] }, 'postalCodes.0'],
			[{ ...area, postalCodes: [''] }, 'postalCodes.0'],
			[{ ...area, postalCodes: [53704] }, 'postalCodes.0'],
			[{ ...area, radiusKm: 20 }, 'baseLat'],
			[{ ...area, baseLat: 43 }, 'baseLng'],
			[{ ...area, baseLat: 95, baseLng: -89 }, 'baseLat'],
			[{ ...area, baseLat: 43, baseLng: -89, radiusKm: 0 }, 'radiusKm'],
			[{ postalCodes: ['53704'] }, 'baseLat']
		];
		for (const [body, field] of cases) {
			const res = await call(server!, 'PUT', '/api/staff/availability/service-area', { cookie: office, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body, JSON.stringify(body)).toMatchObject({ code: 'VALIDATION', field });
		}
		expect(dbState(server!)).toBe(before);
	});
});
