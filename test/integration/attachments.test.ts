import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { storeFile } from '../../server/files/store.ts';
import { MESSAGE_ATTACHMENTS_MAX, UPLOAD_MAX_BYTES, UPLOADS_PER_HOUR, type UploadResponse } from '../../shared/protocol/uploads.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { snapshot } from '../helpers/db-snapshot.ts';
import { jpegBytes, pngBytes, WEBP_LOSSLESS_1X1, WEBP_LOSSY_1X1 } from '../helpers/images.ts';
import { createCustomer, customerCookie, ensureTestThread, pull, push, staffCookie } from '../helpers/sync.ts';

let server: TestServer;
beforeAll(async () => {
	server = await startServer();
});
afterAll(async () => {
	await server.close();
});

interface Reply<T = any> {
	status: number;
	body: T;
	text: string;
	headers: Headers;
}

/** An upload's answer: the stored upload on success, the error body otherwise. */
type UploadReply = Reply<UploadResponse & { code?: string; message?: string }>;

async function upload(cookie: string | null, bytes: Uint8Array, options: { type?: string; name?: string; origin?: string; on?: TestServer } = {}): Promise<UploadReply> {
	const target = options.on ?? server;
	const qs = options.name !== undefined ? `?name=${encodeURIComponent(options.name)}` : '';
	const res = await fetch(`${target.url}/api/files/uploads${qs}`, {
		method: 'POST',
		headers: { ...(cookie ? { cookie } : {}), origin: options.origin ?? target.config.publicUrl, 'content-type': options.type ?? 'image/jpeg' },
		body: Buffer.from(bytes)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : undefined, text, headers: res.headers };
}

async function download(cookie: string | null, id: string, headers: Record<string, string> = {}, query = '') {
	const res = await fetch(`${server.url}/api/files/attachments/${id}${query}`, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
	return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

function customer() {
	const c = createCustomer(server.app);
	return { id: c.id, cookie: customerCookie(server, c.id).cookie };
}

function uploadsOf(customerId: string) {
	return server.app.store.db.select().from(s.uploads).where(eq(s.uploads.customerId, customerId)).all();
}

function storedFiles(): string[] {
	const dir = path.join(server.dataDir, 'files');
	if (!fs.existsSync(dir)) return [];
	return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function newMessage(body: string, attachments: unknown[]) {
	return { id: randomUUID(), authorKind: 'customer', authorName: '', body, attachments, sentAt: 1_700_000_000_000, createdAt: 0, updatedAt: 0, _deleted: false };
}

test('a JPEG, PNG or WebP is taken by its content, whatever the header says, with its size read from the image', async () => {
	const a = customer();
	const png = await upload(a.cookie, pngBytes(30, 20), { type: 'application/octet-stream', name: 'leak.png' });
	expect(png.status).toBe(201);
	expect(png.body).toEqual({ id: expect.any(String), name: 'leak.png', mime: 'image/png', size: pngBytes(30, 20).byteLength, width: 30, height: 20, fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

	// Sent as "image/png" but the bytes are a JPEG: the bytes win, and so does the extension.
	const jpeg = await upload(a.cookie, jpegBytes(64, 48), { type: 'image/png', name: 'C:\\Users\\dana\\IMG_0042.HEIC' });
	expect(jpeg.status).toBe(201);
	expect(jpeg.body).toMatchObject({ name: 'IMG_0042.jpg', mime: 'image/jpeg', width: 64, height: 48 });

	// A phone photo taken sideways is shown turned: width and height as displayed.
	const turned = await upload(a.cookie, jpegBytes(64, 48, { orientation: 6 }), { name: 'sideways.jpg' });
	expect(turned.body).toMatchObject({ mime: 'image/jpeg', width: 48, height: 64 });

	for (const webp of [WEBP_LOSSY_1X1, WEBP_LOSSLESS_1X1]) {
		const res = await upload(a.cookie, webp, { type: 'image/webp' });
		expect(res.status).toBe(201);
		expect(res.body).toMatchObject({ name: 'photo.webp', mime: 'image/webp', width: 1, height: 1, size: webp.byteLength });
	}
	expect(uploadsOf(a.id)).toHaveLength(5);
});

test('the same bytes from the same customer are one upload; another customer gets their own', async () => {
	const a = customer();
	const b = customer();
	const bytes = pngBytes(12, 12, [1, 2, 3]);
	const first = await upload(a.cookie, bytes, { name: 'sink.png' });
	const again = await upload(a.cookie, bytes, { name: 'sink-again.png' });
	expect(first.status).toBe(201);
	expect(again.status).toBe(200);
	expect(again.body).toEqual(first.body);
	expect(uploadsOf(a.id)).toHaveLength(1);
	const theirs = await upload(b.cookie, bytes, { name: 'mine.png' });
	expect(theirs.status).toBe(201);
	expect(theirs.body.id).not.toBe(first.body.id);
	expect(theirs.body.fileSha256).toBe(first.body.fileSha256);
	expect(theirs.body.name).toBe('mine.png');
});

test('a text file named .jpg is refused (415), an oversized body too (413), and neither stores anything', async () => {
	const a = customer();
	const filesBefore = storedFiles();
	const text = await upload(a.cookie, new TextEncoder().encode('Meeting notes: call back on Tuesday.\n'), { type: 'image/jpeg', name: 'notes.jpg' });
	expect(text.status).toBe(415);
	expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
	expect(text.body.message).toMatch(/JPEG, PNG or WebP/);

	// A PNG signature on top of HTML is not an image either: the header has to read as one.
	const disguised = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('<html><script>alert(1)</script></html>')]);
	expect((await upload(a.cookie, disguised, { type: 'image/png' })).status).toBe(415);
	expect((await upload(a.cookie, new Uint8Array(), { type: 'image/png' })).status).toBe(415);

	const big = Buffer.alloc(UPLOAD_MAX_BYTES + 1);
	pngBytes(10, 10).copy(big);
	const tooBig = await upload(a.cookie, big, { type: 'image/png' });
	expect(tooBig.status).toBe(413);
	expect(tooBig.body.code).toBe('PAYLOAD_TOO_LARGE');
	expect(tooBig.body.message).toMatch(/8 MB/);

	expect(uploadsOf(a.id)).toEqual([]);
	expect(storedFiles()).toEqual(filesBefore);
});

test('uploads are for signed-in customers on our own pages', async () => {
	const bytes = pngBytes(4, 4);
	expect((await upload(null, bytes)).status).toBe(401);
	const staff = staffCookie(server);
	expect((await upload(staff.cookie, bytes)).status).toBe(403);
	const a = customer();
	const crossSite = await upload(a.cookie, bytes, { origin: 'https://evil.example' });
	expect(crossSite.status).toBe(403);
	expect(crossSite.body.code).toBe('CROSS_SITE');
	expect(uploadsOf(a.id)).toEqual([]);
});

test('a customer downloads their own photo with safe headers; another customer gets exactly the 404 of a missing id; staff may see it', async () => {
	const a = customer();
	const b = customer();
	const bytes = jpegBytes(32, 16);
	const { body: up } = await upload(a.cookie, bytes, { name: 'Grifo "roto" ñ.jpg' });

	const own = await download(a.cookie, up.id);
	expect(own.res.status).toBe(200);
	expect(own.bytes).toEqual(bytes);
	expect(own.res.headers.get('content-type')).toBe('image/jpeg');
	expect(own.res.headers.get('content-length')).toBe(String(bytes.byteLength));
	expect(own.res.headers.get('content-disposition')).toBe(`inline; filename="Grifo _roto_ _.jpg"; filename*=UTF-8''Grifo%20%22roto%22%20%C3%B1.jpg`);
	expect(own.res.headers.get('x-content-type-options')).toBe('nosniff');
	expect(own.res.headers.get('cache-control')).toBe('private, no-cache');
	expect(own.res.headers.get('etag')).toBe(`"${up.fileSha256}"`);
	expect(own.res.headers.get('content-security-policy')).toContain('sandbox');

	const revalidated = await download(a.cookie, up.id, { 'if-none-match': `"${up.fileSha256}"` });
	expect(revalidated.res.status).toBe(304);
	expect(revalidated.bytes.byteLength).toBe(0);
	// The thread's preview is the (already resized) photo itself.
	const thumb = await download(a.cookie, up.id, {}, '?thumb=1');
	expect(thumb.res.status).toBe(200);
	expect(thumb.bytes).toEqual(bytes);

	const theirs = await download(b.cookie, up.id);
	const missing = await download(b.cookie, randomUUID());
	const malformed = await download(b.cookie, 'not%20an%20id');
	expect(theirs.res.status).toBe(404);
	expect(theirs.bytes.toString()).toBe(missing.bytes.toString());
	expect(malformed.res.status).toBe(404);
	expect(malformed.bytes.toString()).toBe(missing.bytes.toString());
	expect(theirs.bytes.toString()).not.toContain('Grifo');

	expect((await download(null, up.id)).res.status).toBe(401);
	const staff = staffCookie(server);
	const asStaff = await download(staff.cookie, up.id);
	expect(asStaff.res.status).toBe(200);
	expect(asStaff.bytes).toEqual(bytes);
});

test('a message may carry the customer’s own uploads; the server stores what the upload says, not what the device claims', async () => {
	const a = customer();
	const { body: photo } = await upload(a.cookie, pngBytes(40, 30), { name: 'leak under sink.png' });
	const { body: second } = await upload(a.cookie, jpegBytes(16, 16), { name: 'meter.jpg' });
	const claimed = { ...photo, name: 'totally-different.exe', mime: 'text/html', size: 1, width: 9999, height: null };
	const message = newMessage('Here is the leak', [claimed, second]);
	const res = await push(server, a.cookie, 'messages', [{ newDocumentState: message }]);
	expect(res.status).toBe(200);
	expect(res.body.conflicts).toEqual([]);

	const row = server.app.store.db.select().from(s.messages).where(eq(s.messages.id, message.id)).get()!;
	expect(row.attachments).toEqual([
		{ id: photo.id, fileSha256: photo.fileSha256, name: 'leak under sink.png', mime: 'image/png', size: photo.size, width: 40, height: 30 },
		{ id: second.id, fileSha256: second.fileSha256, name: 'meter.jpg', mime: 'image/jpeg', size: second.size, width: 16, height: 16 }
	]);
	const pulled = (await pull(server, a.cookie, 'messages')).body.documents.find((d: { id: string }) => d.id === message.id);
	expect(pulled.attachments).toEqual([photo, second]);

	// Sending the same message again (a retry whose answer was lost) changes nothing.
	const retried = await push(server, a.cookie, 'messages', [{ newDocumentState: { ...message, attachments: [photo, second] }, assumedMasterState: pulled }]);
	expect(retried.status).toBe(200);
	expect(server.app.store.db.select().from(s.messages).where(eq(s.messages.customerId, a.id)).all()).toHaveLength(1);
});

test('another customer’s upload cannot be attached: 403, the same answer as an upload that does not exist, with nothing of theirs', async () => {
	const a = customer();
	const b = customer();
	const { body: theirs } = await upload(b.cookie, pngBytes(50, 50, [9, 9, 9]), { name: 'b-private-bathroom.png' });
	const before = snapshot(server.app);

	const stolen = await push(server, a.cookie, 'messages', [{ newDocumentState: newMessage('Look', [theirs]) }]);
	const invented = await push(server, a.cookie, 'messages', [{ newDocumentState: newMessage('Look', [{ ...theirs, id: randomUUID() }]) }]);
	expect(stolen.status).toBe(403);
	expect(stolen.body).toEqual({ code: 'FORBIDDEN', message: 'Document 0: attachment 1 is not a photo you uploaded.', field: '0.attachments' });
	expect(invented.body).toEqual(stolen.body);
	expect(stolen.text).not.toContain('b-private-bathroom');
	expect(stolen.text).not.toContain(theirs.id);

	// The right id with another file (or the right file under another id) is no better.
	const { body: mine } = await upload(a.cookie, pngBytes(5, 5), { name: 'mine.png' });
	const mixed = await push(server, a.cookie, 'messages', [{ newDocumentState: newMessage('Look', [{ ...mine, fileSha256: theirs.fileSha256 }]) }]);
	expect(mixed.body).toEqual(stolen.body);
	// And downloading it is the 404 of a missing id.
	const asA = await download(a.cookie, theirs.id);
	expect(asA.res.status).toBe(404);
	expect(asA.bytes.toString()).toBe((await download(a.cookie, randomUUID())).bytes.toString());
	expect(snapshot(server.app)).toBe(before);
});

test('too many photos, or one photo twice, is a clear 400 naming the field, and nothing is stored', async () => {
	const a = customer();
	const photos: UploadResponse[] = [];
	for (let i = 0; i <= MESSAGE_ATTACHMENTS_MAX; i++) photos.push((await upload(a.cookie, pngBytes(2 + i, 2))).body);
	const before = snapshot(server.app);
	const many = await push(server, a.cookie, 'messages', [{ newDocumentState: newMessage('Lots', photos) }]);
	expect(many.status).toBe(400);
	expect(many.body.field).toBe('0.newDocumentState.attachments');
	expect(many.body.message).toContain(`at most ${MESSAGE_ATTACHMENTS_MAX} photos`);
	const twice = await push(server, a.cookie, 'messages', [{ newDocumentState: newMessage('Twice', [photos[0], photos[0]]) }]);
	expect(twice.status).toBe(400);
	expect(twice.body.field).toBe('0.newDocumentState.attachments.1');
	expect(snapshot(server.app)).toBe(before);
	const six = await push(server, a.cookie, 'messages', [{ newDocumentState: newMessage('Six', photos.slice(0, MESSAGE_ATTACHMENTS_MAX)) }]);
	expect(six.status).toBe(200);
});

test('an office attachment in the customer’s thread opens for that customer and staff, for no other customer, and not once the message is deleted', async () => {
	const a = customer();
	const b = customer();
	const bytes = pngBytes(8, 8, [0, 128, 0]);
	const sha = storeFile(server.app.store.db, server.dataDir, bytes, 'image/png');
	const threadId = ensureTestThread(server.app, a.id);
	const messageId = randomUUID();
	server.app.writer.transaction((w) => {
		w.db.insert(s.messages)
			.values({
				id: messageId,
				threadId,
				customerId: a.id,
				authorKind: 'staff',
				authorName: 'Olive Office',
				body: 'Your new part',
				attachments: [{ id: 'office-att-1', fileSha256: sha, name: 'part.png', mime: 'image/png', size: bytes.byteLength, width: 8, height: 8 }],
				sentAt: w.now,
				seq: w.touch('messages', a.id, messageId),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
	});
	const own = await download(a.cookie, 'office-att-1');
	expect(own.res.status).toBe(200);
	expect(own.bytes).toEqual(bytes);
	expect((await download(staffCookie(server).cookie, 'office-att-1')).res.status).toBe(200);
	const other = await download(b.cookie, 'office-att-1');
	expect(other.res.status).toBe(404);
	expect(other.bytes.toString()).toBe((await download(b.cookie, 'office-att-2')).bytes.toString());

	// A message taken back (a tombstone) takes its attachment with it.
	server.app.writer.transaction((w) => {
		w.db.update(s.messages).set({ deleted: true, seq: w.touch('messages', a.id, messageId), updatedAt: w.version(0) }).where(eq(s.messages.id, messageId)).run();
	});
	expect((await download(a.cookie, 'office-att-1')).res.status).toBe(404);
});

test(`uploads are limited to ${UPLOADS_PER_HOUR} an hour per customer, and the allowance comes back`, async () => {
	const clock = fakeClock();
	const limited = await startServer({}, { clock: clock.now });
	try {
		const c = createCustomer(limited.app);
		const { cookie } = customerCookie(limited, c.id);
		const other = customerCookie(limited, createCustomer(limited.app).id).cookie;
		const bytes = pngBytes(3, 3);
		for (let i = 0; i < UPLOADS_PER_HOUR; i++) expect((await upload(cookie, bytes, { on: limited })).status).toBe(i === 0 ? 201 : 200);
		const over = await upload(cookie, bytes, { on: limited });
		expect(over.status).toBe(429);
		expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
		// Someone else is not held back by it.
		expect((await upload(other, bytes, { on: limited })).status).toBe(201);
		clock.advance(3_600_000);
		expect((await upload(cookie, bytes, { on: limited })).status).toBe(200);
	} finally {
		await limited.close();
	}
});
