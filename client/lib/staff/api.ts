import type { z } from 'zod';
import { api, ApiError, OfflineError } from '$lib/api/http';
import type { ErrorBody } from '$shared/protocol/errors';
import type {
	ApiKeyCreated,
	ApiKeyList,
	AuditResponse,
	BrandingUpdate,
	BrandingUpdateResponse,
	CustomerRecord,
	CustomerSearchResponse,
	DocumentPatch,
	DocumentUploadQuery,
	InboxResponse,
	InboxThread,
	InPersonPayment,
	InvoiceDraft,
	InvoiceListResponse,
	LogoUploadResponse,
	PortalInvite,
	PortalInviteResponse,
	StaffConversationStart,
	StaffDocument,
	StaffInvoice,
	StaffMembersResponse,
	ThreadDetail,
	ThreadPatch
} from '$shared/protocol/staff';
import type { customerCreateSchema, customerPatchSchema } from '$shared/protocol/staff';
import type { WebhookDelivery, WebhookEndpoint, WebhookEndpointCreated, WebhookEvent } from '$shared/protocol/integration';
import type {
	AppointmentResponse,
	BookingResourcesResponse,
	StaffBookingRequestsResponse,
	StaffSlotsResponse
} from '$shared/protocol/booking';
import type {
	AvailabilityResource,
	AvailabilityResponse,
	CalendarResponse,
	HoursUpdate,
	ResourceCreate,
	ResourcePatch,
	ServiceArea,
	ServiceAreaUpdate,
	ServiceType,
	ServiceTypeCreate,
	ServiceTypeDeleted,
	ServiceTypePatch,
	TimeOffCreate,
	TimeOffCreated
} from '$shared/protocol/availability';
import type { Message } from '$shared/schemas/message';

/*
 * The staff console's calls to `/api/staff/*`, typed with the shared protocol. Every call goes
 * through `api()` (same-origin cookie, ApiError/OfflineError), except raw uploads, which send the
 * file itself as the body the way the server's routes expect.
 */

function query(params: Record<string, string | number | undefined | null>): string {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
	const s = q.toString();
	return s ? `?${s}` : '';
}

