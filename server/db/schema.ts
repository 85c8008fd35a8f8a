import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex, type SQLiteColumn } from 'drizzle-orm/sqlite-core';

/*
 * The whole domain. Conventions:
 * - ids are text (UUIDs, or client-generated ids for rows a device creates);
 * - money is integer minor units with a currency code beside it;
 * - instants are integer milliseconds since the epoch (UTC); calendar dates in the business's
 *   zone are `YYYY-MM-DD` text;
 * - replicated rows carry `seq` (from the one server-wide counter) and `deleted` (tombstone).
 */

const replicated = {
	seq: integer('seq').notNull(),
	deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
	createdAt: integer('created_at').notNull(),
	updatedAt: integer('updated_at').notNull()
};

/*
 * Replicated tables also have a `doc_json` text column (migration 0005): the document the row's
 * customer's devices pull, kept by server/sync/materialize.ts. It is deliberately not a drizzle
 * column, so no select() carries it and no insert can copy a stale one. The index below finds the
 * rows whose document must be rebuilt; a migration that rebuilds one of these tables must keep
 * `doc_json` (the index fails to build without it).
 */
function staleDocIndex(table: string, seq: SQLiteColumn) {
	return index(`${table}_doc_stale`).on(seq).where(sql`doc_json IS NULL`);
}

/** Key/value facts about this database: its stable id, the seq counter. */
export const meta = sqliteTable('meta', {
	key: text('key').primaryKey(),
	value: text('value').notNull()
});

/** The server-wide change counter: one row, bumped inside every replicated write's transaction. */
export const syncCounter = sqliteTable('sync_counter', {
	id: integer('id').primaryKey(),
	seq: integer('seq').notNull()
});

/** The one business this deployment serves (a single row, id = 1). */
export const business = sqliteTable('business', {
	id: integer('id').primaryKey(),
	name: text('name').notNull(),
	shortName: text('short_name').notNull(),
	tagline: text('tagline').notNull().default(''),
	logoFile: text('logo_file'),
	primaryColor: text('primary_color').notNull(),
	accentColor: text('accent_color').notNull(),
	backgroundColor: text('background_color').notNull().default('#ffffff'),
	phone: text('phone').notNull(),
	email: text('email').notNull(),
	website: text('website'),
	addressLine1: text('address_line1').notNull(),
	addressLine2: text('address_line2'),
	city: text('city').notNull(),
	region: text('region').notNull(),
	postalCode: text('postal_code').notNull(),
	country: text('country').notNull().default('US'),
	timeZone: text('time_zone').notNull(),
	currency: text('currency').notNull().default('USD'),
	/** Weekly office hours: `[{ weekday: 0-6, open: minute, close: minute }]`. */
	officeHours: text('office_hours', { mode: 'json' }).$type<{ weekday: number; open: number; close: number }[]>().notNull(),
	baseLat: real('base_lat'),
	baseLng: real('base_lng'),
	serviceRadiusKm: real('service_radius_km'),
	instantBooking: integer('instant_booking', { mode: 'boolean' }).notNull().default(true),
	bookingLeadHours: integer('booking_lead_hours').notNull().default(24),
	bookingHorizonDays: integer('booking_horizon_days').notNull().default(60),
	cancelCutoffHours: integer('cancel_cutoff_hours').notNull().default(24),
	allowPartialPayments: integer('allow_partial_payments', { mode: 'boolean' }).notNull().default(false),
	minimumPartialPayment: integer('minimum_partial_payment').notNull().default(0),
	updatedAt: integer('updated_at').notNull()
});

/** Postal codes the business serves (in addition to, or instead of, a radius). */
export const servicePostalCodes = sqliteTable('service_postal_codes', {
	postalCode: text('postal_code').primaryKey()
});

/** Files stored under DATA_DIR/files by their SHA-256 (content-addressed, deduplicated). */
export const files = sqliteTable('files', {
	sha256: text('sha256').primaryKey(),
	size: integer('size').notNull(),
	mime: text('mime').notNull(),
	createdAt: integer('created_at').notNull()
});

