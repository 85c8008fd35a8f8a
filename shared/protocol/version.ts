/**
 * The wire protocol's version. Bump it with a one-line history entry on every change.
 *
 * History:
 * 1 — health, branding, error bodies.
 * 2 — sync: collection schemas, pull/push per collection, change stream (hello, changed, heartbeat, bye).
 * 3 — auth: start, verify-code, redeem-link, session, sign-out, sign-out-everywhere, devices, staff revoke-sessions.
 * 4 — booking: services, slots, book, reschedule, cancel, accept, guest hold and confirm, staff requests/confirm/decline/propose; OUTSIDE_SERVICE_AREA error.
 * 5 — payments: pay config, invoice intent, demo confirm, payment history/receipt/refresh, setup intents, saved methods, autopay; Stripe webhook.
 * 6 — account: invoice PDF download, "download my data" archive with its manifest.
 * 7 — message photos: upload (`POST /api/files/uploads`), attachment download; customer messages may carry their own uploads.
 * 8 — staff console (`shared/protocol/staff.ts`: inbox, staff socket, customers, invoices, documents, branding, API keys, audit) and integration API `/api/v1` with outgoing webhooks (`shared/protocol/integration.ts`).
 * 9 — quotes: `quotes` collection; approve (signed), decline, request changes; quote photos; staff `/api/staff/quotes`; integration `/api/v1/quotes`.
 * 10 — staff availability editor (`shared/protocol/availability.ts`: `/api/staff/availability/*` hours, time off, services, service area) and the staff calendar `GET /api/staff/booking/appointments`.
 * 11 — booking: `GET /api/booking/slots?appointment=` offers times for moving one's own appointment even when its service is no longer offered for new bookings.
 */
export const PROTOCOL_VERSION = 11;
