import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { eq, getTableName } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import { pullResponseSchema } from '../../shared/protocol/pull.ts';
import { resolveSession, sessionCookieName } from '../../server/auth/sessions.ts';
import { openDatabase } from '../../server/db/client.ts';
import { storeFile } from '../../server/files/store.ts';
import * as s from '../../server/db/schema.ts';
import { ChangeFeed } from '../../server/sync/changes.ts';
import { pullPage } from '../../server/sync/routes.ts';
import { COLLECTION_TABLES, Writer } from '../../server/sync/writer.ts';
import { startServer, tempDataDir, type TestServer } from '../helpers/app.ts';
import { call } from '../helpers/staff.ts';
import { addResource } from '../helpers/booking.ts';
import {
	createAppointment,
	createCustomer,
	createDocument,
	createInvoice,
	createMessage,
	createQuote,
	customerCookie,
	pull,
	push,
	staffCookie
} from '../helpers/sync.ts';
import { snapshot } from '../helpers/db-snapshot.ts';

/*
 * Pulls serve the documents the writer stored with each row (server/sync/materialize.ts). These
 * tests hold the stored path to the live one: the same bytes, whatever changed and however.
 */

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
	for (const srv of servers.splice(0)) await srv.close();
	for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A data dir that outlives one server (a restart), removed after the test. */
function keptDataDir(): string {
	const dir = tempDataDir();
	dirs.push(dir);
	return dir;
}

function tableOf(collection: CollectionName): string {
	return getTableName(COLLECTION_TABLES[collection]);
}

async function server(overrides: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
	const srv = await startServer(overrides);
	servers.push(srv);
	return srv;
}

type Device = { cookie: string; token: string; customerId: string };

function device(srv: TestServer, customerId: string): Device {
	const { cookie, token } = customerCookie(srv, customerId);
	return { cookie, token, customerId };
}

/** What pulling this page answered before documents were stored: `pullPage` serialized. */
function livePage(srv: TestServer, d: Device, collection: CollectionName, after: number, limit: number): string {
	const principal = resolveSession(srv.app.store.db, d.token, srv.app.clock());
	if (!principal) throw new Error('the test session does not resolve');
	return JSON.stringify(pullPage(srv.app.store.db, principal, collection, after, limit));
}

/** Pulls every page of a collection, checking each body against the live serialization and the schema. */
async function pullChecked(srv: TestServer, d: Device, collection: CollectionName, limit: number, after = 0): Promise<{ documents: any[]; seq: number }> {
	const documents: any[] = [];
	let seq = after;
	for (;;) {
		const res = await pull(srv, d.cookie, collection, { after: seq, limit });
		expect(res.status).toBe(200);
		expect(res.text, `${collection} after ${seq}, limit ${limit}`).toBe(livePage(srv, d, collection, seq, limit));
		pullResponseSchema(collection).parse(res.body);
		documents.push(...res.body.documents);
		if (res.body.documents.length === 0) return { documents, seq };
		seq = res.body.checkpoint.seq;
	}
}

function setColumns(app: FastifyInstance, collection: CollectionName, customerId: string, id: string, values: Record<string, unknown>) {
	const table = COLLECTION_TABLES[collection] as unknown as typeof s.messages;
	app.writer.transaction((w) => {
		const prev = w.db.select({ updatedAt: table.updatedAt }).from(table).where(eq(table.id, id)).get();
		w.db.update(table)
			.set({ ...values, seq: w.touch(collection, customerId, id), updatedAt: w.version(prev?.updatedAt) })
			.where(eq(table.id, id))
			.run();
	});
}

function storedDoc(app: FastifyInstance, collection: CollectionName, id: string): string | null {
	return (app.store.sqlite.prepare(`SELECT doc_json FROM "${tableOf(collection)}" WHERE id = ?`).pluck().get(id) as string | null) ?? null;
}

function missingDocs(app: FastifyInstance): number {
	return COLLECTIONS.reduce((n, c) => n + (app.store.sqlite.prepare(`SELECT count(*) FROM "${tableOf(c)}" WHERE doc_json IS NULL`).pluck().get() as number), 0);
}

