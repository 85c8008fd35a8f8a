import { and, eq } from 'drizzle-orm';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import type { SyncDoc } from '../../shared/schemas/index.ts';
import { AppError } from '../http/errors.ts';
import { MESSAGE_ATTACHMENTS_MAX } from '../../shared/protocol/upload-limits.ts';
import type { Message } from '../../shared/schemas/message.ts';
import { appointments, business, customers, messages, messageThreads, portalUsers, serviceAddresses, serviceTypes, uploads, type MessageAttachmentRow } from '../db/schema.ts';
import type { Principal } from '../auth/types.ts';
import { enqueueAppointmentEvent, enqueueMessageCreated } from '../integration/webhooks.ts';
import { sameJson } from './same-json.ts';
import type { CollectionRows } from './visibility.ts';
import type { WriteContext } from './writer.ts';

/** A customer principal: the only kind that pushes. */
export type CustomerPrincipal = Extract<Principal, { kind: 'customer' }>;

/** What a write rule knows about the push it judges. */
export interface RuleContext {
	w: WriteContext;
	principal: CustomerPrincipal;
	/** Position of the document in the push body (errors name it). */
	index: number;
	/** The customer's message thread id, created on first use within the push. */
	threadId(): string;
}

/** What became of an update: written, nothing to write, or refused as a conflict (not applied). */
export type UpdateOutcome = 'applied' | 'noop' | 'conflict';

/** The write rules of one collection, judged against the stored row (never the device's claim). */
export interface WriteRules<C extends CollectionName> {
	/** A document whose id no row has yet. Throws when the customer may not create it. */
	insert(ctx: RuleContext, doc: SyncDoc<C>): void;
	/** A document replacing the customer's own, visible, current row. */
	update(ctx: RuleContext, row: CollectionRows[C], master: SyncDoc<C>, doc: SyncDoc<C>): UpdateOutcome;
}

const NOUN: Record<CollectionName, string> = {
	profile: 'profile',
	invoices: 'invoice',
	documents: 'document',
	messages: 'message',
	appointments: 'appointment',
	quotes: 'quote'
};

/**
 * The one answer for "you may not write this": the same whether the id is unknown, belongs to
 * another customer, or is one's own read-only row, so it never tells that another customer's row
 * exists. It names the document's position in the push, never its id or any stored value.
 */
export function notWritable(index: number, collection: CollectionName): AppError {
	return new AppError('FORBIDDEN', `Document ${index}: you may not change this ${NOUN[collection]}.`, { field: String(index) });
}

/** A refused change of one field of the customer's own document. */
function fieldForbidden(index: number, field: string, message: string): AppError {
	return new AppError('FORBIDDEN', `Document ${index}: ${message}`, { field: `${index}.${field}` });
}

/** A value the schema allows but the stored data does not (an unknown service, another's address). */
function invalid(index: number, field: string, message: string): AppError {
	return new AppError('VALIDATION', `${index}.newDocumentState.${field}: ${message}`, { field: `${index}.newDocumentState.${field}` });
}

function changed<T extends object>(a: T, b: T, fields: readonly (keyof T & string)[]): string[] {
	return fields.filter((f) => !sameJson(a[f], b[f]));
}

const readOnly = <C extends CollectionName>(collection: C): WriteRules<C> => ({
	insert: (ctx) => {
		throw notWritable(ctx.index, collection);
	},
	update: (ctx) => {
		throw notWritable(ctx.index, collection);
	}
});

const PROFILE_OFFICE_FIELDS = ['addresses', 'autopay'] as const;
const PROFILE_DEVICE_FIELDS = ['name', 'email', 'phone', 'billing'] as const;

