import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DEMO_OUTCOMES, OnlineMethodKind } from '../../shared/protocol/payments.ts';
import type { Db } from '../db/client.ts';
import { payments } from '../db/schema.ts';
import {
	methodLabel,
	ProviderNotFoundError,
	WebhookSignatureError,
	type ConfirmResult,
	type CreateIntentInput,
	type PaymentProvider,
	type ProviderEvent,
	type ProviderIntent,
	type ProviderMethod,
	type ProviderSetupIntent
} from './provider.ts';

/** An outcome the demo can simulate. */
export type DemoOutcome = (typeof DEMO_OUTCOMES)[number];

const OUTCOME_CODE: Record<DemoOutcome, string> = { success: 'ok', decline: 'decline', authentication_required: 'auth' };
const CODE_OUTCOME: Record<string, DemoOutcome> = { ok: 'success', decline: 'decline', auth: 'authentication_required' };

/** The last four digits Stripe's own test cards and banks use for each outcome. */
const LAST4: Record<OnlineMethodKind, Record<DemoOutcome, string>> = {
	card: { success: '4242', decline: '0002', authentication_required: '3155' },
	us_bank_account: { success: '6789', decline: '1116', authentication_required: '6789' }
};

const DECLINED = { code: 'card_declined', message: 'Your card was declined. (Demo mode — no real money.)' };
const AUTH_REQUIRED = { code: 'authentication_required', message: 'Your bank needs you to confirm this payment. (Demo mode — no real money.)' };
const ACH_RETURNED = { code: 'insufficient_funds', message: 'The bank returned the debit: insufficient funds. (Demo mode — no real money.)' };

/** A demo method id carries its kind and how it behaves, like Stripe's `pm_card_chargeDeclined`. */
export function demoMethodRef(kind: OnlineMethodKind, outcome: DemoOutcome, seed?: string): string {
	const tail = seed ? createHash('sha256').update(seed).digest('hex').slice(0, 12) : randomBytes(6).toString('hex');
	return `demo_pm_${kind === 'card' ? 'card' : 'bank'}_${OUTCOME_CODE[outcome]}_${tail}`;
}

/** The demo SetupIntent id for an idempotency key (`seti:<customer>:<n>`). */
export function demoSetupRef(idempotencyKey: string): string {
	return hashed('demo_seti', idempotencyKey);
}

/** Kind and behaviour of a demo method id, or null for anything else. */
export function parseDemoMethodRef(ref: string): { kind: OnlineMethodKind; outcome: DemoOutcome } | null {
	const m = /^demo_pm_(card|bank)_(ok|decline|auth)_[0-9a-f]+$/.exec(ref);
	if (!m) return null;
	return { kind: m[1] === 'card' ? 'card' : 'us_bank_account', outcome: CODE_OUTCOME[m[2]] };
}