/** Waits for the writer's background pass to store every missing document. */
async function docsRebuilt(app: FastifyInstance): Promise<void> {
	for (let i = 0; i < 200 && missingDocs(app) > 0; i++) await new Promise((r) => setTimeout(r, 10));
	expect(missingDocs(app)).toBe(0);
}

/** A customer with rows in every collection, drafts and deleted rows among them, and older rows edited after newer ones. */
function seedEverything(srv: TestServer, customerId: string) {
	const { app } = srv;
	const invoices = [0, 1, 2, 3].map((i) => createInvoice(app, customerId, { title: `Invoice ${i} — “quoted” \\ ünïcode •••• 4242` }));
	const draft = createInvoice(app, customerId, { status: 'draft', title: 'Draft, never shown' });
	const documents = [0, 1, 2].map((i) => createDocument(app, customerId, { title: `Document ${i}` }).id);
	const messages = [0, 1, 2, 3].map((i) => createMessage(app, customerId, { body: `Message ${i} with a line\nbreak and emoji 🔧` }));
	const resourceId = addResource(app, { name: 'Sam Technician' });
	const appointments = [0, 1, 2].map(() => createAppointment(app, customerId));
	setColumns(app, 'appointments', customerId, appointments[1], { resourceId });
	const quotes = [createQuote(app, customerId), createQuote(app, customerId, { status: 'draft' })];
	// Older rows change after newer ones: seq order is no longer insertion order.
	setColumns(app, 'invoices', customerId, invoices[0], { title: 'Edited after the others' });
	setColumns(app, 'documents', customerId, documents[0], { deleted: true });
	setColumns(app, 'messages', customerId, messages[0], { body: 'Edited' });
	setColumns(app, 'profile', customerId, customerId, { name: 'Pat “Renamed” Example' });
	return { invoices, draft, documents, messages, appointments, quotes, resourceId };
}

test('every collection pulls the same bytes from stored documents as serializing the rows, in seq order, valid against the schema', async () => {
	const srv = await server();
	const { id: customerId } = createCustomer(srv.app);
	const other = createCustomer(srv.app);
	seedEverything(srv, customerId);
	seedEverything(srv, other.id);
	const d = device(srv, customerId);
	expect(missingDocs(srv.app)).toBe(0);

	for (const collection of COLLECTIONS) {
		for (const limit of [1, 2, 1000]) await pullChecked(srv, d, collection, limit);
		// Nothing new: an empty page with the checkpoint that was sent.
		const head = (await pullChecked(srv, d, collection, 1000)).seq;
		const empty = await pull(srv, d.cookie, collection, { after: head + 5 });
		expect(empty.text).toBe(`{"documents":[],"checkpoint":{"seq":${head + 5}}}`);
	}

	// The bodies really come from the stored text: a marker put there (without a trigger firing) is served.
	const invoiceId = (await pullChecked(srv, d, 'invoices', 1000)).documents.at(-1).id;
	const stored = storedDoc(srv.app, 'invoices', invoiceId)!;
	srv.app.store.sqlite.prepare(`UPDATE invoices SET doc_json = ? WHERE id = ?`).run(stored.replace('"number":"', '"number":"STORED-'), invoiceId);
	expect((await pull(srv, d.cookie, 'invoices', { limit: 1000 })).text).toContain('"number":"STORED-');
});

test('a payment recorded on an invoice reaches the device that already had it, with the payment embedded', async () => {
	const srv = await server();
	const { id: customerId } = createCustomer(srv.app);
	const invoiceId = createInvoice(srv.app, customerId, { total: 50_000 });
	const d = device(srv, customerId);
	const staff = staffCookie(srv);
	const before = await pullChecked(srv, d, 'invoices', 100);
	expect(before.documents[0].payments.map((p: any) => p.methodLabel)).not.toContain('Check #1187');

	const res = await call(srv, 'POST', `/api/staff/invoices/${invoiceId}/payments`, { cookie: staff.cookie, body: { amount: 20_000, method: 'check', reference: '1187' } });
	expect(res.status).toBe(201);

	const after = await pullChecked(srv, d, 'invoices', 100, before.seq);
	expect(after.documents).toHaveLength(1);
	expect(after.documents[0]).toMatchObject({ id: invoiceId, amountPaid: 20_000, amountDue: 30_000 });
	expect(after.documents[0].payments.map((p: any) => p.methodLabel)).toContain('Check #1187');
	expect(JSON.parse(storedDoc(srv.app, 'invoices', invoiceId)!)).toEqual(after.documents[0]);
});

