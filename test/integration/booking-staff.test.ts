import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { snapshot } from '../helpers/db-snapshot.ts';
import { createAppointment, createCustomer, customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';
import { addResource, addService, at, call, setRules, TUESDAY_10AM, type BusinessRules } from '../helpers/booking.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

/** A business without instant booking, one request booked online for Thursday 9:00 and one made offline. */
async function withRequests(rules: BusinessRules = { instantBooking: false }) {
	const clock = fakeClock(TUESDAY_10AM);
	server = await startServer({}, { clock: clock.now, booking: { jobIntervalMs: 50 } });
	const app = server.app;
	setRules(app, rules);
	const svc = addService(app, { name: 'Drain cleaning' });
	const luis = addResource(app, { name: 'Luis Ortega' });
	const jake = addResource(app, { name: 'Jake Brennan' });
	const a = createCustomer(app, { name: 'Ada Customer' });
	const { cookie } = customerCookie(server, a.id);
	const online = await call(server, 'POST', '/api/booking/appointments', {
		cookie,
		body: { requestId: randomUUID(), serviceTypeId: svc, addressId: a.addressId, startsAt: at('2026-05-14', '09:00') }
	});
	expect(online.body.appointment.status).toBe('requested');
	const offlineId = randomUUID();
	app.writer.transaction((w) => {
		w.db.insert(s.appointments)
			.values({
				id: offlineId,
				customerId: a.id,
				serviceTypeId: svc,
				title: 'Drain cleaning',
				addressId: a.addressId,
				status: 'requested',
				preferredDate: '2026-05-15',
				preferredWindow: 'morning',
				source: 'staff',
				seq: w.touch('appointments', a.id, offlineId),
				createdAt: w.now + 1,
				updatedAt: w.now + 1
			})
			.run();
	});
	const office = staffCookie(server, 'office', 'Olive Office');
	return { app, clock, svc, luis, jake, a, cookie, onlineId: online.body.appointment.id as string, offlineId, office: office.cookie };
}

describe('staff booking API', () => {
	test('only the owner and the office may use it', async () => {
		const { cookie } = await withRequests();
		const tech = staffCookie(server!, 'technician');
		const owner = staffCookie(server!, 'owner');
		expect((await call(server!, 'GET', '/api/staff/booking/requests')).status).toBe(401);
		expect((await call(server!, 'GET', '/api/staff/booking/requests', { cookie })).status).toBe(403);
		expect((await call(server!, 'GET', '/api/staff/booking/requests', { cookie: tech.cookie })).status).toBe(403);
		expect((await call(server!, 'GET', '/api/staff/booking/requests', { cookie: owner.cookie })).status).toBe(200);
		expect((await call(server!, 'POST', `/api/staff/booking/appointments/${randomUUID()}/confirm`, { cookie, body: {} })).status).toBe(403);
	});

	test('the list shows open requests oldest first with customer, service, address and suggestions', async () => {
		const { svc, a, onlineId, offlineId, office, luis, jake } = await withRequests();
		const res = await call(server!, 'GET', '/api/staff/booking/requests', { cookie: office });
		expect(res.status).toBe(200);
		expect(res.body.requests.map((r: { id: string }) => r.id)).toEqual([onlineId, offlineId]);
		const [online, offline] = res.body.requests;
		expect(online).toMatchObject({
			status: 'requested',
			source: 'customer',
			customer: { id: a.id, name: 'Ada Customer' },
			service: { id: svc, name: 'Drain cleaning', durationMinutes: 60 },
			address: { id: a.addressId, line1: '1 Main St', postalCode: '62701' },
			startsAt: at('2026-05-14', '09:00'),
			preferredDate: null
		});
		expect(offline).toMatchObject({ startsAt: null, preferredDate: '2026-05-15', preferredWindow: 'morning' });
		expect(offline.suggestions[0]).toEqual({ startsAt: at('2026-05-15', '08:00'), endsAt: at('2026-05-15', '09:00'), resourceIds: [luis, jake].sort() });
	});

	test('confirm at the request’s own time; the customer’s device gets it; the audit log says who', async () => {
		const { app, onlineId, office, cookie } = await withRequests();
		const res = await call(server!, 'POST', `/api/staff/booking/appointments/${onlineId}/confirm`, { cookie: office, body: {} });
		expect(res.status).toBe(200);
		expect(res.body.appointment).toMatchObject({ id: onlineId, status: 'confirmed', startsAt: at('2026-05-14', '09:00') });
		const docs = (await pullAll(server!, cookie, 'appointments')).documents;
		expect(docs.find((d) => d.id === onlineId)).toMatchObject({ status: 'confirmed', resourceName: expect.any(String) });
		const audit = app.store.db.select().from(s.auditLog).where(eq(s.auditLog.entityId, onlineId)).all();
		expect(audit).toEqual([expect.objectContaining({ actorKind: 'staff', action: 'booking.confirm' })]);
		// Confirming again is harmless.
		const again = await call(server!, 'POST', `/api/staff/booking/appointments/${onlineId}/confirm`, { cookie: office, body: {} });
		expect(again.status).toBe(200);
	});

	test('confirm an untimed request: a time is required; the chosen technician must be free; staff may book outside hours', async () => {
		const { app, offlineId, office, luis, jake, a } = await withRequests();
		const url = `/api/staff/booking/appointments/${offlineId}/confirm`;
		const before = snapshot(app);
		const noTime = await call(server!, 'POST', url, { cookie: office, body: {} });
		expect(noTime.status).toBe(400);
		expect(noTime.body).toMatchObject({ code: 'VALIDATION', field: 'startsAt' });
		const unknown = await call(server!, 'POST', url, { cookie: office, body: { startsAt: at('2026-05-15', '08:00'), resourceId: 'nobody' } });
		expect(unknown.status).toBe(400);
		expect(unknown.body).toMatchObject({ code: 'VALIDATION', field: 'resourceId' });
		const past = await call(server!, 'POST', url, { cookie: office, body: { startsAt: at('2026-05-12', '08:00') } });
		expect(past.body).toMatchObject({ code: 'VALIDATION', field: 'startsAt' });
		// Nobody works at 7:00, so without a named technician there is no one to send.
		const early = await call(server!, 'POST', url, { cookie: office, body: { startsAt: at('2026-05-15', '07:00') } });
		expect(early.status).toBe(409);
		expect(snapshot(app)).toEqual(before);

		// Jake is booked Friday 8:00 by another customer: naming him then is a conflict.
		const other = createCustomer(app);
		const busyId = createAppointment(app, other.id, { startsAt: at('2026-05-15', '08:00') });
		app.store.db.update(s.appointments).set({ resourceId: jake }).where(eq(s.appointments.id, busyId)).run();
		const busy = await call(server!, 'POST', url, { cookie: office, body: { startsAt: at('2026-05-15', '08:30'), resourceId: jake } });
		expect(busy.status).toBe(409);
		expect(busy.body).toMatchObject({ code: 'CONFLICT', details: { reason: 'slot_taken' } });

		const early7 = await call(server!, 'POST', url, { cookie: office, body: { startsAt: at('2026-05-15', '07:00'), resourceId: luis } });
		expect(early7.status).toBe(200);
		expect(early7.body.appointment).toMatchObject({ status: 'confirmed', startsAt: at('2026-05-15', '07:00'), endsAt: at('2026-05-15', '08:00'), resourceName: 'Luis Ortega' });
		expect(app.store.db.select().from(s.appointments).where(eq(s.appointments.id, offlineId)).get()!.customerId).toBe(a.id);
	});

	test('decline with a reason: declined on the device, and the reason arrives as a message from the office', async () => {
		const { app, onlineId, office, cookie } = await withRequests();
		const url = `/api/staff/booking/appointments/${onlineId}/decline`;
		const before = snapshot(app);
		const blank = await call(server!, 'POST', url, { cookie: office, body: { reason: '   ' } });
		expect(blank.status).toBe(400);
		expect(blank.body).toMatchObject({ code: 'VALIDATION', field: 'reason' });
		expect(snapshot(app)).toEqual(before);

		const res = await call(server!, 'POST', url, { cookie: office, body: { reason: 'We do not service septic systems.' } });
		expect(res.status).toBe(200);
		expect(res.body.appointment.status).toBe('declined');
		const msgs = (await pullAll(server!, cookie, 'messages')).documents;
		expect(msgs).toEqual([expect.objectContaining({ authorKind: 'staff', authorName: 'Olive Office', body: expect.stringContaining('We do not service septic systems.') })]);
		expect(msgs[0].body).toContain('Thursday, May 14 at 9:00');
		// The time is free again.
		const slots = await call(server!, 'GET', `/api/booking/slots?service=${res.body.appointment.serviceTypeId}&from=2026-05-14&to=2026-05-14`);
		expect(slots.body.slots.find((x: { startsAt: number }) => x.startsAt === at('2026-05-14', '09:00')).available).toBe(2);

		const confirmDeclined = await call(server!, 'POST', `/api/staff/booking/appointments/${onlineId}/confirm`, { cookie: office, body: {} });
		expect(confirmDeclined.status).toBe(409);
		expect(confirmDeclined.body.details).toEqual({ reason: 'status', status: 'declined' });
	});

	test('propose other times: each checked and held; the customer sees them; bad options change nothing', async () => {
		const { app, svc, offlineId, office, cookie, jake } = await withRequests();
		const url = `/api/staff/booking/appointments/${offlineId}/propose`;
		const before = snapshot(app);
		for (const [options, status, field] of [
			[[], 400, 'options'],
			[[{ startsAt: at('2026-05-11', '09:00') }], 400, 'options.0.startsAt'],
			[[{ startsAt: at('2026-05-18', '09:00') }, { startsAt: at('2026-05-18', '09:00') }], 400, 'options.1.startsAt'],
			// Nobody works at 7:00.
			[[{ startsAt: at('2026-05-18', '09:00') }, { startsAt: at('2026-05-18', '07:00') }], 409, 'options.1.startsAt']
		] as const) {
			const res = await call(server!, 'POST', url, { cookie: office, body: { options } });
			expect({ options, status: res.status, field: res.body.field }).toEqual({ options, status, field });
		}
		expect(snapshot(app)).toEqual(before);

		const res = await call(server!, 'POST', url, { cookie: office, body: { options: [{ startsAt: at('2026-05-18', '09:00'), resourceId: jake }, { startsAt: at('2026-05-19', '11:00') }] } });
		expect(res.status).toBe(200);
		expect(res.body.appointment).toMatchObject({
			status: 'proposed',
			startsAt: null,
			proposals: [
				{ startsAt: at('2026-05-18', '09:00'), endsAt: at('2026-05-18', '10:00') },
				{ startsAt: at('2026-05-19', '11:00'), endsAt: at('2026-05-19', '12:00') }
			]
		});
		const doc = (await pullAll(server!, cookie, 'appointments')).documents.find((d) => d.id === offlineId);
		expect(doc.proposals).toHaveLength(2);
		const monday = await call(server!, 'GET', `/api/booking/slots?service=${svc}&from=2026-05-18&to=2026-05-18`);
		expect(monday.body.slots.find((x: { startsAt: number }) => x.startsAt === at('2026-05-18', '09:00')).available).toBe(1);

		const accepted = await call(server!, 'POST', `/api/booking/appointments/${offlineId}/accept`, { cookie, body: { startsAt: at('2026-05-18', '09:00') } });
		expect(accepted.body.appointment).toMatchObject({ status: 'confirmed', resourceName: 'Jake Brennan' });
	});

	test('unknown ids are 404; staff slots list who is free; resources are listed', async () => {
		const { svc, office, luis, jake } = await withRequests();
		for (const action of ['confirm', 'decline', 'propose']) {
			const res = await call(server!, 'POST', `/api/staff/booking/appointments/${randomUUID()}/${action}`, {
				cookie: office,
				body: action === 'decline' ? { reason: 'x' } : action === 'propose' ? { options: [{ startsAt: at('2026-05-18', '09:00') }] } : {}
			});
			expect(res.status).toBe(404);
		}
		const slots = await call(server!, 'GET', `/api/staff/booking/slots?service=${svc}&from=2026-05-14&to=2026-05-14`, { cookie: office });
		expect(slots.status).toBe(200);
		const nine = slots.body.slots.find((x: { startsAt: number }) => x.startsAt === at('2026-05-14', '09:00'));
		expect(nine.resourceIds).toHaveLength(1);
		expect([luis, jake]).toContain(nine.resourceIds[0]);
		const resources = await call(server!, 'GET', '/api/staff/booking/resources', { cookie: office });
		expect(resources.body.resources.map((r: { name: string }) => r.name)).toEqual(['Jake Brennan', 'Luis Ortega']);
	});
});
