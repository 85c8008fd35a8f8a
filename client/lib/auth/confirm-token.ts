// The sign-in link carries its secret in the URL fragment (/auth/confirm#token=…), which never
// reaches a server. It is lifted out of the address bar before the router starts, so it is not
// kept in history, shown over someone's shoulder, bookmarked or shared.

const STORAGE_KEY = 'porchlight.confirmToken';
const CONFIRM_PATH = '/auth/confirm';

/** The token from a fragment like `#token=abc`, or null. */
export function tokenFromHash(hash: string): string | null {
	const params = new URLSearchParams(hash.replace(/^#/, ''));
	const token = params.get('token');
	return token && token.trim() ? token.trim() : null;
}

/**
 * Moves a sign-in token from the address bar into this tab's sessionStorage. sessionStorage
 * (not memory) so that a reload of the confirmation page still works; it lives only as long as
 * the tab and is removed once used. Called from the client `init` hook, before the router.
 */
export function captureConfirmToken(): void {
	if (location.pathname !== CONFIRM_PATH || !location.hash) return;
	const token = tokenFromHash(location.hash);
	history.replaceState(history.state, '', location.pathname + location.search);
	if (!token) return;
	try {
		sessionStorage.setItem(STORAGE_KEY, token);
	} catch {
		memoryToken = token;
	}
}

let memoryToken: string | null = null;

/** The captured token, if any. */
export function pendingConfirmToken(): string | null {
	try {
		return sessionStorage.getItem(STORAGE_KEY) ?? memoryToken;
	} catch {
		return memoryToken;
	}
}

/** Forgets the token (after it was used or refused). */
export function forgetConfirmToken(): void {
	memoryToken = null;
	try {
		sessionStorage.removeItem(STORAGE_KEY);
	} catch {
		// nothing stored
	}
}
