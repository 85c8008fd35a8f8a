import { z } from 'zod';
import { contrastRatio, brandPalette, normalizeHex } from '../color.ts';
import { isValidTimeZone } from '../time.ts';
import { appointmentSchema } from '../schemas/appointment.ts';
import { brandingSchema, hexColorSchema, officeHoursSchema } from '../schemas/branding.ts';
import { docIdSchema, emailSchema, instantSchema, localDateSchema, minorSchema, currencySchema, nonNegativeMinorSchema, textSchema } from '../schemas/common.ts';
import { DOCUMENT_KINDS, documentSchema } from '../schemas/document.ts';
import { invoiceSchema } from '../schemas/invoice.ts';
import { messageSchema } from '../schemas/message.ts';
import { billingSchema, profileSchema } from '../schemas/profile.ts';
import { emailSchema as signInEmailSchema } from './auth.ts';
import { staffThreadSummarySchema } from './staff-threads.ts';

/*
 * The staff console's API (`/api/staff/*`): every request and answer as one zod schema plus its
 * type. Instants are integer milliseconds; money is integer minor units with its currency.
 */

// ---------------------------------------------------------------------------------------------
// Common

/** Offset paging for console lists (`?offset=0&limit=50`). */
export const pageQuerySchema = z.object({
	offset: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(1_000_000).default(0),
	limit: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50)
});

/** Paging of a console list. */
export type PageQuery = z.infer<typeof pageQuerySchema>;

/** Staff roles, most privileged first. */
export const STAFF_ROLES = ['owner', 'office', 'technician'] as const;

/** Someone who works for the business, as the console lists them (assignment, audit names). */
export const staffMemberSchema = z.strictObject({
	id: z.string(),
	name: z.string(),
	email: z.string(),
	role: z.enum(STAFF_ROLES)
});

/** A staff member. */
export type StaffMember = z.infer<typeof staffMemberSchema>;

/** `GET /api/staff/users`: active staff, by name. */
export const staffMembersResponseSchema = z.object({ users: z.array(staffMemberSchema) });

/** Active staff. */
export type StaffMembersResponse = z.infer<typeof staffMembersResponseSchema>;

/** Free text that may be cleared: trimmed, and an empty string stored as null. */
function optionalText(max: number) {
	return z
		.string()
		.trim()
		.max(max, `must be at most ${max} characters`)
		.transform((v) => (v === '' ? null : v))
		.nullable();
}

// ---------------------------------------------------------------------------------------------
// Customers

/** Another system's id of a record (`externalId`): what the integration API addresses it by. */
export const externalIdSchema = z
	.string()
	.min(1, 'must not be empty')
	.max(128, 'must be at most 128 characters')
	.regex(/^[A-Za-z0-9_.:@-]+$/, 'may contain only letters, digits and _ . : @ -');

/** A service address as staff enter it; `id` keeps an existing address (and its bookings). */
export const addressInputSchema = z.strictObject({
	id: docIdSchema.optional(),
	label: z.string().trim().max(100, 'must be at most 100 characters').default('Home'),
	line1: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
	line2: optionalText(200).default(null),
	city: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
	region: z.string().trim().max(100, 'must be at most 100 characters').default(''),
	postalCode: z.string().trim().min(1, 'must not be empty').max(20, 'must be at most 20 characters'),
	country: z.string().trim().regex(/^[A-Z]{2}$/, 'must be a two-letter country code like US').default('US'),
	lat: z.number().min(-90).max(90).nullable().default(null),
	lng: z.number().min(-180).max(180).nullable().default(null)
});

/** A service address in a customer edit. */
export type AddressInput = z.infer<typeof addressInputSchema>;

/** Billing details as staff enter them: every part optional, blanks cleared. */
export const billingInputSchema = z.strictObject({
	name: optionalText(200).optional(),
	email: z
		.string()
		.trim()
		.transform((v) => (v === '' ? null : v))
		.pipe(emailSchema.nullable())
		.nullable()
		.optional(),
	line1: optionalText(200).optional(),
	line2: optionalText(200).optional(),
	city: optionalText(100).optional(),
	region: optionalText(100).optional(),
	postalCode: optionalText(20).optional(),
	country: optionalText(2).optional()
});

/** Billing details in a customer edit. */
export type BillingInput = z.infer<typeof billingInputSchema>;

