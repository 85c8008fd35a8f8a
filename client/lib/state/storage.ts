// localStorage can throw (Safari private mode, storage disabled, quota): the app must still run.

/** A JSON value from localStorage, or null when absent, unreadable or unavailable. */
export function readJson<T>(key: string): T | null {
	try {
		const raw = localStorage.getItem(key);
		return raw === null ? null : (JSON.parse(raw) as T);
	} catch {
		return null;
	}
}

/** Stores a JSON value; silently does nothing where storage is unavailable. */
export function writeJson(key: string, value: unknown): void {
	try {
		localStorage.setItem(key, JSON.stringify(value));
	} catch {
		// Without storage the app still works online; it just does not start offline.
	}
}

/** Removes a key; silently does nothing where storage is unavailable. */
export function removeKey(key: string): void {
	try {
		localStorage.removeItem(key);
	} catch {
		// nothing to clean up
	}
}
