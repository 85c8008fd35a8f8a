import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { localDateOf, zonedTimeToUtc, type LocalDate } from '../../shared/time.ts';
import { getBusiness } from '../branding/service.ts';
import { customers, invoices, paymentMethods, payments, scheduledJobs } from '../db/schema.ts';
import type { WriteContext } from '../sync/writer.ts';
import { queueFailureNotice, type FailureReason } from './notify.ts';
import type { ProviderIntent } from './provider.ts';
import { applyIntent, CUSTOMER_IN_FLIGHT_MS, type InvoiceRow, type PaymentRow } from './service.ts';

/** Autopay charges at 9:00 on the due date, on the business's clock. */
export const AUTOPAY_MINUTE_OF_DAY = 9 * 60;

/** Job kinds this scheduler runs; other kinds in the table belong to someone else. */
const KINDS = ['autopay', 'demo-settle'] as const;

/** A job that keeps failing for reasons other than the card (the network) gives up after this. */
const MAX_ATTEMPTS = 5;

type JobRow = typeof scheduledJobs.$inferSelect;

interface AutopayPayload {
	invoiceId: string;
	dueDate: LocalDate;
	/** Set once the attempt row exists, so a re-run reaches the same attempt (and intent). */
	paymentId?: string;
}

function zoneOf(db: FastifyInstance['store']['db'], now: number): string {
	const tz = getBusiness(db, now).timeZone;
	try {
		localDateOf(now, tz);
		return tz;
	} catch {
		return 'UTC';
	}
}

/** The day autopay charges an invoice: its due date, or the day it was issued when it has none. */
function chargeDateOf(invoice: InvoiceRow, tz: string, now: number): LocalDate {
	return invoice.dueDate ?? localDateOf(invoice.issuedAt ?? now, tz);
}

/**
 * Schedules the autopay charge of an issued invoice, if its customer is enrolled: a job at 9:00
 * on the due date (business time zone). Safe to call any number of times (one job per invoice and
 * due date); returns the job, or null when autopay does not apply. Call it when an invoice is
 * issued; the payments plugin also calls it for every invoice change and at start.
 */
export function scheduleAutopay(app: FastifyInstance, invoiceId: string): { jobId: string; runAt: number } | null {
	const db = app.store.db;
	const invoice = db.select().from(invoices).where(eq(invoices.id, invoiceId)).get();
	if (!invoice || invoice.status !== 'open' || invoice.deleted) return null;
	const customer = db.select({ autopay: customers.autopay, methodId: customers.autopayMethodId }).from(customers).where(eq(customers.id, invoice.customerId)).get();
	if (!customer?.autopay || !customer.methodId) return null;
	const now = app.clock();
	const tz = zoneOf(db, now);
	const dueDate = chargeDateOf(invoice, tz, now);
	const runAt = zonedTimeToUtc(dueDate, AUTOPAY_MINUTE_OF_DAY, tz);
	const jobId = `autopay:${invoiceId}:${dueDate}`;
	const payload: AutopayPayload = { invoiceId, dueDate };
	db.insert(scheduledJobs).values({ id: jobId, kind: 'autopay', runAt, payload }).onConflictDoNothing().run();
	return { jobId, runAt };
}

/** Schedules every open invoice of enrolled customers (one customer, or all). Returns how many are scheduled. */
export function scanAutopay(app: FastifyInstance, customerId?: string): number {
	const rows = app.store.db
		.select({ id: invoices.id })
		.from(invoices)
		.innerJoin(customers, eq(customers.id, invoices.customerId))
		.where(and(eq(invoices.status, 'open'), eq(invoices.deleted, false), eq(customers.autopay, true), customerId ? eq(customers.id, customerId) : undefined))
		.all();
	let n = 0;
	for (const r of rows) if (scheduleAutopay(app, r.id)) n++;
	return n;
}

function finishJob(w: WriteContext, jobId: string, note: string | null): void {
	w.db.update(scheduledJobs).set({ doneAt: w.now, lastError: note }).where(eq(scheduledJobs.id, jobId)).run();
}

/**
 * Runs due jobs of `scheduled_jobs` from inside the server: autopay charges and the demo's bank
 * settlements. Jobs live in SQLite, so a restart picks up where the last run stopped; a job that
 * was halfway through reaches the same payment attempt (and the same provider intent) again.
 */
export class PaymentScheduler {
	#timer: NodeJS.Timeout | null = null;
	#running: Promise<number> | null = null;
	#stopped = false;

