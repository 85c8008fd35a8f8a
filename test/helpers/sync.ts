import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import type { StreamServerMessage } from '../../shared/protocol/stream.ts';
import { createSession, sessionCookieName } from '../../server/auth/sessions.ts';
import * as s from '../../server/db/schema.ts';
import { storeFile } from '../../server/files/store.ts';
import type { TestServer } from './app.ts';
import { insertQuote } from '../../server/quotes/service.ts';

/** A signed-in session made directly in the database, with the Cookie header that carries it. */
export interface TestSession {
	cookie: string;
	publicId: string;
	token: string;
}

function cookieFor(server: TestServer, token: string): string {
	return `${sessionCookieName(server.config)}=${token}`;
}

/** Creates a portal user for the customer and a session for it. */
export function customerCookie(server: TestServer, customerId: string, opts: { email?: string; name?: string } = {}): TestSession & { portalUserId: string } {
	const { db } = server.app.store;
	const portalUserId = randomUUID();
	const email = opts.email ?? `${portalUserId.slice(0, 8)}@customers.test`;
	db.insert(s.portalUsers).values({ id: portalUserId, customerId, email, name: opts.name ?? null, createdAt: server.app.clock() }).run();
	const { token, publicId } = createSession(db, { kind: 'customer', portalUserId, customerId }, { now: server.app.clock() });
	return { cookie: cookieFor(server, token), token, publicId, portalUserId };
}

/** Creates a staff user and a session for it. */
export function staffCookie(server: TestServer, role: 'owner' | 'office' | 'technician' = 'office', name = 'Olive Office'): TestSession & { staffUserId: string } {
	const { db } = server.app.store;
	const staffUserId = randomUUID();
	db.insert(s.staffUsers).values({ id: staffUserId, email: `${staffUserId.slice(0, 8)}@staff.test`, name, role, createdAt: server.app.clock() }).run();
	const { token, publicId } = createSession(db, { kind: 'staff', staffUserId }, { now: server.app.clock() });
	return { cookie: cookieFor(server, token), token, publicId, staffUserId };
}

