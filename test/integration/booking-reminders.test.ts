import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { fakeClock, startServer, tempDataDir, type TestServer } from '../helpers/app.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';
import { createCustomer, customerCookie } from '../helpers/sync.ts';
import { addResource, addService, at, call, setRules, TUESDAY_10AM } from '../helpers/booking.ts';

/*
 * Reminders: an email at 9:00 business time the day before each confirmed appointment, sent once,
 * from jobs stored in scheduled_jobs. Most tests drive the scheduler by hand (`runDue`) with a
 * long interval, so what runs when is exact; one lets the timer do it.
 */

const servers: TestServer[] = [];
let smtp: SmtpCapture | undefined;
let dataDir: string | undefined;
afterEach(async () => {
	for (const srv of servers.splice(0)) await srv.close();
	await smtp?.close();
	smtp = undefined;
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	dataDir = undefined;
});

const HOUR_LONG = 3_600_000;

async function boot(clock: ReturnType<typeof fakeClock>, intervalMs = HOUR_LONG) {
	const server = await startServer({ dataDir, smtpUrl: smtp!.url }, { clock: clock.now, booking: { jobIntervalMs: intervalMs } });
	servers.push(server);
	return server;
}

async function stop(server: TestServer) {
	servers.splice(servers.indexOf(server), 1);
	await server.close();
}

/** A business, a customer and a confirmed Thursday 9:00 appointment booked online. */
async function setup(intervalMs = HOUR_LONG) {
	dataDir = tempDataDir();
	smtp = await startSmtpServer();
	const clock = fakeClock(TUESDAY_10AM);
	const server = await boot(clock, intervalMs);
	setRules(server.app);
	const svc = addService(server.app, { name: 'Drain cleaning' });
	addResource(server.app, { name: 'Luis Ortega' });
	const c = createCustomer(server.app, { name: 'Rita Reminder' });
	const email = server.app.store.db.select().from(s.customers).where(eq(s.customers.id, c.id)).get()!.email!;
	const { cookie } = customerCookie(server, c.id);
	const res = await call(server, 'POST', '/api/booking/appointments', {
		cookie,
		body: { requestId: randomUUID(), serviceTypeId: svc, addressId: c.addressId, startsAt: at('2026-05-14', '09:00') }
	});
	expect(res.body.appointment.status).toBe('confirmed');
	return { server, clock, email, cookie, id: res.body.appointment.id as string, svc };
}

const remindersTo = (email: string) => smtp!.messages.filter((m) => m.envelopeTo.includes(email) && m.subject.startsWith('Reminder:'));

