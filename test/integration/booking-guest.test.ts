import { afterEach, describe, expect, test } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { snapshot } from '../helpers/db-snapshot.ts';
import { sessionCookieFrom } from '../helpers/session.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';
import { createCustomer, customerCookie, pull, pullAll } from '../helpers/sync.ts';
import { addResource, addService, at, call, getSlots, setRules, TUESDAY_10AM, type BusinessRules } from '../helpers/booking.ts';

let server: TestServer | undefined;
let smtp: SmtpCapture | undefined;
afterEach(async () => {
	await server?.close();
	await smtp?.close();
	server = undefined;
	smtp = undefined;
});

async function fresh(rules: BusinessRules = {}) {
	smtp = await startSmtpServer();
	const clock = fakeClock(TUESDAY_10AM);
	server = await startServer({ smtpUrl: smtp.url }, { clock: clock.now, booking: { jobIntervalMs: 50 } });
	setRules(server.app, rules);
	const svc = addService(server.app, { name: 'Drain cleaning' });
	addResource(server.app, { name: 'Luis Ortega' });
	return { app: server.app, clock, svc, smtp };
}

function guest(svc: string, extra: Record<string, unknown> = {}) {
	return {
		name: 'Grace Guest',
		email: 'Grace.Guest@Example.com',
		phone: '+1 (555) 010-2030',
		address: { line1: '12 Elm St', city: 'Springfield', region: 'IL', postalCode: '62701' },
		serviceTypeId: svc,
		startsAt: at('2026-05-13', '09:00'),
		notes: 'Dog in the yard',
		...extra
	};
}

const linkToken = (text: string) => /\/book\/confirm#token=([A-Za-z0-9_-]+)/.exec(text)?.[1];

const customersWithEmail = (srv: TestServer, email: string) =>
	srv.app.store.db.select().from(s.customers).where(sql`lower(${s.customers.email}) = ${email.toLowerCase()}`).all();