function hashed(prefix: string, key: string): string {
	return `${prefix}_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** A demo method as the provider describes it, from its id alone. */
export function demoMethod(ref: string): ProviderMethod {
	const parsed = parseDemoMethodRef(ref);
	if (!parsed) throw new ProviderNotFoundError(`no demo payment method ${ref}`);
	const last4 = LAST4[parsed.kind][parsed.outcome];
	const brand = parsed.kind === 'card' ? 'visa' : 'Demo Bank';
	return {
		ref,
		kind: parsed.kind,
		label: methodLabel(parsed.kind, brand, last4),
		brand,
		last4,
		expMonth: parsed.kind === 'card' ? 12 : null,
		expYear: parsed.kind === 'card' ? 2034 : null
	};
}

/**
 * The demo provider: no real money, no network. Its intents are our own payment rows (their
 * state is the demo's state), ids are derived from the idempotency keys, and a saved method's id
 * says how it behaves, so nothing is lost on restart. Bank debits settle later through the
 * scheduler (`demo-settle` jobs) — see service.ts.
 */
export class DemoProvider implements PaymentProvider {
	readonly name = 'demo' as const;
	readonly demoMode = true;
	readonly publishableKey = null;

	constructor(private readonly db: () => Db) {}

	ownsCustomerRef(ref: string): boolean {
		return ref.startsWith('demo_cus_');
	}

	async createCustomer(input: { customerId: string }): Promise<string> {
		return `demo_cus_${input.customerId}`;
	}

	/** The intent behind a demo payment row, as it stands. */
	#current(ref: string): ProviderIntent {
		const row = this.db().select().from(payments).where(eq(payments.providerRef, ref)).get();
		if (!row) throw new ProviderNotFoundError(`no demo payment intent ${ref}`);
		const status: ProviderIntent['status'] =
			row.status === 'succeeded' || row.status === 'refunded'
				? 'succeeded'
				: row.status === 'processing'
					? 'processing'
					: row.status === 'canceled'
						? 'canceled'
						: 'requires_payment_method';
		return {
			ref,
			status,
			amount: row.amount,
			currency: row.currency,
			clientSecret: `${ref}_secret_demo`,
			customerRef: `demo_cus_${row.customerId}`,
			method: row.methodLabel ? { ref: 'demo_pm_stored', kind: row.method === 'us_bank_account' ? 'us_bank_account' : 'card', label: row.methodLabel, brand: null, last4: null, expMonth: null, expYear: null } : null,
			lastError: row.status === 'failed' ? { code: null, message: row.failureMessage ?? 'The payment failed.' } : null,
			metadata: { porchlight_payment_id: row.id, porchlight_invoice_id: row.invoiceId }
		};
	}

	/** What confirming with a method of this behaviour leads to. */
	#outcome(base: Omit<ProviderIntent, 'status' | 'lastError' | 'method'>, method: ProviderMethod, outcome: DemoOutcome, offSession: boolean): ConfirmResult {
		if (method.kind === 'us_bank_account') return { intent: { ...base, method, status: 'processing', lastError: null }, error: null };
		if (outcome === 'success') return { intent: { ...base, method, status: 'succeeded', lastError: null }, error: null };
		if (outcome === 'authentication_required' && !offSession) return { intent: { ...base, method, status: 'requires_action', lastError: null }, error: null };
		const error = outcome === 'decline' ? DECLINED : AUTH_REQUIRED;
		return { intent: { ...base, method, status: 'requires_payment_method', lastError: error }, error };
	}

	async createPaymentIntent(input: CreateIntentInput): Promise<ConfirmResult> {
		const ref = hashed('demo_pi', input.idempotencyKey);
		const base = { ref, amount: input.amount, currency: input.currency, clientSecret: `${ref}_secret_demo`, customerRef: input.customerRef, metadata: input.metadata };
		if (!input.offSession) return { intent: { ...base, status: 'requires_payment_method', method: null, lastError: null }, error: null };
		const method = demoMethod(input.offSession.methodRef);
		return this.#outcome(base, method, parseDemoMethodRef(method.ref)!.outcome, true);
	}

	async retrievePaymentIntent(ref: string): Promise<ProviderIntent> {
		return this.#current(ref);
	}

	async confirmPaymentIntent(ref: string, input: { methodRef: string }): Promise<ConfirmResult> {
		const current = this.#current(ref);
		if (current.status !== 'requires_payment_method') return { intent: current, error: null };
		const method = demoMethod(input.methodRef);
		return this.#outcome(current, method, parseDemoMethodRef(method.ref)!.outcome, false);
	}

	/** The demo's stand-in for the Payment Element: a customer confirming with a made-up method. */
	simulateConfirm(ref: string, kind: OnlineMethodKind, outcome: DemoOutcome): ConfirmResult {
		const current = this.#current(ref);
		if (current.status !== 'requires_payment_method') return { intent: current, error: null };
		// A second confirmation after "authentication required" is the customer passing the check.
		return this.#outcome(current, demoMethod(demoMethodRef(kind, outcome)), outcome, false);
	}

	/** A bank debit clearing (or coming back) days later, compressed to seconds. */
	settle(ref: string, succeed: boolean): ProviderIntent {
		const current = this.#current(ref);
		if (current.status !== 'processing') return current;
		return succeed ? { ...current, status: 'succeeded', lastError: null } : { ...current, status: 'requires_payment_method', lastError: ACH_RETURNED };
	}

	async cancelPaymentIntent(): Promise<void> {}

	async createSetupIntent(input: { idempotencyKey: string; customerRef: string; metadata: Record<string, string> }): Promise<ProviderSetupIntent> {
		const ref = demoSetupRef(input.idempotencyKey);
		return { ref, status: 'requires_payment_method', clientSecret: `${ref}_secret_demo`, customerRef: input.customerRef, methodRef: null, metadata: input.metadata };
	}

	async retrieveSetupIntent(ref: string): Promise<ProviderSetupIntent> {
		if (!/^demo_seti_[0-9a-f]{24}$/.test(ref)) throw new ProviderNotFoundError(`no demo setup intent ${ref}`);
		return { ref, status: 'requires_payment_method', clientSecret: `${ref}_secret_demo`, customerRef: null, methodRef: null, metadata: {} };
	}

	async retrievePaymentMethod(ref: string): Promise<ProviderMethod> {
		return demoMethod(ref);
	}

	async detachPaymentMethod(): Promise<void> {}

	verifyWebhook(): ProviderEvent {
		throw new WebhookSignatureError('The demo payment provider sends no webhooks.');
	}
}