const profile: WriteRules<'profile'> = {
	insert: (ctx) => {
		throw notWritable(ctx.index, 'profile');
	},
	update: (ctx, row, master, doc) => {
		if (doc._deleted) throw fieldForbidden(ctx.index, '_deleted', 'a profile cannot be deleted.');
		const office = changed(master, doc, PROFILE_OFFICE_FIELDS);
		if (office.length > 0) throw fieldForbidden(ctx.index, office[0], `${office[0]} is managed by the office.`);
		if (changed(master, doc, PROFILE_DEVICE_FIELDS).length === 0) return 'noop';
		const name = doc.name.trim();
		if (name === '') throw invalid(ctx.index, 'name', 'must not be blank');
		const { w } = ctx;
		const b = doc.billing;
		w.db.update(customers)
			.set({
				name,
				email: doc.email,
				phone: doc.phone,
				billingName: b.name,
				billingEmail: b.email,
				billingLine1: b.line1,
				billingLine2: b.line2,
				billingCity: b.city,
				billingRegion: b.region,
				billingPostalCode: b.postalCode,
				billingCountry: b.country,
				seq: w.touch('profile', row.id, row.id),
				updatedAt: w.version(row.updatedAt)
			})
			.where(eq(customers.id, row.id))
			.run();
		return 'applied';
	}
};

const MESSAGE_FIELDS = ['authorKind', 'body', 'attachments', 'sentAt', '_deleted'] as const;

/**
 * The attachments a customer's new message may carry: each must name one of that customer's own
 * uploads (id and file). An unknown upload and another customer's get the same refusal, which
 * names neither. What is stored comes from the upload row, whatever the device claims.
 */
function customerAttachments(ctx: RuleContext, claimed: Message['attachments']): MessageAttachmentRow[] {
	if (claimed.length > MESSAGE_ATTACHMENTS_MAX) throw invalid(ctx.index, 'attachments', `a message can carry at most ${MESSAGE_ATTACHMENTS_MAX} photos`);
	const seen = new Set<string>();
	return claimed.map((a, i) => {
		if (seen.has(a.id)) throw invalid(ctx.index, `attachments.${i}`, 'is attached twice');
		seen.add(a.id);
		const upload = ctx.w.db
			.select()
			.from(uploads)
			.where(and(eq(uploads.id, a.id), eq(uploads.customerId, ctx.principal.customerId)))
			.get();
		if (!upload || upload.fileSha256 !== a.fileSha256) throw fieldForbidden(ctx.index, 'attachments', `attachment ${i + 1} is not a photo you uploaded.`);
		return { id: upload.id, fileSha256: upload.fileSha256, name: upload.name, mime: upload.mime, size: upload.size, width: upload.width, height: upload.height };
	});
}