const customerFields = {
	name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
	email: z
		.string()
		.trim()
		.transform((v) => (v === '' ? null : v))
		.pipe(emailSchema.nullable())
		.nullable(),
	phone: optionalText(40),
	notes: optionalText(5000),
	billing: billingInputSchema,
	/** The full list of service addresses: ones left out are removed. */
	addresses: z.array(addressInputSchema).max(100, 'must have at most 100 addresses')
};

/** `POST /api/staff/customers`: a new customer (201 answers with the `CustomerRecord`). */
export const customerCreateSchema = z.strictObject({
	name: customerFields.name,
	email: customerFields.email.default(null),
	phone: customerFields.phone.default(null),
	notes: customerFields.notes.default(null),
	billing: customerFields.billing.default({}),
	addresses: customerFields.addresses.default([])
});

/** A new customer. */
export type CustomerCreate = z.infer<typeof customerCreateSchema>;

/** `PATCH /api/staff/customers/:id`: changes to a customer; omitted fields stay as they are. */
export const customerPatchSchema = z.strictObject({
	name: customerFields.name.optional(),
	email: customerFields.email.optional(),
	phone: customerFields.phone.optional(),
	notes: customerFields.notes.optional(),
	billing: customerFields.billing.optional(),
	addresses: customerFields.addresses.optional(),
	/** Links the customer to a record of another system (null unlinks); must be unique. */
	externalId: externalIdSchema.nullable().optional()
});

/** A customer edit. */
export type CustomerPatch = z.infer<typeof customerPatchSchema>;

/** `GET /api/staff/customers?q=&offset=&limit=`: search by name, email or phone. */
export const customerSearchQuerySchema = pageQuerySchema.extend({
	q: z.string().trim().max(200, 'must be at most 200 characters').default('')
});

/** A customer search. */
export type CustomerSearchQuery = z.infer<typeof customerSearchQuerySchema>;

/** One customer in a list: who, how to reach them, what they owe. */
export const customerSummarySchema = z.strictObject({
	id: z.string(),
	externalId: z.string().nullable(),
	name: z.string(),
	email: z.string().nullable(),
	phone: z.string().nullable(),
	/** How many addresses may sign in to the portal for this customer. */
	portalUsers: z.number().int(),
	/** What open invoices still ask for, in the business's currency. */
	openBalance: minorSchema,
	currency: currencySchema
});

/** A customer in a list. */
export type CustomerSummary = z.infer<typeof customerSummarySchema>;

/** Answer of the customer search. */
export const customerSearchResponseSchema = z.object({
	customers: z.array(customerSummarySchema),
	total: z.number().int(),
	offset: z.number().int(),
	limit: z.number().int()
});

/** A page of customers. */
export type CustomerSearchResponse = z.infer<typeof customerSearchResponseSchema>;

/** A customer as staff see it: the portal's profile plus office-only fields. */
export const staffCustomerSchema = profileSchema.extend({
	externalId: z.string().nullable(),
	notes: z.string().nullable(),
	createdAt: instantSchema
});

/** A customer, staff view. */
export type StaffCustomer = z.infer<typeof staffCustomerSchema>;

/** An address that may sign in to the portal for a customer. */
export const portalUserSchema = z.strictObject({
	id: z.string(),
	email: z.string(),
	name: z.string().nullable(),
	disabled: z.boolean(),
	lastSignInAt: instantSchema.nullable(),
	createdAt: instantSchema
});

/** A portal user. */
export type PortalUser = z.infer<typeof portalUserSchema>;

/** Invoice states staff see (drafts included). */
export const STAFF_INVOICE_STATUSES = ['draft', 'open', 'processing', 'paid', 'void'] as const;

/** An invoice as staff see it: the customer's document plus draft status and ids. */
export const staffInvoiceSchema = invoiceSchema.extend({
	status: z.enum(STAFF_INVOICE_STATUSES),
	customerId: z.string(),
	customerName: z.string(),
	externalId: z.string().nullable(),
	createdAt: instantSchema
});

/** An invoice, staff view. */
export type StaffInvoice = z.infer<typeof staffInvoiceSchema>;

/** A document as staff see it. */
export const staffDocumentSchema = documentSchema.extend({
	customerId: z.string(),
	externalId: z.string().nullable()
});

/** A document, staff view. */
export type StaffDocument = z.infer<typeof staffDocumentSchema>;

/** An appointment as staff see it. */
export const staffAppointmentSchema = appointmentSchema.extend({
	customerId: z.string(),
	externalId: z.string().nullable(),
	source: z.enum(['customer', 'staff', 'integration', 'guest'])
});

