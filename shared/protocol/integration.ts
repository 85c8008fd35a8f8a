import { z } from 'zod';
import { APPOINTMENT_STATUSES } from '../schemas/appointment.ts';
import { currencySchema, emailSchema, localDateSchema, minorSchema, nonNegativeMinorSchema } from '../schemas/common.ts';
import { DOCUMENT_KINDS } from '../schemas/document.ts';
import { QUOTE_ITEM_KINDS } from '../schemas/quote.ts';
import { depositRateBpSchema, quoteItemInputSchema, STAFF_QUOTE_STATUSES } from './quotes.ts';
import { addressInputSchema, billingInputSchema, externalIdSchema, invoiceLineInputSchema, taxRateBpSchema } from './staff.ts';

/*
 * The integration API (`/api/v1`, `Authorization: Bearer <API key>`) and outgoing webhooks. Other
 * systems address records by their own ids (`externalId`); every PUT is an idempotent upsert: the
 * same body twice leaves one row, and a body that changes nothing writes nothing. Instants are
 * ISO 8601 strings here (what other systems speak); money is integer minor units.
 */

/** Base path of the integration API. */
export const INTEGRATION_BASE = '/api/v1';

/** Prefix of every API key; the key is this plus 32 random base62 characters. */
export const API_KEY_PREFIX = 'pl_live_';

/** The other system's id of a record, as it appears in the URL (defined with the console, which can set it). */
export { externalIdSchema };

/** An instant as other systems send it: ISO 8601 with a zone, e.g. `2026-05-12T15:00:00Z`. */
export const isoInstantSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, like 2026-05-12T15:00:00Z' });

function text(max: number) {
	return z.string().trim().max(max, `must be at most ${max} characters`);
}

function nullableText(max: number) {
	return text(max)
		.transform((v) => (v === '' ? null : v))
		.nullable()
		.default(null);
}

/** `PUT /api/v1/customers/:externalId`: the customer as the other system knows it. */
export const v1CustomerUpsertSchema = z
	.strictObject({
		name: text(200).min(1, 'must not be empty'),
		email: z
			.string()
			.trim()
			.transform((v) => (v === '' ? null : v))
			.pipe(emailSchema.nullable())
			.nullable()
			.default(null),
		phone: nullableText(40),
		notes: nullableText(5000),
		billing: billingInputSchema.default({}),
		/** The customer's service addresses (all of them; matched by content, so re-sending keeps them). */
		addresses: z.array(addressInputSchema.omit({ id: true })).max(100, 'must have at most 100 addresses').default([])
	})
	.meta({ description: 'A customer, keyed by your id in the URL.' });

/** A customer upsert. */
export type V1CustomerUpsert = z.infer<typeof v1CustomerUpsertSchema>;

/** A customer as the integration API answers it. */
export const v1CustomerSchema = z
	.object({
		id: z.string(),
		externalId: z.string(),
		name: z.string(),
		email: z.string().nullable(),
		phone: z.string().nullable(),
		notes: z.string().nullable(),
		billing: z.record(z.string(), z.string().nullable()),
		addresses: z.array(z.object({ id: z.string(), label: z.string(), line1: z.string(), line2: z.string().nullable(), city: z.string(), region: z.string(), postalCode: z.string(), country: z.string() })),
		updatedAt: z.string()
	});

/** A customer (integration view). */
export type V1Customer = z.infer<typeof v1CustomerSchema>;

/** Invoice states another system may set; payments made here move invoices to `paid`. */
export const V1_INVOICE_STATUSES = ['draft', 'open', 'void'] as const;

/** `PUT /api/v1/invoices/:externalId`: an invoice with its lines; totals are computed here. */
export const v1InvoiceUpsertSchema = z
	.strictObject({
		customerExternalId: externalIdSchema,
		/** Defaults to the next `INV-nnnnn`; must be unique. */
		number: text(64).min(1, 'must not be empty').optional(),
		title: text(200).min(1, 'must not be empty'),
		period: nullableText(100),
		/** `open` issues it: the customer sees it at once (and autopay starts). */
		status: z.enum(V1_INVOICE_STATUSES, { error: 'must be draft, open or void' }).default('open'),
		/** Defaults to the business's currency. */
		currency: currencySchema.optional(),
		taxRateBp: taxRateBpSchema.default(0),
		lines: z.array(invoiceLineInputSchema).min(1, 'must have at least one line').max(1000, 'must have at most 1000 lines'),
		/** Defaults to 30 days after issue, in the business's time zone. */
		dueDate: localDateSchema.optional(),
		notes: nullableText(5000)
	})
	.meta({ description: 'An invoice with its lines, keyed by your id in the URL.' });

/** An invoice upsert. */
export type V1InvoiceUpsert = z.infer<typeof v1InvoiceUpsertSchema>;

