import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createSession, sessionCookieName } from '../../server/auth/sessions.ts';
import * as s from '../../server/db/schema.ts';
import { storeFile } from '../../server/files/store.ts';

/** How a seeded customer's documents split over the collections (the profile is the +1). */
export interface SeedCounts {
	profile: 1;
	invoices: number;
	messages: number;
	documents: number;
	appointments: number;
}

/** A seeded customer: ids, its thread, and a signed-in device session. */
export interface SeededCustomer {
	customerId: string;
	threadId: string;
	cookie: string;
	counts: SeedCounts;
	/** Every replicated document of the customer (what a fresh device ends up with). */
	total: number;
}

const CHUNK = 400;

/** Splits `docs` documents like a long-standing customer's history: mostly invoices and messages. */
export function splitCounts(docs: number): SeedCounts {
	const rest = docs - 1;
	const invoices = Math.round(rest * 0.4);
	const messages = Math.round(rest * 0.4);
	const documents = Math.round(rest * 0.1);
	return { profile: 1, invoices, messages, documents, appointments: rest - invoices - messages - documents };
}

function inChunks<T>(rows: T[], insert: (chunk: T[]) => void): void {
	for (let i = 0; i < rows.length; i += CHUNK) insert(rows.slice(i, i + CHUNK));
}

let invoiceNumber = 100_000;

/**
 * Creates customers through the one write helper, in one transaction for all of them: each with a
 * service address, a thread, a portal user and a live session, plus `docs - 1` replicated rows
 * (invoices with two line items and a payment each, messages, documents, appointments).
 */
