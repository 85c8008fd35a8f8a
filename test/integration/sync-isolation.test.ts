import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import fc from 'fast-check';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import * as s from '../../server/db/schema.ts';
import { storeFile } from '../../server/files/store.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { snapshot } from '../helpers/db-snapshot.ts';
import { createCustomer, customerCookie, ensureTestThread, openStream, pullAll, push, staffCookie, type TestStream } from '../helpers/sync.ts';

type Doc = Record<string, any>;

/** Writes ~1,000 rows for a customer in one transaction, every text carrying `marker`. */
function populate(server: TestServer, customerId: string, marker: string) {
	const { app } = server;
	const threadId = ensureTestThread(app, customerId);
	const sha = storeFile(app.store.db, app.config.dataDir, new TextEncoder().encode(`file of ${marker}`), 'application/pdf');
	app.writer.transaction((w) => {
		for (let i = 0; i < 250; i++) {
			const id = randomUUID();
			w.db.insert(s.invoices)
				.values({ id, customerId, number: `${marker}-INV-${i}`, title: `${marker} invoice ${i}`, status: i % 10 === 0 ? 'draft' : 'open', currency: 'USD', subtotal: 1000 + i, tax: 0, total: 1000 + i, notes: `${marker} note`, seq: w.touch('invoices', customerId, id), createdAt: w.now, updatedAt: w.now })
				.run();
			w.db.insert(s.invoiceLineItems).values({ id: randomUUID(), invoiceId: id, position: 0, description: `${marker} labour`, quantityMilli: 1000, unitAmount: 1000 + i, amount: 1000 + i }).run();
			w.db.insert(s.payments).values({ id: randomUUID(), invoiceId: id, customerId, amount: 1, currency: 'USD', method: 'card', methodLabel: `${marker} card`, status: 'failed', provider: 'demo', createdAt: w.now, updatedAt: w.now }).run();
		}
		for (let i = 0; i < 100; i++) {
			const id = randomUUID();
			w.db.insert(s.documents)
				.values({ id, customerId, kind: 'contract', title: `${marker} document ${i}`, fileSha256: sha, fileName: `${marker}-${i}.pdf`, mime: 'application/pdf', size: 10, signerName: `${marker} signer`, seq: w.touch('documents', customerId, id), createdAt: w.now, updatedAt: w.now })
				.run();
		}
		for (let i = 0; i < 450; i++) {
			const id = randomUUID();
			w.db.insert(s.messages)
				.values({ id, threadId, customerId, authorKind: i % 2 ? 'staff' : 'customer', authorName: `${marker} author`, body: `${marker} message ${i}`, sentAt: w.now, seq: w.touch('messages', customerId, id), createdAt: w.now, updatedAt: w.now })
				.run();
		}
		for (let i = 0; i < 199; i++) {
			const id = randomUUID();
			w.db.insert(s.appointments)
				.values({ id, customerId, title: `${marker} visit ${i}`, status: i % 3 ? 'confirmed' : 'requested', startsAt: w.now + 86_400_000 * (i + 2), endsAt: w.now + 86_400_000 * (i + 2) + 3_600_000, notes: `${marker} gate code`, source: 'staff', seq: w.touch('appointments', customerId, id), createdAt: w.now, updatedAt: w.now })
				.run();
		}
		for (let i = 0; i < 20; i++) {
			const id = randomUUID();
			w.db.insert(s.quotes)
				.values({ id, customerId, number: `${marker}-Q-${i}`, title: `${marker} quote ${i}`, status: i % 5 === 0 ? 'draft' : 'sent', currency: 'USD', notes: `${marker} quote note`, contentHash: 'c'.repeat(64), seq: w.touch('quotes', customerId, id), createdAt: w.now, updatedAt: w.now })
				.run();
			w.db.insert(s.quoteItems).values({ id: randomUUID(), quoteId: id, position: 0, kind: 'included', description: `${marker} quoted labour`, quantityMilli: 1000, unitAmount: 5000 + i, amount: 5000 + i }).run();
		}
	});
}

