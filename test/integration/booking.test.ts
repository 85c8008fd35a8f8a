import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { snapshot } from '../helpers/db-snapshot.ts';
import { createCustomer, customerCookie, pull, staffCookie } from '../helpers/sync.ts';
import { addAddress, addResource, addService, appointmentsOf, at, call, getSlots, setRules, TUESDAY_10AM, ZONE, type BusinessRules } from '../helpers/booking.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/** A fresh server at Tuesday 2026-05-12 10:00 Chicago with booking rules set. */
async function fresh(rules: BusinessRules = {}) {
	const clock = fakeClock(TUESDAY_10AM);
	server = await startServer({}, { clock: clock.now });
	setRules(server.app, rules);
	return { server, app: server.app, clock };
}

function customer(srv: TestServer) {
	const c = createCustomer(srv.app);
	return { ...c, cookie: customerCookie(srv, c.id).cookie };
}

const starts = (body: { slots: { startsAt: number }[] }) => body.slots.map((x) => x.startsAt);

describe('services and slots', () => {
	test('services lists the active ones with the booking rules; slots step 30 minutes from now, day by day', async () => {
		const { app } = await fresh();
		const svc = addService(app, { name: 'Drain cleaning' });
		addService(app, { name: 'Retired service', active: false });
		addResource(app);

		const services = await call(server!, 'GET', '/api/booking/services');
		expect(services.status).toBe(200);
		expect(services.body).toEqual({
			services: [{ id: svc, name: 'Drain cleaning', description: '', durationMinutes: 60 }],
			timeZone: ZONE,
			instantBooking: true,
			leadHours: 0,
			horizonDays: 60,
			cancelCutoffHours: 24,
			slotMinutes: 30
		});

		const res = await getSlots(server!, { service: svc, from: '2026-05-12', to: '2026-05-13' });
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('no-store');
		expect(res.body).toMatchObject({ timeZone: ZONE, from: '2026-05-12', to: '2026-05-13' });
		expect(starts(res.body)).toEqual([
			at('2026-05-12', '10:00'),
			at('2026-05-12', '10:30'),
			at('2026-05-12', '11:00'),
			...['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00'].map((t) => at('2026-05-13', t))
		]);
		expect(res.body.slots[0]).toEqual({ startsAt: at('2026-05-12', '10:00'), endsAt: at('2026-05-12', '11:00'), available: 1 });
	});

	test('the business rules apply: 24 hours of lead time, a 2-day horizon, two technicians counted', async () => {
		const { app } = await fresh({ bookingLeadHours: 24, bookingHorizonDays: 2 });
		const svc = addService(app);
		addResource(app);
		addResource(app, { from: '10:00', to: '12:00' });
		const res = await getSlots(server!, { service: svc, from: '2026-05-12', to: '2026-05-20' });
		expect(res.body.to).toBe('2026-05-20');
		expect(res.body.slots.map((x: { startsAt: number; available: number }) => [x.startsAt, x.available])).toEqual([
			[at('2026-05-13', '10:00'), 2],
			[at('2026-05-13', '10:30'), 2],
			[at('2026-05-13', '11:00'), 2],
			[at('2026-05-14', '08:00'), 1],
			[at('2026-05-14', '08:30'), 1],
			[at('2026-05-14', '09:00'), 1],
			[at('2026-05-14', '09:30'), 1],
			[at('2026-05-14', '10:00'), 2],
			[at('2026-05-14', '10:30'), 2],
			[at('2026-05-14', '11:00'), 2]
		]);
	});

	test.each([
		[{}, 'service'],
		[{ service: 'no-such-service' }, 'service'],
		[{ service: '$SVC', from: '2026-5-1' }, 'from'],
		[{ service: '$SVC', from: '2026-05-14', to: '2026-05-13' }, 'to'],
		[{ service: '$SVC', from: '2026-05-12', to: '2026-06-12' }, 'to'],
		[{ service: '$SVC', postalCode: '' }, 'postalCode']
	])('bad query %j → 400 naming %s', async (query, field) => {
		const { app } = await fresh();
		const svc = addService(app);
		const q = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v === '$SVC' ? svc : v]));
		const res = await getSlots(server!, q as Record<string, string>);
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ code: 'VALIDATION', field });
	});
});

