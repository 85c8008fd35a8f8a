import { afterEach, beforeEach, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { startServer, type TestServer } from '../helpers/app.ts';
import { business } from '../../server/db/schema.ts';
import { getBusiness } from '../../server/branding/service.ts';
import { storeFile } from '../../server/files/store.ts';
import { decodePng, encodePng, pngSize } from '../../server/branding/png.ts';
import { initialsOf } from '../../server/branding/icons.ts';
import type { WebAppManifest } from '../../server/branding/manifest.ts';

let server: TestServer;

beforeEach(async () => {
	server = await startServer();
});
afterEach(async () => {
	await server?.close();
});

async function manifest(): Promise<{ res: Response; body: WebAppManifest }> {
	const res = await fetch(`${server.url}/manifest.webmanifest`);
	expect(res.status).toBe(200);
	return { res, body: (await res.json()) as WebAppManifest };
}

async function png(path: string): Promise<{ res: Response; bytes: Buffer }> {
	const res = await fetch(server.url + path);
	return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

function setBusiness(values: Partial<typeof business.$inferInsert>) {
	getBusiness(server.app.store.db, server.app.clock());
	server.app.store.db.update(business).set(values).where(eq(business.id, 1)).run();
}

function pixel(bytes: Buffer, x: number, y: number): [number, number, number, number] {
	const img = decodePng(bytes);
	const o = (y * img.width + x) * 4;
	return [img.data[o], img.data[o + 1], img.data[o + 2], img.data[o + 3]];
}

test('the manifest is JSON of type application/manifest+json, revalidated on every load, with the fields installability needs', async () => {
	const { res, body } = await manifest();
	expect(res.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
	expect(res.headers.get('cache-control')).toBe('no-cache');
	expect(body).toMatchObject({ start_url: '/', scope: '/', id: '/', display: 'standalone' });
	const branding = await (await fetch(`${server.url}/api/branding`)).json();
	expect(body.name).toBe(branding.name);
	expect(body.short_name).toBe(branding.shortName);
	expect(body.description).toBeTruthy();
	expect(body.theme_color).toMatch(/^#[0-9a-f]{6}$/);
	expect(body.background_color).toMatch(/^#[0-9a-f]{6}$/);
	const bySize = body.icons.map((i) => `${i.sizes} ${i.purpose}`).sort();
	expect(bySize).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
	for (const icon of body.icons) expect(icon.type).toBe('image/png');
});

test('name, short name, description and colours follow the business row', async () => {
	const before = (await manifest()).body;
	setBusiness({ name: 'Acme Drain & Sewer', shortName: 'Acme', tagline: 'Drains cleared same day', primaryColor: '#7a1f5c', backgroundColor: '#fdf8f0' });
	const after = (await manifest()).body;
	expect(after.name).toBe('Acme Drain & Sewer');
	expect(after.short_name).toBe('Acme');
	expect(after.description).toBe('Drains cleared same day');
	expect(after.theme_color).toBe('#7a1f5c');
	expect(after.background_color).toBe('#fdf8f0');
	// The icon URLs carry the branding version, so installed apps pick up the new icons.
	expect(after.icons[0].src).not.toBe(before.icons[0].src);
	// The theme colour is the same brand colour the pages use.
	const branding = await (await fetch(`${server.url}/api/branding`)).json();
	expect(after.theme_color).toBe(branding.colors.primary);
});

test('a brand colour too light for any text is darkened in the theme colour the same way the pages darken it', async () => {
	setBusiness({ primaryColor: '#ffff66' });
	const { body } = await manifest();
	const branding = await (await fetch(`${server.url}/api/branding`)).json();
	expect(body.theme_color).toBe(branding.colors.primary);
});

test('every manifest icon is a PNG of the size it claims, and the apple-touch-icon is 180×180', async () => {
	const { body } = await manifest();
	for (const icon of body.icons) {
		const { res, bytes } = await png(icon.src);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('image/png');
		expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		const [w, h] = icon.sizes.split('x').map(Number);
		expect(pngSize(bytes)).toEqual({ width: w, height: h });
		// Decodes fully (valid zlib stream and CRCs are not checked by the size read above).
		expect(decodePng(bytes).data.length).toBe(w * h * 4);
	}
	const apple = await png('/apple-touch-icon.png');
	expect(apple.res.status).toBe(200);
	expect(apple.res.headers.get('content-type')).toBe('image/png');
	expect(pngSize(apple.bytes)).toEqual({ width: 180, height: 180 });
});

test('icons are drawn in the brand colour: maskable and apple icons full-bleed, the "any" icon with transparent corners', async () => {
	setBusiness({ name: 'Brightwater Plumbing', primaryColor: '#0b5d7a' });
	const { body } = await manifest();
	const maskable = await png(body.icons.find((i) => i.purpose === 'maskable')!.src);
	const any512 = await png(body.icons.find((i) => i.sizes === '512x512' && i.purpose === 'any')!.src);
	const apple = await png('/apple-touch-icon.png');
	expect(pixel(maskable.bytes, 0, 0)).toEqual([0x0b, 0x5d, 0x7a, 255]);
	expect(pixel(apple.bytes, 0, 0)).toEqual([0x0b, 0x5d, 0x7a, 255]);
	expect(pixel(any512.bytes, 0, 0)[3]).toBe(0);
	expect(pixel(any512.bytes, 256, 20)).toEqual([0x0b, 0x5d, 0x7a, 255]);
	// The maskable icon keeps its content inside the safe zone (a circle of 40 % radius): the
	// ring between 40 % and the edge is plain brand colour.
	const img = decodePng(maskable.bytes);
	for (let a = 0; a < 360; a += 10) {
		for (const r of [0.41, 0.45, 0.49]) {
			const x = Math.round(256 + r * 512 * Math.cos((a * Math.PI) / 180));
			const y = Math.round(256 + r * 512 * Math.sin((a * Math.PI) / 180));
			const o = (Math.min(511, y) * 512 + Math.min(511, x)) * 4;
			expect([img.data[o], img.data[o + 1], img.data[o + 2]]).toEqual([0x0b, 0x5d, 0x7a]);
		}
	}
	// …and the initials are there, in the readable text colour (white on this blue).
	let light = 0;
	for (let i = 0; i < img.data.length; i += 4) if (img.data[i] > 240 && img.data[i + 1] > 240 && img.data[i + 2] > 240) light++;
	expect(light).toBeGreaterThan(2000);
});

test('a PNG logo is drawn into the icons instead of the monogram', async () => {
	// A 40×20 logo: left half red, right half green.
	const data = new Uint8ClampedArray(40 * 20 * 4);
	for (let y = 0; y < 20; y++)
		for (let x = 0; x < 40; x++) data.set(x < 20 ? [220, 20, 20, 255] : [20, 160, 60, 255], (y * 40 + x) * 4);
	const sha = storeFile(server.app.store.db, server.dataDir, encodePng({ width: 40, height: 20, data }), 'image/png');
	setBusiness({ logoFile: sha, backgroundColor: '#ffffff' });
	const { body } = await manifest();
	const maskable = await png(body.icons.find((i) => i.purpose === 'maskable')!.src);
	// Left of centre is the logo's red, right of centre its green; the tile is the background colour.
	expect(pixel(maskable.bytes, 256 - 60, 256)).toEqual([220, 20, 20, 255]);
	expect(pixel(maskable.bytes, 256 + 60, 256)).toEqual([20, 160, 60, 255]);
	expect(pixel(maskable.bytes, 5, 5)).toEqual([255, 255, 255, 255]);
});

test('a logo that cannot be decoded (SVG) falls back to the monogram', async () => {
	const sha = storeFile(server.app.store.db, server.dataDir, new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml');
	setBusiness({ logoFile: sha, primaryColor: '#0b5d7a' });
	const { body } = await manifest();
	const maskable = await png(body.icons.find((i) => i.purpose === 'maskable')!.src);
	expect(pixel(maskable.bytes, 0, 0)).toEqual([0x0b, 0x5d, 0x7a, 255]);
});

test('icon caching: the current version is immutable, a stale version revalidates, and ETags answer 304', async () => {
	const { body } = await manifest();
	const src = body.icons[0].src;
	const first = await png(src);
	expect(first.res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
	const etag = first.res.headers.get('etag')!;
	expect(etag).toBeTruthy();
	const again = await fetch(server.url + src, { headers: { 'if-none-match': etag } });
	expect(again.status).toBe(304);

	setBusiness({ primaryColor: '#2d6a1f' });
	const stale = await png(src);
	expect(stale.res.status).toBe(200);
	expect(stale.res.headers.get('cache-control')).toBe('no-cache');
	expect(stale.res.headers.get('etag')).not.toBe(etag);
	// The old URL now gets the new colours, never the old cached bytes.
	expect(pixel(stale.bytes, 96, 10)).toEqual([0x2d, 0x6a, 0x1f, 255]);

	const apple = await png('/apple-touch-icon.png');
	expect(apple.res.headers.get('cache-control')).toBe('no-cache');
});

test('unknown icon names are 404s', async () => {
	const res = await fetch(`${server.url}/icons/icon-1024.png`);
	expect(res.status).toBe(404);
	const proto = await fetch(`${server.url}/icons/__proto__`);
	expect(proto.status).toBe(404);
});

test('initials: first letters of the first two significant words, accents folded', () => {
	expect(initialsOf('Brightwater Plumbing & Heating')).toBe('BP');
	expect(initialsOf('The Smith and Sons Co')).toBe('SS');
	expect(initialsOf('Élan')).toBe('E');
	expect(initialsOf('1st Choice Drains')).toBe('1C');
	expect(initialsOf('水道')).toBe('');
});
