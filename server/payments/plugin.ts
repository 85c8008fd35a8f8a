import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { DEMO_MODE_LABEL } from '../../shared/protocol/payments.ts';
import { DemoProvider } from './demo-provider.ts';
import type { PaymentProvider } from './provider.ts';
import { payRoutes } from './routes.ts';
import { PaymentScheduler, scanAutopay, scheduleAutopay } from './scheduler.ts';
import { Payments } from './service.ts';
import { StripeProvider, type StripeApi } from './stripe-provider.ts';
import { webhookRoute } from './webhook.ts';

/** Knobs tests turn: where Stripe is, how often the scheduler looks, how fast demo debits settle. */
export interface PaymentsOptions {
	/** stripe-node's host/port/protocol; tests point it at the fake Stripe. */
	stripeApi?: StripeApi;
	/** How often the scheduler looks for due jobs (ms). Default one minute. */
	schedulerIntervalMs?: number;
	/** How long a demo bank debit stays processing before it settles (ms). Default 20 s. */
	demoSettleMs?: number;
	/** Accepted age of a webhook signature (s). Default 300, Stripe's own. */
	webhookToleranceSec?: number;
}

declare module 'fastify' {
	interface FastifyInstance {
		/** Payments: the provider, attempts, events. */
		payments: Payments;
		/** Runs autopay charges and demo settlements; null when payments are off. */
		paymentScheduler: PaymentScheduler | null;
	}
}

/** Why the demo provider never runs in production. */
export const PRODUCTION_REFUSAL =
	'Online payments are off: this server runs in production without Stripe keys, and the demo payment provider (no real money) is never used in production. ' +
	'Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET.';

const plugin: FastifyPluginAsync<PaymentsOptions> = async (app, opts) => {
	let provider: PaymentProvider | null = null;
	let refusal: string | null = null;
	const stripe = app.config.stripe;
	if (stripe) {
		provider = new StripeProvider(stripe, { api: opts.stripeApi, webhookToleranceSec: opts.webhookToleranceSec });
	} else if (app.config.nodeEnv === 'production') {
		refusal = PRODUCTION_REFUSAL;
		app.log.error(refusal);
	} else {
		provider = new DemoProvider(() => app.store.db);
		app.log.warn(`payments: ${DEMO_MODE_LABEL} (no Stripe keys set)`);
	}

	const payments = new Payments(app, provider, refusal, { demoSettleMs: opts.demoSettleMs ?? 20_000 });
	app.decorate('payments', payments);
	const scheduler = provider ? new PaymentScheduler(app, opts.schedulerIntervalMs ?? 60_000) : null;
	app.decorate('paymentScheduler', scheduler);

	await app.register(payRoutes);
	await app.register(webhookRoute);

	if (scheduler) {
		// An invoice issued by any code path (staff, integrations, imports) gets its autopay job.
		const unsubscribe = app.changes.subscribe((changes) => {
			const ids = new Set(changes.filter((c) => c.collection === 'invoices').map((c) => c.id));
			if (ids.size === 0) return;
			queueMicrotask(() => {
				for (const id of ids) {
					try {
						scheduleAutopay(app, id);
					} catch (err) {
						app.log.error({ err, invoiceId: id }, 'could not schedule autopay');
					}
				}
			});
		});
		app.addHook('onReady', async () => {
			const n = scanAutopay(app);
			if (n > 0) app.log.info({ invoices: n }, 'autopay scheduled for open invoices');
			scheduler.start();
		});
		app.addHook('preClose', async () => {
			unsubscribe();
			await scheduler.stop();
		});
	}
};

/**
 * Payments (`/api/pay/*`): the provider (Stripe with keys, else the demo — refused in
 * production), Pay taps, saved methods, autopay and its scheduler, receipts and Stripe webhooks.
 */
export const paymentsPlugin = fp(plugin, { name: 'porchlight-payments', dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-mail'] });
