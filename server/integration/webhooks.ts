import { createHmac, randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, lte } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhookEvent } from '../../shared/protocol/integration.ts';
import type { Db } from '../db/client.ts';
import { appointments, customers, invoices, messages, payments, quoteItems, quoteSignatures, quotes, webhookDeliveries, webhookEndpoints } from '../db/schema.ts';
import type { WriteContext } from '../sync/writer.ts';

/*
 * Outgoing webhooks. A change that other systems care about enqueues one delivery row per
 * subscribed endpoint inside the change's own transaction (so an event is never sent for a
 * change that rolled back, nor lost for one that committed); the dispatcher sends the rows,
 * signed, and retries with exponential backoff. Rows survive restarts.
 */

/** Dispatchers running in this process; a commit that enqueued deliveries wakes them. */
const running = new Set<WebhookDispatcher>();

function kickAll(): void {
	for (const d of running) d.kick();
}

/**
 * Queues `event` for every active endpoint subscribed to it, inside the caller's transaction.
 * Returns how many deliveries were queued. The body is fixed now, so every retry sends (and
 * signs) the same bytes.
 */
export function enqueueWebhook(w: WriteContext, event: WebhookEvent, data: Record<string, unknown>, onlyEndpointId?: string): number {
	const endpoints = w.db
		.select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
		.from(webhookEndpoints)
		.where(onlyEndpointId ? and(eq(webhookEndpoints.active, true), eq(webhookEndpoints.id, onlyEndpointId)) : eq(webhookEndpoints.active, true))
		.all()
		.filter((e) => onlyEndpointId !== undefined || e.events.includes(event));
	for (const endpoint of endpoints) {
		const id = randomUUID();
		const body = JSON.stringify({ id, event, createdAt: new Date(w.now).toISOString(), data });
		w.db.insert(webhookDeliveries).values({ id, endpointId: endpoint.id, event, payload: body, attempts: 0, nextAttemptAt: w.now, createdAt: w.now }).run();
	}
	if (endpoints.length > 0) w.afterCommit(kickAll);
	return endpoints.length;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the X-Porchlight-Signature header. */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
	const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
	return `t=${timestampSeconds},v1=${mac}`;
}

/** Timings of the dispatcher; tests shorten them. */
export interface WebhookTimings {
	/** How often due deliveries are looked for (besides the wake-up after each enqueue). */
	intervalMs?: number;
	/** Wait before the first retry; each further retry waits twice as long. */
	baseDelayMs?: number;
	/** Longest wait between attempts. */
	maxDelayMs?: number;
	/** Attempts before a delivery is given up. */
	maxAttempts?: number;
	/** How long one request may take. */
	timeoutMs?: number;
}

/** Defaults: 30 s, 1 min, 2 min … up to 6 h between attempts; given up after 10 attempts (about a day). */
export const WEBHOOK_DEFAULTS: Required<WebhookTimings> = {
	intervalMs: 5_000,
	baseDelayMs: 30_000,
	maxDelayMs: 6 * 60 * 60 * 1000,
	maxAttempts: 10,
	timeoutMs: 10_000
};

