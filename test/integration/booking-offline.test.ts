import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, tempDataDir, type TestServer } from '../helpers/app.ts';
import { createCustomer, customerCookie, openStream, pull, pullAll, push, staffCookie, type TestStream } from '../helpers/sync.ts';
import { addResource, addService, at, call, setRules, TUESDAY_10AM, type BusinessRules } from '../helpers/booking.ts';

/*
 * Requests made offline: the device saves a request with a preferred day and window and no time,
 * and pushes it when it is back online. The server answers it — confirms, proposes other days,
 * or leaves it for the office — through the writer, so the answer reaches the device live.
 */

const servers: TestServer[] = [];
let dataDir: string | undefined;
afterEach(async () => {
	for (const srv of servers.splice(0)) await srv.close();
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	dataDir = undefined;
});

async function fresh(rules: BusinessRules = {}, opts: { dataDir?: string; clock?: ReturnType<typeof fakeClock> } = {}) {
	const clock = opts.clock ?? fakeClock(TUESDAY_10AM);
	const server = await startServer(opts.dataDir ? { dataDir: opts.dataDir } : {}, { clock: clock.now, booking: { jobIntervalMs: 50 } });
	servers.push(server);
	setRules(server.app, rules);
	return { server, app: server.app, clock };
}

function offlineRequest(serviceTypeId: string, addressId: string, preferredDate: string | null, preferredWindow: 'morning' | 'afternoon' | 'any' | null) {
	return {
		id: randomUUID(),
		serviceTypeId,
		title: '',
		addressId,
		resourceName: null,
		status: 'requested',
		startsAt: null,
		endsAt: null,
		preferredDate,
		preferredWindow,
		proposals: [],
		notes: 'Basement drain',
		createdAt: 0,
		updatedAt: 0,
		_deleted: false
	};
}

async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await probe();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

function jobDone(server: TestServer, appointmentId: string) {
	return waitFor(() => server.app.store.db.select().from(s.scheduledJobs).where(eq(s.scheduledJobs.id, `booking.request:${appointmentId}`)).get()?.doneAt, 'the request job');
}

const appointmentChanges = (stream: TestStream) => stream.messages.filter((m) => m.type === 'changed' && m.collections.includes('appointments')).length;