/** An appointment, staff view. */
export type StaffAppointment = z.infer<typeof staffAppointmentSchema>;

/**
 * `GET /api/staff/customers/:id` (and beside each inbox thread): the customer with portal access,
 * invoices (drafts too), appointments and documents, newest first.
 */
export const customerRecordSchema = z.object({
	customer: staffCustomerSchema,
	portalUsers: z.array(portalUserSchema),
	invoices: z.array(staffInvoiceSchema),
	appointments: z.array(staffAppointmentSchema),
	documents: z.array(staffDocumentSchema),
	/** The customer's conversation, if one was started. */
	threadId: z.string().nullable()
});

/** A customer's whole record. */
export type CustomerRecord = z.infer<typeof customerRecordSchema>;

/**
 * `POST /api/staff/customers/:id/portal-users`: give an address portal access and (unless
 * `sendInvitation` is false) mail it a branded invitation with a sign-in link. Answers
 * `PortalInviteResponse`: 201 when the address is new (or returns), 200 when it already had access.
 */
export const portalInviteSchema = z.strictObject({
	email: signInEmailSchema,
	name: optionalText(200).default(null),
	sendInvitation: z.boolean().default(true)
});

/** A portal invitation. */
export type PortalInvite = z.infer<typeof portalInviteSchema>;

/** Answer of a portal invitation: the address, and whether the invitation mail went out. */
export const portalInviteResponseSchema = z.object({ portalUser: portalUserSchema, invitationSent: z.boolean() });

/** A portal invitation's answer. */
export type PortalInviteResponse = z.infer<typeof portalInviteResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Inbox

/** A conversation in the inbox, with its customer and last message. */
export const inboxThreadSchema = staffThreadSummarySchema.extend({
	/** The customer wrote after staff last read the thread. */
	unread: z.boolean(),
	subject: z.string().nullable(),
	assignedStaffId: z.string().nullable(),
	assignedStaffName: z.string().nullable(),
	createdAt: instantSchema,
	customer: z.strictObject({ id: z.string(), name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }),
	lastMessage: z
		.strictObject({
			authorKind: z.enum(['customer', 'staff', 'system']),
			authorName: z.string(),
			/** The first 200 characters. */
			preview: z.string(),
			at: instantSchema
		})
		.nullable()
});

/** An inbox thread. */
export type InboxThread = z.infer<typeof inboxThreadSchema>;

/** `GET /api/staff/threads?status=&assigned=&offset=&limit=`: unread first, then newest activity. */
export const inboxQuerySchema = pageQuerySchema.extend({
	status: z.enum(['open', 'done', 'all'], { error: "must be 'open', 'done' or 'all'" }).default('all'),
	/** `me`, `unassigned`, or a staff user id. */
	assigned: z.string().trim().max(64).optional()
});

/** An inbox query. */
export type InboxQuery = z.infer<typeof inboxQuerySchema>;

/** The inbox page, and how many threads are unread in all. */
export const inboxResponseSchema = z.object({
	threads: z.array(inboxThreadSchema),
	total: z.number().int(),
	unread: z.number().int(),
	offset: z.number().int(),
	limit: z.number().int()
});

/** An inbox page. */
export type InboxResponse = z.infer<typeof inboxResponseSchema>;

/** `GET /api/staff/threads/:id`: the thread, every message (oldest first) and the customer's record. */
export const threadDetailSchema = z.object({
	thread: inboxThreadSchema,
	messages: z.array(messageSchema),
	record: customerRecordSchema
});

/** A thread with its messages and customer. */
export type ThreadDetail = z.infer<typeof threadDetailSchema>;

/** `PATCH /api/staff/threads/:id`: assign (null: nobody), mark done or reopen, mark read or unread. */
export const threadPatchSchema = z
	.strictObject({
		assignedStaffId: z.string().min(1).max(64).nullable().optional(),
		status: z.enum(['open', 'done'], { error: "must be 'open' or 'done'" }).optional(),
		read: z.boolean().optional()
	})
	.refine((v) => v.assignedStaffId !== undefined || v.status !== undefined || v.read !== undefined, { message: 'say what to change: assignedStaffId, status or read' });

/** A thread change. */
export type ThreadPatch = z.infer<typeof threadPatchSchema>;