/** A customer of the business. Replicated to that customer's devices as the `profile` collection. */
export const customers = sqliteTable(
	'customers',
	{
		id: text('id').primaryKey(),
		externalId: text('external_id'),
		name: text('name').notNull(),
		email: text('email'),
		phone: text('phone'),
		billingName: text('billing_name'),
		billingEmail: text('billing_email'),
		billingLine1: text('billing_line1'),
		billingLine2: text('billing_line2'),
		billingCity: text('billing_city'),
		billingRegion: text('billing_region'),
		billingPostalCode: text('billing_postal_code'),
		billingCountry: text('billing_country'),
		autopay: integer('autopay', { mode: 'boolean' }).notNull().default(false),
		autopayMethodId: text('autopay_method_id'),
		providerCustomerId: text('provider_customer_id'),
		notes: text('notes'),
		...replicated
	},
	(t) => [
		uniqueIndex('customers_seq').on(t.seq),
		uniqueIndex('customers_external_id').on(t.externalId),
		// A saved method's label shows in the profile whose autopay uses it.
		index('customers_autopay_method').on(t.autopayMethodId).where(sql`${t.autopayMethodId} IS NOT NULL`),
		staleDocIndex('customers', t.seq)
	]
);

/** Where the business works for a customer. Replicated inside the customer's profile. */
export const serviceAddresses = sqliteTable(
	'service_addresses',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		label: text('label').notNull().default('Home'),
		line1: text('line1').notNull(),
		line2: text('line2'),
		city: text('city').notNull(),
		region: text('region').notNull(),
		postalCode: text('postal_code').notNull(),
		country: text('country').notNull().default('US'),
		lat: real('lat'),
		lng: real('lng'),
		deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
		createdAt: integer('created_at').notNull()
	},
	(t) => [index('service_addresses_customer').on(t.customerId)]
);

/** An email address that may sign in for a customer. One customer may have several. */
export const portalUsers = sqliteTable(
	'portal_users',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		email: text('email').notNull(),
		name: text('name'),
		disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
		lastSignInAt: integer('last_sign_in_at'),
		createdAt: integer('created_at').notNull()
	},
	(t) => [uniqueIndex('portal_users_email').on(t.email), index('portal_users_customer').on(t.customerId)]
);

/** Someone who works for the business. */
export const staffUsers = sqliteTable(
	'staff_users',
	{
		id: text('id').primaryKey(),
		email: text('email').notNull(),
		name: text('name').notNull(),
		role: text('role', { enum: ['owner', 'office', 'technician'] }).notNull(),
		disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
		lastSignInAt: integer('last_sign_in_at'),
		createdAt: integer('created_at').notNull()
	},
	(t) => [uniqueIndex('staff_users_email').on(t.email)]
);

/** A signed-in device. The id is stored only as its SHA-256. */
export const sessions = sqliteTable(
	'sessions',
	{
		idHash: text('id_hash').primaryKey(),
		/** A public, non-secret handle for listing and revoking this session. */
		publicId: text('public_id').notNull(),
		userKind: text('user_kind', { enum: ['customer', 'staff'] }).notNull(),
		portalUserId: text('portal_user_id').references(() => portalUsers.id),
		customerId: text('customer_id').references(() => customers.id),
		staffUserId: text('staff_user_id').references(() => staffUsers.id),
		createdAt: integer('created_at').notNull(),
		lastSeenAt: integer('last_seen_at').notNull(),
		idleExpiresAt: integer('idle_expires_at').notNull(),
		absoluteExpiresAt: integer('absolute_expires_at').notNull(),
		revokedAt: integer('revoked_at'),
		userAgent: text('user_agent'),
		ip: text('ip')
	},
	(t) => [
		uniqueIndex('sessions_public_id').on(t.publicId),
		index('sessions_customer').on(t.customerId),
		index('sessions_staff').on(t.staffUserId)
	]
);

