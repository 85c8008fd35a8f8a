import { readJson, removeKey, writeJson } from '$lib/state/storage';

const KEY = 'porchlight.guestBooking';

/** A guest booking waiting for its emailed code. */
export interface PendingGuestBooking {
	attemptId: string;
	email: string;
	serviceName: string;
	startsAt: number;
	endsAt: number;
	/** When the held time is released (ms, the server's clock). */
	holdExpiresAt: number;
	/** When the device asked (ms, its own clock) and how long the hold lasts: the countdown. */
	sentAt: number;
	expiresInSeconds: number;
}

/**
 * Kept in localStorage like a pending sign-in: a phone often reloads the app while the guest is
 * in their mail app fetching the code. Holds no secret (the attempt id is useless without it).
 */
export function savePendingGuestBooking(pending: PendingGuestBooking): void {
	writeJson(KEY, pending);
}

/** The waiting guest booking, unless its hold has run out. */
export function loadPendingGuestBooking(now = Date.now()): PendingGuestBooking | null {
	const p = readJson<PendingGuestBooking>(KEY);
	if (!p || typeof p.attemptId !== 'string' || typeof p.sentAt !== 'number') return null;
	if (now > p.sentAt + p.expiresInSeconds * 1000) {
		removeKey(KEY);
		return null;
	}
	return p;
}

/** Forgets it (confirmed, or the guest started over). */
export function clearPendingGuestBooking(): void {
	removeKey(KEY);
}
