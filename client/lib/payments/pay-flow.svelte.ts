import type { Stripe } from '@stripe/stripe-js';
import { ApiError, OfflineError, describeError } from '$lib/api/http';
import { createIntent, demoConfirm, refreshPayment, type IntentResponse, type OnlineMethodKind, type PaymentSummary } from './api';
import type { MountedPaymentElement } from './stripe';

/** Outcomes the demo can simulate (mirrors DEMO_OUTCOMES). */
export type DemoOutcome = 'success' | 'decline' | 'authentication_required';

/** Where a payment stands on the Pay screen. */
export type PayPhase =
	/** Choosing how to pay (possibly after a failure, see `error`). */
	| { kind: 'ready' }
	/** Demo mode: the bank asks the customer to confirm (the stand-in for 3-D Secure). */
	| { kind: 'authenticate'; paymentId: string; method: OnlineMethodKind }
	/** A bank debit on its way. */
	| { kind: 'processing'; paymentId: string; amount: number | null; currency: string }
	/** Paid: the screen moves on to the receipt. */
	| { kind: 'succeeded'; paymentId: string }
	/** The server will not take a payment for this invoice now (paid, processing, autopay running…). */
	| { kind: 'blocked'; message: string };

/** What the flow needs from its screen. */
export interface PayFlowOptions {
	invoiceId: string;
	/** Stripe.js, for `handleNextAction` (null in demo mode). */
	stripe: () => Promise<Stripe> | null;
	/** Where Stripe sends the customer back after a redirect-based method. */
	returnUrl: () => string;
}

/** What one tap sent, to recognise a retry of the same thing. */
function keyOf(amount: number | undefined, methodId: string | undefined): string {
	return `${amount ?? 'all'}|${methodId ?? 'new'}`;
}

const RESUME_KEY = 'porchlight.pay-resume';

/** Remembers the payment a Stripe redirect is about (sessionStorage: this tab only). */
function rememberForRedirect(invoiceId: string, paymentId: string): void {
	try {
		sessionStorage.setItem(RESUME_KEY, JSON.stringify({ invoiceId, paymentId }));
	} catch {
		// Without storage a redirect comes back to a fresh screen; the webhook still records it.
	}
}

/** The payment a Stripe redirect came back for, once. */
function takeRedirected(invoiceId: string): string | null {
	try {
		const raw = sessionStorage.getItem(RESUME_KEY);
		sessionStorage.removeItem(RESUME_KEY);
		const saved = raw ? (JSON.parse(raw) as { invoiceId?: string; paymentId?: string }) : null;
		return saved?.invoiceId === invoiceId && typeof saved.paymentId === 'string' ? saved.paymentId : null;
	} catch {
		return null;
	}
}

/**
 * Paying one invoice, as rune state. Every entry point refuses to run while another is in flight
 * (a synchronous guard, so twenty taps in one frame make one request), and a retry reaches the
 * same attempt: the server reuses the open attempt for the same amount and method, and an answer
 * that was lost is asked for again with its `attempt` number.
 */
export class PayFlow {
	phase = $state<PayPhase>({ kind: 'ready' });
	/** True while a request or Stripe.js is working. */
	busy = $state(false);
	/** What is being done, for the busy button ("Paying…"). */
	busyLabel = $state('');
	/** Why the last try did not go through (a decline, a lost connection), or null. */
	error = $state<string | null>(null);
	/** The server blamed the amount: shown under the amount field. */
	amountError = $state<string | null>(null);
	/** The attempt a new card or bank account pays (its client secret feeds the Payment Element). */
	intent = $state.raw<IntentResponse | null>(null);

	#inFlight = false;
	/** Attempt numbers of earlier answers, by what was sent. */
	#attempts = new Map<string, number>();
	#options: PayFlowOptions;

	constructor(options: PayFlowOptions) {
		this.#options = options;
	}

	/** Runs one step at a time; a second tap while one runs does nothing. */
	async #run(label: string, step: () => Promise<void>): Promise<void> {
		if (this.#inFlight) return;
		this.#inFlight = true;
		this.busy = true;
		this.busyLabel = label;
		this.error = null;
		this.amountError = null;
		try {
			await step();
		} catch (err) {
			this.#fail(err);
		} finally {
			this.#inFlight = false;
			this.busy = false;
			this.busyLabel = '';
		}
	}