/** One sign-in attempt: a link secret and a 6-digit code, both stored hashed, single-use. */
export const loginAttempts = sqliteTable(
	'login_attempts',
	{
		id: text('id').primaryKey(),
		email: text('email').notNull(),
		userKind: text('user_kind', { enum: ['customer', 'staff'] }),
		portalUserId: text('portal_user_id').references(() => portalUsers.id),
		staffUserId: text('staff_user_id').references(() => staffUsers.id),
		secretHash: text('secret_hash').notNull(),
		codeHash: text('code_hash').notNull(),
		createdAt: integer('created_at').notNull(),
		expiresAt: integer('expires_at').notNull(),
		consumedAt: integer('consumed_at'),
		failedCodes: integer('failed_codes').notNull().default(0),
		ip: text('ip'),
		/** What the attempt is for: signing in, or confirming a guest booking. */
		purpose: text('purpose', { enum: ['sign_in', 'guest_booking'] }).notNull().default('sign_in'),
		payload: text('payload', { mode: 'json' })
	},
	(t) => [uniqueIndex('login_attempts_secret').on(t.secretHash), index('login_attempts_email').on(t.email)]
);

/** An invoice. Replicated with its line items and payments embedded. */
export const invoices = sqliteTable(
	'invoices',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		externalId: text('external_id'),
		number: text('number').notNull(),
		title: text('title').notNull(),
		period: text('period'),
		status: text('status', { enum: ['draft', 'open', 'processing', 'paid', 'void'] }).notNull(),
		currency: text('currency').notNull(),
		subtotal: integer('subtotal').notNull(),
		taxRateBp: integer('tax_rate_bp').notNull().default(0),
		tax: integer('tax').notNull(),
		total: integer('total').notNull(),
		amountPaid: integer('amount_paid').notNull().default(0),
		issuedAt: integer('issued_at'),
		dueDate: text('due_date'),
		paidAt: integer('paid_at'),
		voidedAt: integer('voided_at'),
		notes: text('notes'),
		...replicated
	},
	(t) => [
		uniqueIndex('invoices_seq').on(t.seq),
		uniqueIndex('invoices_number').on(t.number),
		uniqueIndex('invoices_external_id').on(t.externalId),
		index('invoices_customer').on(t.customerId, t.seq),
		staleDocIndex('invoices', t.seq)
	]
);

/** A line of an invoice, in display order. */
export const invoiceLineItems = sqliteTable(
	'invoice_line_items',
	{
		id: text('id').primaryKey(),
		invoiceId: text('invoice_id').notNull().references(() => invoices.id),
		position: integer('position').notNull(),
		description: text('description').notNull(),
		/** Quantity in thousandths, so 1.5 hours is 1500. */
		quantityMilli: integer('quantity_milli').notNull(),
		unitAmount: integer('unit_amount').notNull(),
		amount: integer('amount').notNull()
	},
	(t) => [index('invoice_line_items_invoice').on(t.invoiceId, t.position)]
);

/** Money received (or attempted) against an invoice. */
export const payments = sqliteTable(
	'payments',
	{
		id: text('id').primaryKey(),
		invoiceId: text('invoice_id').notNull().references(() => invoices.id),
		customerId: text('customer_id').notNull().references(() => customers.id),
		amount: integer('amount').notNull(),
		currency: text('currency').notNull(),
		method: text('method', { enum: ['card', 'us_bank_account', 'cash', 'check', 'other'] }).notNull(),
		/** e.g. "Visa •••• 4242" or "STRIPE TEST BANK •••• 6789". */
		methodLabel: text('method_label'),
		status: text('status', { enum: ['pending', 'processing', 'succeeded', 'failed', 'refunded', 'canceled'] }).notNull(),
		provider: text('provider', { enum: ['stripe', 'demo', 'manual'] }).notNull(),
		providerRef: text('provider_ref'),
		failureMessage: text('failure_message'),
		offSession: integer('off_session', { mode: 'boolean' }).notNull().default(false),
		receiptNumber: text('receipt_number'),
		/**
		 * 1, 2, 3… per invoice for provider payments: part of the provider's idempotency key, so a
		 * retried or restarted request reaches the same provider object. Null for manual payments.
		 */
		attempt: integer('attempt'),
		/** The saved method this attempt was made with (one-tap or autopay), if any. */
		paymentMethodId: text('payment_method_id'),
		/** Refunded so far; only ever grows, so refund events apply in any order. */
		amountRefunded: integer('amount_refunded').notNull().default(0),
		createdAt: integer('created_at').notNull(),
		updatedAt: integer('updated_at').notNull(),
		settledAt: integer('settled_at')
	},
	(t) => [
		index('payments_invoice').on(t.invoiceId),
		index('payments_customer').on(t.customerId),
		uniqueIndex('payments_provider_ref').on(t.providerRef),
		uniqueIndex('payments_invoice_attempt').on(t.invoiceId, t.attempt)
	]
);

