import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, inArray, max, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { CreateIntentRequest, IntentResponse } from '../../shared/protocol/payments.ts';
import { formatMoney } from '../../shared/money.ts';
import type { PAYMENT_STATUSES } from '../../shared/schemas/invoice.ts';
import { getBusiness } from '../branding/service.ts';
import { customers, invoices, paymentMethods, payments, providerEvents, scheduledJobs } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import type { WriteContext } from '../sync/writer.ts';
import { DemoProvider, parseDemoMethodRef } from './demo-provider.ts';
import { queueFailureNotice, queueReceipt } from './notify.ts';
import { enqueuePaymentSucceeded } from '../integration/webhooks.ts';
import {
	ProviderNotFoundError,
	ProviderUnavailableError,
	type OnSessionContext,
	type PaymentProvider,
	type ProviderCharge,
	type ProviderIntent,
	type ProviderMethod
} from './provider.ts';

/** A stored payment. */
export type PaymentRow = typeof payments.$inferSelect;
/** A stored invoice. */
export type InvoiceRow = typeof invoices.$inferSelect;
/** A payment's stored state. */
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * How long an autopay attempt that has not finished keeps customers' taps away from the same
 * invoice (two charges at once could both go through).
 */
export const AUTOPAY_IN_FLIGHT_MS = 15 * 60_000;

/** How recently a customer must have started paying in the app for autopay to wait for them. */
export const CUSTOMER_IN_FLIGHT_MS = 30 * 60_000;

/** Stripe's smallest charge in USD; partial amounts below it could never be charged. */
const PROVIDER_MINIMUM = 50;

/** The row state a provider intent stands for. */
export function rowStatusOf(intent: ProviderIntent): PaymentStatus {
	switch (intent.status) {
		case 'succeeded':
			return 'succeeded';
		case 'processing':
			return 'processing';
		case 'canceled':
			return 'canceled';
		case 'requires_payment_method':
			return intent.lastError ? 'failed' : 'pending';
		default:
			return 'pending';
	}
}

/** What a payment adds to its invoice's `amountPaid`. */
function counted(row: Pick<PaymentRow, 'status' | 'amount' | 'amountRefunded'>): number {
	return row.status === 'succeeded' ? Math.max(0, row.amount - row.amountRefunded) : 0;
}

/** e.g. RCPT-04124-2 for the second attempt on INV-04124. */
function receiptNumberFor(invoice: InvoiceRow, payment: PaymentRow): string {
	return `RCPT-${invoice.number.replace(/^INV-?/i, '')}-${payment.attempt ?? 1}`;
}

/**
 * Moves an invoice by `delta` paid and re-derives its status from its payments: paid once
 * covered, processing while a debit is on its way, open otherwise (a refund or a returned debit
 * reopens it). Always bumps the invoice, since devices see its payments embedded in it.
 */
function settleInvoice(w: WriteContext, invoiceId: string, delta: number): InvoiceRow {
	const inv = w.db.select().from(invoices).where(eq(invoices.id, invoiceId)).get()!;
	const amountPaid = inv.amountPaid + delta;
	let status = inv.status;
	let paidAt = inv.paidAt;
	if (status !== 'void' && status !== 'draft') {
		const processing = w.db
			.select({ id: payments.id })
			.from(payments)
			.where(and(eq(payments.invoiceId, invoiceId), eq(payments.status, 'processing')))
			.get();
		if (amountPaid >= inv.total) {
			status = 'paid';
			paidAt = inv.paidAt ?? w.now;
		} else {
			status = processing ? 'processing' : 'open';
			paidAt = null;
		}
	}
	w.db.update(invoices).set({ amountPaid, status, paidAt }).where(eq(invoices.id, invoiceId)).run();
	w.bump('invoices', inv.customerId, inv.id);
	return w.db.select().from(invoices).where(eq(invoices.id, invoiceId)).get()!;
}

