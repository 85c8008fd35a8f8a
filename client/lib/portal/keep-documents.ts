/**
 * Starts keeping every document's file on the device (lib/portal/offline-documents.svelte.ts)
 * without making the screen that asks wait for that code: Home and the invoice list only set it
 * going, so it loads after their first paint. Screens that show the offline state import
 * `offlineDocuments` directly.
 */
export function keepDocumentsOffline(): void {
	void import('./offline-documents.svelte').then(({ offlineDocuments }) => offlineDocuments.start());
}
