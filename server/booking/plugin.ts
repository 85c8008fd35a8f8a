import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { GUEST_HOLD_MINUTES } from '../../shared/protocol/booking.ts';
import { sweepGuestHolds } from './guest.ts';
import { JobRunner } from './jobs.ts';
import { planReminders, registerReminders } from './reminders.ts';
import { answerRequest, REQUEST_JOB, watchRequests } from './requests.ts';
import { bookingRoutes } from './routes.ts';

/** Booking settings tests shorten. */
export interface BookingOptions {
	/** How often the scheduler looks for due jobs (reminders, request answers). Default a minute. */
	jobIntervalMs?: number;
	/** How long a guest's slot is held for them to confirm. Default GUEST_HOLD_MINUTES. */
	holdMinutes?: number;
}

declare module 'fastify' {
	interface FastifyInstance {
		/** Booking's scheduler (`scheduled_jobs`): reminders and answers to requests made offline. */
		booking: { jobs: JobRunner };
	}
}

const plugin: FastifyPluginAsync<BookingOptions> = async (app, opts) => {
	const jobs = new JobRunner({
		db: app.store.db,
		clock: app.clock,
		log: app.log,
		intervalMs: opts.jobIntervalMs ?? 60_000,
		beforeEach: () => {
			planReminders(app);
			sweepGuestHolds(app);
		}
	});
	jobs.handle(REQUEST_JOB, (job) => {
		const { appointmentId } = job.payload as { appointmentId: string };
		const outcome = answerRequest(app, appointmentId);
		app.log.info({ appointmentId, outcome }, 'booking request answered');
	});
	registerReminders(app, jobs);
	const unwatch = watchRequests(app, jobs);
	app.decorate('booking', { jobs });
	bookingRoutes(app, { holdMinutes: opts.holdMinutes ?? GUEST_HOLD_MINUTES });

	app.addHook('onReady', async () => {
		jobs.start();
		// Jobs that came due while the server was down run now, not a whole interval later.
		jobs.kick();
	});
	// Registered after the database and the mailer, so this runs before they close.
	app.addHook('onClose', async () => {
		unwatch();
		await jobs.stop();
	});
};

/**
 * Booking: live slots, online and guest booking, reschedule and cancel, the staff side, answers
 * to requests made offline, and reminder emails from a scheduler that survives restarts.
 */
export const bookingPlugin = fp(plugin, {
	name: 'porchlight-booking',
	dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-mail', 'porchlight-auth']
});
