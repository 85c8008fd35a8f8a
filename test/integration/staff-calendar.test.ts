import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { CALENDAR_MAX_DAYS, calendarResponseSchema } from '../../shared/protocol/availability.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { addResource, addService, addTimeOff, at, setRules, TUESDAY_10AM, ZONE } from '../helpers/booking.ts';
import { call } from '../helpers/staff.ts';
import { createAppointment, createCustomer, customerCookie, staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const DAY = 86_400_000;

/** The week of Monday 2026-05-11 in Chicago with appointments for two technicians. */
async function week() {
	server = await startServer({}, { clock: fakeClock(TUESDAY_10AM).now });
	const app = server.app;
	setRules(app);
	const luis = addResource(app, { name: 'Luis Ortega' });
	const jake = addResource(app, { name: 'Jake Brennan' });
	const svc = addService(app, { name: 'Drain cleaning' });
	const ada = createCustomer(app, { name: 'Ada Customer' });
	const bo = createCustomer(app, { name: 'Bo Customer' });
	const place = (id: string, resourceId: string | null, serviceTypeId: string | null = svc) =>
		app.store.db.update(s.appointments).set({ resourceId, serviceTypeId }).where(eq(s.appointments.id, id)).run();
	const wed = createAppointment(app, ada.id, { startsAt: at('2026-05-13', '09:00'), title: 'Drain cleaning' });
	place(wed, luis);
	app.store.db.update(s.appointments).set({ addressId: ada.addressId }).where(eq(s.appointments.id, wed)).run();
	const thu = createAppointment(app, bo.id, { startsAt: at('2026-05-14', '13:00'), title: 'Leak check', status: 'completed' });
	place(thu, jake, null);
	const cancelled = createAppointment(app, bo.id, { startsAt: at('2026-05-15', '08:00'), status: 'cancelled' });
	place(cancelled, jake);
	const nextWeek = createAppointment(app, ada.id, { startsAt: at('2026-05-18', '09:00') });
	place(nextWeek, luis);
	const untimed = createAppointment(app, ada.id, { startsAt: null, status: 'requested' });
	const removed = createAppointment(app, ada.id, { startsAt: at('2026-05-13', '11:00') });
	app.store.db.update(s.appointments).set({ deleted: true }).where(eq(s.appointments.id, removed)).run();
	addTimeOff(app, jake, at('2026-05-15', '00:00'), at('2026-05-16', '00:00'));
	const range = { from: at('2026-05-11', '00:00'), to: at('2026-05-18', '00:00') };
	return { app, luis, jake, svc, ada, bo, wed, thu, cancelled, nextWeek, untimed, removed, range };
}

function calendar(srv: TestServer, cookie: string | undefined, q: Record<string, string | number>) {
	return call(srv, 'GET', `/api/staff/booking/appointments?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}`, { cookie });
}

describe('staff calendar', () => {
	test('a week’s appointments in start order with customer, service, resource, status and address; time off beside them', async () => {
		const { ada, bo, luis, jake, svc, wed, thu, cancelled, range } = await week();
		const office = staffCookie(server!, 'office');
		const res = await calendar(server!, office.cookie, range);
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('no-store');
		const body = calendarResponseSchema.parse(res.body);
		expect(body).toMatchObject({ timeZone: ZONE, from: range.from, to: range.to, truncated: false });
		expect(body.appointments.map((a) => a.id)).toEqual([wed, thu, cancelled]);
		expect(body.appointments[0]).toEqual({
			id: wed,
			title: 'Drain cleaning',
			status: 'confirmed',
			startsAt: at('2026-05-13', '09:00'),
			endsAt: at('2026-05-13', '10:00'),
			customer: { id: ada.id, name: 'Ada Customer' },
			service: { id: svc, name: 'Drain cleaning' },
			resource: { id: luis, name: 'Luis Ortega' },
			address: { line1: '1 Main St', city: 'Springfield', postalCode: '62701' },
			notes: null
		});
		expect(body.appointments[1]).toMatchObject({ status: 'completed', customer: { id: bo.id, name: 'Bo Customer' }, service: null, resource: { id: jake, name: 'Jake Brennan' } });
		expect(body.appointments[2].status).toBe('cancelled');
		expect(body.timeOff).toEqual([expect.objectContaining({ resourceId: jake, resourceName: 'Jake Brennan', startsAt: at('2026-05-15', '00:00') })]);

		// One technician's week.
		const onlyLuis = await calendar(server!, office.cookie, { ...range, resourceId: luis });
		expect(onlyLuis.body.appointments.map((a: { id: string }) => a.id)).toEqual([wed]);
		expect(onlyLuis.body.timeOff).toEqual([]);

		// A day: an appointment running over the range's start counts; one starting at its end does not.
		const day = await calendar(server!, office.cookie, { from: at('2026-05-13', '09:30'), to: at('2026-05-14', '13:00') });
		expect(day.body.appointments.map((a: { id: string }) => a.id)).toEqual([wed]);
	});

	test('technicians read it too; a customer gets 403 and no session 401', async () => {
		const { ada, range } = await week();
		const tech = staffCookie(server!, 'technician');
		expect((await calendar(server!, tech.cookie, range)).status).toBe(200);
		const customer = customerCookie(server!, ada.id);
		const refused = await calendar(server!, customer.cookie, range);
		expect(refused.status).toBe(403);
		expect(refused.body.code).toBe('FORBIDDEN');
		expect((await calendar(server!, undefined, range)).status).toBe(401);
	});

	test('a range that is backwards, longer than the limit or missing, or an unknown technician, is refused naming the field', async () => {
		const { range } = await week();
		const office = staffCookie(server!, 'office');
		const cases: [Record<string, string | number>, string][] = [
			[{ from: range.to, to: range.from }, 'to'],
			[{ from: range.from, to: range.from }, 'to'],
			[{ from: range.from, to: range.from + (CALENDAR_MAX_DAYS + 1) * DAY }, 'to'],
			[{ to: range.to }, 'from'],
			[{ from: range.from }, 'to'],
			[{ from: 'monday', to: range.to }, 'from'],
			[{ from: range.from, to: 1.5e20 }, 'to'],
			[{ ...range, resourceId: 'nobody' }, 'resourceId']
		];
		for (const [q, field] of cases) {
			const res = await calendar(server!, office.cookie, q);
			expect(res.status, JSON.stringify(q)).toBe(400);
			expect(res.body, JSON.stringify(q)).toMatchObject({ code: 'VALIDATION', field });
		}
		// Exactly the limit is fine.
		expect((await calendar(server!, office.cookie, { from: range.from, to: range.from + CALENDAR_MAX_DAYS * DAY })).status).toBe(200);
	});
});