/** A payment row before and after a change, and its invoice after. */
export interface Transition {
	before: PaymentRow;
	after: PaymentRow;
	invoice: InvoiceRow;
	changed: boolean;
}

/** Money a payment took stays taken: only a refund moves a paid payment on. */
function guardedStatus(before: PaymentStatus, next: PaymentStatus): PaymentStatus {
	if (before === 'refunded') return 'refunded';
	if (before === 'succeeded' && next !== 'succeeded') return 'succeeded';
	return next;
}

/**
 * Brings a payment row (and its invoice) to the provider intent's state, inside a write
 * transaction, and queues what the customer should hear: a receipt when it succeeds, a notice
 * when a bank debit comes back. Applying the same state twice changes nothing.
 */
export function applyIntent(app: FastifyInstance, w: WriteContext, paymentId: string, intent: ProviderIntent): Transition | null {
	const before = w.db.select().from(payments).where(eq(payments.id, paymentId)).get();
	if (!before) return null;
	const status = guardedStatus(before.status, rowStatusOf(intent));
	const patch: Partial<PaymentRow> = {};
	if (status !== before.status) patch.status = status;
	if (!before.providerRef) patch.providerRef = intent.ref;
	// The demo's stored-method stand-in carries no more than the row already has.
	if (intent.method && intent.method.ref !== 'demo_pm_stored' && before.status !== 'succeeded' && before.status !== 'refunded') {
		if (intent.method.kind !== before.method) patch.method = intent.method.kind;
		if (intent.method.label !== before.methodLabel) patch.methodLabel = intent.method.label;
	}
	const failure = status === 'failed' ? (intent.lastError?.message ?? 'The payment failed.') : status === 'canceled' ? before.failureMessage : null;
	if (failure !== before.failureMessage) patch.failureMessage = failure;
	const invoiceBefore = w.db.select().from(invoices).where(eq(invoices.id, before.invoiceId)).get()!;
	if (status === 'succeeded' && before.status !== 'succeeded' && before.status !== 'refunded') {
		patch.settledAt = w.now;
		patch.receiptNumber = before.receiptNumber ?? receiptNumberFor(invoiceBefore, before);
		if (intent.amount !== before.amount && intent.amount > 0) patch.amount = intent.amount;
	}
	if (Object.keys(patch).length === 0) return { before, after: before, invoice: invoiceBefore, changed: false };
	w.db.update(payments).set({ ...patch, updatedAt: w.now }).where(eq(payments.id, paymentId)).run();
	const after = w.db.select().from(payments).where(eq(payments.id, paymentId)).get()!;
	const invoice = settleInvoice(w, before.invoiceId, counted(after) - counted(before));
	if (after.status === 'succeeded' && before.status !== 'succeeded') {
		queueReceipt(app, w, after, invoice);
		enqueuePaymentSucceeded(w, after.id);
	}
	if (after.provider === 'demo' && after.status === 'processing' && before.status !== 'processing') {
		// The demo's bank clears the debit (or returns it, for a "decline" method) a little later.
		const outcome = intent.method ? parseDemoMethodRef(intent.method.ref)?.outcome : undefined;
		w.db.insert(scheduledJobs)
			.values({ id: `demo-settle:${after.id}:${w.now}`, kind: 'demo-settle', runAt: w.now + app.payments.options.demoSettleMs, payload: { paymentId: after.id, succeed: outcome !== 'decline' } })
			.onConflictDoNothing()
			.run();
	}
	// A bank debit fails days after the customer left the screen; card declines are seen at once
	// (and autopay's are told by the autopay job).
	if (after.status === 'failed' && before.status !== 'failed' && (before.status === 'processing' || after.method === 'us_bank_account')) {
		queueFailureNotice(app, w, after, invoice, 'bank_returned');
	}
	return { before, after, invoice, changed: true };
}