describe('service area', () => {
	test('a typed postal code outside the list → 422 with a way to message the office; inside → slots', async () => {
		const { app } = await fresh({ postalCodes: ['62701', '62702'] });
		const svc = addService(app);
		addResource(app);
		const outside = await getSlots(server!, { service: svc, postalCode: '60601' });
		expect(outside.status).toBe(422);
		expect(outside.body).toEqual({
			code: 'OUTSIDE_SERVICE_AREA',
			field: 'postalCode',
			message: expect.stringContaining('outside the area we serve'),
			details: { messageOffice: true, phone: '(555) 010-0000', email: 'office@plumbing.test' }
		});
		const inside = await getSlots(server!, { service: svc, postalCode: '62702-0042' });
		expect(inside.status).toBe(200);
		expect(inside.body.slots.length).toBeGreaterThan(0);
	});

	test('a saved address is judged by its coordinates against the radius, and must be the customer’s own', async () => {
		const { app } = await fresh({ postalCodes: [], baseLat: 43.0921, baseLng: -89.3537, serviceRadiusKm: 35 });
		const svc = addService(app);
		addResource(app);
		const a = customer(server!);
		const b = customer(server!);
		const middleton = addAddress(app, a.id, { postalCode: '53562', lat: 43.0972, lng: -89.5043 });
		const milwaukee = addAddress(app, a.id, { postalCode: '53202', lat: 43.0389, lng: -87.9065 });

		expect((await getSlots(server!, { service: svc, address: middleton }, a.cookie)).status).toBe(200);
		const far = await getSlots(server!, { service: svc, address: milwaukee }, a.cookie);
		expect(far.status).toBe(422);
		expect(far.body).toMatchObject({ code: 'OUTSIDE_SERVICE_AREA', field: 'address', details: { messageOffice: true } });

		const others = await getSlots(server!, { service: svc, address: middleton }, b.cookie);
		expect(others.status).toBe(400);
		expect(others.body).toMatchObject({ code: 'VALIDATION', field: 'address' });
		expect(others.text).not.toContain('53562');

		const signedOut = await getSlots(server!, { service: svc, address: middleton });
		expect(signedOut.status).toBe(401);
	});
});