/** A value of the same kind that is surely not `v`. */
function differentFrom(v: unknown): unknown {
	if (typeof v === 'number') return v + 1;
	if (typeof v === 'string') return `${v}x`;
	if (typeof v === 'boolean') return !v;
	if (v === null) return 1;
	if (Array.isArray(v)) return v.length > 0 ? [] : [{ id: 'forged', label: 'x', line1: 'x', line2: null, city: 'x', region: 'x', postalCode: 'x', country: 'US', lat: null, lng: null }];
	const o = v as { enabled: boolean; methodLabel: string | null };
	return { ...o, enabled: !o.enabled };
}

let server: TestServer;
let A: { id: string; addressId: string };
let B: { id: string; addressId: string };
let aCookie: string;
let bCookie: string;
const A_MARK = `AAA${randomUUID().slice(0, 8)}`;
const B_MARK = `BBB${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
	server = await startServer();
	A = createCustomer(server.app, { name: `${A_MARK} Customer` });
	B = createCustomer(server.app, { name: `${B_MARK} Customer` });
	populate(server, A.id, A_MARK);
	populate(server, B.id, B_MARK);
	aCookie = customerCookie(server, A.id).cookie;
	bCookie = customerCookie(server, B.id).cookie;
}, 120_000);
afterAll(async () => {
	await server.close();
});

/** Every id B has, in any table, plus B's customer id: none may appear in anything A receives. */
function bSecrets(): string[] {
	const q = (sql: string) => (server.app.store.sqlite.prepare(sql).all(B.id) as { id: string }[]).map((r) => r.id);
	return [
		B.id,
		B.addressId,
		B_MARK,
		...q(`SELECT id FROM invoices WHERE customer_id = ?`),
		...q(`SELECT l.id FROM invoice_line_items l JOIN invoices i ON i.id = l.invoice_id WHERE i.customer_id = ?`),
		...q(`SELECT id FROM payments WHERE customer_id = ?`),
		...q(`SELECT id FROM documents WHERE customer_id = ?`),
		...q(`SELECT id FROM messages WHERE customer_id = ?`),
		...q(`SELECT id FROM message_threads WHERE customer_id = ?`),
		...q(`SELECT id FROM appointments WHERE customer_id = ?`),
		...q(`SELECT portal_user_id AS id FROM sessions WHERE customer_id = ?`)
	];
}

function expectNoneOf(secrets: string[], texts: string[]) {
	const all = texts.join('\n');
	for (const secret of secrets) if (all.includes(secret)) throw new Error(`leaked ${secret}`);
}

test('A pulls everything and listens while B writes: nothing of B reaches A', async () => {
	const stream: TestStream = await openStream(server, aCookie);
	await stream.next((m) => m.type === 'hello');
	const staff = staffCookie(server);
	const bThread = ensureTestThread(server.app, B.id);

	const bWrites = (async () => {
		for (let i = 0; i < 20; i++) {
			const rows = Array.from({ length: 10 }, (_, j) => ({
				newDocumentState: { id: randomUUID(), authorKind: 'customer', authorName: '', body: `${B_MARK} live ${i}.${j}`, attachments: [], sentAt: 1, createdAt: 0, updatedAt: 0, _deleted: false }
			}));
			expect((await push(server, bCookie, 'messages', rows)).status).toBe(200);
			const reply = await fetch(`${server.url}/api/staff/threads/${bThread}/messages`, {
				method: 'POST',
				headers: { cookie: staff.cookie, 'content-type': 'application/json' },
				body: JSON.stringify({ body: `${B_MARK} staff reply ${i}` })
			});
			expect(reply.status).toBe(201);
			const [profile] = (await pullAll(server, bCookie, 'profile')).documents;
			expect((await push(server, bCookie, 'profile', [{ newDocumentState: { ...profile, phone: `${B_MARK}-${i}` }, assumedMasterState: profile }])).body).toEqual({ conflicts: [] });
		}
	})();
	const aPulls = Promise.all(COLLECTIONS.map((c) => pullAll(server, aCookie, c, 50)));
	const [, pulled] = await Promise.all([bWrites, aPulls]);
	const afterwards = await Promise.all(COLLECTIONS.map((c) => pullAll(server, aCookie, c, 1000)));

	const secrets = bSecrets();
	expect(secrets.length).toBeGreaterThan(1500);
	const texts = [...pulled, ...afterwards].flatMap((p) => p.texts);
	expectNoneOf(secrets, texts);
	// A got all of its own rows: drafts as tombstones, the rest in full.
	const counts = Object.fromEntries(COLLECTIONS.map((c, i) => [c, afterwards[i].documents.length]));
	expect(counts).toEqual({ profile: 1, invoices: 250, documents: 100, messages: 450, appointments: 199, quotes: 20 });
	expect(afterwards[1].documents.filter((d) => d._deleted)).toHaveLength(25);
	expect(texts.join('')).toContain(A_MARK);

	// The socket heard nothing of B's 440 writes; it does hear A's own.
	await new Promise((r) => setTimeout(r, 200));
	expect(stream.messages.filter((m) => m.type === 'changed')).toEqual([]);
	const mine = { id: randomUUID(), authorKind: 'customer', authorName: '', body: 'mine', attachments: [], sentAt: 1, createdAt: 0, updatedAt: 0, _deleted: false };
	await push(server, aCookie, 'messages', [{ newDocumentState: mine }]);
	expect(await stream.next((m) => m.type === 'changed')).toEqual({ type: 'changed', collections: ['messages'] });
	expectNoneOf(bSecrets(), stream.frames);
	stream.close();
});

test('10,000 forged pushes from A: none accepted, nothing changes, no byte of B in any answer', async () => {
	const bDocs = Object.fromEntries(await Promise.all(COLLECTIONS.map(async (c) => [c, (await pullAll(server, bCookie, c)).documents] as const))) as Record<CollectionName, Doc[]>;
	const aDocs = Object.fromEntries(await Promise.all(COLLECTIONS.map(async (c) => [c, (await pullAll(server, aCookie, c)).documents] as const))) as Record<CollectionName, Doc[]>;
	const aIds = new Set(COLLECTIONS.flatMap((c) => aDocs[c].map((d) => d.id)));
	const secrets = bSecrets();
	const before = snapshot(server.app);
	const seqBefore = server.app.writer.currentSeq();

	const PROTECTED: Record<CollectionName, [string, fc.Arbitrary<unknown>][]> = {
		profile: [
			['autopay', fc.record({ enabled: fc.boolean(), methodLabel: fc.constantFrom(null, 'Visa •••• 4242') })],
			['addresses', fc.constant([])]
		],
		invoices: [
			['total', fc.integer({ min: 0, max: 10_000_000 })],
			['amountPaid', fc.integer({ min: 0, max: 10_000_000 })],
			['amountDue', fc.constant(0)],
			['status', fc.constantFrom('open', 'paid', 'void', 'processing')],
			['paidAt', fc.integer({ min: 0, max: 2_000_000_000_000 })]
		],
		documents: [
			['title', fc.string({ maxLength: 20 })],
			['signedAt', fc.integer({ min: 0, max: 2_000_000_000_000 })],
			['signerName', fc.string({ maxLength: 20 })]
		],
		messages: [
			['body', fc.string({ minLength: 1, maxLength: 30 }).map((v) => `x${v}`)],
			['authorKind', fc.constantFrom('staff', 'system')],
			['_deleted', fc.constant(true)]
		],
		appointments: [
			['status', fc.constantFrom('confirmed', 'completed', 'declined', 'proposed')],
			['startsAt', fc.integer({ min: 0, max: 2_000_000_000_000 })],
			['resourceName', fc.string({ maxLength: 20 })],
			['notes', fc.string({ maxLength: 20 })]
		],
		quotes: [
			['status', fc.constantFrom('approved', 'declined', 'changes_requested', 'withdrawn')],
			['selection', fc.constant([])],
			['approvedTotal', fc.integer({ min: 0, max: 10_000_000 })],
			['signerName', fc.string({ maxLength: 20 })],
			['title', fc.string({ maxLength: 20 })]
		]
	};

	const collectionArb = fc.constantFrom(...COLLECTIONS);
	const forgedArb = collectionArb.chain((c) => {
		const b = bDocs[c];
		const a = aDocs[c];
		const target = fc.oneof(
			// B's documents, with B's own content or A's.
			fc.record({ kind: fc.constant('b' as const), doc: fc.constantFrom(...b), base: fc.constantFrom(...b, ...a) }),
			// A's own documents with protected fields changed.
			fc.record({ kind: fc.constant('a' as const), doc: fc.constantFrom(...a), base: fc.constantFrom(...a) }),
			// New documents where a device may not create any.
			fc.record({ kind: fc.constant('new' as const), doc: fc.constantFrom(...a), base: fc.constantFrom(...a) })
		);
		return fc.record({
			collection: fc.constant(c),
			target,
			protectedFields: fc.subarray(PROTECTED[c], { minLength: 1 }).chain((fields) => fc.tuple(...fields.map(([name, arb]) => arb.map((v) => [name, v] as const)))),
			withCustomerId: fc.constantFrom(undefined, B.id, A.id),
			assumed: fc.constantFrom('target', 'missing', 'null', 'forged', 'a-own'),
			newId: fc.uuid()
		});
	});

	const statuses = new Map<number, number>();
	let runs = 0;
	await fc.assert(
		fc.asyncProperty(forgedArb, async (f) => {
			runs++;
			const { collection: c, target } = f;
			const id = target.kind === 'b' ? target.doc.id : target.kind === 'a' ? target.doc.id : f.newId;
			// A new document is a forgery only where devices cannot create any, or when it claims office fields.
			const doc: Doc = { ...target.base, id };
			for (const [name, value] of f.protectedFields) doc[name] = value;
			// A "change" that leaves every protected field as it was is no forgery: make the first one differ.
			if (f.protectedFields.every(([name]) => JSON.stringify(doc[name]) === JSON.stringify(target.doc[name]))) {
				const [name] = f.protectedFields[0];
				doc[name] = differentFrom(target.doc[name]);
			}
			if (target.kind === 'new' && (c === 'messages' || c === 'appointments')) {
				if (c === 'messages') doc.authorKind = 'staff';
				else doc.status = 'confirmed';
			}
			if (f.withCustomerId) doc.customerId = f.withCustomerId;
			const row: Doc = { newDocumentState: doc };
			if (f.assumed === 'target') row.assumedMasterState = target.doc;
			else if (f.assumed === 'null') row.assumedMasterState = null;
			else if (f.assumed === 'forged') row.assumedMasterState = { ...target.doc, ...doc, customerId: undefined };
			else if (f.assumed === 'a-own') row.assumedMasterState = aDocs[c][0];
			const res = await server.app.inject({
				method: 'POST',
				url: `/api/sync/${c}/push`,
				headers: { cookie: aCookie, 'content-type': 'application/json' },
				payload: JSON.stringify([row])
			});
			statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
			const text = res.body;
			for (const secret of secrets) if (text.includes(secret)) throw new Error(`answer leaks ${secret}: ${text.slice(0, 300)}`);
			if (res.statusCode === 200) {
				// Only ever a conflict about A's own row, never an applied write.
				const { conflicts } = JSON.parse(text) as { conflicts: Doc[] };
				expect(conflicts).toHaveLength(1);
				expect(aIds.has(conflicts[0].id)).toBe(true);
			} else {
				expect([400, 403]).toContain(res.statusCode);
			}
		}),
		{ numRuns: 10_000 }
	);
	expect(runs).toBe(10_000);
	expect(server.app.writer.currentSeq()).toBe(seqBefore);
	expect(snapshot(server.app)).toBe(before);
	// The generator reached every kind of refusal.
	expect(statuses.get(400)).toBeGreaterThan(100);
	expect(statuses.get(403)).toBeGreaterThan(100);
	expect(statuses.get(200)).toBeGreaterThan(100);
}, 300_000);
