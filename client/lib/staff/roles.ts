import type { SessionInfo } from '$lib/api/auth';

type Staff = Extract<SessionInfo, { kind: 'staff' }>;

/*
 * What each role may do, so the console hides what would only be refused. The server decides
 * (403) either way; this only keeps buttons that cannot work off the screen.
 */

/** Owner and office: create and change customers, invoices, documents, branding. */
export function canManage(staff: Staff | null): boolean {
	return staff?.role === 'owner' || staff?.role === 'office';
}

/** The owner alone: API keys, webhooks, the audit log. */
export function isOwner(staff: Staff | null): boolean {
	return staff?.role === 'owner';
}
