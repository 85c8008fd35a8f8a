import { z } from 'zod';
import { currencySchema, docIdSchema, instantSchema, nonNegativeMinorSchema, textSchema } from '../schemas/common.ts';
import { PAYMENT_METHODS, PAYMENT_STATUSES } from '../schemas/invoice.ts';

/*
 * Every body of `/api/pay/*`. Card and bank details never pass through these messages: they go
 * from Stripe's iframe (Payment Element) straight to Stripe; the server only ever sees Stripe's
 * ids. Request schemas are strict, so an unexpected field (say `cardNumber`) is refused by name.
 */

/** Which payment provider the server uses: real Stripe, or the built-in demo (no real money). */
export const PAYMENT_PROVIDERS = ['stripe', 'demo'] as const;

/** The payment provider in use. */
export type PaymentProviderName = (typeof PAYMENT_PROVIDERS)[number];

/** What every payment screen shows while the demo provider is in use. */
export const DEMO_MODE_LABEL = 'Demo mode — no real money';

/** What an ACH debit shows while the bank has not settled it yet. */
export const ACH_PROCESSING_NOTICE = 'Processing — bank payments usually take up to 4 business days.';

/** Kinds of method a customer can pay with online (and save for one tap or autopay). */
export const ONLINE_METHOD_KINDS = ['card', 'us_bank_account'] as const;

/** A kind of online payment method. */
export type OnlineMethodKind = (typeof ONLINE_METHOD_KINDS)[number];

/** `GET /api/pay/config`: what the Pay screens need before showing anything. 503 when payments are unavailable. */
export const payConfigSchema = z.object({
	provider: z.enum(PAYMENT_PROVIDERS),
	/** True with the demo provider: show `DEMO_MODE_LABEL` on every payment screen. */
	demoMode: z.boolean(),
	/** Stripe's publishable key for `loadStripe`; null in demo mode. */
	publishableKey: z.string().nullable(),
	/** Whether the customer may pay less than the open balance. */
	allowPartial: z.boolean(),
	/** Smallest partial payment in minor units (paying the whole rest is always allowed). */
	minimumPartial: nonNegativeMinorSchema,
	currency: currencySchema,
	/** Method kinds the Payment Element offers. */
	methodKinds: z.array(z.enum(ONLINE_METHOD_KINDS)),
	/** The notice to show while a bank payment is processing. */
	achNotice: z.string()
});

/** The payment configuration. */
export type PayConfig = z.infer<typeof payConfigSchema>;

/** Body of `POST /api/pay/invoices/:id/intent`. The server computes the amount; see each field. */
export const createIntentRequestSchema = z.strictObject({
	/**
	 * A partial amount in minor units, only when the business allows partial payments: at least
	 * the minimum (unless it is the whole rest) and at most the open balance. Omit to pay it all.
	 */
	amount: z.number().int('must be a whole number of cents').min(1, 'must be more than zero').max(1_000_000_000_000).optional(),
	/** A saved method's id (from `GET /api/pay/methods`): the server confirms at once (one tap). */
	paymentMethodId: docIdSchema.optional(),
	/**
	 * The `attempt` of an earlier answer, when retrying a request whose answer was lost: the same
	 * attempt comes back (never a second charge); 409 if that attempt has already finished.
	 */
	attempt: z.number().int().min(1).max(10_000).optional()
});

/** A request to pay an invoice. */
export type CreateIntentRequest = z.infer<typeof createIntentRequestSchema>;

/** A payment's state as the pay screens read it. */
export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);

/** Answer of `POST /api/pay/invoices/:id/intent`: what to confirm, and where it stands. */
export const intentResponseSchema = z.object({
	paymentId: docIdSchema,
	invoiceId: docIdSchema,
	/** 1, 2, 3… per invoice; send it back as `attempt` when retrying a lost answer. */
	attempt: z.number().int().min(1),
	/**
	 * For Stripe.js (`elements({ clientSecret })`, `confirmPayment`, `handleNextAction`); in demo
	 * mode an opaque token the demo confirm endpoint does not need.
	 */
	clientSecret: z.string(),
	amount: nonNegativeMinorSchema,
	currency: currencySchema,
	/**
	 * `pending`: not paid yet (show the Payment Element, or `nextAction`); `processing`: a bank
	 * debit on its way; `succeeded`: paid; `failed`: declined (see `failureMessage`).
	 */
	status: paymentStatusSchema,
	/** True when the customer must authenticate (3-D Secure): call `stripe.handleNextAction`. */
	nextAction: z.boolean(),
	failureMessage: z.string().nullable(),
	demoMode: z.boolean()
});

/** An intent to pay. */
export type IntentResponse = z.infer<typeof intentResponseSchema>;

/** Outcomes the demo provider can simulate, like Stripe's test cards. */
export const DEMO_OUTCOMES = ['success', 'decline', 'authentication_required'] as const;

/**
 * Body of `POST /api/pay/demo/payments/:id/confirm` (demo provider only): the demo stand-in for
 * Stripe's Payment Element. A card succeeds, is declined, or asks for authentication (confirm
 * again with `success` to pass it); a bank debit goes to `processing` and settles (or, with
 * `decline`, fails) a little later.
 */
export const demoConfirmRequestSchema = z.strictObject({
	method: z.enum(ONLINE_METHOD_KINDS),
	outcome: z.enum(DEMO_OUTCOMES)
});

