import { z } from 'zod';
import { docIdSchema, instantSchema, localDateSchema, minorSchema, textSchema } from '../schemas/common.ts';
import { QUOTE_ITEM_KINDS, quoteSchema } from '../schemas/quote.ts';
import { taxRateBpSchema } from './staff.ts';

/*
 * Quotes on the wire. Customers read quotes through sync (`quotes` collection) and answer them
 * with the online requests below; staff and the integration API write them. Money is integer
 * minor units; instants are integer milliseconds.
 */

// ---------------------------------------------------------------------------------------------
// Customer: `POST /api/quotes/:id/approve | decline | request-changes` (access: customer)

/** Largest signature image accepted, as a `data:image/png;base64,…` URL (about 300 KB of PNG). */
export const SIGNATURE_DATA_URL_MAX = 400_000;

/** A drawn signature: a PNG as a data URL. */
export const signatureDataUrlSchema = z
	.string()
	.max(SIGNATURE_DATA_URL_MAX, 'is too large: draw the signature smaller or clear it and sign again')
	.regex(/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/, 'must be a drawn signature (a PNG data URL)');

/**
 * Approving a quote by signing it. `contentHash` is the hash of the quote as the customer saw it;
 * the server refuses (409, reason `changed`) when the quote has changed since.
 */
export const approveQuoteRequestSchema = z.strictObject({
	contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the quote as shown'),
	/** Ids of the optional and choice lines chosen. */
	selection: z.array(docIdSchema).max(500, 'must have at most 500 lines'),
	/** The signer's full name, typed. */
	signerName: z.string().trim().min(2, 'must be your full name').max(200, 'must be at most 200 characters'),
	signature: signatureDataUrlSchema,
	/** Consent to sign electronically. */
	consent: z.literal(true, { error: 'must be given to sign electronically' })
});

/** An approval. */
export type ApproveQuoteRequest = z.infer<typeof approveQuoteRequestSchema>;

/** What an approval produced. */
export const approveQuoteResponseSchema = z.strictObject({
	quote: quoteSchema,
	/** The signed PDF, now in the customer's documents. */
	documentId: docIdSchema,
	/** The deposit invoice to pay, when the quote asks for one. */
	depositInvoiceId: docIdSchema.nullable()
});

/** An approval's answer. */
export type ApproveQuoteResponse = z.infer<typeof approveQuoteResponseSchema>;

/** Declining a quote, with an optional reason. */
export const declineQuoteRequestSchema = z.strictObject({
	reason: z.string().trim().max(2000, 'must be at most 2000 characters').optional()
});

/** A decline. */
export type DeclineQuoteRequest = z.infer<typeof declineQuoteRequestSchema>;

/** Asking for changes: the message also lands in the customer's thread with the office. */
export const requestQuoteChangesSchema = z.strictObject({
	message: z.string().trim().min(1, 'must say what should change').max(5000, 'must be at most 5000 characters')
});

/** A change request. */
export type RequestQuoteChanges = z.infer<typeof requestQuoteChangesSchema>;

/** The answer to decline and request-changes: the quote as it now stands. */
export const quoteAnswerSchema = z.strictObject({ quote: quoteSchema });

/** Why a quote cannot be answered (`details.reason` of a 409 CONFLICT). */
export const QUOTE_REFUSALS = ['changed', 'expired', 'status'] as const;

/** A refusal reason. */
export type QuoteRefusal = (typeof QUOTE_REFUSALS)[number];

// ---------------------------------------------------------------------------------------------
// Staff: `/api/staff/quotes` (owner, office; technicians read)

