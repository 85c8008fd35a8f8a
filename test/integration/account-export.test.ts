import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eq, ne } from 'drizzle-orm';
import { exportManifestSchema } from '../../shared/protocol/account.ts';
import { syncDocSchemas } from '../../shared/schemas/index.ts';
import { buildZip } from '../../server/account/zip.ts';
import * as s from '../../server/db/schema.ts';
import { storeFile } from '../../server/files/store.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { cookieFor } from '../helpers/session.ts';
import { createCustomer, createDocument, createMessage, customerCookie, staffCookie } from '../helpers/sync.ts';

let server: TestServer;
let dana: { customerId: string; cookie: string };

beforeAll(async () => {
	server = await startServer({ seedDemo: true });
	const user = server.app.store.db.select().from(s.portalUsers).where(eq(s.portalUsers.email, 'dana@example.com')).get()!;
	dana = { customerId: user.customerId, cookie: cookieFor(server, { kind: 'customer', customerId: user.customerId, portalUserId: user.id }) };
});
afterAll(async () => {
	await server.close();
});

interface Entry {
	name: string;
	method: number;
	flags: number;
	data: Buffer;
}

/**
 * Reads a ZIP the way unzip tools do: from the end-of-central-directory record, through the
 * central directory, to each local header; inflates and checks every entry's CRC-32 and sizes.
 */
function readZip(zip: Buffer): Entry[] {
	const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	expect(eocd).toBe(zip.length - 22);
	const count = zip.readUInt16LE(eocd + 10);
	const cdSize = zip.readUInt32LE(eocd + 12);
	let p = zip.readUInt32LE(eocd + 16);
	expect(p + cdSize).toBe(eocd);
	const entries: Entry[] = [];
	for (let i = 0; i < count; i++) {
		expect(zip.readUInt32LE(p)).toBe(0x02014b50);
		const flags = zip.readUInt16LE(p + 8);
		const method = zip.readUInt16LE(p + 10);
		const crc = zip.readUInt32LE(p + 16);
		const csize = zip.readUInt32LE(p + 20);
		const usize = zip.readUInt32LE(p + 24);
		const nameLen = zip.readUInt16LE(p + 28);
		const extraLen = zip.readUInt16LE(p + 30);
		const commentLen = zip.readUInt16LE(p + 32);
		const offset = zip.readUInt32LE(p + 42);
		const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
		p += 46 + nameLen + extraLen + commentLen;

		expect(zip.readUInt32LE(offset)).toBe(0x04034b50);
		expect(zip.readUInt32LE(offset + 14)).toBe(crc);
		const localName = zip.subarray(offset + 30, offset + 30 + zip.readUInt16LE(offset + 26)).toString('utf8');
		expect(localName).toBe(name);
		const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
		const body = zip.subarray(start, start + csize);
		expect([0, 8]).toContain(method);
		const data = method === 8 ? zlib.inflateRawSync(body) : Buffer.from(body);
		expect(data.length).toBe(usize);
		expect(zlib.crc32(data) >>> 0).toBe(crc);
		entries.push({ name, method, flags, data });
	}
	expect(p).toBe(eocd);
	return entries;
}

function get(path: string, cookie?: string) {
	return fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {} });
}

