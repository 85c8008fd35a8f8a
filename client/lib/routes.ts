import type { SessionInfo } from '$lib/api/auth';
import type { SessionStatus } from '$lib/state/session.svelte';

/**
 * Who may see a path:
 * - `public`: anyone (the landing page at `/` turns into Home for a customer);
 * - `signedOut`: the sign-in screen — a signed-in user is sent home;
 * - `signedIn`, `customer`, `staff`: as named.
 */
export type RouteAccess = 'public' | 'signedOut' | 'signedIn' | 'customer' | 'staff';

const CUSTOMER_SECTIONS = ['/invoices', '/appointments', '/messages', '/documents', '/quotes', '/pay'];

/**
 * Public paths a signed-in customer sees inside the app's frame: Home (the landing page when
 * signed out) and booking (the guest booking flow when signed out).
 */
export const SHARED_PATHS: readonly string[] = ['/', '/book'];

function under(path: string, prefix: string): boolean {
	return path === prefix || path.startsWith(prefix + '/');
}

/** The access rule of a path. Unknown paths are public (they show the not-found page). */
export function accessOf(path: string): RouteAccess {
	if (path === '/sign-in') return 'signedOut';
	if (under(path, '/staff')) return 'staff';
	if (under(path, '/account')) return 'signedIn';
	// Guests book and confirm their booking here; customers book here too.
	if (under(path, '/book')) return 'public';
	if (CUSTOMER_SECTIONS.some((p) => under(path, p))) return 'customer';
	return 'public';
}

/** A same-origin path from `?next=`, or null when it is missing or points elsewhere. */
export function safeNext(value: string | null): string | null {
	if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
	return value;
}

/**
 * Where to send someone who may not see `url`, or null to let them stay. Undecided while the
 * session is still loading on a device that has no cached session.
 */
export function redirectFor(url: URL, status: SessionStatus, session: SessionInfo | null): string | null {
	const path = url.pathname;
	const access = accessOf(path);
	if (status === 'loading') return null;
	const home = session?.kind === 'staff' ? '/staff' : '/';

	if (access === 'signedOut') {
		if (!session) return null;
		return safeNext(url.searchParams.get('next')) ?? home;
	}
	if (access === 'public') return path === '/' && session?.kind === 'staff' ? '/staff' : null;
	if (!session) {
		const next = encodeURIComponent(path + url.search);
		return `/sign-in?next=${next}${access === 'staff' ? '&as=staff' : ''}`;
	}
	if (access === 'customer' && session.kind !== 'customer') return home;
	if (access === 'staff' && session.kind !== 'staff') return '/';
	return null;
}
