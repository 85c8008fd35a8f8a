import { z } from 'zod';

/** A `#rrggbb` colour. */
export const hexColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a5fb4');

/** Opening hours for one weekday, in minutes after local midnight. */
export const officeHoursSchema = z.object({
	weekday: z.number().int().min(0).max(6),
	open: z.number().int().min(0).max(1440),
	close: z.number().int().min(0).max(1440)
});

/** What the public, signed-out portal knows about the business (`GET /api/branding`). */
export const brandingSchema = z.object({
	name: z.string(),
	shortName: z.string(),
	tagline: z.string(),
	logoUrl: z.string().nullable(),
	colors: z.object({
		primary: hexColorSchema,
		accent: hexColorSchema,
		background: hexColorSchema,
		/** Text colour readable on `primary` (4.5:1 or better). */
		onPrimary: hexColorSchema,
		/** `primary`, adjusted if needed so it reads as text on `background`. */
		primaryText: hexColorSchema
	}),
	phone: z.string(),
	email: z.string(),
	website: z.string().nullable(),
	address: z.object({
		line1: z.string(),
		line2: z.string().nullable(),
		city: z.string(),
		region: z.string(),
		postalCode: z.string(),
		country: z.string()
	}),
	timeZone: z.string(),
	currency: z.string(),
	officeHours: z.array(officeHoursSchema)
});

/** Public branding of the business. */
export type Branding = z.infer<typeof brandingSchema>;