describe('guest booking', () => {
	test('held, mailed, confirmed by code: a new customer is created, signed in, and owns a confirmed appointment', async () => {
		const { app, svc, smtp } = await fresh();
		const start = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc) });
		expect(start.status).toBe(202);
		expect(start.body).toEqual({
			attemptId: expect.any(String),
			holdExpiresAt: TUESDAY_10AM + 30 * 60_000,
			expiresInSeconds: 1800,
			startsAt: at('2026-05-13', '09:00'),
			endsAt: at('2026-05-13', '10:00')
		});

		// Held: nobody else is offered it, and another guest cannot take it.
		const day = await getSlots(server!, { service: svc, from: '2026-05-13', to: '2026-05-13' });
		expect(day.body.slots.map((x: { startsAt: number }) => x.startsAt)).not.toContain(at('2026-05-13', '09:00'));
		const rival = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc, { email: 'rival@example.com' }) });
		expect(rival.status).toBe(409);
		expect(rival.body.details.nextSlots[0].startsAt).toBe(at('2026-05-13', '10:00'));

		const mail = await smtp.waitFor((m) => m.envelopeTo.includes('grace.guest@example.com'));
		expect(mail.subject).toBe(`${mail.code} confirms your booking with Test Plumbing`);
		expect(mail.text).toContain('Wednesday, May 13 at 9:00');
		expect(mail.text).toContain('Confirm within 30 minutes');
		expect(linkToken(mail.text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(mail.html).toContain('Confirm booking');
		expect(customersWithEmail(server!, 'grace.guest@example.com')).toHaveLength(0);

		const wrong = await call(server!, 'POST', '/api/booking/guest/verify-code', { body: { attemptId: start.body.attemptId, code: mail.code === '000000' ? '111111' : '000000' } });
		expect(wrong.status).toBe(400);
		expect(wrong.body).toMatchObject({ code: 'VALIDATION', field: 'code', details: { triesLeft: 4 } });

		const ok = await call(server!, 'POST', '/api/booking/guest/verify-code', { body: { attemptId: start.body.attemptId, code: mail.code } });
		expect(ok.status).toBe(200);
		const cookie = sessionCookieFrom(server!, new Response(null, { headers: ok.headers }));
		expect(cookie).toMatch(/^(__Host-)?porchlight_session=[A-Za-z0-9_-]{43}$/);
		expect(ok.body.session).toMatchObject({ kind: 'customer', email: 'grace.guest@example.com', name: 'Grace Guest' });
		expect(ok.body.appointment).toMatchObject({
			status: 'confirmed',
			startsAt: at('2026-05-13', '09:00'),
			endsAt: at('2026-05-13', '10:00'),
			title: 'Drain cleaning',
			resourceName: 'Luis Ortega',
			notes: 'Dog in the yard'
		});

		const [customer] = customersWithEmail(server!, 'grace.guest@example.com');
		expect(customer).toMatchObject({ name: 'Grace Guest', phone: '+1 (555) 010-2030' });
		const profile = (await pullAll(server!, cookie!, 'profile')).documents[0];
		expect(profile.addresses).toEqual([expect.objectContaining({ id: ok.body.appointment.addressId, line1: '12 Elm St', postalCode: '62701' })]);
		const appts = (await pullAll(server!, cookie!, 'appointments')).documents;
		expect(appts).toEqual([expect.objectContaining({ id: ok.body.appointment.id, status: 'confirmed' })]);
		expect(app.store.db.select().from(s.appointments).where(eq(s.appointments.id, ok.body.appointment.id)).get()!.source).toBe('guest');

		// The code works once.
		const reuse = await call(server!, 'POST', '/api/booking/guest/verify-code', { body: { attemptId: start.body.attemptId, code: mail.code } });
		expect(reuse.status).toBe(410);
	});

	test('confirmed by link with an existing customer’s address (any case): linked to them, address added once, their device hears it', async () => {
		const { app, svc, smtp } = await fresh({ instantBooking: false });
		const existing = createCustomer(app, { name: 'Grace Known' });
		const device = customerCookie(server!, existing.id, { email: 'GRACE.Guest@example.COM' });
		const before = await pull(server!, device.cookie, 'profile');

		const start = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc) });
		expect(start.status).toBe(202);
		const mail = await smtp.waitFor((m) => m.envelopeTo.includes('grace.guest@example.com'));
		const ok = await call(server!, 'POST', '/api/booking/guest/redeem-link', { body: { token: linkToken(mail.text) } });
		expect(ok.status).toBe(200);
		expect(ok.body.session).toMatchObject({ kind: 'customer', customerId: existing.id });
		expect(ok.body.appointment).toMatchObject({ status: 'requested', startsAt: at('2026-05-13', '09:00') });
		expect(app.store.db.select().from(s.customers).all()).toHaveLength(1);

		const changed = await pull(server!, device.cookie, 'profile', { after: before.body.checkpoint.seq });
		expect(changed.body.documents[0].addresses.map((a: { line1: string }) => a.line1).sort()).toEqual(['1 Main St', '12 Elm St']);

		// The same street again is not added twice.
		const second = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc, { startsAt: at('2026-05-13', '11:00'), address: { line1: ' 12  elm st ', city: 'Springfield', region: 'IL', postalCode: '62701' } }) });
		const mail2 = await smtp.waitFor((m) => m.envelopeTo.includes('grace.guest@example.com') && m !== mail);
		const ok2 = await call(server!, 'POST', '/api/booking/guest/redeem-link', { body: { token: linkToken(mail2.text) } });
		expect(second.status).toBe(202);
		expect(ok2.status).toBe(200);
		expect(app.store.db.select().from(s.serviceAddresses).where(eq(s.serviceAddresses.customerId, existing.id)).all()).toHaveLength(2);
	});

	test('an unconfirmed hold expires: the slot is free again and the code no longer works; nothing was created', async () => {
		const { app, svc, smtp, clock } = await fresh();
		const start = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc) });
		const mail = await smtp.waitFor((m) => m.envelopeTo.includes('grace.guest@example.com'));
		const before = snapshot(app);
		clock.advance(30 * 60_000);
		const day = await getSlots(server!, { service: svc, from: '2026-05-13', to: '2026-05-13' });
		expect(day.body.slots.map((x: { startsAt: number }) => x.startsAt)).toContain(at('2026-05-13', '09:00'));
		const late = await call(server!, 'POST', '/api/booking/guest/verify-code', { body: { attemptId: start.body.attemptId, code: mail.code } });
		expect(late.status).toBe(410);
		expect(late.body.message).toContain('book again');
		const lateLink = await call(server!, 'POST', '/api/booking/guest/redeem-link', { body: { token: linkToken(mail.text) } });
		expect(lateLink.status).toBe(410);
		expect(snapshot(app)).toEqual(before);
		expect(customersWithEmail(server!, 'grace.guest@example.com')).toHaveLength(0);
	});

	test('bad guest bookings name the field and store nothing; outside the area → 422 with messageOffice', async () => {
		const { app, svc } = await fresh();
		const before = snapshot(app);
		const attempts = () => app.store.db.select().from(s.loginAttempts).all().length;
		for (const [change, status, field] of [
			[{ email: 'not-an-email' }, 400, 'email'],
			[{ name: '  ' }, 400, 'name'],
			[{ phone: 'call me' }, 400, 'phone'],
			[{ address: { line1: '12 Elm St', city: 'Springfield', region: 'IL' } }, 400, 'address.postalCode'],
			[{ serviceTypeId: 'nope' }, 400, 'serviceTypeId'],
			[{ startsAt: at('2026-05-13', '09:10') }, 400, 'startsAt'],
			[{ address: { line1: '1 Lake Shore Dr', city: 'Chicago', region: 'IL', postalCode: '60601' } }, 422, 'address.postalCode']
		] as const) {
			const res = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc, change) });
			expect({ change, status: res.status, field: res.body.field }).toEqual({ change, status, field });
			if (status === 422) expect(res.body).toMatchObject({ code: 'OUTSIDE_SERVICE_AREA', details: { messageOffice: true } });
		}
		expect(attempts()).toBe(0);
		expect(snapshot(app)).toEqual(before);
		const badCode = await call(server!, 'POST', '/api/booking/guest/verify-code', { body: { attemptId: 'x', code: '123456' } });
		expect(badCode.body).toMatchObject({ code: 'VALIDATION', field: 'attemptId' });
	});

	test('guest bookings are rate limited per address like sign-in', async () => {
		const { svc } = await fresh();
		const statuses: number[] = [];
		for (let i = 0; i < 6; i++) {
			const res = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc, { startsAt: at('2026-05-14', `${String(8 + (i % 4)).padStart(2, '0')}:00`) }) });
			statuses.push(res.status);
			if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
		}
		expect(statuses.slice(0, 4)).toEqual([202, 202, 202, 202]);
		expect(statuses[5]).toBe(429);
	});

	test('five wrong codes end the attempt and release the time', async () => {
		const { svc, smtp } = await fresh();
		const start = await call(server!, 'POST', '/api/booking/guest', { body: guest(svc) });
		const mail = await smtp.waitFor((m) => m.envelopeTo.includes('grace.guest@example.com'));
		const wrong = mail.code === '000000' ? '111111' : '000000';
		for (let i = 4; i >= 0; i--) {
			const res = await call(server!, 'POST', '/api/booking/guest/verify-code', { body: { attemptId: start.body.attemptId, code: wrong } });
			expect(res.body.details.triesLeft).toBe(i);
		}
		const right = await call(server!, 'POST', '/api/booking/guest/verify-code', { body: { attemptId: start.body.attemptId, code: mail.code } });
		expect(right.status).toBe(410);
		const day = await getSlots(server!, { service: svc, from: '2026-05-13', to: '2026-05-13' });
		expect(day.body.slots.map((x: { startsAt: number }) => x.startsAt)).toContain(at('2026-05-13', '09:00'));
	});
});