const messageRules: WriteRules<'messages'> = {
	insert: (ctx, doc) => {
		if (doc._deleted) throw notWritable(ctx.index, 'messages');
		if (doc.authorKind !== 'customer') throw fieldForbidden(ctx.index, 'authorKind', 'messages written in the app are from the customer.');
		const attachments = customerAttachments(ctx, doc.attachments);
		const { w, principal } = ctx;
		const threadId = ctx.threadId();
		const user = w.db.select({ name: portalUsers.name }).from(portalUsers).where(eq(portalUsers.id, principal.portalUserId)).get();
		const customer = w.db.select({ name: customers.name }).from(customers).where(eq(customers.id, principal.customerId)).get();
		w.db.insert(messages)
			.values({
				id: doc.id,
				threadId,
				customerId: principal.customerId,
				authorKind: 'customer',
				authorId: principal.portalUserId,
				authorName: user?.name || customer?.name || principal.email,
				body: doc.body.trim(),
				attachments,
				sentAt: doc.sentAt,
				seq: w.touch('messages', principal.customerId, doc.id),
				deleted: false,
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		w.db.update(messageThreads).set({ lastMessageAt: w.now, status: 'open' }).where(eq(messageThreads.id, threadId)).run();
		enqueueMessageCreated(w, doc.id);
	},
	update: (ctx, _row, master, doc) => {
		// A sent message is immutable; re-sending it unchanged (a retry) is fine.
		const differs = changed(master, { ...doc, body: doc.body.trim() }, MESSAGE_FIELDS);
		if (differs.length > 0) throw notWritable(ctx.index, 'messages');
		return 'noop';
	}
};

const APPOINTMENT_OFFICE_FIELDS = ['resourceName', 'startsAt', 'endsAt'] as const;
const APPOINTMENT_FIELDS = [
	'serviceTypeId',
	'title',
	'addressId',
	'resourceName',
	'status',
	'startsAt',
	'endsAt',
	'preferredDate',
	'preferredWindow',
	'proposals',
	'notes',
	'_deleted'
] as const;
const CANCELLABLE = new Set(['requested', 'proposed', 'confirmed']);

const appointmentRules: WriteRules<'appointments'> = {
	insert: (ctx, doc) => {
		if (doc._deleted) throw notWritable(ctx.index, 'appointments');
		if (doc.status !== 'requested') throw fieldForbidden(ctx.index, 'status', 'a new booking must be a request (status "requested").');
		for (const f of APPOINTMENT_OFFICE_FIELDS) if (doc[f] !== null) throw fieldForbidden(ctx.index, f, `${f} is set by the office.`);
		if (doc.proposals.length > 0) throw fieldForbidden(ctx.index, 'proposals', 'proposals are made by the office.');
		const { w, principal } = ctx;
		let serviceName: string | undefined;
		if (doc.serviceTypeId !== null) {
			const service = w.db
				.select({ name: serviceTypes.name })
				.from(serviceTypes)
				.where(and(eq(serviceTypes.id, doc.serviceTypeId), eq(serviceTypes.active, true)))
				.get();
			if (!service) throw invalid(ctx.index, 'serviceTypeId', 'is not a service you can book');
			serviceName = service.name;
		}
		if (doc.addressId !== null) {
			const address = w.db
				.select({ id: serviceAddresses.id })
				.from(serviceAddresses)
				.where(and(eq(serviceAddresses.id, doc.addressId), eq(serviceAddresses.customerId, principal.customerId), eq(serviceAddresses.deleted, false)))
				.get();
			if (!address) throw invalid(ctx.index, 'addressId', 'is not one of your service addresses');
		}
		w.db.insert(appointments)
			.values({
				id: doc.id,
				customerId: principal.customerId,
				serviceTypeId: doc.serviceTypeId,
				title: doc.title.trim() || serviceName || 'Booking request',
				addressId: doc.addressId,
				resourceId: null,
				status: 'requested',
				startsAt: null,
				endsAt: null,
				preferredDate: doc.preferredDate,
				preferredWindow: doc.preferredWindow,
				proposals: [],
				notes: doc.notes?.trim() || null,
				source: 'customer',
				seq: w.touch('appointments', principal.customerId, doc.id),
				deleted: false,
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		enqueueAppointmentEvent(w, 'appointment.requested', doc.id);
	},
	update: (ctx, row, master, doc) => {
		if (doc._deleted) throw fieldForbidden(ctx.index, '_deleted', 'an appointment cannot be deleted; cancel it instead.');
		const differs = changed(master, doc, APPOINTMENT_FIELDS);
		if (differs.length === 0) return 'noop';
		const other = differs.find((f) => f !== 'status');
		if (other) throw fieldForbidden(ctx.index, other, `${other} is set by the office.`);
		if (doc.status !== 'cancelled') throw fieldForbidden(ctx.index, 'status', 'an appointment can only be cancelled from the app.');
		if (!CANCELLABLE.has(row.status)) throw fieldForbidden(ctx.index, 'status', `a ${row.status} appointment cannot be cancelled.`);
		const { w } = ctx;
		if (row.status === 'confirmed' && row.startsAt !== null) {
			const cutoffHours = w.db.select({ h: business.cancelCutoffHours }).from(business).get()?.h ?? 0;
			// Too late to cancel online: the device gets the stored state back (a conflict) rather
			// than an error, so its other pending writes still go through.
			if (row.startsAt - w.now < cutoffHours * 3_600_000) return 'conflict';
		}
		w.db.update(appointments)
			.set({ status: 'cancelled', seq: w.touch('appointments', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
			.where(eq(appointments.id, row.id))
			.run();
		return 'applied';
	}
};

/** Who may write what, per collection. Customers: messages (with their own uploaded photos) in, booking requests in and cancelled, contact and billing edited. */
export const WRITE_RULES: { [C in CollectionName]: WriteRules<C> } = {
	profile,
	invoices: readOnly('invoices'),
	documents: readOnly('documents'),
	messages: messageRules,
	appointments: appointmentRules,
	// Quotes are answered through their own online requests (server/quotes), never by push.
	quotes: readOnly('quotes')
};