/** A saved card or bank account, as the payment provider describes it (never card data). */
export const paymentMethods = sqliteTable(
	'payment_methods',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		provider: text('provider', { enum: ['stripe', 'demo'] }).notNull(),
		providerRef: text('provider_ref').notNull(),
		kind: text('kind', { enum: ['card', 'us_bank_account'] }).notNull(),
		label: text('label').notNull(),
		brand: text('brand'),
		last4: text('last4'),
		expMonth: integer('exp_month'),
		expYear: integer('exp_year'),
		createdAt: integer('created_at').notNull(),
		detachedAt: integer('detached_at')
	},
	(t) => [index('payment_methods_customer').on(t.customerId), uniqueIndex('payment_methods_provider_ref').on(t.providerRef)]
);

/** Provider webhook events already applied: each event id is applied once. */
export const providerEvents = sqliteTable('provider_events', {
	id: text('id').primaryKey(),
	type: text('type').notNull(),
	receivedAt: integer('received_at').notNull()
});

/** A file the customer can read: quote, contract, warranty, certificate of insurance. */
export const documents = sqliteTable(
	'documents',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		externalId: text('external_id'),
		kind: text('kind', { enum: ['quote', 'contract', 'warranty', 'certificate_of_insurance', 'other'] }).notNull(),
		title: text('title').notNull(),
		fileSha256: text('file_sha256').notNull().references(() => files.sha256),
		fileName: text('file_name').notNull(),
		mime: text('mime').notNull(),
		size: integer('size').notNull(),
		signerName: text('signer_name'),
		signedAt: integer('signed_at'),
		...replicated
	},
	(t) => [
		uniqueIndex('documents_seq').on(t.seq),
		uniqueIndex('documents_external_id').on(t.externalId),
		index('documents_customer').on(t.customerId, t.seq),
		staleDocIndex('documents', t.seq)
	]
);

/** The conversation between one customer and the office. */
export const messageThreads = sqliteTable(
	'message_threads',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		subject: text('subject'),
		status: text('status', { enum: ['open', 'done'] }).notNull().default('open'),
		assignedStaffId: text('assigned_staff_id').references(() => staffUsers.id),
		lastMessageAt: integer('last_message_at'),
		staffReadAt: integer('staff_read_at'),
		createdAt: integer('created_at').notNull()
	},
	(t) => [uniqueIndex('message_threads_customer').on(t.customerId)]
);

/** One message in a thread. Customers create these from their devices (client-generated ids). */
export const messages = sqliteTable(
	'messages',
	{
		id: text('id').primaryKey(),
		threadId: text('thread_id').notNull().references(() => messageThreads.id),
		customerId: text('customer_id').notNull().references(() => customers.id),
		authorKind: text('author_kind', { enum: ['customer', 'staff', 'system'] }).notNull(),
		authorId: text('author_id'),
		authorName: text('author_name').notNull(),
		body: text('body').notNull(),
		/** `[{ id, fileSha256, name, mime, size, width, height }]` */
		attachments: text('attachments', { mode: 'json' }).$type<MessageAttachmentRow[]>().notNull().default(sql`'[]'`),
		/** When the author's device wrote it (client clock, for display only). */
		sentAt: integer('sent_at').notNull(),
		...replicated
	},
	(t) => [
		uniqueIndex('messages_seq').on(t.seq),
		index('messages_customer').on(t.customerId, t.seq),
		index('messages_thread').on(t.threadId),
		staleDocIndex('messages', t.seq)
	]
);