describe('requests made offline', () => {
	test('with instant booking: pushed, confirmed at the first free slot of the preferred afternoon, and the device hears it live', async () => {
		const { server, app } = await fresh();
		const svc = addService(app, { name: 'Drain cleaning' });
		addResource(app, { name: 'Luis Ortega', from: '08:00', to: '17:00' });
		const a = createCustomer(app);
		const { cookie } = customerCookie(server, a.id);
		const stream = await openStream(server, cookie);
		await stream.next((m) => m.type === 'hello');

		const req = offlineRequest(svc, a.addressId, '2026-05-14', 'afternoon');
		const pushed = await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		expect(pushed.body).toEqual({ conflicts: [] });

		// One notification for the pushed request, a second for the server's answer.
		await waitFor(() => appointmentChanges(stream) >= 2, 'two appointment notifications');
		const { documents } = await pullAll(server, cookie, 'appointments');
		expect(documents).toEqual([
			expect.objectContaining({
				id: req.id,
				status: 'confirmed',
				startsAt: at('2026-05-14', '12:00'),
				endsAt: at('2026-05-14', '13:00'),
				resourceName: 'Luis Ortega',
				preferredDate: '2026-05-14',
				preferredWindow: 'afternoon',
				title: 'Drain cleaning'
			})
		]);
		stream.close();
	});

	test('the preferred day full: the first free slot of each of the next three days is proposed, and the customer accepts one', async () => {
		const { server, app } = await fresh();
		const svc = addService(app);
		const tech = addResource(app, { from: '08:00', to: '12:00' });
		// Thursday is taken: the technician is away all day.
		app.store.db.insert(s.timeOff).values({ id: randomUUID(), resourceId: tech, startsAt: at('2026-05-14', '00:00'), endsAt: at('2026-05-15', '00:00') }).run();
		const a = createCustomer(app);
		const { cookie } = customerCookie(server, a.id);
		const req = offlineRequest(svc, a.addressId, '2026-05-14', 'morning');
		await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		await jobDone(server, req.id);

		const [doc] = (await pullAll(server, cookie, 'appointments')).documents;
		expect(doc).toMatchObject({ id: req.id, status: 'proposed', startsAt: null, resourceName: null });
		// Friday, then Monday and Tuesday (no weekend hours).
		expect(doc.proposals).toEqual([
			{ startsAt: at('2026-05-15', '08:00'), endsAt: at('2026-05-15', '09:00') },
			{ startsAt: at('2026-05-18', '08:00'), endsAt: at('2026-05-18', '09:00') },
			{ startsAt: at('2026-05-19', '08:00'), endsAt: at('2026-05-19', '09:00') }
		]);
		// Proposed times are held for the customer.
		const slots = await call(server, 'GET', `/api/booking/slots?service=${svc}&from=2026-05-15&to=2026-05-15`);
		expect(slots.body.slots.map((x: { startsAt: number }) => x.startsAt)).not.toContain(at('2026-05-15', '08:00'));

		const wrong = await call(server, 'POST', `/api/booking/appointments/${req.id}/accept`, { cookie, body: { startsAt: at('2026-05-15', '09:00') } });
		expect(wrong.status).toBe(400);
		expect(wrong.body).toMatchObject({ code: 'VALIDATION', field: 'startsAt' });
		const accepted = await call(server, 'POST', `/api/booking/appointments/${req.id}/accept`, { cookie, body: { startsAt: at('2026-05-18', '08:00') } });
		expect(accepted.status).toBe(200);
		expect(accepted.body.appointment).toMatchObject({ status: 'confirmed', startsAt: at('2026-05-18', '08:00'), endsAt: at('2026-05-18', '09:00'), proposals: [] });
		// The other proposals are released.
		const friday = await call(server, 'GET', `/api/booking/slots?service=${svc}&from=2026-05-15&to=2026-05-15`);
		expect(friday.body.slots.map((x: { startsAt: number }) => x.startsAt)).toContain(at('2026-05-15', '08:00'));
	});

	test('without instant booking a day with room is left for the office, who see it with suggestions', async () => {
		const { server, app } = await fresh({ instantBooking: false });
		const svc = addService(app);
		const tech = addResource(app);
		const a = createCustomer(app);
		const { cookie } = customerCookie(server, a.id);
		const req = offlineRequest(svc, a.addressId, '2026-05-14', 'morning');
		await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		await jobDone(server, req.id);
		const [doc] = (await pullAll(server, cookie, 'appointments')).documents;
		expect(doc).toMatchObject({ id: req.id, status: 'requested', startsAt: null, proposals: [] });

		const staff = staffCookie(server, 'office');
		const list = await call(server, 'GET', '/api/staff/booking/requests', { cookie: staff.cookie });
		expect(list.body.requests).toEqual([
			expect.objectContaining({
				id: req.id,
				status: 'requested',
				preferredDate: '2026-05-14',
				preferredWindow: 'morning',
				suggestions: [
					{ startsAt: at('2026-05-14', '08:00'), endsAt: at('2026-05-14', '09:00'), resourceIds: [tech] },
					{ startsAt: at('2026-05-14', '08:30'), endsAt: at('2026-05-14', '09:30'), resourceIds: [tech] },
					{ startsAt: at('2026-05-14', '09:00'), endsAt: at('2026-05-14', '10:00'), resourceIds: [tech] }
				]
			})
		]);
	});

	test('without instant booking a full day still gets alternatives proposed', async () => {
		const { server, app } = await fresh({ instantBooking: false });
		const svc = addService(app);
		addResource(app, { weekdays: [1, 2, 3, 5] });
		const a = createCustomer(app);
		const { cookie } = customerCookie(server, a.id);
		const req = offlineRequest(svc, a.addressId, '2026-05-14', 'any');
		await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		await jobDone(server, req.id);
		const [doc] = (await pullAll(server, cookie, 'appointments')).documents;
		expect(doc.status).toBe('proposed');
		expect(doc.proposals.map((p: { startsAt: number }) => p.startsAt)).toEqual([at('2026-05-15', '08:00'), at('2026-05-18', '08:00'), at('2026-05-19', '08:00')]);
	});

	test('a request the server cannot place stays requested for the office: never dropped', async () => {
		const { server, app } = await fresh({ bookingHorizonDays: 3 });
		const svc = addService(app);
		// Nobody works within the horizon.
		addResource(app, { weekdays: [] });
		const a = createCustomer(app);
		const { cookie } = customerCookie(server, a.id);
		const req = offlineRequest(svc, a.addressId, '2026-05-14', 'morning');
		await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		await jobDone(server, req.id);
		const [doc] = (await pullAll(server, cookie, 'appointments')).documents;
		expect(doc).toMatchObject({ id: req.id, status: 'requested', preferredDate: '2026-05-14', _deleted: false });
		const staff = staffCookie(server, 'owner');
		const list = await call(server, 'GET', '/api/staff/booking/requests', { cookie: staff.cookie });
		expect(list.body.requests.map((r: { id: string }) => r.id)).toEqual([req.id]);
	});

	test('a request whose day passed while it waited offline is booked at the earliest free time in its window', async () => {
		const { server, app } = await fresh();
		const svc = addService(app);
		addResource(app, { from: '08:00', to: '17:00' });
		const a = createCustomer(app);
		const { cookie } = customerCookie(server, a.id);
		const req = offlineRequest(svc, a.addressId, '2026-05-08', 'afternoon');
		await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		await jobDone(server, req.id);
		const [doc] = (await pullAll(server, cookie, 'appointments')).documents;
		expect(doc).toMatchObject({ status: 'confirmed', startsAt: at('2026-05-12', '12:00') });
	});

	test('a request pushed while the scheduler is down is answered after a restart on the same data', async () => {
		dataDir = tempDataDir();
		const clock = fakeClock(TUESDAY_10AM);
		const first = await fresh({}, { dataDir, clock });
		const svc = addService(first.app);
		addResource(first.app);
		const a = createCustomer(first.app);
		const { cookie } = customerCookie(first.server, a.id);
		// The scheduler stops (as if the process were about to die); the push is still acknowledged.
		await first.app.booking.jobs.stop();
		const req = offlineRequest(svc, a.addressId, '2026-05-13', 'morning');
		expect((await push(first.server, cookie, 'appointments', [{ newDocumentState: req }])).body).toEqual({ conflicts: [] });
		expect((await pullAll(first.server, cookie, 'appointments')).documents[0].status).toBe('requested');
		await first.server.close();
		servers.splice(servers.indexOf(first.server), 1);

		const second = await startServer({ dataDir }, { clock: clock.now, booking: { jobIntervalMs: 50 } });
		servers.push(second);
		await jobDone(second, req.id);
		const after = await pull(second, cookie, 'appointments');
		expect(after.body.documents).toEqual([expect.objectContaining({ id: req.id, status: 'confirmed', startsAt: at('2026-05-13', '08:00') })]);
	});

	test('requests placed by staff or without a service are not touched', async () => {
		const { server, app } = await fresh();
		addResource(app);
		const a = createCustomer(app);
		const { cookie } = customerCookie(server, a.id);
		const req = { ...offlineRequest('x', a.addressId, '2026-05-13', 'morning'), serviceTypeId: null };
		await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		await new Promise((r) => setTimeout(r, 200));
		expect(app.store.db.select().from(s.scheduledJobs).where(eq(s.scheduledJobs.kind, 'booking.request')).all()).toEqual([]);
		expect((await pullAll(server, cookie, 'appointments')).documents[0].status).toBe('requested');
	});
});