/** Answer of `POST /api/staff/customers/:id/messages` (201): the conversation (started if needed) and the message. */
export const staffConversationStartSchema = z.object({ threadId: z.string(), message: messageSchema });

/** A started conversation. */
export type StaffConversationStart = z.infer<typeof staffConversationStartSchema>;

/** Path of the staff console's live WebSocket (session cookie, staff only). */
export const STAFF_STREAM_PATH = '/api/staff/stream';

/** First message on the staff socket: which topics it carries. */
export const staffStreamHelloSchema = z.strictObject({
	type: z.literal('hello'),
	protocolVersion: z.number().int(),
	topics: z.array(z.enum(['inbox', 'quotes']))
});

/** These threads changed (a message arrived, or someone assigned, closed or read them): refetch them. */
export const staffStreamInboxSchema = z.strictObject({
	type: z.literal('inbox'),
	threadIds: z.array(z.string()).min(1),
	/** True when at least one of the changes is a new message from a customer. */
	customerMessage: z.boolean()
});

/** A customer answered a quote (approved, declined, asked for changes): refetch it. */
export const staffStreamQuoteSchema = z.strictObject({
	type: z.literal('quote'),
	quoteId: z.string(),
	customerId: z.string(),
	number: z.string(),
	customerName: z.string(),
	status: z.enum(['approved', 'declined', 'changes_requested'])
});

/** Sent every heartbeat interval so both sides notice a dead connection. */
export const staffStreamHeartbeatSchema = z.strictObject({ type: z.literal('heartbeat'), at: z.number().int() });

/** The server is closing the socket (`session-ended`, `shutdown`). */
export const staffStreamByeSchema = z.strictObject({ type: z.literal('bye'), reason: z.string() });

/** Any message on the staff socket. */
export const staffStreamMessageSchema = z.discriminatedUnion('type', [staffStreamHelloSchema, staffStreamInboxSchema, staffStreamQuoteSchema, staffStreamHeartbeatSchema, staffStreamByeSchema]);

/** A staff socket message. */
export type StaffStreamMessage = z.infer<typeof staffStreamMessageSchema>;

// ---------------------------------------------------------------------------------------------
// Invoices

/** A line as staff (or an integration) enter it; the server computes its amount. */
export const invoiceLineInputSchema = z.strictObject({
	description: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
	/** Quantity in thousandths: 1.5 hours is 1500. */
	quantityMilli: z.number().int('must be a whole number of thousandths').min(-1_000_000_000).max(1_000_000_000).refine((v) => v !== 0, 'must not be 0'),
	/** Price of one unit, in minor units (negative for a discount line). */
	unitAmount: minorSchema
});

/** An invoice line input. */
export type InvoiceLineInput = z.infer<typeof invoiceLineInputSchema>;

/** Tax rate in basis points: 8.25 % is 825. */
export const taxRateBpSchema = z.number().int('must be a whole number of basis points').min(0, 'must be 0 or more').max(100_000, 'must be at most 100000');

/** `POST /api/staff/invoices`: a new draft (201 → `StaffInvoice`). Totals are computed by the server. */
export const invoiceDraftSchema = z.strictObject({
	customerId: z.string().min(1, 'must not be empty').max(64),
	title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
	period: optionalText(100).default(null),
	/** Defaults to the business's currency. */
	currency: currencySchema.optional(),
	taxRateBp: taxRateBpSchema.default(0),
	lines: z.array(invoiceLineInputSchema).max(1000, 'must have at most 1000 lines').default([]),
	dueDate: localDateSchema.nullable().default(null),
	notes: optionalText(5000).default(null)
});

/** A new draft invoice. */
export type InvoiceDraft = z.infer<typeof invoiceDraftSchema>;

/** `PATCH /api/staff/invoices/:id`: edit a draft; `lines` replaces all lines. */
export const invoiceDraftPatchSchema = z.strictObject({
	title: invoiceDraftSchema.shape.title.optional(),
	period: optionalText(100).optional(),
	currency: currencySchema.optional(),
	taxRateBp: taxRateBpSchema.optional(),
	lines: z.array(invoiceLineInputSchema).max(1000, 'must have at most 1000 lines').optional(),
	dueDate: localDateSchema.nullable().optional(),
	notes: optionalText(5000).optional()
});

/** A draft edit. */
export type InvoiceDraftPatch = z.infer<typeof invoiceDraftPatchSchema>;

/** Days after issue an invoice is due when no due date is given. */
export const DEFAULT_NET_DAYS = 30;

