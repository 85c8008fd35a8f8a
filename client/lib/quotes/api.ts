// Type-only imports: the customer's quote screen stays free of zod; the server validates every
// request anyway.
import type { ApproveQuoteRequest, ApproveQuoteResponse, DeclineQuoteRequest, RequestQuoteChanges } from '$shared/protocol/quotes';
import type { Quote } from '$shared/schemas/quote';
import { api } from '$lib/api/http';

export type { ApproveQuoteResponse };

/** Signing makes a PDF on the server: give it room. */
const ANSWER_TIMEOUT_MS = 30_000;

const path = (id: string, action: string) => `/api/quotes/${encodeURIComponent(id)}/${action}`;

/** Approves (signs) a quote; ApiError 409 with `details.reason` when it changed, expired or was answered. */
export function approveQuote(id: string, body: ApproveQuoteRequest): Promise<ApproveQuoteResponse> {
	return api<ApproveQuoteResponse>(path(id, 'approve'), { body, timeoutMs: ANSWER_TIMEOUT_MS });
}

/** Declines a quote, with an optional reason. */
export async function declineQuote(id: string, body: DeclineQuoteRequest): Promise<Quote> {
	return (await api<{ quote: Quote }>(path(id, 'decline'), { body, timeoutMs: ANSWER_TIMEOUT_MS })).quote;
}

/** Asks for changes; the message also lands in the conversation with the office. */
export async function requestQuoteChanges(id: string, body: RequestQuoteChanges): Promise<Quote> {
	return (await api<{ quote: Quote }>(path(id, 'request-changes'), { body, timeoutMs: ANSWER_TIMEOUT_MS })).quote;
}