/**
 * Applies a refund as `charge.refunded` reports it. The refunded amount only grows, so refund
 * events apply in any order and any number of times; a refund also proves the charge went
 * through, whatever the payment events that have not arrived yet say.
 */
export function applyRefund(app: FastifyInstance, w: WriteContext, paymentId: string, charge: ProviderCharge): Transition | null {
	const before = w.db.select().from(payments).where(eq(payments.id, paymentId)).get();
	if (!before) return null;
	const amountRefunded = Math.max(before.amountRefunded, Math.min(charge.amountRefunded, before.amount));
	const status: PaymentStatus = amountRefunded >= before.amount ? 'refunded' : 'succeeded';
	const invoiceBefore = w.db.select().from(invoices).where(eq(invoices.id, before.invoiceId)).get()!;
	if (amountRefunded === before.amountRefunded && status === before.status) return { before, after: before, invoice: invoiceBefore, changed: false };
	w.db.update(payments)
		.set({
			amountRefunded,
			status,
			failureMessage: null,
			settledAt: before.settledAt ?? w.now,
			receiptNumber: before.receiptNumber ?? receiptNumberFor(invoiceBefore, before),
			providerRef: before.providerRef ?? charge.intentRef,
			updatedAt: w.now
		})
		.where(eq(payments.id, paymentId))
		.run();
	const after = w.db.select().from(payments).where(eq(payments.id, paymentId)).get()!;
	const invoice = settleInvoice(w, before.invoiceId, counted(after) - counted(before));
	return { before, after, invoice, changed: true };
}

/** Records a provider event id; false when it was applied before. Call inside the event's transaction. */
export function recordEvent(w: WriteContext, id: string, type: string): boolean {
	const inserted = w.db.insert(providerEvents).values({ id, type, receivedAt: w.now }).onConflictDoNothing().returning({ id: providerEvents.id }).all();
	return inserted.length === 1;
}

/** Saves a provider method for a customer (once per provider ref). Returns its row id. */
export function saveMethod(w: WriteContext, customerId: string, provider: PaymentProvider['name'], method: ProviderMethod): string {
	const existing = w.db.select().from(paymentMethods).where(eq(paymentMethods.providerRef, method.ref)).get();
	if (existing) {
		if (existing.customerId !== customerId) throw new AppError('NOT_FOUND', 'There is no such payment method.');
		return existing.id;
	}
	const id = randomUUID();
	w.db.insert(paymentMethods)
		.values({
			id,
			customerId,
			provider,
			providerRef: method.ref,
			kind: method.kind,
			label: method.label,
			brand: method.brand,
			last4: method.last4,
			expMonth: method.expMonth,
			expYear: method.expYear,
			createdAt: w.now
		})
		.run();
	return id;
}

/** The answer to a Pay tap. */
export function intentResponse(row: PaymentRow, intent: ProviderIntent | null, demoMode: boolean): IntentResponse {
	return {
		paymentId: row.id,
		invoiceId: row.invoiceId,
		attempt: row.attempt ?? 1,
		clientSecret: intent?.clientSecret ?? '',
		amount: row.amount,
		currency: row.currency,
		status: row.status,
		nextAction: intent?.status === 'requires_action',
		failureMessage: row.failureMessage,
		demoMode
	};
}

/** Turns provider trouble into an answer the customer can act on. */
export function providerFailure(err: unknown): never {
	if (err instanceof ProviderUnavailableError) {
		throw new AppError('UNAVAILABLE', 'The payment service cannot be reached right now. Please try again in a moment.');
	}
	if (err instanceof ProviderNotFoundError) throw new AppError('NOT_FOUND', 'The payment service does not know this payment.');
	throw err;
}

/**
 * Payments: one per app. Holds the provider (or why there is none), and keeps concurrent work
 * on one payment in line: identical taps share one provider call, and every change to a payment
 * (tap, webhook, scheduler) runs one at a time, so an older reading never overwrites a newer one.
 */