/** `POST /api/staff/invoices/:id/issue`: the due date (default: issue day + 30 in the business's zone). */
export const invoiceIssueSchema = z.strictObject({
	dueDate: localDateSchema.optional()
});

/** An issue request. */
export type InvoiceIssue = z.infer<typeof invoiceIssueSchema>;

/** `POST /api/staff/invoices/:id/void`: why (kept in the audit log). */
export const invoiceVoidSchema = z.strictObject({
	reason: optionalText(500).default(null)
});

/** A void request. */
export type InvoiceVoid = z.infer<typeof invoiceVoidSchema>;

/** Ways a payment taken in person is made. */
export const IN_PERSON_METHODS = ['cash', 'check', 'other'] as const;

/** `POST /api/staff/invoices/:id/payments`: money taken in person (201 → the updated `StaffInvoice`). */
export const inPersonPaymentSchema = z.strictObject({
	amount: nonNegativeMinorSchema.refine((v) => v > 0, 'must be more than 0'),
	method: z.enum(IN_PERSON_METHODS, { error: "must be 'cash', 'check' or 'other'" }),
	/** Check number or a note ("Check #1187" is shown for a check with reference 1187). */
	reference: optionalText(64).default(null),
	/** When it was received; defaults to now. */
	receivedAt: instantSchema.optional()
});

/** A payment taken in person. */
export type InPersonPayment = z.infer<typeof inPersonPaymentSchema>;

/** `GET /api/staff/invoices?status=&customerId=&q=&offset=&limit=`. */
export const invoiceListQuerySchema = pageQuerySchema.extend({
	status: z.enum([...STAFF_INVOICE_STATUSES, 'all'], { error: 'must be draft, open, processing, paid, void or all' }).default('all'),
	customerId: z.string().max(64).optional(),
	/** Matches the number, title or customer name. */
	q: z.string().trim().max(200).default('')
});

/** An invoice list query. */
export type InvoiceListQuery = z.infer<typeof invoiceListQuerySchema>;

/** Totals of every invoice of one status and currency (whatever the page or search). */
export const invoiceTotalsSchema = z.strictObject({
	status: z.enum(STAFF_INVOICE_STATUSES),
	currency: currencySchema,
	count: z.number().int(),
	total: minorSchema,
	amountPaid: minorSchema,
	amountDue: minorSchema
});

/** Invoice totals for one status and currency. */
export type InvoiceTotals = z.infer<typeof invoiceTotalsSchema>;

/** Answer of the invoice list: newest first. */
export const invoiceListResponseSchema = z.object({
	invoices: z.array(staffInvoiceSchema),
	total: z.number().int(),
	offset: z.number().int(),
	limit: z.number().int(),
	totals: z.array(invoiceTotalsSchema)
});

/** A page of invoices. */
export type InvoiceListResponse = z.infer<typeof invoiceListResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Documents

/** Largest document upload, in bytes (20 MB). */
export const DOCUMENT_MAX_BYTES = 20 * 1024 * 1024;

/**
 * Query of `POST /api/staff/customers/:id/documents` (body: the PDF itself, `Content-Type:
 * application/pdf`, at most `DOCUMENT_MAX_BYTES`). 201 → `StaffDocument`.
 */
export const documentUploadQuerySchema = z.strictObject({
	kind: z.enum(DOCUMENT_KINDS, { error: 'must be quote, contract, warranty, certificate_of_insurance or other' }),
	title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
	fileName: z
		.string()
		.trim()
		.min(1, 'must not be empty')
		.max(255, 'must be at most 255 characters')
		.regex(/^[^/\\\x00-\x1f]+$/, 'must be a plain file name')
		.optional(),
	signerName: z.string().trim().max(200, 'must be at most 200 characters').optional(),
	/** When it was signed (ms since the epoch). */
	signedAt: z.coerce.number({ error: 'must be an instant in milliseconds' }).pipe(instantSchema).optional()
});

/** Document upload metadata. */
export type DocumentUploadQuery = z.infer<typeof documentUploadQuerySchema>;

/** `PATCH /api/staff/documents/:id`: change kind, title, signer or signed date (200 → `StaffDocument`). */
export const documentPatchSchema = z.strictObject({
	kind: z.enum(DOCUMENT_KINDS, { error: 'must be quote, contract, warranty, certificate_of_insurance or other' }).optional(),
	title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
	signerName: optionalText(200).optional(),
	signedAt: instantSchema.nullable().optional()
});

