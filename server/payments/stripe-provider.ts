import Stripe from 'stripe';
import type { OnlineMethodKind } from '../../shared/protocol/payments.ts';
import {
	methodLabel,
	ProviderNotFoundError,
	ProviderUnavailableError,
	WebhookSignatureError,
	type ConfirmResult,
	type CreateIntentInput,
	type OnSessionContext,
	type PaymentProvider,
	type ProviderEvent,
	type ProviderIntent,
	type ProviderMethod,
	type ProviderSetupIntent
} from './provider.ts';

/** Where stripe-node sends its requests; tests point it at the fake Stripe on 127.0.0.1. */
export interface StripeApi {
	host: string;
	port: number;
	protocol: 'http' | 'https';
}

/** Method kinds offered on every intent: card and ACH debit. */
const METHOD_TYPES: ('card' | 'us_bank_account')[] = ['card', 'us_bank_account'];

function isStripeError(err: unknown): err is Stripe.errors.StripeError {
	return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' && (err as { type: string }).type.startsWith('Stripe');
}

/** Network trouble, rate limits and Stripe's own failures: worth trying again later. */
function isTransient(err: Stripe.errors.StripeError): boolean {
	return (
		err.type === 'StripeConnectionError' ||
		err.type === 'StripeAPIError' ||
		err.type === 'StripeRateLimitError' ||
		(typeof err.statusCode === 'number' && (err.statusCode >= 500 || err.statusCode === 409))
	);
}

function methodOf(pm: Stripe.PaymentMethod | string | null | undefined): ProviderMethod | null {
	if (!pm || typeof pm === 'string') return null;
	if (pm.type === 'us_bank_account' && pm.us_bank_account) {
		const bank = pm.us_bank_account;
		return { ref: pm.id, kind: 'us_bank_account', label: methodLabel('us_bank_account', bank.bank_name, bank.last4), brand: bank.bank_name ?? null, last4: bank.last4 ?? null, expMonth: null, expYear: null };
	}
	const card = pm.card;
	return {
		ref: pm.id,
		kind: 'card',
		label: methodLabel('card', card?.brand, card?.last4),
		brand: card?.brand ?? null,
		last4: card?.last4 ?? null,
		expMonth: card?.exp_month ?? null,
		expYear: card?.exp_year ?? null
	};
}

function intentOf(pi: Stripe.PaymentIntent): ProviderIntent {
	const err = pi.last_payment_error;
	return {
		ref: pi.id,
		status: pi.status as ProviderIntent['status'],
		amount: pi.amount,
		currency: pi.currency.toUpperCase(),
		clientSecret: pi.client_secret ?? null,
		customerRef: typeof pi.customer === 'string' ? pi.customer : (pi.customer?.id ?? null),
		method: methodOf(pi.payment_method as Stripe.PaymentMethod | string | null),
		lastError: err ? { code: err.code ?? null, message: err.message ?? 'The payment failed.' } : null,
		metadata: { ...(pi.metadata ?? {}) }
	};
}

function setupOf(si: Stripe.SetupIntent): ProviderSetupIntent {
	return {
		ref: si.id,
		status: si.status as ProviderSetupIntent['status'],
		clientSecret: si.client_secret ?? null,
		customerRef: typeof si.customer === 'string' ? si.customer : (si.customer?.id ?? null),
		methodRef: typeof si.payment_method === 'string' ? si.payment_method : (si.payment_method?.id ?? null),
		metadata: { ...(si.metadata ?? {}) }
	};
}

/**
 * Stripe through stripe-node. Every create call carries the caller's deterministic idempotency
 * key; stripe-node retries network failures and 409s with that same key, so a retry can never
 * make a second object.
 */
export class StripeProvider implements PaymentProvider {
	readonly name = 'stripe' as const;
	readonly demoMode = false;
	readonly publishableKey: string;
	#stripe: Stripe;
	#webhookSecret: string;
	#toleranceSec: number;