/** An invoice as the integration API answers it. */
export const v1InvoiceSchema = z
	.object({
		id: z.string(),
		externalId: z.string(),
		customerExternalId: z.string().nullable(),
		number: z.string(),
		title: z.string(),
		status: z.enum(['draft', 'open', 'processing', 'paid', 'void']),
		currency: z.string(),
		subtotal: minorSchema,
		taxRateBp: z.number().int(),
		tax: minorSchema,
		total: minorSchema,
		amountPaid: minorSchema,
		amountDue: nonNegativeMinorSchema,
		issuedAt: z.string().nullable(),
		dueDate: z.string().nullable(),
		paidAt: z.string().nullable(),
		lines: z.array(z.object({ description: z.string(), quantityMilli: z.number().int(), unitAmount: minorSchema, amount: minorSchema })),
		updatedAt: z.string()
	});

/** An invoice (integration view). */
export type V1Invoice = z.infer<typeof v1InvoiceSchema>;

/** Largest document accepted through the integration API, decoded (20 MB). */
export const V1_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;

/** `PUT /api/v1/documents/:externalId`: a PDF (base64) with what it is and who signed it. */
export const v1DocumentUpsertSchema = z
	.strictObject({
		customerExternalId: externalIdSchema,
		kind: z.enum(DOCUMENT_KINDS, { error: 'must be quote, contract, warranty, certificate_of_insurance or other' }),
		title: text(200).min(1, 'must not be empty'),
		fileName: text(255)
			.min(1, 'must not be empty')
			.regex(/^[^/\\\x00-\x1f]+$/, 'must be a plain file name'),
		/** The PDF, base64-encoded. */
		contentBase64: z.string().regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64').max(Math.ceil((V1_DOCUMENT_MAX_BYTES * 4) / 3) + 1024, 'is larger than 20 MB'),
		signerName: nullableText(200),
		signedAt: isoInstantSchema.nullable().default(null)
	})
	.meta({ description: 'A PDF document, keyed by your id in the URL.' });

/** A document upsert. */
export type V1DocumentUpsert = z.infer<typeof v1DocumentUpsertSchema>;

/** A document as the integration API answers it. */
export const v1DocumentSchema = z
	.object({
		id: z.string(),
		externalId: z.string(),
		customerExternalId: z.string().nullable(),
		kind: z.enum(DOCUMENT_KINDS),
		title: z.string(),
		fileName: z.string(),
		size: z.number().int(),
		sha256: z.string(),
		signerName: z.string().nullable(),
		signedAt: z.string().nullable(),
		updatedAt: z.string()
	});

/** A document (integration view). */
export type V1Document = z.infer<typeof v1DocumentSchema>;

/** `PUT /api/v1/appointments/:externalId`: a visit scheduled in the other system. */
export const v1AppointmentUpsertSchema = z
	.strictObject({
		customerExternalId: externalIdSchema,
		title: text(200).min(1, 'must not be empty'),
		status: z.enum(APPOINTMENT_STATUSES, { error: `must be one of ${APPOINTMENT_STATUSES.join(', ')}` }).default('confirmed'),
		startsAt: isoInstantSchema,
		endsAt: isoInstantSchema,
		/** A service type id from the portal, if the visit is one. */
		serviceTypeId: z.string().max(64).nullable().default(null),
		notes: nullableText(2000)
	})
	.refine((v) => Date.parse(v.endsAt) > Date.parse(v.startsAt), { message: 'must be after startsAt', path: ['endsAt'] })
	.meta({ description: 'An appointment, keyed by your id in the URL.' });

/** An appointment upsert. */
export type V1AppointmentUpsert = z.infer<typeof v1AppointmentUpsertSchema>;

/** An appointment as the integration API answers it. */
export const v1AppointmentSchema = z
	.object({
		id: z.string(),
		externalId: z.string(),
		customerExternalId: z.string().nullable(),
		title: z.string(),
		status: z.enum(APPOINTMENT_STATUSES),
		startsAt: z.string().nullable(),
		endsAt: z.string().nullable(),
		serviceTypeId: z.string().nullable(),
		notes: z.string().nullable(),
		updatedAt: z.string()
	});

/** An appointment (integration view). */
export type V1Appointment = z.infer<typeof v1AppointmentSchema>;

/** Quote states another system may set: `sent` puts it in front of the customer (again, after they asked for changes). */
export const V1_QUOTE_STATUSES = ['draft', 'sent'] as const;

/**
 * `PUT /api/v1/quotes/:externalId`: a quote with its lines (optional lines and choice groups);
 * line amounts, the content hash and the revision are computed here. A quote the customer has
 * approved or declined no longer changes.
 */
export const v1QuoteUpsertSchema = z
	.strictObject({
		customerExternalId: externalIdSchema,
		/** Defaults to the next `Q-nnnnn`; must be unique. Only used when the quote is created. */
		number: text(64).min(1, 'must not be empty').optional(),
		title: text(200).min(1, 'must not be empty'),
		notes: nullableText(5000),
		/** Last day the customer can approve it, in the business's time zone. */
		validUntil: localDateSchema.nullable().default(null),
		taxRateBp: taxRateBpSchema.default(0),
		/** Share of the approved total asked as a deposit at approval, in basis points (0: none). */
		depositRateBp: depositRateBpSchema.default(0),
		items: z.array(quoteItemInputSchema).min(1, 'must have at least one line').max(500, 'must have at most 500 lines'),
		status: z.enum(V1_QUOTE_STATUSES, { error: 'must be draft or sent' }).default('sent')
	})
	.meta({ description: 'A quote with its lines, keyed by your id in the URL.' });