/** Sends a file as the raw request body (PDF, logo); errors come back as ApiError like `api()`. */
export async function uploadRaw<T>(path: string, file: Blob, contentType: string): Promise<T> {
	let response: Response;
	try {
		response = await fetch(path, { method: 'POST', body: file, headers: { 'content-type': contentType, accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
	} catch (err) {
		throw new OfflineError(err);
	}
	const text = await response.text().catch(() => '');
	let body: unknown;
	try {
		body = text ? JSON.parse(text) : undefined;
	} catch {
		body = undefined;
	}
	if (response.ok) return body as T;
	const b = body as Partial<ErrorBody> | undefined;
	if (b && typeof b.code === 'string' && typeof b.message === 'string') throw new ApiError(response.status, b as ErrorBody);
	// Fastify's own body-limit answer may not carry our error body; say what it means.
	if (response.status === 413) throw new ApiError(413, { code: 'PAYLOAD_TOO_LARGE', message: 'The file is too large.' });
	if (response.status === 415) throw new ApiError(415, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'That kind of file is not accepted here.' });
	throw new ApiError(response.status, { code: 'INTERNAL', message: `The server answered ${response.status}.` });
}

/** The inbox and conversations. */
export const inboxApi = {
	list: (p: { status?: 'open' | 'done' | 'all'; assigned?: string; offset?: number; limit?: number } = {}) =>
		api<InboxResponse>(`/api/staff/threads${query(p)}`),
	get: (id: string) => api<ThreadDetail>(`/api/staff/threads/${encodeURIComponent(id)}`),
	patch: (id: string, patch: ThreadPatch) => api<InboxThread>(`/api/staff/threads/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch }),
	reply: (id: string, body: string) => api<Message>(`/api/staff/threads/${encodeURIComponent(id)}/messages`, { method: 'POST', body: { body } }),
	messageCustomer: (customerId: string, body: string) =>
		api<StaffConversationStart>(`/api/staff/customers/${encodeURIComponent(customerId)}/messages`, { method: 'POST', body: { body } }),
	users: () => api<StaffMembersResponse>('/api/staff/users')
};

/** Customers, their portal access and documents. */
export const customersApi = {
	search: (p: { q?: string; offset?: number; limit?: number } = {}) => api<CustomerSearchResponse>(`/api/staff/customers${query(p)}`),
	get: (id: string) => api<CustomerRecord>(`/api/staff/customers/${encodeURIComponent(id)}`),
	create: (input: z.input<typeof customerCreateSchema>) => api<CustomerRecord>('/api/staff/customers', { method: 'POST', body: input }),
	update: (id: string, patch: z.input<typeof customerPatchSchema>) => api<CustomerRecord>(`/api/staff/customers/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch }),
	invite: (id: string, input: Partial<PortalInvite> & { email: string }) =>
		api<PortalInviteResponse>(`/api/staff/customers/${encodeURIComponent(id)}/portal-users`, { method: 'POST', body: input }),
	removePortalUser: (id: string, portalUserId: string) =>
		api<void>(`/api/staff/customers/${encodeURIComponent(id)}/portal-users/${encodeURIComponent(portalUserId)}`, { method: 'DELETE' }),
	revokeSessions: (id: string) => api<unknown>(`/api/staff/customers/${encodeURIComponent(id)}/revoke-sessions`, { method: 'POST', body: {} }),
	uploadDocument: (id: string, meta: DocumentUploadQuery, file: Blob) =>
		uploadRaw<StaffDocument>(`/api/staff/customers/${encodeURIComponent(id)}/documents${query({ ...meta })}`, file, 'application/pdf'),
	updateDocument: (docId: string, patch: DocumentPatch) => api<StaffDocument>(`/api/staff/documents/${encodeURIComponent(docId)}`, { method: 'PATCH', body: patch }),
	deleteDocument: (docId: string) => api<void>(`/api/staff/documents/${encodeURIComponent(docId)}`, { method: 'DELETE' })
};

/** Invoices. */
export const invoicesApi = {
	list: (p: { status?: string; customerId?: string; q?: string; offset?: number; limit?: number } = {}) =>
		api<InvoiceListResponse>(`/api/staff/invoices${query(p)}`),
	get: (id: string) => api<StaffInvoice>(`/api/staff/invoices/${encodeURIComponent(id)}`),
	create: (draft: Partial<InvoiceDraft> & Pick<InvoiceDraft, 'customerId' | 'title'>) => api<StaffInvoice>('/api/staff/invoices', { method: 'POST', body: draft }),
	remove: (id: string) => api<void>(`/api/staff/invoices/${encodeURIComponent(id)}`, { method: 'DELETE' }),
	issue: (id: string, dueDate?: string) => api<StaffInvoice>(`/api/staff/invoices/${encodeURIComponent(id)}/issue`, { method: 'POST', body: dueDate ? { dueDate } : {} }),
	void: (id: string, reason: string | null) => api<StaffInvoice>(`/api/staff/invoices/${encodeURIComponent(id)}/void`, { method: 'POST', body: { reason } }),
	pay: (id: string, payment: Omit<InPersonPayment, 'reference'> & { reference?: string | null }) =>
		api<StaffInvoice>(`/api/staff/invoices/${encodeURIComponent(id)}/payments`, { method: 'POST', body: payment })
};

/** Booking requests and slots. */
export const bookingApi = {
	requests: () => api<StaffBookingRequestsResponse>('/api/staff/booking/requests'),
	resources: () => api<BookingResourcesResponse>('/api/staff/booking/resources'),
	slots: (p: { service: string; from?: string; to?: string }) => api<StaffSlotsResponse>(`/api/staff/booking/slots${query(p)}`),
	confirm: (id: string, body: { startsAt?: number; resourceId?: string } = {}) =>
		api<AppointmentResponse>(`/api/staff/booking/appointments/${encodeURIComponent(id)}/confirm`, { method: 'POST', body }),
	decline: (id: string, reason: string) => api<AppointmentResponse>(`/api/staff/booking/appointments/${encodeURIComponent(id)}/decline`, { method: 'POST', body: { reason } }),
	propose: (id: string, options: { startsAt: number; resourceId?: string }[]) =>
		api<AppointmentResponse>(`/api/staff/booking/appointments/${encodeURIComponent(id)}/propose`, { method: 'POST', body: { options } }),
	/** Appointments with a time in `[from, to)` (ms, at most 62 days), optionally of one technician or crew. */
	calendar: (p: { from: number; to: number; resourceId?: string }) => api<CalendarResponse>(`/api/staff/booking/appointments${query(p)}`)
};

/** The availability editor: hours, time off, service types, service area. */
export const availabilityApi = {
	get: () => api<AvailabilityResponse>('/api/staff/availability'),
	createResource: (input: ResourceCreate) => api<AvailabilityResource>('/api/staff/availability/resources', { method: 'POST', body: input }),
	updateResource: (id: string, patch: ResourcePatch) => api<AvailabilityResource>(`/api/staff/availability/resources/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch }),
	setHours: (input: HoursUpdate) => api<AvailabilityResource>('/api/staff/availability/hours', { method: 'PUT', body: input }),
	addTimeOff: (input: Omit<TimeOffCreate, 'reason'> & { reason?: string | null }) => api<TimeOffCreated>('/api/staff/availability/time-off', { method: 'POST', body: input }),
	removeTimeOff: (id: string) => api<void>(`/api/staff/availability/time-off/${encodeURIComponent(id)}`, { method: 'DELETE' }),
	createService: (input: Partial<ServiceTypeCreate> & Pick<ServiceTypeCreate, 'name' | 'durationMinutes'>) =>
		api<ServiceType>('/api/staff/availability/services', { method: 'POST', body: input }),
	updateService: (id: string, patch: ServiceTypePatch) => api<ServiceType>(`/api/staff/availability/services/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch }),
	removeService: (id: string) => api<ServiceTypeDeleted>(`/api/staff/availability/services/${encodeURIComponent(id)}`, { method: 'DELETE' }),
	setServiceArea: (input: ServiceAreaUpdate) => api<ServiceArea>('/api/staff/availability/service-area', { method: 'PUT', body: input })
};

