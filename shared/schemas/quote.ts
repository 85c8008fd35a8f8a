import { z } from 'zod';
import { currencySchema, docIdSchema, instantSchema, localDateSchema, minorSchema, nonNegativeMinorSchema, textSchema } from './common.ts';

/** Quote states a customer can see; drafts never reach a device (they travel as tombstones). */
export const QUOTE_STATUSES = ['sent', 'approved', 'declined', 'changes_requested', 'withdrawn'] as const;

/** A quote's state as a device sees it. */
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

/**
 * How a line takes part in the total: `included` always counts; `optional` counts when the
 * customer ticks it; `choice` lines sharing a `group` are alternatives of which the customer
 * picks exactly one.
 */
export const QUOTE_ITEM_KINDS = ['included', 'optional', 'choice'] as const;

/** A quote line's kind. */
export type QuoteItemKind = (typeof QUOTE_ITEM_KINDS)[number];

/** One line of a quote. */
export const quoteItemSchema = z.strictObject({
	id: docIdSchema,
	kind: z.enum(QUOTE_ITEM_KINDS),
	/** The choice group's name ("Water heater"), shared by its alternatives; null unless `choice`. */
	group: textSchema(200).nullable(),
	description: textSchema(500),
	/** Quantity in thousandths: 1.5 hours is 1500. */
	quantityMilli: z.number().int().min(-1_000_000_000).max(1_000_000_000),
	unitAmount: minorSchema,
	amount: minorSchema,
	/** Whether the line starts out chosen (optional lines; one alternative of each group). */
	selectedByDefault: z.boolean()
});

/** A quote line. */
export type QuoteItem = z.infer<typeof quoteItemSchema>;

/** A photo shown with a quote (the site, the old unit). Bytes: `quotePhotoUrl(quote.id, photo.id)`. */
export const quotePhotoSchema = z.strictObject({
	id: docIdSchema,
	caption: textSchema(500).nullable(),
	mime: textSchema(127),
	size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	width: z.number().int().min(0).max(100_000).nullable(),
	height: z.number().int().min(0).max(100_000).nullable(),
	fileSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256')
});

/** A quote photo. */
export type QuotePhoto = z.infer<typeof quotePhotoSchema>;

/**
 * A quote sent to the customer (`quotes` collection). Read-only on devices: approving, declining
 * and asking for changes are online requests (`shared/protocol/quotes.ts`), because a signature
 * must be judged against the quote as the server holds it at that moment.
 */
export const quoteSchema = z.strictObject({
	id: docIdSchema,
	number: textSchema(64),
	title: textSchema(200),
	status: z.enum(QUOTE_STATUSES),
	currency: currencySchema,
	/** Tax rate in basis points: 8.25 % is 825. */
	taxRateBp: z.number().int().min(0).max(100_000),
	/** Deposit asked at approval, in basis points of the chosen total (0: none). */
	depositRateBp: z.number().int().min(0).max(10_000),
	notes: textSchema(5000).nullable(),
	/** Last day (business time zone) the quote can be approved; null: no limit. */
	validUntil: localDateSchema.nullable(),
	/** Grows by one each time the office changes what the quote says (`revision` is a name RxDB reserves). */
	quoteRevision: z.number().int().min(1),
	/** SHA-256 (hex) of the quote's content at this revision: see `quoteContentText` in shared/quotes.ts. */
	contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
	items: z.array(quoteItemSchema).max(500),
	photos: z.array(quotePhotoSchema).max(50),
	sentAt: instantSchema.nullable(),
	/** When the customer approved, declined or asked for changes. */
	respondedAt: instantSchema.nullable(),
	/** Ids of the optional and choice lines the customer chose when approving. */
	selection: z.array(docIdSchema).max(500),
	/** The total the customer approved (with tax), in minor units. */
	approvedTotal: nonNegativeMinorSchema.nullable(),
	signerName: textSchema(200).nullable(),
	/** The signed PDF in the documents archive. */
	signedDocumentId: docIdSchema.nullable(),
	/** The invoice for the deposit asked at approval, if any. */
	depositInvoiceId: docIdSchema.nullable(),
	/** The customer's reason for declining or the changes asked for. */
	responseNote: textSchema(5000).nullable(),
	createdAt: instantSchema,
	/** Server-owned version marker: strictly increasing per document. */
	updatedAt: instantSchema
});

/** A `quotes` document. */
export type Quote = z.infer<typeof quoteSchema>;