	constructor(
		private readonly app: FastifyInstance,
		private readonly intervalMs: number
	) {}

	start(): void {
		this.#stopped = false;
		this.#timer = setInterval(() => {
			this.tick().catch((err: unknown) => this.app.log.error({ err }, 'payment scheduler tick failed'));
		}, this.intervalMs);
		this.#timer.unref();
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		await this.#running?.catch(() => undefined);
	}

	/** Runs every job due now (by the app's clock). Concurrent calls share one run. Returns how many ran. */
	tick(): Promise<number> {
		if (this.#running) return this.#running;
		this.#running = this.#runDue().finally(() => {
			this.#running = null;
		});
		return this.#running;
	}

	async #runDue(): Promise<number> {
		let ran = 0;
		const tried = new Set<string>();
		while (!this.#stopped) {
			const now = this.app.clock();
			const jobs = this.app.store.db
				.select()
				.from(scheduledJobs)
				.where(and(isNull(scheduledJobs.doneAt), lte(scheduledJobs.runAt, now), inArray(scheduledJobs.kind, [...KINDS])))
				.orderBy(asc(scheduledJobs.runAt), asc(scheduledJobs.id))
				.limit(20)
				.all()
				.filter((j) => !tried.has(j.id));
			if (jobs.length === 0) break;
			for (const job of jobs) {
				if (this.#stopped) break;
				tried.add(job.id);
				await this.#run(job);
				ran++;
			}
		}
		return ran;
	}

	async #run(job: JobRow): Promise<void> {
		try {
			if (job.kind === 'autopay') await this.#autopay(job);
			else await this.#demoSettle(job);
		} catch (err) {
			// The network or the provider, not the card: try again later with the same attempt.
			const attempts = job.attempts + 1;
			const message = err instanceof Error ? err.message : String(err);
			this.app.log.warn({ jobId: job.id, attempts, err: message }, 'payment job failed; will retry');
			this.app.writer.transaction((w) => {
				const giveUp = attempts >= MAX_ATTEMPTS;
				w.db.update(scheduledJobs)
					.set(giveUp ? { attempts, lastError: message, doneAt: w.now } : { attempts, lastError: message, runAt: w.now + 60_000 * 2 ** attempts })
					.where(eq(scheduledJobs.id, job.id))
					.run();
				// An autopay attempt that never reached the provider must not keep the customer from paying.
				const current = w.db.select({ payload: scheduledJobs.payload }).from(scheduledJobs).where(eq(scheduledJobs.id, job.id)).get();
				const paymentId = (current?.payload as { paymentId?: string } | null)?.paymentId;
				const row = giveUp && paymentId ? w.db.select().from(payments).where(eq(payments.id, paymentId)).get() : undefined;
				if (row && row.status === 'pending' && !row.providerRef) {
					w.db.update(payments).set({ status: 'canceled', updatedAt: w.now }).where(eq(payments.id, row.id)).run();
					w.bump('invoices', row.customerId, row.invoiceId);
				}
			});
		}
	}

	async #demoSettle(job: JobRow): Promise<void> {
		const payload = job.payload as { paymentId: string; succeed: boolean };
		if (this.app.payments.provider.name === 'demo') await this.app.payments.demoSettle(payload.paymentId, payload.succeed);
		this.app.writer.transaction((w) => finishJob(w, job.id, null));
	}

	async #autopay(job: JobRow): Promise<void> {
		const app = this.app;
		const service = app.payments;
		const provider = service.provider;
		const payload = job.payload as AutopayPayload;

		const abandoned: string[] = [];
		const plan = app.writer.transaction((w): { row: PaymentRow; methodRef: string } | null => {
			const current = w.db.select().from(scheduledJobs).where(eq(scheduledJobs.id, job.id)).get();
			if (!current || current.doneAt !== null) return null;
			const known = (current.payload as AutopayPayload).paymentId;
			if (known) {
				const row = w.db.select().from(payments).where(eq(payments.id, known)).get();
				const method = row?.paymentMethodId ? w.db.select().from(paymentMethods).where(eq(paymentMethods.id, row.paymentMethodId)).get() : undefined;
				if (row && method) return { row, methodRef: method.providerRef };
			}
			const invoice = w.db.select().from(invoices).where(eq(invoices.id, payload.invoiceId)).get();
			if (!invoice || invoice.status !== 'open' || invoice.deleted) return (finishJob(w, job.id, 'the invoice is no longer open'), null);
			const tz = zoneOf(w.db, w.now);
			if (chargeDateOf(invoice, tz, w.now) !== payload.dueDate) return (finishJob(w, job.id, 'the due date changed'), null);
			const customer = w.db.select().from(customers).where(eq(customers.id, invoice.customerId)).get();
			if (!customer?.autopay || !customer.autopayMethodId) return (finishJob(w, job.id, 'autopay is off'), null);
			const method = w.db
				.select()
				.from(paymentMethods)
				.where(and(eq(paymentMethods.id, customer.autopayMethodId), isNull(paymentMethods.detachedAt), eq(paymentMethods.provider, provider.name)))
				.get();
			if (!method) return (finishJob(w, job.id, 'no saved method for autopay'), null);
			const processing = w.db
				.select({ sum: sql<number>`coalesce(sum(${payments.amount}), 0)` })
				.from(payments)
				.where(and(eq(payments.invoiceId, invoice.id), eq(payments.status, 'processing')))
				.get()!.sum;
			const payable = invoice.total - invoice.amountPaid - processing;
			if (payable <= 0) return (finishJob(w, job.id, 'nothing left to charge'), null);
			// The customer is paying in the app right now: let them finish, look again later.
			const onSession = w.db
				.select()
				.from(payments)
				.where(and(eq(payments.invoiceId, invoice.id), eq(payments.status, 'pending'), eq(payments.offSession, false)))
				.all();
			if (onSession.some((p) => p.updatedAt > w.now - CUSTOMER_IN_FLIGHT_MS)) {
				w.db.update(scheduledJobs).set({ runAt: w.now + CUSTOMER_IN_FLIGHT_MS }).where(eq(scheduledJobs.id, job.id)).run();
				return null;
			}
			// An older, abandoned Pay screen must not be confirmable once autopay has charged.
			for (const p of onSession) {
				w.db.update(payments).set({ status: 'canceled', updatedAt: w.now }).where(eq(payments.id, p.id)).run();
				if (p.providerRef) abandoned.push(p.providerRef);
			}
			const row = service.newAutopayAttempt(w, invoice, payable, method);
			w.db.update(scheduledJobs)
				.set({ payload: { ...payload, paymentId: row.id } satisfies AutopayPayload })
				.where(eq(scheduledJobs.id, job.id))
				.run();
			return { row, methodRef: method.providerRef };
		});
		for (const ref of abandoned) provider.cancelPaymentIntent(ref).catch(() => undefined);
		if (!plan) return;

		await service.serial(`payment:${plan.row.id}`, async () => {
			const row = app.store.db.select().from(payments).where(eq(payments.id, plan.row.id)).get()!;
			let intent: ProviderIntent;
			let error: { code: string | null; message: string } | null;
			if (row.providerRef) {
				intent = await provider.retrievePaymentIntent(row.providerRef);
				error = intent.lastError;
			} else {
				const customerRef = await service.ensureCustomer(row.customerId);
				const result = await provider.createPaymentIntent({ ...service.intentInput(row, customerRef), offSession: { methodRef: plan.methodRef } });
				intent = result.intent;
				error = result.error ?? intent.lastError;
			}
			app.writer.transaction((w) => {
				const job2 = w.db.select().from(scheduledJobs).where(eq(scheduledJobs.id, job.id)).get();
				if (!job2 || job2.doneAt !== null) return;
				const t = applyIntent(app, w, row.id, intent);
				let after = t?.after ?? row;
				if (after.status === 'succeeded' || after.status === 'processing') return finishJob(w, job.id, null);
				// Declined, or the bank wants the customer present: no retry; the customer is told.
				if (after.status === 'pending') {
					w.db.update(payments)
						.set({ status: 'failed', failureMessage: error?.message ?? 'Your bank needs you to confirm this payment.', updatedAt: w.now })
						.where(eq(payments.id, row.id))
						.run();
					w.bump('invoices', row.customerId, row.invoiceId);
					after = w.db.select().from(payments).where(eq(payments.id, row.id)).get()!;
				}
				const invoice = w.db.select().from(invoices).where(eq(invoices.id, row.invoiceId)).get()!;
				const auth = (error?.code ?? intent.lastError?.code) === 'authentication_required' || intent.status === 'requires_action';
				const reason: FailureReason = auth ? 'autopay_authentication' : 'autopay_declined';
				queueFailureNotice(app, w, after, invoice, reason);
				finishJob(w, job.id, after.failureMessage ?? reason);
			});
		});
	}
}
