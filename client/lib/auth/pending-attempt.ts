import { readJson, removeKey, writeJson } from '$lib/state/storage';

const KEY = 'porchlight.signInAttempt';

/** A sign-in waiting for its code. */
export interface PendingAttempt {
	attemptId: string;
	email: string;
	as?: 'customer' | 'staff';
	/** When the email was requested (ms). */
	sentAt: number;
	resendAfterSeconds: number;
	expiresInSeconds: number;
}

/**
 * The attempt is kept in localStorage, not memory: on an iPhone the installed app is often
 * reloaded while the user is in Mail fetching the code, and must come back to the code step.
 * It holds no secret (the attempt id is useless without the emailed code).
 */
export function savePendingAttempt(attempt: PendingAttempt): void {
	writeJson(KEY, attempt);
}

/** The saved attempt, unless it has expired. */
export function loadPendingAttempt(now = Date.now()): PendingAttempt | null {
	const a = readJson<PendingAttempt>(KEY);
	if (!a || typeof a.attemptId !== 'string' || typeof a.email !== 'string') return null;
	if (now > a.sentAt + a.expiresInSeconds * 1000) {
		removeKey(KEY);
		return null;
	}
	return a;
}

/** Forgets the attempt (signed in, or the user chose another address). */
export function clearPendingAttempt(): void {
	removeKey(KEY);
}