	constructor(keys: { secretKey: string; publishableKey: string; webhookSecret: string }, opts: { api?: StripeApi; webhookToleranceSec?: number } = {}) {
		this.publishableKey = keys.publishableKey;
		this.#webhookSecret = keys.webhookSecret;
		this.#toleranceSec = opts.webhookToleranceSec ?? 300;
		this.#stripe = new Stripe(keys.secretKey, {
			maxNetworkRetries: 3,
			timeout: 30_000,
			telemetry: false,
			appInfo: { name: 'Porchlight' },
			...(opts.api ? { host: opts.api.host, port: opts.api.port, protocol: opts.api.protocol } : {})
		});
	}

	/** Runs a Stripe call, turning transient failures into ProviderUnavailableError. */
	async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
		try {
			return await fn();
		} catch (err) {
			if (isStripeError(err)) {
				if (err.statusCode === 404 || err.code === 'resource_missing') throw new ProviderNotFoundError(`${what}: ${err.message}`);
				if (isTransient(err)) throw new ProviderUnavailableError(`${what}: ${err.message}`, { cause: err });
			}
			throw err;
		}
	}

	/** A confirmation that Stripe refused with a card error still tells us the intent it left. */
	async #confirming(what: string, fn: () => Promise<Stripe.PaymentIntent>): Promise<ConfirmResult> {
		try {
			return { intent: intentOf(await this.#call(what, fn)), error: null };
		} catch (err) {
			if (isStripeError(err) && err.type === 'StripeCardError' && err.payment_intent) {
				return { intent: intentOf(err.payment_intent), error: { code: err.code ?? null, message: err.message } };
			}
			throw err;
		}
	}

	ownsCustomerRef(ref: string): boolean {
		return ref.startsWith('cus_');
	}

	async createCustomer(input: { idempotencyKey: string; customerId: string; name: string; email: string | null }): Promise<string> {
		// Only our id goes into the create call: its parameters must be the same on every retry of
		// the key. Name and email follow in an update, which is safe to repeat.
		const customer = await this.#call('create customer', () =>
			this.#stripe.customers.create({ metadata: { porchlight_customer_id: input.customerId } }, { idempotencyKey: input.idempotencyKey })
		);
		try {
			await this.#stripe.customers.update(customer.id, { name: input.name, ...(input.email ? { email: input.email } : {}) });
		} catch {
			// Cosmetic (the Stripe dashboard's display name); the customer exists either way.
		}
		return customer.id;
	}

	createPaymentIntent(input: CreateIntentInput): Promise<ConfirmResult> {
		const params: Stripe.PaymentIntentCreateParams = {
			amount: input.amount,
			currency: input.currency.toLowerCase(),
			customer: input.customerRef,
			allowed_payment_method_types: METHOD_TYPES,
			description: input.description,
			metadata: input.metadata,
			...(input.offSession ? { payment_method: input.offSession.methodRef, off_session: true, confirm: true } : {})
		};
		return this.#confirming('create payment intent', () =>
			this.#stripe.paymentIntents.create(params, { idempotencyKey: input.idempotencyKey })
		);
	}

	async retrievePaymentIntent(ref: string): Promise<ProviderIntent> {
		return intentOf(await this.#call('retrieve payment intent', () => this.#stripe.paymentIntents.retrieve(ref, { expand: ['payment_method'] })));
	}

	async confirmPaymentIntent(
		ref: string,
		input: { idempotencyKey: string; methodRef: string; methodKind: OnlineMethodKind; context: OnSessionContext }
	): Promise<ConfirmResult> {
		const params: Stripe.PaymentIntentConfirmParams = {
			payment_method: input.methodRef,
			return_url: input.context.returnUrl,
			expand: ['payment_method'],
			// A bank debit confirmed on our server needs the customer's acceptance of the mandate.
			...(input.methodKind === 'us_bank_account'
				? { mandate_data: { customer_acceptance: { type: 'online', online: { ip_address: input.context.ip, user_agent: input.context.userAgent } } } }
				: {})
		};
		try {
			return await this.#confirming('confirm payment intent', () => this.#stripe.paymentIntents.confirm(ref, params, { idempotencyKey: input.idempotencyKey }));
		} catch (err) {
			// The key was used already (by a request that did not live to store its answer): the
			// confirmation happened; what it led to is the intent as it is now.
			if (isStripeError(err) && (err.type === 'StripeIdempotencyError' || err.code === 'payment_intent_unexpected_state')) {
				return { intent: await this.retrievePaymentIntent(ref), error: null };
			}
			throw err;
		}
	}

	async cancelPaymentIntent(ref: string): Promise<void> {
		await this.#call('cancel payment intent', () => this.#stripe.paymentIntents.cancel(ref, {}, { idempotencyKey: `cancel:${ref}` }));
	}

	async createSetupIntent(input: { idempotencyKey: string; customerRef: string; metadata: Record<string, string> }): Promise<ProviderSetupIntent> {
		const si = await this.#call('create setup intent', () =>
			this.#stripe.setupIntents.create(
				{ customer: input.customerRef, allowed_payment_method_types: METHOD_TYPES, usage: 'off_session', metadata: input.metadata },
				{ idempotencyKey: input.idempotencyKey }
			)
		);
		return setupOf(si);
	}

	async retrieveSetupIntent(ref: string): Promise<ProviderSetupIntent> {
		return setupOf(await this.#call('retrieve setup intent', () => this.#stripe.setupIntents.retrieve(ref)));
	}

	async retrievePaymentMethod(ref: string): Promise<ProviderMethod> {
		const pm = await this.#call('retrieve payment method', () => this.#stripe.paymentMethods.retrieve(ref));
		const method = methodOf(pm);
		if (!method) throw new ProviderNotFoundError(`payment method ${ref} has no details`);
		return method;
	}

	async detachPaymentMethod(ref: string): Promise<void> {
		try {
			await this.#call('detach payment method', () => this.#stripe.paymentMethods.detach(ref));
		} catch (err) {
			// Already detached (or gone) is what we wanted.
			if (err instanceof ProviderNotFoundError) return;
			if (isStripeError(err) && err.type === 'StripeInvalidRequestError') return;
			throw err;
		}
	}

	verifyWebhook(raw: Buffer, signature: string | undefined, now: number): ProviderEvent {
		if (!signature) throw new WebhookSignatureError('The Stripe-Signature header is missing.');
		const t = /(?:^|,)\s*t=(\d+)/.exec(signature);
		// Stripe's check only refuses old timestamps; one far in the future is just as suspect.
		if (t && Number(t[1]) - Math.floor(now / 1000) > this.#toleranceSec) throw new WebhookSignatureError('The webhook timestamp is in the future.');
		let event: Stripe.Event;
		try {
			event = this.#stripe.webhooks.constructEvent(raw, signature, this.#webhookSecret, this.#toleranceSec, undefined, now);
		} catch (err) {
			throw new WebhookSignatureError(err instanceof Error ? err.message.split('\n')[0] : 'The webhook signature does not match.');
		}
		return eventOf(event);
	}
}

/** The part of a verified Stripe event the service applies. */
function eventOf(event: Stripe.Event): ProviderEvent {
	const object = (event.data as unknown as { object?: Record<string, unknown> }).object ?? {};
	switch (event.type) {
		case 'payment_intent.succeeded':
		case 'payment_intent.processing':
		case 'payment_intent.payment_failed':
		case 'payment_intent.canceled':
			return { id: event.id, type: 'payment_intent', eventType: event.type, intentRef: String(object.id), metadata: { ...((object.metadata as Record<string, string>) ?? {}) } };
		case 'setup_intent.succeeded':
			return { id: event.id, type: 'setup_intent', eventType: event.type, setupIntentRef: String(object.id) };
		case 'charge.refunded': {
			const pi = object.payment_intent;
			return {
				id: event.id,
				type: 'charge_refunded',
				eventType: event.type,
				charge: {
					ref: String(object.id),
					intentRef: typeof pi === 'string' ? pi : pi && typeof pi === 'object' ? String((pi as { id: unknown }).id) : null,
					amount: Number(object.amount ?? 0),
					amountRefunded: Number(object.amount_refunded ?? 0)
				},
				metadata: { ...((object.metadata as Record<string, string>) ?? {}) }
			};
		}
		default:
			return { id: event.id, type: 'ignored', eventType: event.type };
	}
}