/** A document edit. */
export type DocumentPatch = z.infer<typeof documentPatchSchema>;

// ---------------------------------------------------------------------------------------------
// Branding

/** A colour as staff type it: `#rgb` or `#rrggbb`, stored as `#rrggbb`. */
const brandColorSchema = z
	.string()
	.trim()
	.regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a colour like #1a5fb4')
	.transform((v) => normalizeHex(v))
	.pipe(hexColorSchema);

/** `PUT /api/staff/branding`: any of the business's public details; omitted ones stay. */
export const brandingUpdateSchema = z.strictObject({
	name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
	/** The label under the home-screen icon. */
	shortName: z.string().trim().min(1, 'must not be empty').max(30, 'must be at most 30 characters').optional(),
	tagline: z.string().trim().max(200, 'must be at most 200 characters').optional(),
	colors: z
		.strictObject({
			primary: brandColorSchema.optional(),
			accent: brandColorSchema.optional(),
			background: brandColorSchema.optional()
		})
		.optional(),
	phone: z.string().trim().max(40, 'must be at most 40 characters').optional(),
	email: z.union([z.literal(''), emailSchema]).optional(),
	website: z
		.string()
		.trim()
		.max(300)
		.transform((v) => (v === '' ? null : v))
		.pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' }).nullable())
		.nullable()
		.optional(),
	address: z
		.strictObject({
			line1: z.string().trim().max(200, 'must be at most 200 characters'),
			line2: optionalText(200).default(null),
			city: z.string().trim().max(100, 'must be at most 100 characters'),
			region: z.string().trim().max(100, 'must be at most 100 characters'),
			postalCode: z.string().trim().max(20, 'must be at most 20 characters'),
			country: z.string().trim().regex(/^[A-Z]{2}$/, 'must be a two-letter country code like US')
		})
		.optional(),
	officeHours: z
		.array(officeHoursSchema.refine((h) => h.open < h.close, { message: 'must open before it closes', path: ['close'] }))
		.max(14, 'must have at most 14 entries')
		.optional(),
	timeZone: z.string().trim().refine(isValidTimeZone, 'must be an IANA time zone like America/Chicago').optional()
});

/** A branding update. */
export type BrandingUpdate = z.infer<typeof brandingUpdateSchema>;

/** The WCAG AA ratio for body text. */
export const READABLE_RATIO = 4.5;

/** One colour pairing the portal uses, and how readable it is. */
export const contrastPairSchema = z.strictObject({
	/** e.g. `text on primary`. */
	use: z.string(),
	foreground: hexColorSchema,
	background: hexColorSchema,
	/** WCAG contrast ratio, rounded to two decimals. */
	ratio: z.number(),
	passes: z.boolean()
});

/** A colour pairing. */
export type ContrastPair = z.infer<typeof contrastPairSchema>;

/**
 * The contrast check of a set of brand colours: each pairing as chosen, and the colours the
 * portal will actually use (nudged just enough to read at 4.5:1) — nothing is refused silently.
 */
export const contrastReportSchema = z.strictObject({
	/** The colours as chosen. */
	chosen: z.array(contrastPairSchema),
	/** The pairings as the portal will draw them (all pass). */
	used: z.array(contrastPairSchema),
	/** Colours the portal uses instead of the chosen ones (empty when none needed changing). */
	adjusted: z.array(z.strictObject({ use: z.string(), chosen: hexColorSchema, used: hexColorSchema }))
});

/** A contrast report. */
export type ContrastReport = z.infer<typeof contrastReportSchema>;

function pair(use: string, foreground: string, background: string): ContrastPair {
	const ratio = contrastRatio(foreground, background);
	return { use, foreground, background, ratio: Math.round(ratio * 100) / 100, passes: ratio >= READABLE_RATIO };
}

/**
 * Checks brand colours the way the portal uses them (the same `brandPalette` the server draws
 * with), so the console can show the result live while staff pick colours.
 */
export function contrastReport(colors: { primary: string; background: string }): ContrastReport {
	const primary = normalizeHex(colors.primary);
	const background = normalizeHex(colors.background);
	const palette = brandPalette(primary, background);
	const chosen = [pair('text on primary', palette.onSurface, primary), pair('primary as text on background', primary, background)];
	const used = [pair('text on primary', palette.onSurface, palette.surface), pair('primary as text on background', palette.asText, background)];
	const adjusted: ContrastReport['adjusted'] = [];
	if (palette.surface !== primary) adjusted.push({ use: 'primary (buttons, header)', chosen: primary, used: palette.surface });
	if (palette.asText !== primary) adjusted.push({ use: 'primary as text (links)', chosen: primary, used: palette.asText });
	return { chosen, used, adjusted };
}