async function exportOf(cookie: string): Promise<Map<string, Buffer>> {
	const res = await get('/api/account/export', cookie);
	expect(res.status).toBe(200);
	const entries = readZip(Buffer.from(await res.arrayBuffer()));
	return new Map(entries.map((e) => [e.name, e.data]));
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const json = (b: Buffer | undefined) => JSON.parse(b!.toString('utf8'));

test('the export is one ZIP of everything the customer can see, with headers for a download', async () => {
	const res = await get('/api/account/export', dana.cookie);
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toBe('application/zip');
	expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="brightwater-my-data-\d{4}-\d{2}-\d{2}\.zip"/);
	expect(res.headers.get('x-content-type-options')).toBe('nosniff');
	expect(res.headers.get('cache-control')).toBe('private, no-store');
	const entries = readZip(Buffer.from(await res.arrayBuffer()));
	const names = entries.map((e) => e.name);
	expect(names.slice(0, 6)).toEqual(['manifest.json', 'profile.json', 'invoices.json', 'documents.json', 'messages.json', 'appointments.json']);
	// UTF-8 names are flagged, so unzip tools show them right.
	for (const e of entries) expect(e.flags & 0x0800).toBe(0x0800);

	const files = new Map(entries.map((e) => [e.name, e.data]));
	const profile = json(files.get('profile.json'));
	expect(profile.id).toBe(dana.customerId);
	expect(profile.name).toBe('Dana Whitfield');
	expect(syncDocSchemas.profile.omit({ _deleted: true }).safeParse(profile).success).toBe(true);

	const invoices = json(files.get('invoices.json')) as { number: string; total: number; status: string }[];
	const numbers = invoices.map((i) => i.number).sort();
	expect(numbers).toEqual(['INV-04052', 'INV-04098', 'INV-04101', 'INV-04115', 'INV-04127']);
	expect(invoices.find((i) => i.number === 'INV-04127')).toMatchObject({ total: 43200, status: 'open' });
	for (const i of invoices) expect(syncDocSchemas.invoices.omit({ _deleted: true }).safeParse(i).success).toBe(true);

	const manifest = exportManifestSchema.parse(json(files.get('manifest.json')));
	expect(manifest.customerId).toBe(dana.customerId);
	expect(manifest.business).toBe('Brightwater Plumbing & Heating');
	expect(manifest.missing).toEqual([]);
	for (const [collection, entry] of [['invoices', 'invoices.json'], ['documents', 'documents.json'], ['messages', 'messages.json'], ['appointments', 'appointments.json']] as const) {
		expect(manifest.counts[collection]).toBe(json(files.get(entry)).length);
	}
	expect(manifest.counts.messages).toBeGreaterThan(0);
	expect(manifest.counts.appointments).toBeGreaterThan(0);
});

test('every document’s file is in the archive, byte for byte (same SHA-256 as the server’s copy)', async () => {
	const files = await exportOf(dana.cookie);
	const docs = json(files.get('documents.json')) as { id: string; sha256: string; fileName: string; kind: string }[];
	expect(docs.length).toBe(4);
	expect(new Set(docs.map((d) => d.kind))).toEqual(new Set(['quote', 'contract', 'warranty', 'certificate_of_insurance']));
	const manifest = exportManifestSchema.parse(json(files.get('manifest.json')));
	const documentEntries = [...files.keys()].filter((n) => n.startsWith('documents/'));
	expect(documentEntries.length).toBe(docs.length);
	for (const doc of docs) {
		const listed = manifest.files.find((f) => f.id === doc.id)!;
		expect(listed.path.startsWith(`documents/${doc.id}-`)).toBe(true);
		const bytes = files.get(listed.path)!;
		expect(sha256(bytes)).toBe(doc.sha256);
		expect(listed.sha256).toBe(doc.sha256);
		expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
		// The same bytes the download route serves.
		const served = Buffer.from(await (await get(`/api/files/${doc.id}`, dana.cookie)).arrayBuffer());
		expect(sha256(served)).toBe(doc.sha256);
	}
});

test('nothing of any other customer is in the archive', async () => {
	const files = await exportOf(dana.cookie);
	const all = Buffer.concat([...files.values()]).toString('latin1');
	const db = server.app.store.db;
	const foreign = [
		...db.select({ id: s.customers.id }).from(s.customers).where(ne(s.customers.id, dana.customerId)).all(),
		...db.select({ id: s.invoices.id }).from(s.invoices).where(ne(s.invoices.customerId, dana.customerId)).all(),
		...db.select({ id: s.invoices.number }).from(s.invoices).where(ne(s.invoices.customerId, dana.customerId)).all(),
		...db.select({ id: s.documents.id }).from(s.documents).where(ne(s.documents.customerId, dana.customerId)).all(),
		...db.select({ id: s.documents.fileSha256 }).from(s.documents).where(ne(s.documents.customerId, dana.customerId)).all(),
		...db.select({ id: s.messages.id }).from(s.messages).where(ne(s.messages.customerId, dana.customerId)).all(),
		...db.select({ id: s.appointments.id }).from(s.appointments).where(ne(s.appointments.customerId, dana.customerId)).all(),
		...db.select({ id: s.serviceAddresses.id }).from(s.serviceAddresses).where(ne(s.serviceAddresses.customerId, dana.customerId)).all()
	].map((r) => r.id);
	expect(foreign.length).toBeGreaterThan(100);
	const leaked = foreign.filter((id) => all.includes(id));
	expect(leaked).toEqual([]);
	// And a few other customers' names, for good measure.
	for (const name of ['Okafor', 'Lakeview', 'INV-04131']) expect(all).not.toContain(name);
});

