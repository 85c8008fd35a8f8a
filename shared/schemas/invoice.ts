import { z } from 'zod';
import { currencySchema, docIdSchema, instantSchema, localDateSchema, minorSchema, nonNegativeMinorSchema, textSchema } from './common.ts';

/** Invoice states a customer can see; drafts never reach a device. */
export const INVOICE_STATUSES = ['open', 'processing', 'paid', 'void'] as const;

/** One line of an invoice. */
export const invoiceLineItemSchema = z.strictObject({
	id: docIdSchema,
	description: textSchema(500),
	/** Quantity in thousandths: 1.5 hours is 1500. */
	quantityMilli: z.number().int().min(-1_000_000_000).max(1_000_000_000),
	unitAmount: minorSchema,
	amount: minorSchema
});

/** An invoice line item. */
export type InvoiceLineItem = z.infer<typeof invoiceLineItemSchema>;

/** Payment methods a payment can have been made with. */
export const PAYMENT_METHODS = ['card', 'us_bank_account', 'cash', 'check', 'other'] as const;

/** Payment states. */
export const PAYMENT_STATUSES = ['pending', 'processing', 'succeeded', 'failed', 'refunded', 'canceled'] as const;

/** Money received (or attempted) against an invoice. */
export const invoicePaymentSchema = z.strictObject({
	id: docIdSchema,
	amount: minorSchema,
	currency: currencySchema,
	method: z.enum(PAYMENT_METHODS),
	/** e.g. "Visa •••• 4242". */
	methodLabel: textSchema(100).nullable(),
	status: z.enum(PAYMENT_STATUSES),
	createdAt: instantSchema,
	settledAt: instantSchema.nullable(),
	receiptNumber: textSchema(64).nullable()
});

/** A payment on an invoice. */
export type InvoicePayment = z.infer<typeof invoicePaymentSchema>;

/** An invoice with its lines and payments (`invoices` collection). Read-only on devices. */
export const invoiceSchema = z.strictObject({
	id: docIdSchema,
	number: textSchema(64),
	title: textSchema(200),
	period: textSchema(100).nullable(),
	status: z.enum(INVOICE_STATUSES),
	currency: currencySchema,
	subtotal: minorSchema,
	/** Tax rate in basis points: 8.25 % is 825. */
	taxRateBp: z.number().int().min(0).max(100_000),
	tax: minorSchema,
	total: minorSchema,
	amountPaid: minorSchema,
	/** What is left to pay: 0 once paid or void. */
	amountDue: nonNegativeMinorSchema,
	issuedAt: instantSchema.nullable(),
	dueDate: localDateSchema.nullable(),
	paidAt: instantSchema.nullable(),
	voidedAt: instantSchema.nullable(),
	notes: textSchema(5000).nullable(),
	lineItems: z.array(invoiceLineItemSchema).max(1000),
	payments: z.array(invoicePaymentSchema).max(1000),
	/** Server-owned version marker: strictly increasing per document. */
	updatedAt: instantSchema
});

/** An `invoices` document. */
export type Invoice = z.infer<typeof invoiceSchema>;