	/** The attempt to pay `amount` with a new method: the one already open, else a new one. */
	async #newMethodIntent(amount: number | undefined): Promise<IntentResponse> {
		const key = keyOf(amount, undefined);
		if (this.intent && this.#attempts.get(key) === this.intent.attempt && this.intent.status !== 'succeeded') return this.intent;
		const intent = await createIntent(this.#options.invoiceId, { amount, attempt: this.#attempts.get(key) });
		this.#attempts.set(key, intent.attempt);
		this.intent = intent;
		return intent;
	}

	/**
	 * Stripe: makes sure there is an attempt for this amount and returns its client secret, for
	 * the Payment Element. A new amount abandons the old attempt (nothing was charged on it).
	 */
	prepare(amount: number | undefined): Promise<void> {
		return this.#run('Preparing…', async () => {
			const intent = await this.#newMethodIntent(amount);
			// An attempt left waiting for the bank's check is confirmed again from the form instead.
			if (intent.status !== 'pending') await this.#settle(intent);
		});
	}

	/** One tap with a saved method: the server confirms at once. */
	payWithSaved(methodId: string, amount: number | undefined): Promise<void> {
		return this.#run('Paying…', async () => {
			const key = keyOf(amount, methodId);
			const intent = await createIntent(this.#options.invoiceId, { amount, paymentMethodId: methodId, attempt: this.#attempts.get(key) });
			this.#attempts.set(key, intent.attempt);
			// The Payment Element's attempt was set aside by the server for this one.
			this.intent = null;
			this.#attempts.delete(keyOf(amount, undefined));
			await this.#settle(intent);
			// A declined saved method's attempt is over: the next tap starts a fresh one.
			if (intent.status === 'failed') this.#attempts.delete(key);
		});
	}

	/** Demo mode: pays with a simulated card or bank account. A retry confirms the same attempt. */
	payWithDemo(amount: number | undefined, method: OnlineMethodKind, outcome: DemoOutcome): Promise<void> {
		return this.#run('Paying…', async () => {
			const intent = await this.#newMethodIntent(amount);
			if (intent.status === 'succeeded' || intent.status === 'processing') return this.#settle(intent);
			await this.#demoConfirm(intent.paymentId, method, outcome);
		});
	}

	/**
	 * Demo confirmation. A 409 means the payment moved on meanwhile (a retry after a lost
	 * answer, say): where it stands is read back instead of showing an error.
	 */
	async #demoConfirm(paymentId: string, method: OnlineMethodKind, outcome: DemoOutcome): Promise<void> {
		let confirmed: IntentResponse;
		try {
			confirmed = await demoConfirm(paymentId, { method, outcome });
		} catch (err) {
			if (!(err instanceof ApiError && err.status === 409)) throw err;
			this.#show(await refreshPayment(paymentId), null);
			return;
		}
		this.intent = confirmed;
		await this.#settle(confirmed, method);
	}

	/** Demo mode: the customer passes (or abandons) the bank's check. */
	authenticateDemo(pass: boolean): Promise<void> {
		const phase = this.phase;
		if (phase.kind !== 'authenticate') return Promise.resolve();
		if (!pass) {
			this.phase = { kind: 'ready' };
			this.error = 'The payment was not confirmed, so nothing was charged. Try again, or use another card or bank account.';
			return Promise.resolve();
		}
		return this.#run('Confirming…', () => this.#demoConfirm(phase.paymentId, phase.method, 'success'));
	}

	/** Stripe: confirms the attempt with what the customer typed into the Payment Element. */
	confirmWithElement(mounted: MountedPaymentElement): Promise<void> {
		return this.#run('Paying…', async () => {
			const intent = this.intent;
			if (!intent) return;
			rememberForRedirect(this.#options.invoiceId, intent.paymentId);
			const result = await mounted.stripe.confirmPayment({
				elements: mounted.elements,
				redirect: 'if_required',
				confirmParams: { return_url: this.#options.returnUrl() }
			});
			if (result.error) {
				// Incomplete fields never reached Stripe: nothing to record.
				if (result.error.type === 'validation_error') {
					this.error = result.error.message ?? 'Check the payment details.';
					return;
				}
				await this.#afterStripe(intent.paymentId, result.error.message);
				return;
			}
			if (result.paymentIntent.status === 'requires_action') {
				await this.#nextAction(mounted.stripe, intent);
				return;
			}
			await this.#afterStripe(intent.paymentId, null);
		});
	}

	/** Back from a Stripe redirect (`?redirect_status=`): reads where the payment stands. */
	resumeAfterRedirect(): Promise<void> {
		const paymentId = takeRedirected(this.#options.invoiceId);
		if (!paymentId) return Promise.resolve();
		return this.#run('Checking the payment…', () => this.#afterStripe(paymentId, null));
	}

	/** Leaves a result screen to pay again (another method, after a failure). */
	reset(): void {
		this.phase = { kind: 'ready' };
	}

	/** Applies an answer from our server. */
	async #settle(intent: IntentResponse, method?: OnlineMethodKind): Promise<void> {
		switch (intent.status) {
			case 'succeeded':
				this.phase = { kind: 'succeeded', paymentId: intent.paymentId };
				return;
			case 'processing':
				this.phase = { kind: 'processing', paymentId: intent.paymentId, amount: intent.amount, currency: intent.currency };
				return;
			case 'failed':
				this.error = intent.failureMessage ?? 'The payment did not go through.';
				this.phase = { kind: 'ready' };
				return;
			default:
				if (!intent.nextAction) return;
				if (intent.demoMode) {
					this.phase = { kind: 'authenticate', paymentId: intent.paymentId, method: method ?? 'card' };
					return;
				}
				{
					const stripe = this.#options.stripe();
					if (!stripe) return;
					await this.#nextAction(await stripe, intent);
				}
		}
	}

	/** Stripe: the customer's bank wants them to confirm (3-D Secure). */
	async #nextAction(stripe: Stripe, intent: IntentResponse): Promise<void> {
		this.busyLabel = 'Waiting for your bank…';
		const result = await stripe.handleNextAction({ clientSecret: intent.clientSecret });
		await this.#afterStripe(intent.paymentId, result.error ? (result.error.message ?? 'Your bank did not confirm the payment.') : null);
	}

	/** After Stripe.js: our server reads the payment from Stripe, which settles what to show. */
	async #afterStripe(paymentId: string, stripeError: string | null | undefined): Promise<void> {
		let summary: PaymentSummary;
		try {
			summary = await refreshPayment(paymentId);
		} catch (err) {
			// Stripe's own word is enough to show; the webhook records the payment anyway.
			if (stripeError) {
				this.error = stripeError;
				return;
			}
			throw err;
		}
		this.#show(summary, stripeError);
	}

	#show(summary: PaymentSummary, stripeError: string | null | undefined): void {
		switch (summary.status) {
			case 'succeeded':
			case 'refunded':
				this.phase = { kind: 'succeeded', paymentId: summary.id };
				return;
			case 'processing':
				this.phase = { kind: 'processing', paymentId: summary.id, amount: summary.amount, currency: summary.currency };
				return;
			case 'failed':
				this.error = stripeError ?? summary.failureMessage ?? 'The payment did not go through.';
				this.phase = { kind: 'ready' };
				return;
			default:
				this.error = stripeError ?? 'The payment was not completed, so nothing was charged. Please try again.';
				this.phase = { kind: 'ready' };
		}
	}

	#fail(err: unknown): void {
		if (err instanceof OfflineError) {
			this.error = 'The connection dropped before we heard back. Nothing will be charged twice: try again once you are back online.';
			return;
		}
		if (err instanceof ApiError) {
			if (err.status === 409 && err.field === 'attempt') {
				// The answer we lost: that attempt has finished since.
				const details = (err.details ?? {}) as { paymentId?: string; status?: string };
				this.#attempts.clear();
				this.intent = null;
				if (details.paymentId && details.status === 'succeeded') this.phase = { kind: 'succeeded', paymentId: details.paymentId };
				else if (details.paymentId && details.status === 'processing') this.phase = { kind: 'processing', paymentId: details.paymentId, amount: null, currency: '' };
				else this.error = 'That payment did not go through. Please try again.';
				return;
			}
			if (err.status === 409) {
				this.phase = { kind: 'blocked', message: err.message };
				return;
			}
			if (err.field === 'amount') {
				this.amountError = err.message.replace(/^amount:\s*/, '');
				return;
			}
			if (err.field === 'paymentMethodId') {
				this.error = 'That saved method is no longer available. Choose another, or add a new card or bank account.';
				return;
			}
		}
		if (err instanceof Error && !(err instanceof ApiError) && err.message.startsWith('Stripe.js')) {
			this.error = 'The secure payment form could not load. Check your connection and try again.';
			return;
		}
		this.error = describeError(err);
	}
}
