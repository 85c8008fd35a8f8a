import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { business } from '../db/schema.ts';
import type { Branding } from '../../shared/schemas/branding.ts';
import { brandPalette } from '../../shared/color.ts';

/** The business row, created with neutral defaults the first time it is asked for. */
export function getBusiness(db: Db, now = Date.now()) {
	const row = db.select().from(business).where(eq(business.id, 1)).get();
	if (row) return row;
	db.insert(business)
		.values({
			id: 1,
			name: 'Your Business',
			shortName: 'Portal',
			primaryColor: '#1f5fa8',
			accentColor: '#f2a93b',
			phone: '',
			email: '',
			addressLine1: '',
			city: '',
			region: '',
			postalCode: '',
			timeZone: 'America/New_York',
			officeHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: 8 * 60, close: 17 * 60 })),
			updatedAt: now
		})
		.onConflictDoNothing()
		.run();
	return db.select().from(business).where(eq(business.id, 1)).get()!;
}

/** The public branding answer, with readable text colours computed from the brand colours. */
export function brandingOf(row: ReturnType<typeof getBusiness>): Branding {
	const palette = brandPalette(row.primaryColor, row.backgroundColor);
	return {
		name: row.name,
		shortName: row.shortName,
		tagline: row.tagline,
		logoUrl: row.logoFile ? `/api/branding/logo/${row.logoFile}` : null,
		colors: {
			primary: palette.surface,
			accent: row.accentColor,
			background: row.backgroundColor,
			onPrimary: palette.onSurface,
			primaryText: palette.asText
		},
		phone: row.phone,
		email: row.email,
		website: row.website,
		address: {
			line1: row.addressLine1,
			line2: row.addressLine2,
			city: row.city,
			region: row.region,
			postalCode: row.postalCode,
			country: row.country
		},
		timeZone: row.timeZone,
		currency: row.currency,
		officeHours: row.officeHours
	};
}