/** The business's branding. */
export const brandingApi = {
	update: (input: BrandingUpdate) => api<BrandingUpdateResponse>('/api/staff/branding', { method: 'PUT', body: input }),
	uploadLogo: (file: File) => uploadRaw<LogoUploadResponse>('/api/staff/branding/logo', file, file.type || 'application/octet-stream'),
	removeLogo: () => api<unknown>('/api/staff/branding/logo', { method: 'DELETE' })
};

/** Owner settings: API keys, webhooks, the audit log. */
export const ownerApi = {
	keys: () => api<ApiKeyList>('/api/staff/api-keys'),
	createKey: (name: string) => api<ApiKeyCreated>('/api/staff/api-keys', { method: 'POST', body: { name } }),
	revokeKey: (id: string) => api<unknown>(`/api/staff/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
	webhooks: () => api<{ endpoints: WebhookEndpoint[] }>('/api/staff/webhooks'),
	createWebhook: (url: string, events: WebhookEvent[]) => api<WebhookEndpointCreated>('/api/staff/webhooks', { method: 'POST', body: { url, events } }),
	deleteWebhook: (id: string) => api<unknown>(`/api/staff/webhooks/${encodeURIComponent(id)}`, { method: 'DELETE' }),
	deliveries: (id: string) => api<{ deliveries: WebhookDelivery[] }>(`/api/staff/webhooks/${encodeURIComponent(id)}/deliveries`),
	testWebhook: (id: string) => api<unknown>(`/api/staff/webhooks/${encodeURIComponent(id)}/test`, { method: 'POST', body: {} }),
	audit: (p: { before?: number; limit?: number } = {}) => api<AuditResponse>(`/api/staff/audit${query(p)}`)
};