/** A quote upsert. */
export type V1QuoteUpsert = z.infer<typeof v1QuoteUpsertSchema>;

/** A quote as the integration API answers it. */
export const v1QuoteSchema = z.object({
	id: z.string(),
	externalId: z.string(),
	customerExternalId: z.string().nullable(),
	number: z.string(),
	title: z.string(),
	status: z.enum(STAFF_QUOTE_STATUSES),
	currency: z.string(),
	taxRateBp: z.number().int(),
	depositRateBp: z.number().int(),
	notes: z.string().nullable(),
	validUntil: z.string().nullable(),
	/** Grows by one each time what the quote says changes after it was sent. */
	revision: z.number().int(),
	/** SHA-256 of the quote's content: what a signature vouches for. */
	contentHash: z.string(),
	items: z.array(
		z.object({
			id: z.string(),
			kind: z.enum(QUOTE_ITEM_KINDS),
			group: z.string().nullable(),
			description: z.string(),
			quantityMilli: z.number().int(),
			unitAmount: minorSchema,
			amount: minorSchema,
			selectedByDefault: z.boolean()
		})
	),
	sentAt: z.string().nullable(),
	respondedAt: z.string().nullable(),
	/** Ids of the optional and choice lines the customer chose when approving. */
	selection: z.array(z.string()),
	approvedTotal: minorSchema.nullable(),
	signerName: z.string().nullable(),
	/** The signed PDF, in the customer's documents. */
	signedDocumentId: z.string().nullable(),
	depositInvoiceId: z.string().nullable(),
	/** The customer's reason for declining, or the changes asked for. */
	responseNote: z.string().nullable(),
	updatedAt: z.string()
});

/** A quote (integration view). */
export type V1Quote = z.infer<typeof v1QuoteSchema>;

/**
 * Every upsert's answer: the record, whether it was created (HTTP 201) or already there (200),
 * and whether anything changed.
 */
export function v1UpsertResultSchema<T extends z.ZodType>(data: T) {
	return z.object({ data, created: z.boolean(), changed: z.boolean() });
}

// ---------------------------------------------------------------------------------------------
// Outgoing webhooks

/** Events other systems can subscribe to. `ping` is sent by the console's "send test". */
export const WEBHOOK_EVENTS = ['message.created', 'payment.succeeded', 'appointment.requested', 'appointment.booked', 'quote.approved', 'ping'] as const;

/** An outgoing webhook event name. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-porchlight-signature';

/** The body of every webhook request; `id` is the delivery id (the same on every retry). */
export const webhookEnvelopeSchema = z
	.object({
		id: z.string(),
		event: z.enum(WEBHOOK_EVENTS),
		createdAt: z.string(),
		data: z.record(z.string(), z.unknown())
	});

/** A webhook body. */
export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;

/** `POST /api/staff/webhooks` (owner): where to send which events. */
export const webhookEndpointCreateSchema = z.strictObject({
	url: z
		.string()
		.trim()
		.max(2000, 'must be at most 2000 characters')
		.pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })),
	events: z
		.array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }))
		.min(1, 'must name at least one event')
		.max(WEBHOOK_EVENTS.length)
		.transform((events) => [...new Set(events)])
});

/** A new webhook endpoint. */
export type WebhookEndpointCreate = z.infer<typeof webhookEndpointCreateSchema>;

/** A webhook endpoint as listed, with how its deliveries fare. */
export const webhookEndpointSchema = z.strictObject({
	id: z.string(),
	url: z.string(),
	events: z.array(z.string()),
	active: z.boolean(),
	createdAt: z.number().int(),
	deliveries: z.strictObject({ pending: z.number().int(), delivered: z.number().int(), failed: z.number().int() }),
	lastError: z.string().nullable()
});

/** A webhook endpoint. */
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/** Answer of `POST /api/staff/webhooks` (201): the signing secret, shown this once. */
export const webhookEndpointCreatedSchema = z.object({ endpoint: webhookEndpointSchema, secret: z.string() });

/** A created endpoint. */
export type WebhookEndpointCreated = z.infer<typeof webhookEndpointCreatedSchema>;

/** One delivery of an event to an endpoint (`GET /api/staff/webhooks/:id/deliveries`). */
export const webhookDeliverySchema = z.strictObject({
	id: z.string(),
	event: z.string(),
	attempts: z.number().int(),
	nextAttemptAt: z.number().int(),
	deliveredAt: z.number().int().nullable(),
	failedAt: z.number().int().nullable(),
	lastError: z.string().nullable(),
	createdAt: z.number().int()
});

/** A webhook delivery. */
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;