describe('booking online', () => {
	test('instant booking confirms at once with a technician; the slot is gone; the device pulls it', async () => {
		const { app } = await fresh();
		const svc = addService(app, { name: 'Drain cleaning' });
		addResource(app, { name: 'Luis Ortega' });
		const a = customer(server!);
		const requestId = randomUUID();
		const res = await call(server!, 'POST', '/api/booking/appointments', {
			cookie: a.cookie,
			body: { requestId, serviceTypeId: svc, addressId: a.addressId, startsAt: at('2026-05-13', '09:00'), notes: '  Side gate  ' }
		});
		expect(res.status).toBe(201);
		expect(res.body.appointment).toEqual({
			id: requestId,
			serviceTypeId: svc,
			title: 'Drain cleaning',
			addressId: a.addressId,
			resourceName: 'Luis Ortega',
			status: 'confirmed',
			startsAt: at('2026-05-13', '09:00'),
			endsAt: at('2026-05-13', '10:00'),
			preferredDate: null,
			preferredWindow: null,
			proposals: [],
			notes: 'Side gate',
			createdAt: TUESDAY_10AM,
			updatedAt: TUESDAY_10AM
		});
		const pulled = await pull(server!, a.cookie, 'appointments');
		expect(pulled.body.documents).toEqual([{ ...res.body.appointment, _deleted: false }]);

		const slots = await getSlots(server!, { service: svc, from: '2026-05-13', to: '2026-05-13' });
		expect(starts(slots.body)).toEqual(['08:00', '10:00', '10:30', '11:00'].map((t) => at('2026-05-13', t)));
	});

	test('the same requestId again returns the same appointment, once; another customer cannot reuse it', async () => {
		const { app } = await fresh();
		const svc = addService(app);
		addResource(app);
		const a = customer(server!);
		const b = customer(server!);
		const body = { requestId: randomUUID(), serviceTypeId: svc, addressId: a.addressId, startsAt: at('2026-05-13', '09:00') };
		const first = await call(server!, 'POST', '/api/booking/appointments', { cookie: a.cookie, body });
		const again = await call(server!, 'POST', '/api/booking/appointments', { cookie: a.cookie, body });
		expect(first.status).toBe(201);
		expect(again.status).toBe(200);
		expect(again.body).toEqual(first.body);
		expect(appointmentsOf(app, a.id)).toHaveLength(1);

		const stolen = await call(server!, 'POST', '/api/booking/appointments', { cookie: b.cookie, body: { ...body, addressId: b.addressId } });
		expect(stolen.status).toBe(409);
		expect(stolen.body).toMatchObject({ code: 'CONFLICT', field: 'requestId' });
		expect(appointmentsOf(app, b.id)).toHaveLength(0);
	});

	test('without instant booking it is a request at the chosen time, which still holds the slot', async () => {
		const { app } = await fresh({ instantBooking: false });
		const svc = addService(app);
		addResource(app);
		const a = customer(server!);
		const res = await call(server!, 'POST', '/api/booking/appointments', {
			cookie: a.cookie,
			body: { requestId: randomUUID(), serviceTypeId: svc, addressId: a.addressId, startsAt: at('2026-05-13', '11:00') }
		});
		expect(res.status).toBe(201);
		expect(res.body.appointment).toMatchObject({ status: 'requested', startsAt: at('2026-05-13', '11:00') });
		const slots = await getSlots(server!, { service: svc, from: '2026-05-13', to: '2026-05-13' });
		expect(starts(slots.body)).not.toContain(at('2026-05-13', '11:00'));
		expect(starts(slots.body)).not.toContain(at('2026-05-13', '10:30'));
	});

	test('a taken slot → 409 with the next free slots; nothing stored', async () => {
		const { app } = await fresh();
		const svc = addService(app);
		addResource(app);
		const a = customer(server!);
		const b = customer(server!);
		const startsAt = at('2026-05-13', '09:00');
		await call(server!, 'POST', '/api/booking/appointments', { cookie: a.cookie, body: { requestId: randomUUID(), serviceTypeId: svc, addressId: a.addressId, startsAt } });
		const res = await call(server!, 'POST', '/api/booking/appointments', { cookie: b.cookie, body: { requestId: randomUUID(), serviceTypeId: svc, addressId: b.addressId, startsAt } });
		expect(res.status).toBe(409);
		expect(res.body).toMatchObject({ code: 'CONFLICT', field: 'startsAt', details: { reason: 'slot_taken' } });
		expect(res.body.details.nextSlots).toEqual([
			{ startsAt: at('2026-05-13', '10:00'), endsAt: at('2026-05-13', '11:00'), available: 1 },
			{ startsAt: at('2026-05-13', '10:30'), endsAt: at('2026-05-13', '11:30'), available: 1 },
			{ startsAt: at('2026-05-13', '11:00'), endsAt: at('2026-05-13', '12:00'), available: 1 },
			{ startsAt: at('2026-05-14', '08:00'), endsAt: at('2026-05-14', '09:00'), available: 1 },
			{ startsAt: at('2026-05-14', '08:30'), endsAt: at('2026-05-14', '09:30'), available: 1 }
		]);
		expect(appointmentsOf(app, b.id)).toHaveLength(0);
	});

	test('bad bookings are refused naming the field, and nothing stored changes', async () => {
		const { app } = await fresh();
		const svc = addService(app);
		const retired = addService(app, { active: false });
		addResource(app);
		const a = customer(server!);
		const b = customer(server!);
		const farAway = addAddress(app, a.id, { postalCode: '10001' });
		const good = { requestId: randomUUID(), serviceTypeId: svc, addressId: a.addressId, startsAt: at('2026-05-13', '09:00') };
		const before = snapshot(app);
		const cases: [Record<string, unknown>, number, string, string][] = [
			[{ startsAt: at('2026-05-13', '09:15') }, 400, 'VALIDATION', 'startsAt'],
			[{ startsAt: at('2026-05-16', '09:00') }, 400, 'VALIDATION', 'startsAt'],
			[{ startsAt: at('2026-05-12', '08:00') }, 400, 'VALIDATION', 'startsAt'],
			[{ startsAt: at('2026-08-12', '09:00') }, 400, 'VALIDATION', 'startsAt'],
			[{ startsAt: 'tomorrow' }, 400, 'VALIDATION', 'startsAt'],
			[{ serviceTypeId: retired }, 400, 'VALIDATION', 'serviceTypeId'],
			[{ addressId: b.addressId }, 400, 'VALIDATION', 'addressId'],
			[{ addressId: farAway }, 422, 'OUTSIDE_SERVICE_AREA', 'addressId'],
			[{ requestId: 'has spaces' }, 400, 'VALIDATION', 'requestId'],
			[{ notes: 'x'.repeat(2001) }, 400, 'VALIDATION', 'notes']
		];
		for (const [change, status, code, field] of cases) {
			const res = await call(server!, 'POST', '/api/booking/appointments', { cookie: a.cookie, body: { ...good, ...change } });
			expect({ change, status: res.status, code: res.body.code, field: res.body.field }).toEqual({ change, status, code, field });
		}
		expect(snapshot(app)).toEqual(before);

		const staff = staffCookie(server!, 'office');
		expect((await call(server!, 'POST', '/api/booking/appointments', { cookie: staff.cookie, body: good })).status).toBe(403);
		expect((await call(server!, 'POST', '/api/booking/appointments', { body: good })).status).toBe(401);
		const crossSite = await call(server!, 'POST', '/api/booking/appointments', { cookie: a.cookie, body: good, headers: { origin: 'https://evil.example' } });
		expect(crossSite.status).toBe(403);
		expect(snapshot(app)).toEqual(before);
	});
});