/** Stored shape of a message attachment. */
export interface MessageAttachmentRow {
	id: string;
	fileSha256: string;
	name: string;
	mime: string;
	size: number;
	width?: number;
	height?: number;
}

/**
 * A photo a customer uploaded to attach to a message. A push may attach only the customer's own
 * uploads, and the attachment's name, type, size and dimensions are copied from here, never taken
 * from the device. One row per customer and file, so sending the same bytes again reuses it.
 */
export const uploads = sqliteTable(
	'uploads',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		fileSha256: text('file_sha256').notNull().references(() => files.sha256),
		name: text('name').notNull(),
		mime: text('mime').notNull(),
		size: integer('size').notNull(),
		width: integer('width').notNull(),
		height: integer('height').notNull(),
		createdAt: integer('created_at').notNull()
	},
	(t) => [uniqueIndex('uploads_customer_file').on(t.customerId, t.fileSha256)]
);

/** A technician or crew whose time can be booked. */
export const resources = sqliteTable('resources', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	kind: text('kind', { enum: ['technician', 'crew'] }).notNull(),
	staffUserId: text('staff_user_id').references(() => staffUsers.id),
	active: integer('active', { mode: 'boolean' }).notNull().default(true),
	createdAt: integer('created_at').notNull()
});

/** Weekly working hours of a resource, in the business's time zone. */
export const weeklyHours = sqliteTable(
	'weekly_hours',
	{
		id: text('id').primaryKey(),
		resourceId: text('resource_id').notNull().references(() => resources.id),
		weekday: integer('weekday').notNull(),
		startMinute: integer('start_minute').notNull(),
		endMinute: integer('end_minute').notNull()
	},
	(t) => [index('weekly_hours_resource').on(t.resourceId)]
);

/** A resource's time away (holiday, sickness, training). */
export const timeOff = sqliteTable(
	'time_off',
	{
		id: text('id').primaryKey(),
		resourceId: text('resource_id').notNull().references(() => resources.id),
		startsAt: integer('starts_at').notNull(),
		endsAt: integer('ends_at').notNull(),
		reason: text('reason')
	},
	(t) => [index('time_off_resource').on(t.resourceId, t.startsAt)]
);

/** Something a customer can book, with how long it takes and the travel buffer after it. */
export const serviceTypes = sqliteTable('service_types', {
	id: text('id').primaryKey(),
	name: text('name').notNull(),
	description: text('description').notNull().default(''),
	durationMinutes: integer('duration_minutes').notNull(),
	bufferMinutes: integer('buffer_minutes').notNull().default(0),
	active: integer('active', { mode: 'boolean' }).notNull().default(true),
	position: integer('position').notNull().default(0)
});

/**
 * An appointment or a booking request. Requests made offline carry a preferred day and window
 * and no start time until staff (or the server) confirm a slot.
 */
export const appointments = sqliteTable(
	'appointments',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		externalId: text('external_id'),
		serviceTypeId: text('service_type_id').references(() => serviceTypes.id),
		title: text('title').notNull(),
		addressId: text('address_id').references(() => serviceAddresses.id),
		resourceId: text('resource_id').references(() => resources.id),
		status: text('status', { enum: ['requested', 'proposed', 'confirmed', 'declined', 'cancelled', 'completed'] }).notNull(),
		startsAt: integer('starts_at'),
		endsAt: integer('ends_at'),
		preferredDate: text('preferred_date'),
		preferredWindow: text('preferred_window', { enum: ['morning', 'afternoon', 'any'] }),
		/** Alternatives staff proposed: `[{ startsAt, endsAt, resourceId }]`. */
		proposals: text('proposals', { mode: 'json' }).$type<{ startsAt: number; endsAt: number; resourceId: string | null }[]>().notNull().default(sql`'[]'`),
		notes: text('notes'),
		source: text('source', { enum: ['customer', 'staff', 'integration', 'guest'] }).notNull(),
		reminderSentAt: integer('reminder_sent_at'),
		...replicated
	},
	(t) => [
		uniqueIndex('appointments_seq').on(t.seq),
		uniqueIndex('appointments_external_id').on(t.externalId),
		index('appointments_customer').on(t.customerId, t.seq),
		staleDocIndex('appointments', t.seq),
		index('appointments_resource_time').on(t.resourceId, t.startsAt)
	]
);