test('deleted documents stay out; message attachments come along; a missing file is listed, not fatal', async () => {
	const c = createCustomer(server.app, { name: 'Export Tester' });
	const { cookie } = customerCookie(server, c.id);
	const kept = createDocument(server.app, c.id, { fileName: 'Garantía "Año" 2026.pdf', bytes: new TextEncoder().encode('%PDF-1.4 kept\n') });
	const gone = createDocument(server.app, c.id, { fileName: 'gone.pdf', bytes: new TextEncoder().encode('%PDF-1.4 gone\n') });
	server.app.writer.transaction((w) => {
		w.db.update(s.documents).set({ deleted: true, seq: w.touch('documents', c.id, gone.id), updatedAt: w.version(0) }).where(eq(s.documents.id, gone.id)).run();
	});
	const photo = new Uint8Array(3000).map((_, i) => (i * 7) % 251);
	const photoSha = storeFile(server.app.store.db, server.app.config.dataDir, photo, 'image/jpeg', server.app.clock());
	const messageId = createMessage(server.app, c.id, { body: 'Here is the photo' });
	server.app.writer.transaction((w) => {
		w.db.update(s.messages)
			.set({ attachments: [{ id: 'att-1', fileSha256: photoSha, name: 'leak/under sink.jpg', mime: 'image/jpeg', size: photo.length }], seq: w.touch('messages', c.id, messageId), updatedAt: w.version(0) })
			.where(eq(s.messages.id, messageId))
			.run();
	});
	// A document whose stored file has gone from the disk.
	const orphan = createDocument(server.app, c.id, { fileName: 'orphan.pdf', bytes: new TextEncoder().encode('%PDF-1.4 orphan\n') });
	const fs = await import('node:fs');
	const { filePath } = await import('../../server/files/store.ts');
	fs.rmSync(filePath(server.app.config.dataDir, orphan.sha256));

	const files = await exportOf(cookie);
	const docs = json(files.get('documents.json')) as { id: string }[];
	expect(docs.map((d) => d.id).sort()).toEqual([kept.id, orphan.id].sort());
	const keptPath = [...files.keys()].find((n) => n.startsWith(`documents/${kept.id}-`))!;
	expect(keptPath).toBe(`documents/${kept.id}-Garantía _Año_ 2026.pdf`);
	expect(sha256(files.get(keptPath)!)).toBe(kept.sha256);
	expect([...files.keys()].some((n) => n.includes(gone.id))).toBe(false);
	expect(files.get('attachments/att-1-leak_under sink.jpg')).toEqual(Buffer.from(photo));
	const manifest = exportManifestSchema.parse(json(files.get('manifest.json')));
	expect(manifest.missing).toEqual([{ id: orphan.id, sha256: orphan.sha256 }]);
	expect(manifest.counts).toMatchObject({ documents: 2, messages: 1, invoices: 0, appointments: 0 });
});

test('only a customer may export: staff get 403, signed-out visitors 401', async () => {
	const staff = staffCookie(server, 'owner');
	const asStaff = await get('/api/account/export', staff.cookie);
	expect(asStaff.status).toBe(403);
	expect(asStaff.headers.get('content-type')).toMatch(/json/);
	const anonymous = await get('/api/account/export');
	expect(anonymous.status).toBe(401);
	expect((await anonymous.json()).code).toBe('UNAUTHENTICATED');
});

test('the ZIP writer stores incompressible data, keeps empty files, and refuses unsafe or duplicate names', () => {
	const random = new Uint8Array(4096).map(() => Math.floor(Math.random() * 256));
	const zip = buildZip(
		[
			{ name: 'a.txt', data: new TextEncoder().encode('hello '.repeat(100)) },
			{ name: 'empty.txt', data: new Uint8Array(0) },
			{ name: 'dir/random.bin', data: random }
		],
		Date.UTC(2026, 4, 12, 15, 30, 10)
	);
	const entries = readZip(zip);
	expect(entries.map((e) => [e.name, e.method])).toEqual([
		['a.txt', 8],
		['empty.txt', 0],
		['dir/random.bin', 0]
	]);
	expect(entries[2].data).toEqual(Buffer.from(random));
	// 2026-05-12 15:30:10 as DOS date and time.
	expect(zip.readUInt16LE(12)).toBe(((2026 - 1980) << 9) | (5 << 5) | 12);
	expect(zip.readUInt16LE(10)).toBe((15 << 11) | (30 << 5) | 5);
	for (const name of ['../x', '/abs', 'a\\b', 'a/./b', '']) expect(() => buildZip([{ name, data: new Uint8Array(1) }], 0)).toThrow(/unsafe/);
	expect(() => buildZip([{ name: 'x', data: new Uint8Array(1) }, { name: 'x', data: new Uint8Array(1) }], 0)).toThrow(/duplicate/);
});