describe('two customers, one last slot', () => {
	async function race(resourceCount: number) {
		const { app } = await fresh();
		const svc = addService(app);
		// The only hours left this week: Tuesday 10:00–11:00 (now) and Wednesday 10:00–11:00.
		for (let i = 0; i < resourceCount; i++) addResource(app, { weekdays: [2, 3], from: '10:00', to: '11:00' });
		const customers = Array.from({ length: 50 }, () => customer(server!));
		const startsAt = at('2026-05-12', '10:00');
		const answers = await Promise.all(
			customers.map((c) =>
				call(server!, 'POST', '/api/booking/appointments', {
					cookie: c.cookie,
					body: { requestId: randomUUID(), serviceTypeId: svc, addressId: c.addressId, startsAt }
				})
			)
		);
		const booked = app.store.db
			.select()
			.from(s.appointments)
			.where(and(eq(s.appointments.startsAt, startsAt), eq(s.appointments.status, 'confirmed')))
			.all();
		return { answers, booked, startsAt };
	}

	test('50 parallel requests for the last slot → exactly one booked; the other 49 get 409 and the next free slot', async () => {
		const { answers, booked, startsAt } = await race(1);
		expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
		const losers = answers.filter((r) => r.status !== 201);
		expect(losers).toHaveLength(49);
		for (const r of losers) {
			expect(r.status).toBe(409);
			expect(r.body.details.reason).toBe('slot_taken');
			expect(r.body.details.nextSlots[0]).toEqual({ startsAt: at('2026-05-13', '10:00'), endsAt: at('2026-05-13', '11:00'), available: 1 });
			expect(r.body.details.nextSlots.map((x: { startsAt: number }) => x.startsAt)).not.toContain(startsAt);
		}
		expect(booked).toHaveLength(1);
		const winner = answers.find((r) => r.status === 201)!;
		expect(booked[0].id).toBe(winner.body.appointment.id);
	});

	test('with two technicians free, exactly two of 50 get it, on different technicians', async () => {
		const { answers, booked } = await race(2);
		expect(answers.filter((r) => r.status === 201)).toHaveLength(2);
		expect(answers.filter((r) => r.status === 409)).toHaveLength(48);
		expect(new Set(booked.map((b) => b.resourceId)).size).toBe(2);
	});
});