test('a service address added by the office reaches the profile on the device', async () => {
	const srv = await server();
	const { id: customerId, addressId } = createCustomer(srv.app);
	const d = device(srv, customerId);
	const staff = staffCookie(srv);
	const before = await pullChecked(srv, d, 'profile', 100);
	expect(before.documents[0].addresses).toHaveLength(1);

	const addresses = [
		{ id: addressId, label: 'Home', line1: '1 Main St', city: 'Springfield', region: 'IL', postalCode: '62701' },
		{ label: 'Cabin', line1: '7 Lake Rd', city: 'Lakeside', region: 'WI', postalCode: '53001' }
	];
	const res = await call(srv, 'PATCH', `/api/staff/customers/${customerId}`, { cookie: staff.cookie, body: { addresses } });
	expect(res.status).toBe(200);

	const after = await pullChecked(srv, d, 'profile', 100, before.seq);
	expect(after.documents).toHaveLength(1);
	expect(after.documents[0].addresses.map((a: any) => a.label)).toEqual(['Home', 'Cabin']);
});

test('renaming a technician re-sends the appointments that show the name, to devices that had them and to new ones', async () => {
	const srv = await server();
	const { id: customerId } = createCustomer(srv.app);
	const resourceId = addResource(srv.app, { name: 'Sam Technician' });
	const shown = createAppointment(srv.app, customerId);
	setColumns(srv.app, 'appointments', customerId, shown, { resourceId });
	const unrelated = createAppointment(srv.app, customerId);
	const d = device(srv, customerId);
	const staff = staffCookie(srv);
	const before = await pullChecked(srv, d, 'appointments', 100);
	expect(before.documents.find((a: any) => a.id === shown).resourceName).toBe('Sam Technician');

	const res = await call(srv, 'PATCH', `/api/staff/availability/resources/${resourceId}`, { cookie: staff.cookie, body: { name: 'Samantha Technician' } });
	expect(res.status).toBe(200);

	const after = await pullChecked(srv, d, 'appointments', 100, before.seq);
	expect(after.documents.map((a: any) => [a.id, a.resourceName])).toEqual([[shown, 'Samantha Technician']]);
	const fresh = await pullChecked(srv, device(srv, customerId), 'appointments', 100);
	expect(fresh.documents.map((a: any) => a.id).sort()).toEqual([shown, unrelated].sort());
	expect(fresh.documents.find((a: any) => a.id === shown).resourceName).toBe('Samantha Technician');
});