/** A quote line as the office writes it; the server computes `amount`. */
export const quoteItemInputSchema = z
	.strictObject({
		kind: z.enum(QUOTE_ITEM_KINDS).default('included'),
		/** Name of the choice group; required for `choice` lines, refused on others. */
		group: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').nullable().default(null),
		description: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
		/** Quantity in thousandths: 1.5 hours is 1500. */
		quantityMilli: z.number().int('must be a whole number of thousandths').min(1, 'must be more than 0').max(1_000_000_000),
		unitAmount: minorSchema,
		selectedByDefault: z.boolean().default(false)
	})
	.superRefine((item, ctx) => {
		if (item.kind === 'choice' && item.group === null) ctx.addIssue({ code: 'custom', path: ['group'], message: 'must name the choice group' });
		if (item.kind !== 'choice' && item.group !== null) ctx.addIssue({ code: 'custom', path: ['group'], message: 'is only for choice lines' });
	});

/** A quote line input. */
export type QuoteItemInput = z.infer<typeof quoteItemInputSchema>;

/** Deposit rate in basis points of the approved total: 25 % is 2500. */
export const depositRateBpSchema = z.number().int('must be a whole number of basis points').min(0, 'must be 0 or more').max(10_000, 'must be at most 10000');

/** The fields the office writes of a quote, without defaults (an edit names only what changes). */
const quoteContentFields = {
	title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
	notes: z.string().trim().max(5000, 'must be at most 5000 characters').nullable(),
	validUntil: localDateSchema.nullable(),
	taxRateBp: taxRateBpSchema,
	depositRateBp: depositRateBpSchema,
	items: z.array(quoteItemInputSchema).min(1, 'must have at least one line').max(500, 'must have at most 500 lines')
};

/** What the office writes of a quote (create, and every field of an edit). */
export const quoteContentInputSchema = z.strictObject({
	...quoteContentFields,
	notes: quoteContentFields.notes.default(null),
	validUntil: quoteContentFields.validUntil.default(null),
	taxRateBp: quoteContentFields.taxRateBp.default(0),
	depositRateBp: quoteContentFields.depositRateBp.default(0)
});

/** Creating a quote for a customer; `send: true` sends it at once. */
export const staffQuoteCreateSchema = quoteContentInputSchema.extend({
	customerId: docIdSchema,
	send: z.boolean().default(false)
});

/** A quote creation. */
export type StaffQuoteCreate = z.infer<typeof staffQuoteCreateSchema>;

/**
 * Editing a quote's content (drafts, and sent quotes not yet answered: a new revision). Fields
 * left out stay as they are (no defaults here: an edit of the lines alone must not reset the tax).
 */
export const staffQuoteUpdateSchema = z.strictObject(quoteContentFields).partial();

/** A quote edit. */
export type StaffQuoteUpdate = z.infer<typeof staffQuoteUpdateSchema>;

/** Quote states as staff see them (drafts included). */
export const STAFF_QUOTE_STATUSES = ['draft', 'sent', 'approved', 'declined', 'changes_requested', 'withdrawn'] as const;

/** The signature's audit record, as the signed PDF's audit page shows it. */
export const quoteSignatureAuditSchema = z.strictObject({
	signerName: z.string(),
	signerEmail: z.string().nullable(),
	signedAt: instantSchema,
	ip: z.string(),
	userAgent: z.string(),
	contentHash: z.string()
});

/** A quote as staff see it. */
export const staffQuoteSchema = quoteSchema.extend({
	status: z.enum(STAFF_QUOTE_STATUSES),
	customerId: z.string(),
	customerName: z.string(),
	externalId: z.string().nullable(),
	signature: quoteSignatureAuditSchema.nullable()
});

/** A quote, staff view. */
export type StaffQuote = z.infer<typeof staffQuoteSchema>;

/** `GET /api/staff/quotes?status=&customerId=&offset=&limit=` */
export const staffQuoteListQuerySchema = z.object({
	status: z.enum(STAFF_QUOTE_STATUSES).optional(),
	customerId: docIdSchema.optional(),
	offset: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').default(0),
	limit: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50)
});

/** A page of quotes, newest first. */
export const staffQuoteListSchema = z.strictObject({
	quotes: z.array(staffQuoteSchema),
	total: z.number().int()
});

/** A quotes page. */
export type StaffQuoteList = z.infer<typeof staffQuoteListSchema>;