/** Answer of `PUT /api/staff/branding`: the public branding now, and its contrast check. */
export const brandingUpdateResponseSchema = z.object({
	branding: brandingSchema,
	contrast: contrastReportSchema
});

/** A branding update's answer. */
export type BrandingUpdateResponse = z.infer<typeof brandingUpdateResponseSchema>;

/** Largest logo upload, in bytes. */
export const LOGO_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Answer of `POST /api/staff/branding/logo` (body: the image, PNG, JPEG or SVG, recognised by
 * content; SVG is sanitised before it is stored, and `removed` says what was taken out).
 */
export const logoUploadResponseSchema = z.object({
	branding: brandingSchema,
	logo: z.strictObject({
		sha256: z.string(),
		mime: z.enum(['image/png', 'image/jpeg', 'image/svg+xml']),
		size: z.number().int(),
		removed: z.array(z.string())
	})
});

/** A logo upload's answer. */
export type LogoUploadResponse = z.infer<typeof logoUploadResponseSchema>;

// ---------------------------------------------------------------------------------------------
// API keys and webhooks (owner only)

/** `POST /api/staff/api-keys`: a key for another system. */
export const apiKeyCreateSchema = z.strictObject({
	name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters')
});

/** A new API key's name. */
export type ApiKeyCreate = z.infer<typeof apiKeyCreateSchema>;

/** An API key as listed: never the key itself, only its first characters. */
export const apiKeySchema = z.strictObject({
	id: z.string(),
	name: z.string(),
	/** The key's first characters, e.g. `pl_live_3fA9`, to tell keys apart. */
	prefix: z.string(),
	createdAt: instantSchema,
	createdByName: z.string().nullable(),
	lastUsedAt: instantSchema.nullable(),
	revokedAt: instantSchema.nullable()
});

/** An API key (listed). */
export type ApiKey = z.infer<typeof apiKeySchema>;

/** Answer of `POST /api/staff/api-keys` (201): the key, shown this once. */
export const apiKeyCreatedSchema = z.object({
	apiKey: apiKeySchema,
	/** `pl_live_…`: send as `Authorization: Bearer <key>`. It cannot be shown again. */
	key: z.string()
});

/** A created API key. */
export type ApiKeyCreated = z.infer<typeof apiKeyCreatedSchema>;

/** `GET /api/staff/api-keys`. */
export const apiKeyListSchema = z.object({ keys: z.array(apiKeySchema) });

/** The API keys. */
export type ApiKeyList = z.infer<typeof apiKeyListSchema>;

// ---------------------------------------------------------------------------------------------
// Audit log (owner only)

/** One audited action. */
export const auditEntrySchema = z.strictObject({
	id: z.number().int(),
	at: instantSchema,
	actor: z.strictObject({
		kind: z.enum(['staff', 'integration', 'system', 'customer']),
		id: z.string().nullable(),
		/** The staff member's or API key's name, when known. */
		name: z.string().nullable()
	}),
	/** `<entity>.<verb>`, e.g. `invoice.issued`. */
	action: z.string(),
	entity: z.string(),
	entityId: z.string().nullable(),
	detail: z.unknown()
});

/** An audit entry. */
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** `GET /api/staff/audit?before=&limit=&entity=&entityId=&actorId=`: newest first. */
export const auditQuerySchema = z.object({
	/** Entries with a smaller id than this (the previous page's `nextBefore`). */
	before: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1).optional(),
	limit: pageQuerySchema.shape.limit,
	entity: z.string().max(64).optional(),
	entityId: z.string().max(128).optional(),
	actorId: z.string().max(128).optional()
});

/** An audit log query. */
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** A page of the audit log. */
export const auditResponseSchema = z.object({
	entries: z.array(auditEntrySchema),
	/** Pass as `before` for the next page; null at the end. */
	nextBefore: z.number().int().nullable()
});

/** An audit log page. */
export type AuditResponse = z.infer<typeof auditResponseSchema>;

/** Billing as stored (every part may be unset); re-exported for console forms. */
export { billingSchema };