/**
 * A quote. Replicated with its lines and photos embedded; drafts reach devices only as
 * tombstones. `revision` and `contentHash` change together whenever what is offered changes.
 */
export const quotes = sqliteTable(
	'quotes',
	{
		id: text('id').primaryKey(),
		customerId: text('customer_id').notNull().references(() => customers.id),
		externalId: text('external_id'),
		number: text('number').notNull(),
		title: text('title').notNull(),
		status: text('status', { enum: ['draft', 'sent', 'approved', 'declined', 'changes_requested', 'withdrawn'] }).notNull(),
		currency: text('currency').notNull(),
		taxRateBp: integer('tax_rate_bp').notNull().default(0),
		depositRateBp: integer('deposit_rate_bp').notNull().default(0),
		notes: text('notes'),
		validUntil: text('valid_until'),
		revision: integer('revision').notNull().default(1),
		contentHash: text('content_hash').notNull(),
		sentAt: integer('sent_at'),
		respondedAt: integer('responded_at'),
		/** Ids of the optional and choice lines chosen at approval. */
		selection: text('selection', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
		approvedTotal: integer('approved_total'),
		signerName: text('signer_name'),
		signedDocumentId: text('signed_document_id').references(() => documents.id),
		depositInvoiceId: text('deposit_invoice_id').references(() => invoices.id),
		responseNote: text('response_note'),
		...replicated
	},
	(t) => [
		uniqueIndex('quotes_seq').on(t.seq),
		uniqueIndex('quotes_number').on(t.number),
		uniqueIndex('quotes_external_id').on(t.externalId),
		index('quotes_customer').on(t.customerId, t.seq),
		staleDocIndex('quotes', t.seq)
	]
);

/** A line of a quote, in display order. */
export const quoteItems = sqliteTable(
	'quote_items',
	{
		id: text('id').primaryKey(),
		quoteId: text('quote_id').notNull().references(() => quotes.id),
		position: integer('position').notNull(),
		kind: text('kind', { enum: ['included', 'optional', 'choice'] }).notNull(),
		groupName: text('group_name'),
		description: text('description').notNull(),
		quantityMilli: integer('quantity_milli').notNull(),
		unitAmount: integer('unit_amount').notNull(),
		amount: integer('amount').notNull(),
		selectedByDefault: integer('selected_by_default', { mode: 'boolean' }).notNull().default(false)
	},
	(t) => [index('quote_items_quote').on(t.quoteId, t.position)]
);

/** A photo shown with a quote, in display order. */
export const quotePhotos = sqliteTable(
	'quote_photos',
	{
		id: text('id').primaryKey(),
		quoteId: text('quote_id').notNull().references(() => quotes.id),
		position: integer('position').notNull(),
		fileSha256: text('file_sha256').notNull().references(() => files.sha256),
		mime: text('mime').notNull(),
		size: integer('size').notNull(),
		width: integer('width'),
		height: integer('height'),
		caption: text('caption'),
		createdAt: integer('created_at').notNull()
	},
	(t) => [index('quote_photos_quote').on(t.quoteId, t.position)]
);

/** The evidence of a quote's electronic signature: who, when, from where, over which content. Never changed. */
export const quoteSignatures = sqliteTable('quote_signatures', {
	quoteId: text('quote_id').primaryKey().references(() => quotes.id),
	signerName: text('signer_name').notNull(),
	signerEmail: text('signer_email'),
	portalUserId: text('portal_user_id'),
	signedAt: integer('signed_at').notNull(),
	ip: text('ip').notNull(),
	userAgent: text('user_agent').notNull(),
	revision: integer('revision').notNull(),
	contentHash: text('content_hash').notNull(),
	/** The drawn signature, a PNG in the file store. */
	signatureSha256: text('signature_sha256').notNull().references(() => files.sha256),
	selection: text('selection', { mode: 'json' }).$type<string[]>().notNull(),
	total: integer('total').notNull(),
	/** The signed PDF's SHA-256. */
	pdfSha256: text('pdf_sha256').notNull().references(() => files.sha256)
});

/** What staff and integrations did, for the owner to review. */
export const auditLog = sqliteTable(
	'audit_log',
	{
		id: integer('id').primaryKey({ autoIncrement: true }),
		at: integer('at').notNull(),
		actorKind: text('actor_kind', { enum: ['staff', 'integration', 'system', 'customer'] }).notNull(),
		actorId: text('actor_id'),
		action: text('action').notNull(),
		entity: text('entity').notNull(),
		entityId: text('entity_id'),
		detail: text('detail', { mode: 'json' })
	},
	(t) => [index('audit_log_at').on(t.at)]
);

/** A key another system uses to call `/api/v1`. Stored as its SHA-256; shown once. */
export const apiKeys = sqliteTable(
	'api_keys',
	{
		id: text('id').primaryKey(),
		name: text('name').notNull(),
		prefix: text('prefix').notNull(),
		keyHash: text('key_hash').notNull(),
		createdBy: text('created_by').references(() => staffUsers.id),
		createdAt: integer('created_at').notNull(),
		lastUsedAt: integer('last_used_at'),
		revokedAt: integer('revoked_at')
	},
	// Keys are found by their hash on every integration request.
	(t) => [uniqueIndex('api_keys_key_hash').on(t.keyHash)]
);

/** Where outgoing webhooks go, and the secret that signs them. */
export const webhookEndpoints = sqliteTable('webhook_endpoints', {
	id: text('id').primaryKey(),
	url: text('url').notNull(),
	secret: text('secret').notNull(),
	events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
	active: integer('active', { mode: 'boolean' }).notNull().default(true),
	createdAt: integer('created_at').notNull()
});

/** A queued outgoing webhook delivery, retried with backoff. */
export const webhookDeliveries = sqliteTable(
	'webhook_deliveries',
	{
		id: text('id').primaryKey(),
		endpointId: text('endpoint_id').notNull().references(() => webhookEndpoints.id),
		event: text('event').notNull(),
		payload: text('payload').notNull(),
		attempts: integer('attempts').notNull().default(0),
		nextAttemptAt: integer('next_attempt_at').notNull(),
		deliveredAt: integer('delivered_at'),
		/** Set when the dispatcher gave up after its last attempt. */
		failedAt: integer('failed_at'),
		lastError: text('last_error'),
		createdAt: integer('created_at').notNull()
	},
	(t) => [index('webhook_deliveries_due').on(t.deliveredAt, t.nextAttemptAt), index('webhook_deliveries_endpoint').on(t.endpointId, t.createdAt)]
);

/** Jobs the in-process scheduler runs (autopay charges, reminders); they survive restarts. */
export const scheduledJobs = sqliteTable(
	'scheduled_jobs',
	{
		id: text('id').primaryKey(),
		kind: text('kind').notNull(),
		runAt: integer('run_at').notNull(),
		payload: text('payload', { mode: 'json' }),
		attempts: integer('attempts').notNull().default(0),
		doneAt: integer('done_at'),
		lastError: text('last_error')
	},
	(t) => [index('scheduled_jobs_due').on(t.doneAt, t.runAt)]
);

/** Rate-limit buckets (per address, per IP), kept in SQLite so limits survive restarts. */
export const rateLimits = sqliteTable(
	'rate_limits',
	{
		bucket: text('bucket').notNull(),
		windowStart: integer('window_start').notNull(),
		count: integer('count').notNull()
	},
	(t) => [primaryKey({ columns: [t.bucket, t.windowStart] })]
);