/** Wait after the n-th failed attempt (n ≥ 1). */
export function backoffMs(attempts: number, t: Pick<Required<WebhookTimings>, 'baseDelayMs' | 'maxDelayMs'>): number {
	return Math.min(t.maxDelayMs, t.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

interface DispatcherOptions {
	db: Db;
	clock: () => number;
	log: FastifyBaseLogger;
	timings: Required<WebhookTimings>;
	/** True for URLs that reach this server (never sent: a loop). */
	isSelf: (url: URL) => boolean;
}

const BATCH = 20;

/**
 * Sends queued deliveries. One pass at a time; each pass sends every due delivery (up to 20 at
 * once), then looks again, until none is due.
 */
export class WebhookDispatcher {
	#timer: NodeJS.Timeout | null = null;
	#running: Promise<void> | null = null;
	#again = false;
	#stopped = false;
	#inflight = new Set<AbortController>();

	constructor(private readonly options: DispatcherOptions) {}

	start(): void {
		if (this.#timer || this.#stopped) return;
		running.add(this);
		this.#timer = setInterval(() => void this.runDue(), this.options.timings.intervalMs);
		this.#timer.unref();
		// Deliveries left over from before a restart go out now, not at the first tick.
		this.kick();
	}

	/** Asks for a pass soon. */
	kick(): void {
		if (this.#stopped) return;
		setImmediate(() => void this.runDue());
	}

	/** Runs passes until nothing is due; a call during a pass makes one more after it. */
	runDue(): Promise<void> {
		if (this.#running) {
			this.#again = true;
			return this.#running;
		}
		const pass = (async () => {
			do {
				this.#again = false;
				await this.#pass();
			} while (this.#again && !this.#stopped);
		})();
		this.#running = pass;
		const clear = () => {
			if (this.#running === pass) this.#running = null;
		};
		pass.then(clear, clear);
		return pass;
	}

	async #pass(): Promise<void> {
		const { db, clock, log } = this.options;
		for (;;) {
			if (this.#stopped) return;
			let due;
			try {
				due = db
					.select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
					.from(webhookDeliveries)
					.innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
					.where(and(isNull(webhookDeliveries.deliveredAt), isNull(webhookDeliveries.failedAt), lte(webhookDeliveries.nextAttemptAt, clock())))
					.orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.createdAt))
					.limit(BATCH)
					.all();
			} catch (err) {
				log.error({ err }, 'webhooks: could not read due deliveries');
				return;
			}
			if (due.length === 0) return;
			await Promise.all(due.map(({ delivery, endpoint }) => this.#deliver(delivery, endpoint)));
		}
	}

	async #deliver(delivery: typeof webhookDeliveries.$inferSelect, endpoint: typeof webhookEndpoints.$inferSelect): Promise<void> {
		const { db, clock, log, timings } = this.options;
		const attempts = delivery.attempts + 1;
		const giveUp = (lastError: string) =>
			db.update(webhookDeliveries).set({ attempts, lastError, failedAt: clock() }).where(eq(webhookDeliveries.id, delivery.id)).run();

		if (!endpoint.active) return void giveUp('the endpoint was removed');
		let url: URL;
		try {
			url = new URL(endpoint.url);
		} catch {
			return void giveUp('the endpoint URL is not valid');
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') return void giveUp('only http and https endpoints are called');
		if (this.options.isSelf(url)) return void giveUp('refused: the endpoint is this portal itself');

		const controller = new AbortController();
		this.#inflight.add(controller);
		const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timings.timeoutMs} ms`)), timings.timeoutMs);
		let error: string | null = null;
		try {
			const timestamp = Math.floor(clock() / 1000);
			const res = await fetch(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'user-agent': 'Porchlight-Webhooks/1',
					'x-porchlight-event': delivery.event,
					'x-porchlight-delivery': delivery.id,
					'x-porchlight-signature': signWebhook(endpoint.secret, delivery.payload, timestamp)
				},
				body: delivery.payload,
				// A redirect could point anywhere (this server included): it counts as a failure.
				redirect: 'manual',
				signal: controller.signal
			});
			// Drain so the connection can be reused.
			await res.arrayBuffer().catch(() => undefined);
			if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
		} catch (err) {
			error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
		} finally {
			clearTimeout(timer);
			this.#inflight.delete(controller);
		}
		if (this.#stopped && error !== null) return; // shutting down: the attempt does not count
		try {
			if (error === null) {
				db.update(webhookDeliveries).set({ attempts, deliveredAt: clock(), lastError: null }).where(eq(webhookDeliveries.id, delivery.id)).run();
			} else if (attempts >= timings.maxAttempts) {
				log.warn({ deliveryId: delivery.id, endpointId: endpoint.id, attempts, error }, 'webhook delivery given up');
				giveUp(error);
			} else {
				db.update(webhookDeliveries)
					.set({ attempts, lastError: error, nextAttemptAt: clock() + backoffMs(attempts, timings) })
					.where(eq(webhookDeliveries.id, delivery.id))
					.run();
			}
		} catch (err) {
			log.error({ err, deliveryId: delivery.id }, 'webhooks: could not record an attempt');
		}
	}

	/** Stops the timer, aborts requests in flight (their attempts do not count) and waits for the pass. */
	async stop(): Promise<void> {
		this.#stopped = true;
		running.delete(this);
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		for (const c of this.#inflight) c.abort(new Error('shutting down'));
		await this.#running?.catch(() => undefined);
	}
}

/**
 * Queues `message.created` for a message a customer just wrote (called from the sync push, in
 * its transaction). Staff replies are not announced: the other system hears what customers do.
 */
export function enqueueMessageCreated(w: WriteContext, messageId: string): number {
	const row = w.db
		.select({ message: messages, customerExternalId: customers.externalId })
		.from(messages)
		.innerJoin(customers, eq(customers.id, messages.customerId))
		.where(eq(messages.id, messageId))
		.get();
	if (!row || row.message.authorKind !== 'customer') return 0;
	const m = row.message;
	return enqueueWebhook(w, 'message.created', {
		messageId: m.id,
		threadId: m.threadId,
		customerId: m.customerId,
		customerExternalId: row.customerExternalId,
		authorName: m.authorName,
		body: m.body,
		sentAt: new Date(m.sentAt).toISOString(),
		receivedAt: new Date(m.createdAt).toISOString()
	});
}

/**
 * Queues `payment.succeeded` for a payment that has just succeeded — online, autopay or taken in
 * person — in the transaction that recorded it (after the invoice's amount paid was updated).
 */
export function enqueuePaymentSucceeded(w: WriteContext, paymentId: string): number {
	const row = w.db
		.select({ payment: payments, invoice: invoices, customerExternalId: customers.externalId })
		.from(payments)
		.innerJoin(invoices, eq(invoices.id, payments.invoiceId))
		.innerJoin(customers, eq(customers.id, payments.customerId))
		.where(eq(payments.id, paymentId))
		.get();
	if (!row || row.payment.status !== 'succeeded') return 0;
	const { payment: p, invoice: i } = row;
	return enqueueWebhook(w, 'payment.succeeded', {
		paymentId: p.id,
		invoiceId: i.id,
		invoiceNumber: i.number,
		invoiceExternalId: i.externalId,
		customerId: p.customerId,
		customerExternalId: row.customerExternalId,
		amount: p.amount,
		currency: p.currency,
		method: p.method,
		methodLabel: p.methodLabel,
		channel: p.provider === 'manual' ? 'in_person' : p.offSession ? 'autopay' : 'online',
		receiptNumber: p.receiptNumber,
		invoiceStatus: i.status,
		amountDue: i.status === 'paid' || i.status === 'void' ? 0 : Math.max(0, i.total - i.amountPaid)
	});
}

/**
 * Queues `appointment.requested` (a customer asked for a visit) or `appointment.booked` (a
 * customer booked a slot, or a request was confirmed) for an appointment, in its transaction.
 */
export function enqueueAppointmentEvent(w: WriteContext, event: 'appointment.requested' | 'appointment.booked', appointmentId: string): number {
	const row = w.db
		.select({ appointment: appointments, customerExternalId: customers.externalId })
		.from(appointments)
		.innerJoin(customers, eq(customers.id, appointments.customerId))
		.where(eq(appointments.id, appointmentId))
		.get();
	if (!row) return 0;
	const a = row.appointment;
	const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
	return enqueueWebhook(w, event, {
		appointmentId: a.id,
		appointmentExternalId: a.externalId,
		customerId: a.customerId,
		customerExternalId: row.customerExternalId,
		title: a.title,
		status: a.status,
		serviceTypeId: a.serviceTypeId,
		addressId: a.addressId,
		startsAt: iso(a.startsAt),
		endsAt: iso(a.endsAt),
		preferredDate: a.preferredDate,
		preferredWindow: a.preferredWindow,
		notes: a.notes,
		source: a.source
	});
}

/**
 * Queues `quote.approved` for a quote a customer has just signed, in the approval's transaction
 * (after the quote, its signature record and any deposit invoice were written), so the job system
 * can create the job with exactly the lines the customer chose.
 */
export function enqueueQuoteApproved(w: WriteContext, quoteId: string): number {
	const row = w.db
		.select({ quote: quotes, signature: quoteSignatures, customerExternalId: customers.externalId })
		.from(quotes)
		.innerJoin(quoteSignatures, eq(quoteSignatures.quoteId, quotes.id))
		.innerJoin(customers, eq(customers.id, quotes.customerId))
		.where(eq(quotes.id, quoteId))
		.get();
	if (!row || row.quote.status !== 'approved') return 0;
	const { quote: q, signature: s } = row;
	const chosen = new Set(q.selection);
	const lines = w.db
		.select()
		.from(quoteItems)
		.where(eq(quoteItems.quoteId, q.id))
		.orderBy(asc(quoteItems.position), asc(quoteItems.id))
		.all()
		.filter((i) => i.kind === 'included' || chosen.has(i.id))
		.map((i) => ({ id: i.id, kind: i.kind, group: i.groupName, description: i.description, quantityMilli: i.quantityMilli, unitAmount: i.unitAmount, amount: i.amount }));
	const deposit = q.depositInvoiceId ? w.db.select({ total: invoices.total }).from(invoices).where(eq(invoices.id, q.depositInvoiceId)).get() : undefined;
	return enqueueWebhook(w, 'quote.approved', {
		quoteId: q.id,
		quoteNumber: q.number,
		quoteExternalId: q.externalId,
		title: q.title,
		revision: s.revision,
		contentHash: s.contentHash,
		customerId: q.customerId,
		customerExternalId: row.customerExternalId,
		selection: q.selection,
		lines,
		total: q.approvedTotal,
		currency: q.currency,
		depositInvoiceId: q.depositInvoiceId,
		depositAmount: deposit?.total ?? 0,
		signedDocumentId: q.signedDocumentId,
		signerName: s.signerName,
		signerEmail: s.signerEmail,
		signedAt: new Date(s.signedAt).toISOString()
	});
}