/** A customer with one service address, written through the writer like any server-side write. */
export function createCustomer(app: FastifyInstance, opts: { id?: string; name?: string; addressId?: string } = {}): { id: string; addressId: string } {
	const id = opts.id ?? randomUUID();
	const addressId = opts.addressId ?? randomUUID();
	app.writer.transaction((w) => {
		w.db.insert(s.customers)
			.values({
				id,
				name: opts.name ?? `Customer ${id.slice(0, 6)}`,
				email: `${id.slice(0, 8)}@example.com`,
				phone: '+1 555 0100',
				billingName: opts.name ?? null,
				billingCity: 'Springfield',
				seq: w.touch('profile', id, id),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		w.db.insert(s.serviceAddresses)
			.values({ id: addressId, customerId: id, label: 'Home', line1: '1 Main St', city: 'Springfield', region: 'IL', postalCode: '62701', createdAt: w.now })
			.run();
	});
	return { id, addressId };
}

let invoiceNumber = 1000;

/** An invoice with one line item and one payment. */
export function createInvoice(
	app: FastifyInstance,
	customerId: string,
	opts: { id?: string; status?: 'draft' | 'open' | 'processing' | 'paid' | 'void'; title?: string; total?: number } = {}
): string {
	const id = opts.id ?? randomUUID();
	const total = opts.total ?? 43200;
	app.writer.transaction((w) => {
		w.db.insert(s.invoices)
			.values({
				id,
				customerId,
				number: `INV-${++invoiceNumber}-${id.slice(0, 4)}`,
				title: opts.title ?? 'Furnace repair',
				status: opts.status ?? 'open',
				currency: 'USD',
				subtotal: total,
				tax: 0,
				total,
				issuedAt: w.now,
				dueDate: '2026-06-11',
				seq: w.touch('invoices', customerId, id),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		w.db.insert(s.invoiceLineItems).values({ id: randomUUID(), invoiceId: id, position: 0, description: 'Labour', quantityMilli: 1000, unitAmount: total, amount: total }).run();
		w.db.insert(s.payments)
			.values({ id: randomUUID(), invoiceId: id, customerId, amount: 100, currency: 'USD', method: 'card', status: 'failed', provider: 'demo', createdAt: w.now, updatedAt: w.now })
			.run();
	});
	return id;
}

/** A document with a real file under DATA_DIR/files. */
export function createDocument(
	app: FastifyInstance,
	customerId: string,
	opts: { id?: string; bytes?: Uint8Array; mime?: string; fileName?: string; title?: string } = {}
): { id: string; sha256: string; bytes: Uint8Array } {
	const id = opts.id ?? randomUUID();
	const bytes = opts.bytes ?? new TextEncoder().encode(`%PDF-1.4 document ${id}\n`);
	const mime = opts.mime ?? 'application/pdf';
	const sha256 = storeFile(app.store.db, app.config.dataDir, bytes, mime, app.clock());
	app.writer.transaction((w) => {
		w.db.insert(s.documents)
			.values({
				id,
				customerId,
				kind: 'contract',
				title: opts.title ?? 'Service agreement',
				fileSha256: sha256,
				fileName: opts.fileName ?? 'agreement.pdf',
				mime,
				size: bytes.byteLength,
				seq: w.touch('documents', customerId, id),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
	});
	return { id, sha256, bytes };
}

/** A quote for the customer (sent unless `status` says otherwise), with an included line, an optional one and a choice of two. */
export function createQuote(
	app: FastifyInstance,
	customerId: string,
	opts: { title?: string; status?: 'draft' | 'sent'; validUntil?: string | null; depositRateBp?: number; taxRateBp?: number } = {}
): string {
	return app.writer.transaction((w) =>
		insertQuote(w, {
			customerId,
			currency: 'USD',
			status: opts.status ?? 'sent',
			title: opts.title ?? 'Water heater replacement',
			notes: 'Includes haul-away of the old unit.',
			validUntil: opts.validUntil ?? null,
			taxRateBp: opts.taxRateBp ?? 825,
			depositRateBp: opts.depositRateBp ?? 0,
			items: [
				{ kind: 'included', group: null, description: 'Labour, 4 hours', quantityMilli: 4000, unitAmount: 9500, selectedByDefault: false },
				{ kind: 'optional', group: null, description: 'Expansion tank', quantityMilli: 1000, unitAmount: 14_000, selectedByDefault: true },
				{ kind: 'choice', group: 'Water heater', description: '40 gal gas', quantityMilli: 1000, unitAmount: 120_000, selectedByDefault: true },
				{ kind: 'choice', group: 'Water heater', description: '50 gal gas', quantityMilli: 1000, unitAmount: 145_000, selectedByDefault: false }
			]
		})
	);
}

/** The customer's thread (created if needed). */
export function ensureTestThread(app: FastifyInstance, customerId: string): string {
	const existing = app.store.db.select().from(s.messageThreads).where(eq(s.messageThreads.customerId, customerId)).get();
	if (existing) return existing.id;
	const id = randomUUID();
	app.store.db.insert(s.messageThreads).values({ id, customerId, createdAt: app.clock() }).run();
	return id;
}

/** A message from the office to the customer. */
export function createMessage(app: FastifyInstance, customerId: string, opts: { id?: string; body?: string } = {}): string {
	const id = opts.id ?? randomUUID();
	const threadId = ensureTestThread(app, customerId);
	app.writer.transaction((w) => {
		w.db.insert(s.messages)
			.values({
				id,
				threadId,
				customerId,
				authorKind: 'staff',
				authorName: 'Olive Office',
				body: opts.body ?? 'Your technician is on the way.',
				sentAt: w.now,
				seq: w.touch('messages', customerId, id),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
	});
	return id;
}

/** An active service type customers can request. */
export function createServiceType(app: FastifyInstance, opts: { id?: string; name?: string; active?: boolean } = {}): string {
	const id = opts.id ?? randomUUID();
	app.store.db
		.insert(s.serviceTypes)
		.values({ id, name: opts.name ?? 'Annual maintenance', durationMinutes: 60, active: opts.active ?? true })
		.run();
	return id;
}

/** An appointment (confirmed by default, a week out). */
export function createAppointment(
	app: FastifyInstance,
	customerId: string,
	opts: { id?: string; status?: 'requested' | 'proposed' | 'confirmed' | 'declined' | 'cancelled' | 'completed'; startsAt?: number | null; title?: string } = {}
): string {
	const id = opts.id ?? randomUUID();
	const startsAt = opts.startsAt === undefined ? app.clock() + 7 * 86_400_000 : opts.startsAt;
	app.writer.transaction((w) => {
		w.db.insert(s.appointments)
			.values({
				id,
				customerId,
				title: opts.title ?? 'Annual maintenance',
				status: opts.status ?? 'confirmed',
				startsAt,
				endsAt: startsAt === null ? null : startsAt + 3_600_000,
				source: 'staff',
				seq: w.touch('appointments', customerId, id),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
	});
	return id;
}

/** An HTTP answer with its parsed body and the raw text (for leak checks). */
export interface Answer<T = any> {
	status: number;
	body: T;
	text: string;
}

async function answer(res: Response): Promise<Answer> {
	const text = await res.text();
	let body: unknown = undefined;
	try {
		body = text ? JSON.parse(text) : undefined;
	} catch {
		body = text;
	}
	return { status: res.status, body, text };
}

/** `GET /api/sync/:collection/pull`. */
export async function pull(server: TestServer, cookie: string, collection: CollectionName | string, query: { after?: number | string; limit?: number | string } = {}): Promise<Answer> {
	const params = new URLSearchParams();
	if (query.after !== undefined) params.set('after', String(query.after));
	if (query.limit !== undefined) params.set('limit', String(query.limit));
	const qs = params.size > 0 ? `?${params}` : '';
	return answer(await fetch(`${server.url}/api/sync/${collection}/pull${qs}`, { headers: { cookie } }));
}

/** `POST /api/sync/:collection/push`, from the portal's own origin. */
export async function push(server: TestServer, cookie: string, collection: CollectionName | string, rows: unknown): Promise<Answer> {
	return answer(
		await fetch(`${server.url}/api/sync/${collection}/push`, {
			method: 'POST',
			headers: { cookie, 'content-type': 'application/json', origin: server.config.publicUrl },
			body: JSON.stringify(rows)
		})
	);
}

/** Pulls a whole collection in pages; returns the documents in order and the final checkpoint. */
export async function pullAll(server: TestServer, cookie: string, collection: CollectionName, limit = 1000): Promise<{ documents: any[]; seq: number; texts: string[] }> {
	const documents: any[] = [];
	const texts: string[] = [];
	let seq = 0;
	for (;;) {
		const res = await pull(server, cookie, collection, { after: seq, limit });
		if (res.status !== 200) throw new Error(`pull ${collection} → ${res.status} ${res.text}`);
		texts.push(res.text);
		documents.push(...res.body.documents);
		if (res.body.documents.length === 0) return { documents, seq, texts };
		seq = res.body.checkpoint.seq;
	}
}

/** A stream socket with a queue of the messages it received. */
export interface TestStream {
	ws: WebSocket;
	messages: StreamServerMessage[];
	/** Every raw frame, for leak checks. */
	frames: string[];
	/** Resolves with the first message (already received or future) matching `match`. */
	next(match: (m: StreamServerMessage) => boolean, timeoutMs?: number): Promise<StreamServerMessage>;
	/** Resolves with the close code when the socket closes. */
	closed: Promise<{ code: number; reason: string }>;
	close(): void;
}

/** Opens `/api/sync/stream` with the cookie (and the portal's Origin unless given). */
export function openStream(server: TestServer, cookie: string, opts: { origin?: string | null } = {}): Promise<TestStream> {
	const headers: Record<string, string> = { cookie };
	const origin = opts.origin === undefined ? server.config.publicUrl : opts.origin;
	if (origin !== null) headers.origin = origin;
	const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/sync/stream`, { headers });
	const messages: StreamServerMessage[] = [];
	const frames: string[] = [];
	const waiters: { match: (m: StreamServerMessage) => boolean; resolve: (m: StreamServerMessage) => void }[] = [];
	ws.on('message', (data) => {
		const text = data.toString();
		frames.push(text);
		const m = JSON.parse(text) as StreamServerMessage;
		messages.push(m);
		for (const w of [...waiters]) {
			if (w.match(m)) {
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(m);
			}
		}
	});
	const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
	return new Promise((resolve, reject) => {
		ws.once('unexpected-response', (req, res) => {
			// ws leaves a refused upgrade's connection open for whoever listens here: close it.
			req.destroy();
			res.destroy();
			reject(Object.assign(new Error(`stream refused: ${res.statusCode}`), { statusCode: res.statusCode }));
		});
		ws.once('error', reject);
		ws.once('open', () =>
			resolve({
				ws,
				messages,
				frames,
				closed,
				close: () => ws.close(),
				next(match, timeoutMs = 5000) {
					const found = messages.find(match);
					if (found) return Promise.resolve(found);
					return new Promise((res, rej) => {
						const timer = setTimeout(() => rej(new Error('timed out waiting for a stream message')), timeoutMs);
						waiters.push({
							match,
							resolve: (m) => {
								clearTimeout(timer);
								res(m);
							}
						});
					});
				}
			})
		);
	});
}
