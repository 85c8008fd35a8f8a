import type { OnlineMethodKind, PaymentProviderName } from '../../shared/protocol/payments.ts';

/*
 * The seam between Porchlight and whoever moves the money. The service speaks only in these
 * terms; Stripe and the demo each translate. Every create call takes an idempotency key that the
 * caller derives from stored rows, so a retried or restarted request reaches the same object.
 */

/** A payment method as the provider describes it (brand and last 4, never card data). */
export interface ProviderMethod {
	ref: string;
	kind: OnlineMethodKind;
	/** e.g. "Visa •••• 4242", "STRIPE TEST BANK •••• 6789". */
	label: string;
	brand: string | null;
	last4: string | null;
	expMonth: number | null;
	expYear: number | null;
}

/** Provider-side states of a payment, as Stripe names them. */
export type IntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'succeeded' | 'canceled';

/** A payment on the provider's side, as it is right now. */
export interface ProviderIntent {
	ref: string;
	status: IntentStatus;
	amount: number;
	/** Upper case ISO code. */
	currency: string;
	clientSecret: string | null;
	customerRef: string | null;
	/** The method it was (last) confirmed with, when known. */
	method: ProviderMethod | null;
	/** Why the last confirmation failed; stays set until a later one succeeds. */
	lastError: { code: string | null; message: string } | null;
	metadata: Record<string, string>;
}

/** A card error answered to a confirmation (decline, authentication required), with the intent it left. */
export interface ConfirmResult {
	intent: ProviderIntent;
	/** Set when the provider refused the confirmation (402 on Stripe). */
	error: { code: string | null; message: string } | null;
}

/** A SetupIntent: saves a method for later without charging it. */
export interface ProviderSetupIntent {
	ref: string;
	status: 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'succeeded' | 'canceled';
	clientSecret: string | null;
	customerRef: string | null;
	methodRef: string | null;
	metadata: Record<string, string>;
}

/** A refund-carrying charge, as `charge.refunded` describes it. */
export interface ProviderCharge {
	ref: string;
	intentRef: string | null;
	amount: number;
	amountRefunded: number;
}

/** A verified provider event. Only the parts the service applies. */
export type ProviderEvent =
	| { id: string; type: 'payment_intent'; eventType: string; intentRef: string; metadata: Record<string, string> }
	| { id: string; type: 'setup_intent'; eventType: string; setupIntentRef: string }
	| { id: string; type: 'charge_refunded'; eventType: string; charge: ProviderCharge; metadata: Record<string, string> }
	| { id: string; type: 'ignored'; eventType: string };

/** Parameters of a new payment. All of them come from stored rows, so a retry sends the same ones. */
export interface CreateIntentInput {
	idempotencyKey: string;
	amount: number;
	currency: string;
	customerRef: string;
	description: string;
	metadata: Record<string, string>;
	/** Autopay: confirm at once, off-session, with this saved method. */
	offSession?: { methodRef: string };
}

/** What the customer is present with when a saved method is confirmed on-session (bank mandates). */
export interface OnSessionContext {
	ip: string;
	userAgent: string;
	returnUrl: string;
}

/** A payment provider failure that is nobody's fault but the network's: try again later. */
export class ProviderUnavailableError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'ProviderUnavailableError';
	}
}

/** The provider has no such object (e.g. a demo intent after a restart). */
export class ProviderNotFoundError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ProviderNotFoundError';
	}
}

/** A webhook whose signature or timestamp does not check out. */
export class WebhookSignatureError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'WebhookSignatureError';
	}
}

/** Moves money: Stripe, or the demo that moves none. */
export interface PaymentProvider {
	readonly name: PaymentProviderName;
	/** True for the demo: every answer says so, so every screen can. */
	readonly demoMode: boolean;
	/** For Stripe.js; null in demo mode. */
	readonly publishableKey: string | null;

	/** The provider's customer for ours, created at most once per `idempotencyKey`. */
	createCustomer(input: { idempotencyKey: string; customerId: string; name: string; email: string | null }): Promise<string>;
	/** True when `ref` is a customer of this provider (not, say, a demo id left from before Stripe was set up). */
	ownsCustomerRef(ref: string): boolean;

	createPaymentIntent(input: CreateIntentInput): Promise<ConfirmResult>;
	retrievePaymentIntent(ref: string): Promise<ProviderIntent>;
	/** Confirms on-session with a saved method (one tap). */
	confirmPaymentIntent(ref: string, input: { idempotencyKey: string; methodRef: string; methodKind: OnlineMethodKind; context: OnSessionContext }): Promise<ConfirmResult>;
	/** Best effort: an abandoned attempt. */
	cancelPaymentIntent(ref: string): Promise<void>;

	createSetupIntent(input: { idempotencyKey: string; customerRef: string; metadata: Record<string, string> }): Promise<ProviderSetupIntent>;
	retrieveSetupIntent(ref: string): Promise<ProviderSetupIntent>;
	retrievePaymentMethod(ref: string): Promise<ProviderMethod>;
	detachPaymentMethod(ref: string): Promise<void>;

	/** Verifies a webhook on its raw bytes; throws WebhookSignatureError. `now` in ms. */
	verifyWebhook(raw: Buffer, signature: string | undefined, now: number): ProviderEvent;
}

/** "Visa", "Mastercard", "Amex"… from a provider's brand code. */
export function brandName(brand: string | null | undefined): string {
	const names: Record<string, string> = {
		visa: 'Visa',
		mastercard: 'Mastercard',
		amex: 'Amex',
		american_express: 'Amex',
		discover: 'Discover',
		diners: 'Diners Club',
		jcb: 'JCB',
		unionpay: 'UnionPay',
		cartes_bancaires: 'Cartes Bancaires',
		eftpos_au: 'eftpos',
		interac: 'Interac',
		link: 'Link'
	};
	if (!brand) return 'Card';
	return names[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

/** The label a method shows: "Visa •••• 4242" or "<bank> •••• 6789". */
export function methodLabel(kind: OnlineMethodKind, brandOrBank: string | null | undefined, last4: string | null | undefined): string {
	const head = kind === 'card' ? brandName(brandOrBank) : brandOrBank?.trim() || 'Bank account';
	return last4 ? `${head} •••• ${last4}` : head;
}
