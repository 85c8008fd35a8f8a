/*
 * Persistent storage: without it the browser may clear the origin's data (the local database with
 * pending writes, the cached files) when the device runs low on space. Chromium grants it by
 * engagement or installation without a prompt; Firefox asks the user. It is asked for once the
 * user has signed in, when the data starts to matter.
 */

let asked: Promise<boolean> | null = null;

/** Asks for persistent storage once per page load; resolves to whether storage is persistent. */
export function requestPersistentStorage(): Promise<boolean> {
	asked ??= (async () => {
		const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
		if (!storage?.persist) return false;
		try {
			if (await storage.persisted?.()) return true;
			return await storage.persist();
		} catch {
			return false;
		}
	})();
	return asked;
}
