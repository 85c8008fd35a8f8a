import { tokenFromHash } from '$lib/auth/confirm-token';

// The guest's confirmation link carries its secret in the fragment (/book/confirm#token=…), which
// never reaches a server. It is lifted out of the address bar as soon as the page runs, so it is
// not kept in history, bookmarked, shared or read over a shoulder; this tab keeps it in
// sessionStorage so a reload of the page still works.

const STORAGE_KEY = 'porchlight.guestConfirmToken';
let memoryToken: string | null = null;

/** Moves a `#token=` from the address bar into this tab's storage; returns the token kept. */
export function captureGuestToken(): string | null {
	if (location.hash) {
		const token = tokenFromHash(location.hash);
		// history.state is SvelteKit's: keeping it keeps the router's bookkeeping intact.
		history.replaceState(history.state, '', location.pathname + location.search);
		if (token) {
			memoryToken = token;
			try {
				sessionStorage.setItem(STORAGE_KEY, token);
			} catch {
				// memoryToken serves this page view
			}
		}
	}
	return pendingGuestToken();
}

/** The captured token, if any. */
export function pendingGuestToken(): string | null {
	try {
		return sessionStorage.getItem(STORAGE_KEY) ?? memoryToken;
	} catch {
		return memoryToken;
	}
}

/** Forgets the token (used, or refused for good). */
export function forgetGuestToken(): void {
	memoryToken = null;
	try {
		sessionStorage.removeItem(STORAGE_KEY);
	} catch {
		// nothing stored
	}
}