test('rows changed by code that bypassed the writer (every kind of row a document embeds) pull with their new content', async () => {
	const srv = await server();
	const { app } = srv;
	const { id: customerId, addressId } = createCustomer(app);
	const invoiceId = createInvoice(app, customerId);
	const quoteId = createQuote(app, customerId);
	const methodId = randomUUID();
	app.writer.transaction((w) => {
		w.db.insert(s.paymentMethods)
			.values({ id: methodId, customerId, provider: 'demo', providerRef: `demo_pm_${methodId}`, kind: 'card', label: 'Visa •••• 4242', createdAt: w.now })
			.run();
		w.db.update(s.customers).set({ autopay: true, autopayMethodId: methodId }).where(eq(s.customers.id, customerId)).run();
		w.bump('profile', customerId, customerId);
	});
	const resourceId = addResource(app, { name: 'Sam Technician' });
	const appointmentId = createAppointment(app, customerId);
	setColumns(app, 'appointments', customerId, appointmentId, { resourceId });
	const d = device(srv, customerId);
	expect((await pullChecked(srv, d, 'profile', 100)).documents[0].autopay).toEqual({ enabled: true, methodLabel: 'Visa •••• 4242' });
	expect(missingDocs(app)).toBe(0);

	const photoSha = storeFile(app.store.db, app.config.dataDir, new TextEncoder().encode('not really a jpeg'), 'image/jpeg', app.clock());
	const check = async () => {
		const invoice = (await pullChecked(srv, d, 'invoices', 100)).documents[0];
		const profile = (await pullChecked(srv, d, 'profile', 100)).documents[0];
		const appointment = (await pullChecked(srv, d, 'appointments', 100)).documents[0];
		const quote = (await pullChecked(srv, d, 'quotes', 100)).documents[0];
		return {
			payment: invoice.payments[0].methodLabel,
			line: invoice.lineItems[0].description,
			autopay: profile.autopay.methodLabel,
			address: profile.addresses[0].line1,
			technician: appointment.resourceName,
			item: quote.items[0].description,
			photos: quote.photos.length
		};
	};
	expect(await check()).toEqual({ payment: null, line: 'Labour', autopay: 'Visa •••• 4242', address: '1 Main St', technician: 'Sam Technician', item: 'Labour, 4 hours', photos: 0 });
	expect(missingDocs(app)).toBe(0);

	// Straight to the tables, as a script or a forgetful route would.
	const db = app.store.db;
	db.update(s.payments).set({ methodLabel: 'Mastercard •••• 5555' }).where(eq(s.payments.invoiceId, invoiceId)).run();
	db.update(s.invoiceLineItems).set({ description: 'Labour, overtime' }).where(eq(s.invoiceLineItems.invoiceId, invoiceId)).run();
	db.update(s.paymentMethods).set({ label: 'Amex •••• 0005' }).where(eq(s.paymentMethods.id, methodId)).run();
	db.update(s.serviceAddresses).set({ line1: '2 Oak Ave' }).where(eq(s.serviceAddresses.id, addressId)).run();
	db.update(s.resources).set({ name: 'Samantha Technician' }).where(eq(s.resources.id, resourceId)).run();
	db.update(s.quoteItems).set({ description: 'Labour, 5 hours' }).where(eq(s.quoteItems.quoteId, quoteId)).run();
	db.insert(s.quotePhotos).values({ id: randomUUID(), quoteId, position: 0, fileSha256: photoSha, mime: 'image/jpeg', size: 17, createdAt: app.clock() }).run();
	expect(storedDoc(app, 'invoices', invoiceId)).toBeNull();
	expect(storedDoc(app, 'profile', customerId)).toBeNull();
	expect(storedDoc(app, 'appointments', appointmentId)).toBeNull();
	expect(storedDoc(app, 'quotes', quoteId)).toBeNull();

	const changed = { payment: 'Mastercard •••• 5555', line: 'Labour, overtime', autopay: 'Amex •••• 0005', address: '2 Oak Ave', technician: 'Samantha Technician', item: 'Labour, 5 hours', photos: 1 };
	expect(await check()).toEqual(changed);

	// The next write through the writer has the cleared documents rebuilt, with the same bytes.
	createMessage(app, customerId);
	await docsRebuilt(app);
	expect(await check()).toEqual(changed);
	expect(JSON.parse(storedDoc(app, 'invoices', invoiceId)!).payments[0].methodLabel).toBe('Mastercard •••• 5555');
});

/** A message as a device writes it. */
function newMessage() {
	return { id: randomUUID(), authorKind: 'customer', authorName: '', body: 'Is Tuesday still on?', attachments: [], sentAt: Date.UTC(2026, 4, 12), createdAt: 0, updatedAt: 0, _deleted: false };
}