export function seedCustomers(app: FastifyInstance, specs: { docs: number }[]): SeededCustomer[] {
	const now = app.clock();
	const sha = storeFile(app.store.db, app.config.dataDir, new TextEncoder().encode('%PDF-1.4 bench document\n'), 'application/pdf', now);
	const out: SeededCustomer[] = [];
	app.writer.transaction((w) => {
		const customers: (typeof s.customers.$inferInsert)[] = [];
		const addresses: (typeof s.serviceAddresses.$inferInsert)[] = [];
		const threads: (typeof s.messageThreads.$inferInsert)[] = [];
		const users: (typeof s.portalUsers.$inferInsert)[] = [];
		const invoices: (typeof s.invoices.$inferInsert)[] = [];
		const lines: (typeof s.invoiceLineItems.$inferInsert)[] = [];
		const payments: (typeof s.payments.$inferInsert)[] = [];
		const messages: (typeof s.messages.$inferInsert)[] = [];
		const documents: (typeof s.documents.$inferInsert)[] = [];
		const appointments: (typeof s.appointments.$inferInsert)[] = [];
		const sessions: { customerId: string; portalUserId: string; index: number }[] = [];

		for (const spec of specs) {
			const customerId = randomUUID();
			const threadId = randomUUID();
			const portalUserId = randomUUID();
			const counts = splitCounts(spec.docs);
			customers.push({
				id: customerId,
				name: `Customer ${customerId.slice(0, 6)}`,
				email: `${customerId.slice(0, 8)}@example.com`,
				phone: '+1 555 0100',
				billingName: 'Pat Example',
				billingLine1: '1 Main St',
				billingCity: 'Springfield',
				billingRegion: 'IL',
				billingPostalCode: '62701',
				billingCountry: 'US',
				seq: w.touch('profile', customerId, customerId),
				createdAt: now,
				updatedAt: now
			});
			addresses.push({ id: randomUUID(), customerId, label: 'Home', line1: '1 Main St', city: 'Springfield', region: 'IL', postalCode: '62701', createdAt: now });
			threads.push({ id: threadId, customerId, status: 'open', createdAt: now });
			users.push({ id: portalUserId, customerId, email: `${portalUserId}@customers.test`, name: 'Pat Example', createdAt: now });

			for (let i = 0; i < counts.invoices; i++) {
				const id = randomUUID();
				const total = 10_000 + ((i * 137) % 90_000);
				invoices.push({
					id,
					customerId,
					number: `INV-${++invoiceNumber}`,
					title: i % 3 === 0 ? 'Furnace repair' : i % 3 === 1 ? 'Annual boiler service' : 'Water heater replacement',
					status: i % 4 === 0 ? 'open' : 'paid',
					currency: 'USD',
					subtotal: total,
					tax: 0,
					total,
					amountPaid: i % 4 === 0 ? 0 : total,
					issuedAt: now - i * 86_400_000,
					dueDate: '2026-06-11',
					paidAt: i % 4 === 0 ? null : now - i * 86_400_000 + 3_600_000,
					seq: w.touch('invoices', customerId, id),
					createdAt: now,
					updatedAt: now
				});
				lines.push({ id: randomUUID(), invoiceId: id, position: 0, description: 'Labour, 2 hours', quantityMilli: 2000, unitAmount: total / 4, amount: total / 2 });
				lines.push({ id: randomUUID(), invoiceId: id, position: 1, description: 'Parts and materials', quantityMilli: 1000, unitAmount: total / 2, amount: total / 2 });
				payments.push({
					id: randomUUID(),
					invoiceId: id,
					customerId,
					amount: total,
					currency: 'USD',
					method: 'card',
					methodLabel: 'Visa •••• 4242',
					status: i % 4 === 0 ? 'failed' : 'succeeded',
					provider: 'demo',
					receiptNumber: i % 4 === 0 ? null : `R-${invoiceNumber}`,
					createdAt: now,
					updatedAt: now,
					settledAt: i % 4 === 0 ? null : now
				});
			}
			for (let i = 0; i < counts.messages; i++) {
				const id = randomUUID();
				const staff = i % 2 === 1;
				messages.push({
					id,
					threadId,
					customerId,
					authorKind: staff ? 'staff' : 'customer',
					authorName: staff ? 'Olive Office' : 'Pat Example',
					body: staff ? `Thanks — your technician will arrive between 8 and 10 tomorrow (${i}).` : `Hi, is the visit still on for Tuesday? The side gate is open. (${i})`,
					sentAt: now - (counts.messages - i) * 60_000,
					seq: w.touch('messages', customerId, id),
					createdAt: now,
					updatedAt: now
				});
			}
			for (let i = 0; i < counts.documents; i++) {
				const id = randomUUID();
				documents.push({
					id,
					customerId,
					kind: i % 2 === 0 ? 'contract' : 'quote',
					title: `Service agreement ${i}`,
					fileSha256: sha,
					fileName: `agreement-${i}.pdf`,
					mime: 'application/pdf',
					size: 24,
					seq: w.touch('documents', customerId, id),
					createdAt: now,
					updatedAt: now
				});
			}
			for (let i = 0; i < counts.appointments; i++) {
				const id = randomUUID();
				const startsAt = now - i * 7 * 86_400_000;
				appointments.push({
					id,
					customerId,
					title: 'Annual maintenance',
					status: i === 0 ? 'confirmed' : 'completed',
					startsAt,
					endsAt: startsAt + 3_600_000,
					source: 'staff',
					seq: w.touch('appointments', customerId, id),
					createdAt: now,
					updatedAt: now
				});
			}
			sessions.push({ customerId, portalUserId, index: out.length });
			out.push({ customerId, threadId, cookie: '', counts, total: spec.docs });
		}

		inChunks(customers, (c) => w.db.insert(s.customers).values(c).run());
		inChunks(addresses, (c) => w.db.insert(s.serviceAddresses).values(c).run());
		inChunks(threads, (c) => w.db.insert(s.messageThreads).values(c).run());
		inChunks(users, (c) => w.db.insert(s.portalUsers).values(c).run());
		inChunks(invoices, (c) => w.db.insert(s.invoices).values(c).run());
		inChunks(lines, (c) => w.db.insert(s.invoiceLineItems).values(c).run());
		inChunks(payments, (c) => w.db.insert(s.payments).values(c).run());
		inChunks(messages, (c) => w.db.insert(s.messages).values(c).run());
		inChunks(documents, (c) => w.db.insert(s.documents).values(c).run());
		inChunks(appointments, (c) => w.db.insert(s.appointments).values(c).run());
		for (const { customerId, portalUserId, index } of sessions) {
			const { token } = createSession(w.db, { kind: 'customer', portalUserId, customerId }, { now, userAgent: 'porchlight-bench' });
			out[index].cookie = `${sessionCookieName(app.config)}=${token}`;
		}
	});
	return out;
}

/** A staff member (office role) with a live session; returns its Cookie header value. */
export function seedStaff(app: FastifyInstance): string {
	const staffUserId = randomUUID();
	const now = app.clock();
	app.store.db.insert(s.staffUsers).values({ id: staffUserId, email: `${staffUserId.slice(0, 8)}@staff.test`, name: 'Olive Office', role: 'office', createdAt: now }).run();
	const { token } = createSession(app.store.db, { kind: 'staff', staffUserId }, { now, userAgent: 'porchlight-bench' });
	return `${sessionCookieName(app.config)}=${token}`;
}
