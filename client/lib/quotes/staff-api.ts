import type { z } from 'zod';
import { api } from '$lib/api/http';
import { uploadRaw } from '$lib/staff/api';
import type { STAFF_QUOTE_STATUSES, StaffQuote, StaffQuoteList, staffQuoteCreateSchema, staffQuoteUpdateSchema } from '$shared/protocol/quotes';

/*
 * The console's calls to `/api/staff/quotes`, typed with the shared protocol (shared/protocol/
 * quotes.ts). Errors come back as ApiError/OfflineError like every other console call.
 */

/** A quote's state as staff see it. */
export type StaffQuoteStatus = (typeof STAFF_QUOTE_STATUSES)[number];

/** A new quote as the composer sends it. */
export type QuoteCreateInput = z.input<typeof staffQuoteCreateSchema>;

/** An edit as the composer sends it. */
export type QuoteUpdateInput = z.input<typeof staffQuoteUpdateSchema>;

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
	const s = q.toString();
	return s ? `?${s}` : '';
}

/** Quotes in the console. */
export const quotesApi = {
	list: (p: { status?: StaffQuoteStatus; customerId?: string; offset?: number; limit?: number } = {}) => api<StaffQuoteList>(`/api/staff/quotes${query(p)}`),
	get: (id: string) => api<StaffQuote>(`/api/staff/quotes/${enc(id)}`),
	create: (input: QuoteCreateInput) => api<StaffQuote>('/api/staff/quotes', { method: 'POST', body: input }),
	update: (id: string, patch: QuoteUpdateInput) => api<StaffQuote>(`/api/staff/quotes/${enc(id)}`, { method: 'PATCH', body: patch }),
	send: (id: string) => api<StaffQuote>(`/api/staff/quotes/${enc(id)}/send`, { method: 'POST', body: {} }),
	/** Deletes a draft (a quote the customer never saw); sent quotes are withdrawn instead. */
	remove: (id: string) => api<void>(`/api/staff/quotes/${enc(id)}`, { method: 'DELETE' }),
	withdraw: (id: string) => api<StaffQuote>(`/api/staff/quotes/${enc(id)}/withdraw`, { method: 'POST', body: {} }),
	uploadPhoto: (id: string, file: Blob, caption: string | null) =>
		uploadRaw<unknown>(`/api/staff/quotes/${enc(id)}/photos${query({ caption })}`, file, file.type || 'application/octet-stream'),
	deletePhoto: (id: string, photoId: string) => api<unknown>(`/api/staff/quotes/${enc(id)}/photos/${enc(photoId)}`, { method: 'DELETE' })
};

/** Staff quote states as people say them. */
export const STAFF_QUOTE_LABELS: Record<StaffQuoteStatus, string> = {
	draft: 'Draft',
	sent: 'Sent',
	approved: 'Approved',
	declined: 'Declined',
	changes_requested: 'Changes asked for',
	withdrawn: 'Withdrawn'
};