test('a refused push changes no stored document, not even one waiting to be rebuilt; the next accepted write rebuilds it', async () => {
	const srv = await server();
	const { app } = srv;
	const { id: customerId } = createCustomer(app);
	const invoiceId = createInvoice(app, customerId);
	const d = device(srv, customerId);
	// Cleared by a write that bypassed the writer: waiting for the next write.
	app.store.db.update(s.payments).set({ methodLabel: 'Mastercard •••• 5555' }).where(eq(s.payments.invoiceId, invoiceId)).run();
	const before = snapshot(app);
	expect(storedDoc(app, 'invoices', invoiceId)).toBeNull();

	const master = (await pullChecked(srv, d, 'invoices', 100)).documents[0];
	const refused = await push(srv, d.cookie, 'invoices', [{ newDocumentState: { ...master, total: 1 }, assumedMasterState: master }]);
	expect(refused.status).toBe(403);
	expect(snapshot(app)).toBe(before);
	expect(storedDoc(app, 'invoices', invoiceId)).toBeNull();

	const sent = await push(srv, d.cookie, 'messages', [{ newDocumentState: newMessage(), assumedMasterState: null }]);
	expect(sent.status).toBe(200);
	expect(JSON.parse(storedDoc(app, 'invoices', invoiceId)!).payments[0].methodLabel).toBe('Mastercard •••• 5555');
	await pullChecked(srv, d, 'invoices', 100);
});

test('rows without a stored document (written before it existed) pull exactly as before, and get one when the server starts', async () => {
	const dataDir = keptDataDir();
	let srv = await startServer({ dataDir });
	const { id: customerId } = createCustomer(srv.app);
	seedEverything(srv, customerId);
	const { token } = customerCookie(srv, customerId);
	const everything = async (at: TestServer) => {
		const d: Device = { cookie: `${sessionCookieName(at.config)}=${token}`, token, customerId };
		const out: string[] = [];
		for (const c of COLLECTIONS) for (const limit of [2, 1000]) out.push(JSON.stringify(await pullChecked(at, d, c, limit)));
		return out;
	};
	const stored = await everything(srv);
	for (const c of COLLECTIONS) srv.app.store.sqlite.exec(`UPDATE "${tableOf(c)}" SET doc_json = NULL`);
	expect(missingDocs(srv.app)).toBeGreaterThan(10);
	expect(await everything(srv)).toEqual(stored);
	await srv.close({ keepData: true });

	srv = await server({ dataDir });
	await docsRebuilt(srv.app);
	expect(await everything(srv)).toEqual(stored);
});

test('documents stored by other serializers are rebuilt when the server starts', async () => {
	const dataDir = keptDataDir();
	let srv = await startServer({ dataDir });
	const { id: customerId } = createCustomer(srv.app);
	const invoiceId = createInvoice(srv.app, customerId, { title: 'Furnace repair' });
	const { token } = customerCookie(srv, customerId);
	// What an older version might have stored, and the mark of that version.
	const old = storedDoc(srv.app, 'invoices', invoiceId)!.replace('Furnace repair', 'Old shape');
	srv.app.store.sqlite.prepare(`UPDATE invoices SET doc_json = ? WHERE id = ?`).run(old, invoiceId);
	srv.app.store.sqlite.prepare(`UPDATE meta SET value = 'an older serializer' WHERE key = 'sync_doc_fingerprint'`).run();
	await srv.close({ keepData: true });

	srv = await server({ dataDir });
	const d: Device = { cookie: customerCookie(srv, customerId).cookie, token, customerId };
	const res = await pullChecked(srv, d, 'invoices', 100);
	expect(res.documents[0].title).toBe('Furnace repair');
	await docsRebuilt(srv.app);
	expect(storedDoc(srv.app, 'invoices', invoiceId)).toContain('Furnace repair');
});

test('a replicated table that lost its doc_json column (rebuilt by a migration) stops the server with a message saying so', () => {
	const store = openDatabase(keptDataDir());
	try {
		store.sqlite.exec('DROP INDEX invoices_doc_stale; ALTER TABLE invoices DROP COLUMN doc_json');
		expect(() => new Writer(store, new ChangeFeed(), Date.now)).toThrow(/invoices has no doc_json column/);
	} finally {
		store.sqlite.close();
	}
});