export class Payments {
	#inflight = new Map<string, Promise<unknown>>();
	#queues = new Map<string, Promise<unknown>>();

	constructor(
		private readonly app: FastifyInstance,
		private readonly current: PaymentProvider | null,
		/** Why payments are off (production without Stripe keys). */
		readonly refusal: string | null,
		readonly options: { demoSettleMs: number }
	) {}

	/** The provider, or 503 with the reason payments are off. */
	get provider(): PaymentProvider {
		if (!this.current) throw new AppError('UNAVAILABLE', this.refusal ?? 'Online payments are not available.');
		return this.current;
	}

	/** Throws 503 with the reason when payments are off. */
	assertAvailable(): void {
		void this.provider;
	}

	/** The demo provider, or 404 when real payments are in use. */
	get demo(): DemoProvider {
		const p = this.provider;
		if (!(p instanceof DemoProvider)) throw new AppError('NOT_FOUND', 'Demo payments exist only in demo mode.');
		return p;
	}

	/** Concurrent calls with the same key share one run. */
	once<T>(key: string, fn: () => Promise<T>): Promise<T> {
		const running = this.#inflight.get(key);
		if (running) return running as Promise<T>;
		const p = fn().finally(() => this.#inflight.delete(key));
		this.#inflight.set(key, p);
		return p;
	}

	/** Calls with the same key run one after another. */
	serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
		const prev = this.#queues.get(key) ?? Promise.resolve();
		const next = prev.then(fn, fn);
		const tail = next.catch(() => undefined);
		this.#queues.set(key, tail);
		tail.then(() => {
			if (this.#queues.get(key) === tail) this.#queues.delete(key);
		});
		return next;
	}

	/** The provider's customer for ours: created once (idempotency key `cus:<id>`), then stored. */
	ensureCustomer(customerId: string): Promise<string> {
		const provider = this.provider;
		return this.once(`cus:${customerId}`, async () => {
			const c = this.app.store.db.select().from(customers).where(eq(customers.id, customerId)).get();
			if (!c) throw new AppError('NOT_FOUND', 'There is no such customer.');
			if (c.providerCustomerId && provider.ownsCustomerRef(c.providerCustomerId)) return c.providerCustomerId;
			const ref = await provider.createCustomer({ idempotencyKey: `cus:${customerId}`, customerId, name: c.billingName || c.name, email: c.billingEmail || c.email });
			if (provider.name === 'stripe') {
				// Not part of the profile devices see: no seq, no version change.
				this.app.writer.transaction((w) => w.db.update(customers).set({ providerCustomerId: ref }).where(eq(customers.id, customerId)).run());
			}
			return ref;
		});
	}

	/**
	 * Pay tap: finds or starts this invoice's open attempt and makes sure the provider has its
	 * intent. The amount comes from the invoice; the client only picks a partial amount within
	 * the business's rules. Any number of taps, and a restart in between, reach one intent.
	 */
	async payInvoice(customerId: string, invoiceId: string, req: CreateIntentRequest, context: OnSessionContext): Promise<IntentResponse> {
		const provider = this.provider;
		const plan = this.app.writer.transaction((w) => this.#planAttempt(w, provider, customerId, invoiceId, req));
		for (const ref of plan.canceledRefs) {
			provider.cancelPaymentIntent(ref).catch(() => {
				// Best effort: an abandoned intent that was never confirmed charges nothing.
			});
		}
		const row = plan.row;
		try {
			return await this.once(`pay:${row.id}`, () =>
				this.serial(`payment:${row.id}`, async () => {
					const intent = await this.#ensureIntent(row, plan.method, context);
					const fresh = this.app.store.db.select().from(payments).where(eq(payments.id, row.id)).get()!;
					return intentResponse(fresh, intent, provider.demoMode);
				})
			);
		} catch (err) {
			providerFailure(err);
		}
	}

	#planAttempt(w: WriteContext, provider: PaymentProvider, customerId: string, invoiceId: string, req: CreateIntentRequest) {
		const notFound = new AppError('NOT_FOUND', 'There is no such invoice.');
		const invoice = w.db.select().from(invoices).where(and(eq(invoices.id, invoiceId), eq(invoices.customerId, customerId))).get();
		if (!invoice || invoice.status === 'draft' || invoice.deleted) throw notFound;
		if (req.attempt !== undefined) {
			const earlier = w.db.select().from(payments).where(and(eq(payments.invoiceId, invoiceId), eq(payments.attempt, req.attempt))).get();
			if (earlier && earlier.status !== 'pending') {
				throw new AppError('CONFLICT', `Payment attempt ${req.attempt} has already ${earlier.status === 'failed' ? 'failed' : `finished (${earlier.status})`}.`, {
					field: 'attempt',
					details: { paymentId: earlier.id, status: earlier.status }
				});
			}
			if (earlier && earlier.provider === provider.name) return { row: earlier, method: this.#methodOf(w, earlier.paymentMethodId), canceledRefs: [] as string[] };
		}
		if (invoice.status === 'void') throw new AppError('CONFLICT', 'This invoice was voided; there is nothing to pay.');
		if (invoice.status === 'paid') throw new AppError('CONFLICT', 'This invoice is already paid.');
		const charging = w.db
			.select({ id: payments.id })
			.from(payments)
			.where(and(eq(payments.invoiceId, invoiceId), eq(payments.status, 'pending'), eq(payments.offSession, true), gt(payments.updatedAt, w.now - AUTOPAY_IN_FLIGHT_MS)))
			.get();
		if (charging) throw new AppError('CONFLICT', 'Autopay is charging this invoice right now. Please check again in a few minutes.');
		const processing = w.db
			.select({ sum: sql<number>`coalesce(sum(${payments.amount}), 0)` })
			.from(payments)
			.where(and(eq(payments.invoiceId, invoiceId), eq(payments.status, 'processing')))
			.get()!.sum;
		const payable = invoice.total - invoice.amountPaid - processing;
		if (payable <= 0) throw new AppError('CONFLICT', 'A payment for this invoice is already processing.');
		const amount = this.#decideAmount(w, req.amount, payable, invoice.currency);

		let method: typeof paymentMethods.$inferSelect | null = null;
		if (req.paymentMethodId !== undefined) {
			method = this.#methodOf(w, req.paymentMethodId);
			if (!method || method.customerId !== customerId || method.provider !== provider.name) {
				throw new AppError('VALIDATION', 'paymentMethodId: there is no such saved payment method.', { field: 'paymentMethodId' });
			}
		}

		const open = w.db
			.select()
			.from(payments)
			.where(and(eq(payments.invoiceId, invoiceId), eq(payments.status, 'pending'), eq(payments.provider, provider.name), eq(payments.offSession, false)))
			.orderBy(desc(payments.attempt))
			.all();
		const reusable = open[0];
		if (reusable && reusable.amount === amount && (reusable.paymentMethodId ?? null) === (method?.id ?? null)) {
			return { row: reusable, method, canceledRefs: [] as string[] };
		}
		// Another amount or method: the old attempt is abandoned (an unconfirmed intent charges nothing).
		const canceledRefs: string[] = [];
		for (const o of open) {
			w.db.update(payments).set({ status: 'canceled', updatedAt: w.now }).where(eq(payments.id, o.id)).run();
			if (o.providerRef) canceledRefs.push(o.providerRef);
		}
		const row = this.#newAttempt(w, invoice, amount, { method, offSession: false, provider: provider.name });
		return { row, method, canceledRefs };
	}

	#methodOf(w: WriteContext, id: string | null) {
		if (!id) return null;
		return w.db.select().from(paymentMethods).where(and(eq(paymentMethods.id, id), sql`${paymentMethods.detachedAt} is null`)).get() ?? null;
	}

	#decideAmount(w: WriteContext, requested: number | undefined, payable: number, currency: string): number {
		if (requested === undefined || requested === payable) return payable;
		const business = getBusiness(w.db, w.now);
		const fmt = (n: number) => formatMoney(n, currency);
		if (!business.allowPartialPayments) {
			throw new AppError('VALIDATION', `amount: must be the open balance (${fmt(payable)}); partial payments are not accepted.`, { field: 'amount' });
		}
		if (requested > payable) throw new AppError('VALIDATION', `amount: must be at most the open balance (${fmt(payable)}).`, { field: 'amount' });
		const minimum = Math.max(business.minimumPartialPayment, PROVIDER_MINIMUM);
		if (requested < minimum) throw new AppError('VALIDATION', `amount: must be at least ${fmt(minimum)}, or the whole balance.`, { field: 'amount' });
		return requested;
	}

