/** The replicated collections, in the order a device syncs them. Keep the list short: RxDB's free build opens at most 13 per process. */
export const COLLECTIONS = ['profile', 'invoices', 'documents', 'messages', 'appointments', 'quotes'] as const;

/** The name of a replicated collection. */
export type CollectionName = (typeof COLLECTIONS)[number];

/** True when `name` is a replicated collection. */
export function isCollectionName(name: string): name is CollectionName {
	return (COLLECTIONS as readonly string[]).includes(name);
}