describe('reminders', () => {
	test('sent at 9:00 the day before, once — also after a restart on the same data', async () => {
		const { server, clock, email, id } = await setup();
		await server.app.booking.jobs.runDue();
		const job = server.app.store.db.select().from(s.scheduledJobs).where(eq(s.scheduledJobs.id, `booking.reminder:${id}`)).get();
		expect(job).toMatchObject({ kind: 'booking.reminder', runAt: at('2026-05-13', '09:00'), doneAt: null });

		clock.set(at('2026-05-13', '08:59'));
		await server.app.booking.jobs.runDue();
		expect(remindersTo(email)).toHaveLength(0);

		clock.set(at('2026-05-13', '09:00'));
		await server.app.booking.jobs.runDue();
		await smtp!.waitFor((m) => m.envelopeTo.includes(email));
		const [mail] = remindersTo(email);
		expect(mail.subject).toMatch(/^Reminder: Drain cleaning on Thursday, May 14 at 9:00\sAM$/);
		expect(mail.text).toContain('Who: Luis Ortega');
		expect(mail.text).toContain('Where: 1 Main St, Springfield');
		expect(mail.from).toContain('Test Plumbing');
		expect(server.app.store.db.select().from(s.appointments).where(eq(s.appointments.id, id)).get()!.reminderSentAt).toBe(at('2026-05-13', '09:00'));

		clock.advance(60_000);
		await server.app.booking.jobs.runDue();
		await stop(server);
		const again = await boot(clock);
		await again.app.booking.jobs.runDue();
		clock.advance(3 * HOUR_LONG);
		await again.app.booking.jobs.runDue();
		await new Promise((r) => setTimeout(r, 100));
		expect(remindersTo(email)).toHaveLength(1);
	});

	test('a reminder that came due while the server was down goes out when it starts again', async () => {
		const { server, clock, email } = await setup();
		await server.app.booking.jobs.runDue();
		await stop(server);
		clock.set(at('2026-05-13', '15:00'));
		await boot(clock);
		// No manual pass: starting runs what is due.
		await smtp!.waitFor((m) => m.envelopeTo.includes(email));
		expect(remindersTo(email)).toHaveLength(1);
	});

	test('the timer sends it without anyone asking', async () => {
		const { clock, email } = await setup(50);
		clock.set(at('2026-05-13', '09:00'));
		await smtp!.waitFor((m) => m.envelopeTo.includes(email));
		await new Promise((r) => setTimeout(r, 300));
		expect(remindersTo(email)).toHaveLength(1);
	});

	test('a rescheduled appointment is reminded for its new time; a cancelled one not at all', async () => {
		const { server, clock, email, cookie, id } = await setup();
		// A 12-hour cutoff, so the appointment can still move after its reminder went out.
		setRules(server.app, { cancelCutoffHours: 12 });
		await server.app.booking.jobs.runDue();
		clock.set(at('2026-05-13', '09:00'));
		await server.app.booking.jobs.runDue();
		await smtp!.waitFor((m) => m.envelopeTo.includes(email));

		// Moved to Monday: a new reminder on Sunday 9:00.
		clock.set(at('2026-05-13', '09:01'));
		const moved = await call(server, 'POST', `/api/booking/appointments/${id}/reschedule`, { cookie, body: { startsAt: at('2026-05-18', '10:00') } });
		expect(moved.status).toBe(200);
		clock.set(at('2026-05-16', '12:00'));
		await server.app.booking.jobs.runDue();
		expect(server.app.store.db.select().from(s.scheduledJobs).where(eq(s.scheduledJobs.id, `booking.reminder:${id}`)).get()).toMatchObject({
			runAt: at('2026-05-17', '09:00'),
			doneAt: null
		});
		clock.set(at('2026-05-17', '09:00'));
		await server.app.booking.jobs.runDue();
		await smtp!.waitFor((m) => m.envelopeTo.includes(email) && m.subject.includes('Monday, May 18'));
		expect(remindersTo(email)).toHaveLength(2);

		// Another one, cancelled before its reminder: nothing is sent.
		clock.set(at('2026-05-17', '10:00'));
		const other = await call(server, 'POST', '/api/booking/appointments', {
			cookie,
			body: { requestId: randomUUID(), serviceTypeId: moved.body.appointment.serviceTypeId, addressId: moved.body.appointment.addressId, startsAt: at('2026-05-19', '11:00') }
		});
		await server.app.booking.jobs.runDue();
		expect((await call(server, 'POST', `/api/booking/appointments/${other.body.appointment.id}/cancel`, { cookie })).status).toBe(200);
		clock.set(at('2026-05-18', '09:00'));
		await server.app.booking.jobs.runDue();
		await new Promise((r) => setTimeout(r, 100));
		expect(remindersTo(email)).toHaveLength(2);
	});

	test('when the mail cannot be sent the reminder is not marked sent, and is retried', async () => {
		const { server, clock, id } = await setup();
		await server.app.booking.jobs.runDue();
		await smtp!.close();
		clock.set(at('2026-05-13', '09:00'));
		await server.app.booking.jobs.runDue();
		const job = server.app.store.db.select().from(s.scheduledJobs).where(eq(s.scheduledJobs.id, `booking.reminder:${id}`)).get()!;
		expect(job).toMatchObject({ attempts: 1, doneAt: null, runAt: at('2026-05-13', '09:00') + 30_000 });
		// The mail server is gone: the note is the connection failure.
		expect(job.lastError).toMatch(/ECONNREFUSED|connect|closed/i);
		expect(server.app.store.db.select().from(s.appointments).where(eq(s.appointments.id, id)).get()!.reminderSentAt).toBeNull();
		smtp = undefined;
	});
});