/** A demo confirmation. */
export type DemoConfirmRequest = z.infer<typeof demoConfirmRequestSchema>;

/** One payment as the history and receipt screens show it. */
export const paymentSummarySchema = z.object({
	id: docIdSchema,
	invoiceId: docIdSchema,
	invoiceNumber: z.string(),
	invoiceTitle: z.string(),
	amount: z.number().int(),
	/** Refunded so far (minor units). */
	amountRefunded: nonNegativeMinorSchema,
	currency: currencySchema,
	method: z.enum(PAYMENT_METHODS),
	/** e.g. "Visa •••• 4242" or "STRIPE TEST BANK •••• 6789". */
	methodLabel: z.string().nullable(),
	status: paymentStatusSchema,
	failureMessage: z.string().nullable(),
	/** True for autopay charges. */
	offSession: z.boolean(),
	receiptNumber: z.string().nullable(),
	createdAt: instantSchema,
	settledAt: instantSchema.nullable(),
	/** Paid through the demo provider: no real money moved. */
	demo: z.boolean(),
	/** Where the receipt is (`GET`, JSON; add `?format=pdf` for a PDF); null until paid. */
	receiptUrl: z.string().nullable()
});

/** A payment in the history. */
export type PaymentSummary = z.infer<typeof paymentSummarySchema>;

/**
 * `GET /api/pay/payments`: the signed-in customer's payments, newest first. Attempts that were
 * never completed (`pending`, `canceled`) are left out.
 */
export const paymentHistorySchema = z.object({ payments: z.array(paymentSummarySchema) });

/** The payment history. */
export type PaymentHistory = z.infer<typeof paymentHistorySchema>;

/** `GET /api/pay/payments/:id/receipt`: a receipt for a paid (or since refunded) payment. */
export const receiptSchema = z.object({
	receiptNumber: z.string(),
	payment: paymentSummarySchema,
	business: z.object({
		name: z.string(),
		email: z.string(),
		phone: z.string(),
		addressLines: z.array(z.string())
	}),
	customerName: z.string(),
	/** "May 12, 2026", on the business's calendar. */
	paidOn: z.string(),
	demoMode: z.boolean()
});

/** A payment receipt. */
export type Receipt = z.infer<typeof receiptSchema>;

/** A saved card or bank account (`GET /api/pay/methods`). Never card data: brand and last 4 only. */
export const savedMethodSchema = z.object({
	id: docIdSchema,
	kind: z.enum(ONLINE_METHOD_KINDS),
	label: z.string(),
	brand: z.string().nullable(),
	last4: z.string().nullable(),
	expMonth: z.number().int().nullable(),
	expYear: z.number().int().nullable(),
	/** The method autopay charges. */
	autopay: z.boolean(),
	createdAt: instantSchema
});

/** A saved payment method. */
export type SavedMethod = z.infer<typeof savedMethodSchema>;

/** `GET /api/pay/methods`: the customer's saved methods, oldest first. */
export const savedMethodsSchema = z.object({ methods: z.array(savedMethodSchema) });

/** The saved methods. */
export type SavedMethods = z.infer<typeof savedMethodsSchema>;

/**
 * Answer of `POST /api/pay/setup-intent` (no body): confirm it with Stripe.js `confirmSetup`,
 * then call `POST /api/pay/setup-intent/:setupIntentId/complete` to see the saved method at once
 * (the webhook saves it too).
 */
export const setupIntentResponseSchema = z.object({
	setupIntentId: z.string(),
	clientSecret: z.string(),
	demoMode: z.boolean()
});

/** A SetupIntent to save a method. */
export type SetupIntentResponse = z.infer<typeof setupIntentResponseSchema>;

/**
 * Body of `POST /api/pay/demo/setup-intents/:id/confirm` (demo provider only): the kind of method
 * to save and how it will behave when charged (`decline`, `authentication_required` simulate a
 * card autopay cannot charge).
 */
export const demoSetupConfirmRequestSchema = z.strictObject({
	method: z.enum(ONLINE_METHOD_KINDS),
	outcome: z.enum(DEMO_OUTCOMES).default('success')
});

/** A demo method to save. */
export type DemoSetupConfirmRequest = z.infer<typeof demoSetupConfirmRequestSchema>;

/** Answer of completing a SetupIntent: the method now saved. */
export const savedMethodResponseSchema = z.object({ method: savedMethodSchema });

/** A saved method answer. */
export type SavedMethodResponse = z.infer<typeof savedMethodResponseSchema>;

/**
 * Body of `POST /api/pay/autopay`. Turning it on needs a saved method (`paymentMethodId`, or the
 * one already chosen); turning it off keeps the saved methods. The profile's `autopay` changes on
 * every device through sync.
 */
export const autopayRequestSchema = z.strictObject({
	enabled: z.boolean(),
	paymentMethodId: docIdSchema.optional()
});

/** An autopay change. */
export type AutopayRequest = z.infer<typeof autopayRequestSchema>;

/** Answer of `POST /api/pay/autopay`. */
export const autopayResponseSchema = z.object({
	enabled: z.boolean(),
	paymentMethodId: docIdSchema.nullable(),
	methodLabel: textSchema(100).nullable()
});

/** Autopay state. */
export type AutopayResponse = z.infer<typeof autopayResponseSchema>;