describe('reschedule and cancel', () => {
	async function booked(rules: BusinessRules = {}) {
		const ctx = await fresh(rules);
		const svc = addService(ctx.app);
		addResource(ctx.app);
		const a = customer(server!);
		const b = customer(server!);
		const res = await call(server!, 'POST', '/api/booking/appointments', {
			cookie: a.cookie,
			body: { requestId: randomUUID(), serviceTypeId: svc, addressId: a.addressId, startsAt: at('2026-05-14', '09:00') }
		});
		expect(res.status).toBe(201);
		return { ...ctx, svc, a, b, id: res.body.appointment.id as string };
	}

	test('moving to another free slot frees the old one; a taken one → 409 with next slots', async () => {
		const { app, svc, a, b, id } = await booked();
		const moved = await call(server!, 'POST', `/api/booking/appointments/${id}/reschedule`, { cookie: a.cookie, body: { startsAt: at('2026-05-14', '09:30') } });
		expect(moved.status).toBe(200);
		expect(moved.body.appointment).toMatchObject({ id, status: 'confirmed', startsAt: at('2026-05-14', '09:30'), endsAt: at('2026-05-14', '10:30') });
		const day = await getSlots(server!, { service: svc, from: '2026-05-14', to: '2026-05-14' });
		expect(starts(day.body)).toEqual(['08:00', '08:30', '10:30', '11:00'].map((t) => at('2026-05-14', t)));

		await call(server!, 'POST', '/api/booking/appointments', { cookie: b.cookie, body: { requestId: randomUUID(), serviceTypeId: svc, addressId: b.addressId, startsAt: at('2026-05-14', '11:00') } });
		const clash = await call(server!, 'POST', `/api/booking/appointments/${id}/reschedule`, { cookie: a.cookie, body: { startsAt: at('2026-05-14', '11:00') } });
		expect(clash.status).toBe(409);
		expect(clash.body.details.reason).toBe('slot_taken');
		expect(clash.body.details.nextSlots[0].startsAt).toBe(at('2026-05-15', '08:00'));
		expect(appointmentsOf(app, a.id)[0].startsAt).toBe(at('2026-05-14', '09:30'));
	});

	test("another customer's appointment is 404 for reschedule and cancel, like an unknown id", async () => {
		const { app, a, b, id } = await booked();
		const before = snapshot(app);
		for (const [path, body] of [
			[`/api/booking/appointments/${id}/reschedule`, { startsAt: at('2026-05-14', '10:00') }],
			[`/api/booking/appointments/${id}/cancel`, undefined],
			[`/api/booking/appointments/${id}/accept`, { startsAt: at('2026-05-14', '10:00') }],
			[`/api/booking/appointments/${randomUUID()}/cancel`, undefined]
		] as const) {
			const res = await call(server!, 'POST', path, { cookie: b.cookie, body });
			expect(res.status).toBe(404);
			expect(res.body).toEqual({ code: 'NOT_FOUND', message: 'No such appointment.' });
		}
		expect(snapshot(app)).toEqual(before);
		expect(appointmentsOf(app, a.id)[0].status).toBe('confirmed');
	});

	test('within the cancel cutoff neither works online: 409 too_late with messageOffice; a day earlier both do', async () => {
		const { app, clock, a, id } = await booked({ cancelCutoffHours: 24 });
		// Thursday 9:00 is 47 hours away: fine. At Wednesday 9:30 it is 23.5 hours away: too late.
		clock.set(at('2026-05-13', '09:30'));
		const before = snapshot(app);
		for (const [path, body] of [
			[`/api/booking/appointments/${id}/reschedule`, { startsAt: at('2026-05-15', '09:00') }],
			[`/api/booking/appointments/${id}/cancel`, undefined]
		] as const) {
			const res = await call(server!, 'POST', path, { cookie: a.cookie, body });
			expect(res.status).toBe(409);
			expect(res.body).toMatchObject({ code: 'CONFLICT', details: { reason: 'too_late', cancelCutoffHours: 24, messageOffice: true } });
			expect(res.body.message).toContain('(555) 010-0000');
		}
		expect(snapshot(app)).toEqual(before);

		clock.set(at('2026-05-13', '08:59'));
		const moved = await call(server!, 'POST', `/api/booking/appointments/${id}/reschedule`, { cookie: a.cookie, body: { startsAt: at('2026-05-15', '09:00') } });
		expect(moved.status).toBe(200);
		const cancelled = await call(server!, 'POST', `/api/booking/appointments/${id}/cancel`, { cookie: a.cookie });
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.appointment.status).toBe('cancelled');
		const again = await call(server!, 'POST', `/api/booking/appointments/${id}/cancel`, { cookie: a.cookie });
		expect(again.status).toBe(200);
		const move = await call(server!, 'POST', `/api/booking/appointments/${id}/reschedule`, { cookie: a.cookie, body: { startsAt: at('2026-05-15', '10:00') } });
		expect(move.status).toBe(409);
		expect(move.body.details).toEqual({ reason: 'status', status: 'cancelled' });
	});

	test('a cancelled appointment frees its slot, and the device hears of it through sync', async () => {
		const { svc, a, id } = await booked();
		const before = await pull(server!, a.cookie, 'appointments');
		const res = await call(server!, 'POST', `/api/booking/appointments/${id}/cancel`, { cookie: a.cookie });
		expect(res.status).toBe(200);
		const after = await pull(server!, a.cookie, 'appointments', { after: before.body.checkpoint.seq });
		expect(after.body.documents).toEqual([expect.objectContaining({ id, status: 'cancelled' })]);
		const day = await getSlots(server!, { service: svc, from: '2026-05-14', to: '2026-05-14' });
		expect(starts(day.body)).toContain(at('2026-05-14', '09:00'));
	});

	test('a request (no instant booking) can be cancelled even inside the cutoff', async () => {
		const { clock, a, id } = await booked({ instantBooking: false });
		clock.set(at('2026-05-14', '08:00'));
		const res = await call(server!, 'POST', `/api/booking/appointments/${id}/cancel`, { cookie: a.cookie });
		expect(res.status).toBe(200);
		expect(res.body.appointment.status).toBe('cancelled');
	});
});
