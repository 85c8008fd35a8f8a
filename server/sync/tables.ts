import * as schema from '../db/schema.ts';

/** The table behind each replicated collection (the row whose `seq` a change bumps). */
export const COLLECTION_TABLES = {
	profile: schema.customers,
	invoices: schema.invoices,
	documents: schema.documents,
	messages: schema.messages,
	appointments: schema.appointments,
	quotes: schema.quotes
} as const;
