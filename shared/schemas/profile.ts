import { z } from 'zod';
import { docIdSchema, emailSchema, instantSchema, textSchema } from './common.ts';

/** Who and where invoices are addressed to; every part may be unset. */
export const billingSchema = z.strictObject({
	name: textSchema(200).nullable(),
	email: emailSchema.nullable(),
	line1: textSchema(200).nullable(),
	line2: textSchema(200).nullable(),
	city: textSchema(100).nullable(),
	region: textSchema(100).nullable(),
	postalCode: textSchema(20).nullable(),
	country: textSchema(2).nullable()
});

/** Billing details of a customer. */
export type Billing = z.infer<typeof billingSchema>;

/** A place where the business works for the customer (read-only on devices). */
export const serviceAddressSchema = z.strictObject({
	id: docIdSchema,
	label: textSchema(100),
	line1: textSchema(200),
	line2: textSchema(200).nullable(),
	city: textSchema(100),
	region: textSchema(100),
	postalCode: textSchema(20),
	country: textSchema(2),
	lat: z.number().min(-90).max(90).nullable(),
	lng: z.number().min(-180).max(180).nullable()
});

/** A service address. */
export type ServiceAddress = z.infer<typeof serviceAddressSchema>;

/** Whether open invoices are charged automatically, and to which saved method. */
export const autopaySchema = z.strictObject({
	enabled: z.boolean(),
	/** e.g. "Visa •••• 4242"; null when no method is saved for autopay. */
	methodLabel: textSchema(100).nullable()
});

/** Autopay state of a customer. */
export type Autopay = z.infer<typeof autopaySchema>;

/**
 * The signed-in customer's own record (`profile` collection; one document, id = customer id).
 * Devices may change name, email, phone and billing; the rest is set by the office.
 */
export const profileSchema = z.strictObject({
	id: docIdSchema,
	name: textSchema(200).min(1, 'must not be empty'),
	email: emailSchema.nullable(),
	phone: textSchema(40).nullable(),
	billing: billingSchema,
	addresses: z.array(serviceAddressSchema).max(100),
	autopay: autopaySchema,
	/** Server-owned version marker: strictly increasing per document. */
	updatedAt: instantSchema
});

/** A `profile` document. */
export type Profile = z.infer<typeof profileSchema>;

/** Profile fields a customer's device may change. `billing` means every part of it. */
export const PROFILE_EDITABLE_FIELDS = ['name', 'email', 'phone', 'billing'] as const;
