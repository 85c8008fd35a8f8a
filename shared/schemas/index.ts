import { z } from 'zod';
import type { CollectionName } from '../protocol/collections.ts';
import { appointmentSchema, type Appointment } from './appointment.ts';
import { documentSchema, type PortalDocument } from './document.ts';
import { invoiceSchema, type Invoice } from './invoice.ts';
import { messageSchema, type Message } from './message.ts';
import { profileSchema, type Profile } from './profile.ts';
import { quoteSchema, type Quote } from './quote.ts';

/** The zod schema of each replicated collection's document (without RxDB's `_deleted`). */
export const docSchemas = {
	profile: profileSchema,
	invoices: invoiceSchema,
	documents: documentSchema,
	messages: messageSchema,
	appointments: appointmentSchema,
	quotes: quoteSchema
} as const satisfies Record<CollectionName, z.ZodObject>;

/** The document type of each collection. */
export interface DocTypes {
	profile: Profile;
	invoices: Invoice;
	documents: PortalDocument;
	messages: Message;
	appointments: Appointment;
	quotes: Quote;
}

/** A document of collection `C` as it travels in pull and push: with RxDB's `_deleted` flag. */
export type SyncDoc<C extends CollectionName = CollectionName> = DocTypes[C] & { _deleted: boolean };

/** The wire schema of each collection's document: the document plus `_deleted`. */
export const syncDocSchemas = {
	profile: profileSchema.extend({ _deleted: z.boolean() }),
	invoices: invoiceSchema.extend({ _deleted: z.boolean() }),
	documents: documentSchema.extend({ _deleted: z.boolean() }),
	messages: messageSchema.extend({ _deleted: z.boolean() }),
	appointments: appointmentSchema.extend({ _deleted: z.boolean() }),
	quotes: quoteSchema.extend({ _deleted: z.boolean() })
} as const satisfies Record<CollectionName, z.ZodObject>;

const ZERO_SHA = '0'.repeat(64);
const PLACEHOLDER = '-';

/**
 * The document a deleted (or no longer visible) row travels as: its id and version marker and
 * neutral placeholders for everything else, so no content of the row leaves the server and the
 * document still passes the collection's schema (RxDB validates tombstones too).
 */
export function tombstoneOf<C extends CollectionName>(collection: C, id: string, updatedAt: number): SyncDoc<C> {
	return { ...TOMBSTONES[collection], id, updatedAt, _deleted: true } as unknown as SyncDoc<C>;
}

const nullBilling = { name: null, email: null, line1: null, line2: null, city: null, region: null, postalCode: null, country: null };

const TOMBSTONES: { [C in CollectionName]: Omit<DocTypes[C], 'id' | 'updatedAt'> } = {
	profile: { name: PLACEHOLDER, email: null, phone: null, billing: nullBilling, addresses: [], autopay: { enabled: false, methodLabel: null } },
	invoices: {
		number: '',
		title: '',
		period: null,
		status: 'void',
		currency: 'XXX',
		subtotal: 0,
		taxRateBp: 0,
		tax: 0,
		total: 0,
		amountPaid: 0,
		amountDue: 0,
		issuedAt: null,
		dueDate: null,
		paidAt: null,
		voidedAt: null,
		notes: null,
		lineItems: [],
		payments: []
	},
	documents: { kind: 'other', title: '', fileName: '', mime: '', size: 0, sha256: ZERO_SHA, signerName: null, signedAt: null, createdAt: 0 },
	messages: { authorKind: 'system', authorName: '', body: PLACEHOLDER, attachments: [], sentAt: 0, createdAt: 0 },
	appointments: {
		serviceTypeId: null,
		title: '',
		addressId: null,
		resourceName: null,
		status: 'cancelled',
		startsAt: null,
		endsAt: null,
		preferredDate: null,
		preferredWindow: null,
		proposals: [],
		notes: null,
		createdAt: 0
	},
	quotes: {
		number: '',
		title: '',
		status: 'withdrawn',
		currency: 'XXX',
		taxRateBp: 0,
		depositRateBp: 0,
		notes: null,
		validUntil: null,
		quoteRevision: 1,
		contentHash: ZERO_SHA,
		items: [],
		photos: [],
		sentAt: null,
		respondedAt: null,
		selection: [],
		approvedTotal: null,
		signerName: null,
		signedDocumentId: null,
		depositInvoiceId: null,
		responseNote: null,
		createdAt: 0
	}
};

export * from './common.ts';
export * from './profile.ts';
export * from './invoice.ts';
export * from './document.ts';
export * from './message.ts';
export * from './appointment.ts';
export * from './quote.ts';