	/** A new attempt row: the next attempt number for the invoice, the idempotency anchor. */
	#newAttempt(
		w: WriteContext,
		invoice: InvoiceRow,
		amount: number,
		opts: { method: typeof paymentMethods.$inferSelect | null; offSession: boolean; provider: PaymentProvider['name'] }
	): PaymentRow {
		const last = w.db.select({ n: max(payments.attempt) }).from(payments).where(eq(payments.invoiceId, invoice.id)).get()?.n ?? 0;
		const id = randomUUID();
		w.db.insert(payments)
			.values({
				id,
				invoiceId: invoice.id,
				customerId: invoice.customerId,
				amount,
				currency: invoice.currency,
				method: opts.method?.kind ?? 'card',
				methodLabel: opts.method?.label ?? null,
				status: 'pending',
				provider: opts.provider,
				providerRef: null,
				offSession: opts.offSession,
				attempt: last + 1,
				paymentMethodId: opts.method?.id ?? null,
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		w.bump('invoices', invoice.customerId, invoice.id);
		return w.db.select().from(payments).where(eq(payments.id, id)).get()!;
	}

	/** Starts an off-session (autopay) attempt. Used by the scheduler inside its transaction. */
	newAutopayAttempt(w: WriteContext, invoice: InvoiceRow, amount: number, method: typeof paymentMethods.$inferSelect): PaymentRow {
		return this.#newAttempt(w, invoice, amount, { method, offSession: true, provider: this.provider.name });
	}

	/** The idempotency key of an attempt's intent: same invoice, same attempt, same intent. */
	static intentKey(row: PaymentRow): string {
		return `pi:${row.invoiceId}:${row.attempt}`;
	}

	/** Parameters of an attempt's intent, all from stored rows: a retry with the same key sends the same ones. */
	intentInput(row: PaymentRow, customerRef: string) {
		const invoice = this.app.store.db.select({ number: invoices.number }).from(invoices).where(eq(invoices.id, row.invoiceId)).get();
		return {
			idempotencyKey: Payments.intentKey(row),
			amount: row.amount,
			currency: row.currency,
			customerRef,
			description: `Invoice ${invoice?.number ?? row.invoiceId}`,
			metadata: {
				porchlight_payment_id: row.id,
				porchlight_invoice_id: row.invoiceId,
				porchlight_customer_id: row.customerId,
				porchlight_attempt: String(row.attempt)
			}
		};
	}

	/** Creates (or finds again) the attempt's intent, confirms it with a saved method, applies what it says. */
	async #ensureIntent(start: PaymentRow, method: typeof paymentMethods.$inferSelect | null, context: OnSessionContext): Promise<ProviderIntent> {
		const provider = this.provider;
		const row = this.app.store.db.select().from(payments).where(eq(payments.id, start.id)).get()!;
		let intent: ProviderIntent;
		if (row.providerRef) {
			intent = await provider.retrievePaymentIntent(row.providerRef);
		} else {
			const customerRef = await this.ensureCustomer(row.customerId);
			intent = (await provider.createPaymentIntent(this.intentInput(row, customerRef))).intent;
			this.app.writer.transaction((w) => applyIntent(this.app, w, row.id, intent));
		}
		if (method && (intent.status === 'requires_payment_method' || intent.status === 'requires_confirmation') && !intent.lastError) {
			const confirmed = await provider.confirmPaymentIntent(intent.ref, {
				idempotencyKey: `pi-confirm:${row.invoiceId}:${row.attempt}`,
				methodRef: method.providerRef,
				methodKind: method.kind,
				context
			});
			intent = confirmed.intent;
		}
		this.app.writer.transaction((w) => applyIntent(this.app, w, row.id, intent));
		return intent;
	}

	/** Reads the intent from the provider and applies it (after Stripe.js confirmed, or when in doubt). */
	async refresh(paymentId: string): Promise<Transition | null> {
		return this.serial(`payment:${paymentId}`, async () => {
			const row = this.app.store.db.select().from(payments).where(eq(payments.id, paymentId)).get();
			if (!row || !row.providerRef || row.provider !== this.provider.name) return null;
			const intent = await this.provider.retrievePaymentIntent(row.providerRef);
			return this.app.writer.transaction((w) => applyIntent(this.app, w, row.id, intent));
		});
	}

	/** Demo: a customer confirming in the stand-in for the Payment Element. */
	async demoConfirm(customerId: string, paymentId: string, kind: 'card' | 'us_bank_account', outcome: 'success' | 'decline' | 'authentication_required'): Promise<IntentResponse> {
		const demo = this.demo;
		return this.serial(`payment:${paymentId}`, async () => {
			const row = this.app.store.db.select().from(payments).where(and(eq(payments.id, paymentId), eq(payments.customerId, customerId))).get();
			if (!row || row.provider !== 'demo' || !row.providerRef) throw new AppError('NOT_FOUND', 'There is no such payment.');
			if (row.status !== 'pending' && row.status !== 'failed') throw new AppError('CONFLICT', `This payment is already ${row.status}.`);
			const { intent } = demo.simulateConfirm(row.providerRef, kind, outcome);
			this.app.writer.transaction((w) => applyIntent(this.app, w, row.id, intent));
			const fresh = this.app.store.db.select().from(payments).where(eq(payments.id, row.id)).get()!;
			return intentResponse(fresh, intent, true);
		});
	}

	/** Demo: a bank debit clearing or coming back. Run by the scheduler. */
	async demoSettle(paymentId: string, succeed: boolean): Promise<void> {
		const demo = this.demo;
		await this.serial(`payment:${paymentId}`, async () => {
			const row = this.app.store.db.select().from(payments).where(eq(payments.id, paymentId)).get();
			if (!row?.providerRef) return;
			const intent = demo.settle(row.providerRef, succeed);
			this.app.writer.transaction((w) => applyIntent(this.app, w, row.id, intent));
		});
	}

	/** The payment an intent belongs to: by its ref, else by the ids we put in its metadata. */
	paymentIdFor(ref: string | null, metadata: Record<string, string>): string | null {
		const db = this.app.store.db;
		if (ref) {
			const byRef = db.select({ id: payments.id }).from(payments).where(eq(payments.providerRef, ref)).get();
			if (byRef) return byRef.id;
		}
		const id = metadata.porchlight_payment_id;
		if (!id) return null;
		const row = db.select().from(payments).where(eq(payments.id, id)).get();
		if (!row || row.invoiceId !== metadata.porchlight_invoice_id || (row.providerRef && row.providerRef !== ref)) return null;
		return row.id;
	}

	/** Payments of these invoices, for callers that list them. */
	paymentsOf(invoiceIds: string[]): PaymentRow[] {
		if (invoiceIds.length === 0) return [];
		return this.app.store.db.select().from(payments).where(inArray(payments.invoiceId, invoiceIds)).all();
	}
}
