import { and, asc, eq, gt, inArray, isNull, lte } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { appointments, customers, portalUsers, resources, scheduledJobs, serviceAddresses } from '../db/schema.ts';
import { getBusiness } from '../branding/service.ts';
import { defaultSender } from '../mail/mailer.ts';
import { addDays, localDateOf, zonedTimeToUtc } from '../../shared/time.ts';
import { MAX_JOB_ATTEMPTS, type JobRow, type JobRunner } from './jobs.ts';
import { bookingMail, describeTime } from './mail.ts';

/** Job kind: the reminder email before a confirmed appointment. */
export const REMINDER_JOB = 'booking.reminder';

/** Reminders go out at this minute of the day before the appointment, business time (9:00). */
export const REMINDER_MINUTE = 9 * 60;

/** How far ahead reminders are planned; the run time is never more than about 39 hours ahead. */
const PLAN_AHEAD_MS = 3 * 86_400_000;

interface ReminderPayload {
	appointmentId: string;
	startsAt: number;
}

/** When the reminder for an appointment starting at `startsAt` is due: 9:00 the day before. */
export function reminderAt(startsAt: number, timeZone: string): number {
	return zonedTimeToUtc(addDays(localDateOf(startsAt, timeZone), -1), REMINDER_MINUTE, timeZone);
}

/**
 * Makes sure every confirmed appointment in the next few days has a reminder job for its current
 * time. Planning from the appointments themselves (rather than at each place that confirms one)
 * covers appointments made by staff, integrations and the seed alike; a moved appointment gets
 * its job re-armed for the new time.
 */
export function planReminders(app: FastifyInstance): void {
	const db = app.store.db;
	const now = app.clock();
	const { timeZone } = getBusiness(db, now);
	const upcoming = db
		.select({ id: appointments.id, startsAt: appointments.startsAt })
		.from(appointments)
		.where(
			and(
				eq(appointments.status, 'confirmed'),
				eq(appointments.deleted, false),
				isNull(appointments.reminderSentAt),
				gt(appointments.startsAt, now),
				lte(appointments.startsAt, now + PLAN_AHEAD_MS)
			)
		)
		.orderBy(asc(appointments.startsAt))
		.all();
	if (upcoming.length === 0) return;
	const jobIds = upcoming.map((a) => `${REMINDER_JOB}:${a.id}`);
	const jobs = new Map(
		db
			.select()
			.from(scheduledJobs)
			.where(inArray(scheduledJobs.id, jobIds))
			.all()
			.map((j) => [j.id, j] as const)
	);
	for (const a of upcoming) {
		const id = `${REMINDER_JOB}:${a.id}`;
		const job = jobs.get(id);
		const payload: ReminderPayload = { appointmentId: a.id, startsAt: a.startsAt! };
		const planned = job && (job.payload as ReminderPayload | null)?.startsAt === a.startsAt;
		// A job for this very time that finished without sending (the appointment was not
		// confirmed then) is re-armed; one that gave up after its retries is left alone.
		if (planned && (job.doneAt === null || job.attempts >= MAX_JOB_ATTEMPTS)) continue;
		const runAt = reminderAt(a.startsAt!, timeZone);
		db.insert(scheduledJobs)
			.values({ id, kind: REMINDER_JOB, runAt, payload })
			.onConflictDoUpdate({ target: scheduledJobs.id, set: { runAt, payload, doneAt: null, attempts: 0, lastError: null } })
			.run();
	}
}

/**
 * Sends one reminder. The appointment is marked first, in one statement that only succeeds for a
 * confirmed, future appointment still at the planned time with no reminder sent — so however
 * often the job runs (retries, restarts, two passes) the customer gets one email. When sending
 * fails the mark is taken back and the job retried.
 */
export async function sendReminder(app: FastifyInstance, job: JobRow): Promise<void> {
	const payload = job.payload as ReminderPayload | null;
	if (!payload) return;
	const now = app.clock();
	const claim = app.store.sqlite
		.prepare(
			`UPDATE appointments SET reminder_sent_at = ?
			 WHERE id = ? AND status = 'confirmed' AND deleted = 0 AND reminder_sent_at IS NULL AND starts_at = ? AND starts_at > ?`
		)
		.run(now, payload.appointmentId, payload.startsAt, now);
	if (claim.changes === 0) return;
	const mail = reminderMail(app, payload.appointmentId);
	if (!mail) {
		// Nobody to write to: the appointment stays marked, so this is not retried for days.
		app.log.info({ appointmentId: payload.appointmentId }, 'no email address for an appointment reminder');
		return;
	}
	try {
		await app.mailer.send(mail);
	} catch (err) {
		app.store.sqlite.prepare('UPDATE appointments SET reminder_sent_at = NULL WHERE id = ? AND reminder_sent_at = ?').run(payload.appointmentId, now);
		throw err;
	}
}

function reminderMail(app: FastifyInstance, appointmentId: string) {
	const db = app.store.db;
	const a = db.select().from(appointments).where(eq(appointments.id, appointmentId)).get()!;
	const customer = db.select().from(customers).where(eq(customers.id, a.customerId)).get();
	const to =
		customer?.email ??
		db
			.select({ email: portalUsers.email })
			.from(portalUsers)
			.where(and(eq(portalUsers.customerId, a.customerId), eq(portalUsers.disabled, false)))
			.orderBy(asc(portalUsers.createdAt))
			.get()?.email;
	if (!to) return null;
	const business = getBusiness(db, app.clock());
	const address = a.addressId ? db.select().from(serviceAddresses).where(eq(serviceAddresses.id, a.addressId)).get() : undefined;
	const tech = a.resourceId ? db.select({ name: resources.name }).from(resources).where(eq(resources.id, a.resourceId)).get()?.name : undefined;
	const when = describeTime(a.startsAt!, business.timeZone);
	const contact = [business.phone, business.email].filter(Boolean).join(' or ');
	const mail = bookingMail({
		business,
		publicUrl: app.config.publicUrl,
		to,
		subject: `Reminder: ${a.title} on ${when}`,
		heading: `See you ${when}`,
		lines: [
			`This is a reminder of your appointment with ${business.name}: ${a.title}, ${when}.`,
			...(address ? [`Where: ${[address.line1, address.line2, address.city].filter(Boolean).join(', ')}`] : []),
			...(tech ? [`Who: ${tech}`] : [])
		],
		button: { label: 'See your appointment', url: `${app.config.publicUrl}/book` },
		footer: [`Need to change it? Use the app, or reach us at ${contact || 'the office'}.`]
	});
	return { ...mail, from: app.config.mailFrom ?? defaultSender(business.name, app.config.publicUrl) };
}

/** Registers the reminder job with the runner. */
export function registerReminders(app: FastifyInstance, runner: JobRunner): void {
	runner.handle(REMINDER_JOB, (job) => sendReminder(app, job));
}
