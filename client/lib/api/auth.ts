// Type-only imports: the shared zod schemas stay out of the browser bundle (they would put
// zod on the critical path); the server validates every message anyway.
import type {
	SessionInfo,
	SessionResponse,
	SignedInResponse,
	StartSignInRequest,
	StartSignInResponse,
	WrongCodeDetails
} from '$shared/protocol/auth';
import { ApiError, api } from './http';

export type { SessionInfo, StartSignInResponse };

/** Digits in the emailed code (mirrors SIGN_IN_CODE_LENGTH without importing zod). */
export const CODE_LENGTH = 6;

/** Mails a sign-in link and code; the answer is the same whether or not the address is known. */
export function startSignIn(request: StartSignInRequest): Promise<StartSignInResponse> {
	return api<StartSignInResponse>('/api/auth/start', { body: request });
}

/** Trades the typed code for a session (the server sets the cookie). */
export async function verifyCode(attemptId: string, code: string): Promise<SessionInfo> {
	const res = await api<SignedInResponse>('/api/auth/verify-code', { body: { attemptId, code } });
	return res.session;
}

/** Trades the link's secret for a session (the server sets the cookie). */
export async function redeemLink(token: string): Promise<SessionInfo> {
	const res = await api<SignedInResponse>('/api/auth/redeem-link', { body: { token } });
	return res.session;
}

/** Who the session cookie belongs to, or null. */
export async function fetchSession(): Promise<SessionInfo | null> {
	const res = await api<SessionResponse>('/api/auth/session', { timeoutMs: 8000 });
	return res?.session ?? null;
}

/** Revokes this device's session on the server and clears the cookie. */
export function postSignOut(): Promise<void> {
	return api<void>('/api/auth/sign-out', { method: 'POST', timeoutMs: 8000 });
}

/** Tries left after a wrong code, when the error is that answer. */
export function triesLeftOf(err: unknown): number | undefined {
	if (!(err instanceof ApiError) || err.code !== 'VALIDATION' || err.field !== 'code') return undefined;
	const details = err.details as Partial<WrongCodeDetails> | undefined;
	return typeof details?.triesLeft === 'number' ? details.triesLeft : undefined;
}

/** Where a session lands after signing in. */
export function homeOf(session: SessionInfo): '/' | '/staff' {
	return session.kind === 'staff' ? '/staff' : '/';
}
