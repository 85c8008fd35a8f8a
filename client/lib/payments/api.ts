// Type-only imports: the shared zod schemas stay out of the browser bundle; the server validates
// every message anyway.
import type {
	AutopayRequest,
	AutopayResponse,
	CreateIntentRequest,
	DemoConfirmRequest,
	DemoSetupConfirmRequest,
	IntentResponse,
	OnlineMethodKind,
	PayConfig,
	PaymentHistory,
	PaymentSummary,
	Receipt,
	SavedMethod,
	SavedMethodResponse,
	SavedMethods,
	SetupIntentResponse
} from '$shared/protocol/payments';
import { api } from '$lib/api/http';

export type { IntentResponse, OnlineMethodKind, PayConfig, PaymentSummary, Receipt, SavedMethod };

export { ACH_PROCESSING_HEADLINE, DEMO_MODE_LABEL, OFFLINE_PAY_REASON } from './labels';

/**
 * A Pay tap can wait on Stripe: give it room. A request that times out may still have gone
 * through; the retry reaches the same attempt (see `createIntent`), so nothing is paid twice.
 */
const PAY_TIMEOUT_MS = 30_000;
const READ_TIMEOUT_MS = 15_000;

const enc = encodeURIComponent;

/** The payment configuration; ApiError 503 when online payments are off (the message says why). */
export function fetchPayConfig(): Promise<PayConfig> {
	return api<PayConfig>('/api/pay/config', { timeoutMs: READ_TIMEOUT_MS });
}

/**
 * Starts (or finds again) the attempt to pay an invoice. Taps with the same amount and method
 * reach the same attempt; pass the `attempt` of an earlier answer when retrying a lost one.
 */
export function createIntent(invoiceId: string, body: CreateIntentRequest): Promise<IntentResponse> {
	return api<IntentResponse>(`/api/pay/invoices/${enc(invoiceId)}/intent`, { body, timeoutMs: PAY_TIMEOUT_MS });
}

/** Demo mode: confirms a payment as the Payment Element would, with a simulated outcome. */
export function demoConfirm(paymentId: string, body: DemoConfirmRequest): Promise<IntentResponse> {
	return api<IntentResponse>(`/api/pay/demo/payments/${enc(paymentId)}/confirm`, { body, timeoutMs: PAY_TIMEOUT_MS });
}

/** Asks the server to read the payment from Stripe now (after Stripe.js confirmed it). */
export function refreshPayment(paymentId: string): Promise<PaymentSummary> {
	return api<PaymentSummary>(`/api/pay/payments/${enc(paymentId)}/refresh`, { method: 'POST', timeoutMs: PAY_TIMEOUT_MS });
}

/** The customer's payments, newest first. */
export async function fetchPayments(): Promise<PaymentSummary[]> {
	return (await api<PaymentHistory>('/api/pay/payments', { timeoutMs: READ_TIMEOUT_MS })).payments;
}

/** A paid payment's receipt; ApiError 409 while it has not gone through. */
export function fetchReceipt(paymentId: string): Promise<Receipt> {
	return api<Receipt>(`/api/pay/payments/${enc(paymentId)}/receipt`, { timeoutMs: READ_TIMEOUT_MS });
}

/** Where the receipt's PDF downloads from. */
export function receiptPdfUrl(paymentId: string): string {
	return `/api/pay/payments/${enc(paymentId)}/receipt?format=pdf`;
}

/** A SetupIntent to save a card or bank account. */
export function createSetupIntent(): Promise<SetupIntentResponse> {
	return api<SetupIntentResponse>('/api/pay/setup-intent', { method: 'POST', timeoutMs: PAY_TIMEOUT_MS });
}

/** Saves the method of a SetupIntent Stripe.js confirmed. */
export async function completeSetupIntent(setupIntentId: string): Promise<SavedMethod> {
	return (await api<SavedMethodResponse>(`/api/pay/setup-intent/${enc(setupIntentId)}/complete`, { method: 'POST', timeoutMs: PAY_TIMEOUT_MS })).method;
}

/** Demo mode: saves a made-up method that behaves as `outcome` says when charged. */
export async function demoConfirmSetup(setupIntentId: string, body: DemoSetupConfirmRequest): Promise<SavedMethod> {
	return (await api<SavedMethodResponse>(`/api/pay/demo/setup-intents/${enc(setupIntentId)}/confirm`, { body, timeoutMs: PAY_TIMEOUT_MS })).method;
}

/** The saved cards and bank accounts, oldest first. */
export async function fetchMethods(): Promise<SavedMethod[]> {
	return (await api<SavedMethods>('/api/pay/methods', { timeoutMs: READ_TIMEOUT_MS })).methods;
}

/** Removes a saved method; removing autopay's method turns autopay off. */
export function removeMethod(id: string): Promise<{ removed: true; autopayTurnedOff: boolean }> {
	return api(`/api/pay/methods/${enc(id)}`, { method: 'DELETE', timeoutMs: PAY_TIMEOUT_MS });
}

/** Turns autopay on with a saved method, or off. */
export function setAutopay(body: AutopayRequest): Promise<AutopayResponse> {
	return api<AutopayResponse>('/api/pay/autopay', { body, timeoutMs: PAY_TIMEOUT_MS });
}
