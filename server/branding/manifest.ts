import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { eq } from 'drizzle-orm';
import { files } from '../db/schema.ts';
import type { Db } from '../db/client.ts';
import { filePath } from '../files/store.ts';
import { brandingOf, getBusiness } from './service.ts';
import { decodeLogo, renderIcon, type IconKind, type IconSource } from './icons.ts';

/*
 * The installable-app side of the branding: `/manifest.webmanifest` and the icons it names,
 * drawn from the business's logo or initials. The manifest is revalidated on every load
 * (no-cache) so a rebrand reaches installed apps; icon URLs carry the branding version, so each
 * version's icons can be cached for good.
 */

/** Bump when the drawing code changes, so devices fetch the redrawn icons. */
const RENDER_VERSION = 1;

/** The icons the manifest lists, by file name. */
export const MANIFEST_ICONS = {
	'icon-192.png': { size: 192, kind: 'any' },
	'icon-512.png': { size: 512, kind: 'any' },
	'maskable-512.png': { size: 512, kind: 'maskable' }
} as const satisfies Record<string, { size: number; kind: IconKind }>;

type ManifestIconName = keyof typeof MANIFEST_ICONS;

/** Size of the icon iOS uses for the home screen. */
const APPLE_TOUCH_SIZE = 180;

/** A web app manifest (the fields we set). */
export interface WebAppManifest {
	id: string;
	name: string;
	short_name: string;
	description: string;
	lang: string;
	start_url: string;
	scope: string;
	display: 'standalone';
	theme_color: string;
	background_color: string;
	icons: { src: string; sizes: string; type: 'image/png'; purpose: 'any' | 'maskable' }[];
}

/** Everything the manifest and icons are made from, plus a version that changes with it. */
interface BrandSnapshot {
	version: string;
	name: string;
	shortName: string;
	description: string;
	source: IconSource;
	logoFile: string | null;
}

function snapshot(db: Db, now: number): BrandSnapshot {
	const row = getBusiness(db, now);
	const b = brandingOf(row);
	const name = b.name.trim() || 'Customer portal';
	// Launchers truncate long labels; the short name is what sits under the icon.
	const shortName = (b.shortName.trim() || name).slice(0, 30);
	const description = b.tagline.trim() || `Invoices, documents, appointments and messages with ${name}.`;
	const version = createHash('sha256')
		.update(JSON.stringify([RENDER_VERSION, name, shortName, description, b.colors.primary, b.colors.onPrimary, b.colors.background, row.logoFile]))
		.digest('hex')
		.slice(0, 16);
	return {
		version,
		name,
		shortName,
		description,
		logoFile: row.logoFile,
		source: { name, primary: b.colors.primary, onPrimary: b.colors.onPrimary, background: b.colors.background, logo: null }
	};
}

/** The manifest for a branding snapshot. */
function manifestOf(s: BrandSnapshot): WebAppManifest {
	return {
		id: '/',
		name: s.name,
		short_name: s.shortName,
		description: s.description,
		lang: 'en',
		start_url: '/',
		scope: '/',
		display: 'standalone',
		theme_color: s.source.primary,
		background_color: s.source.background,
		icons: (Object.keys(MANIFEST_ICONS) as ManifestIconName[]).map((file) => ({
			src: `/icons/${file}?v=${s.version}`,
			sizes: `${MANIFEST_ICONS[file].size}x${MANIFEST_ICONS[file].size}`,
			type: 'image/png',
			purpose: MANIFEST_ICONS[file].kind === 'maskable' ? 'maskable' : 'any'
		}))
	};
}

const plugin: FastifyPluginAsync = async (app) => {
	// Rendered icons of the current branding version only: a rebrand drops the old set.
	let cache: { version: string; icons: Map<string, Buffer> } = { version: '', icons: new Map() };

	function iconBytes(s: BrandSnapshot, key: string, size: number, kind: IconKind): Buffer {
		if (cache.version !== s.version) cache = { version: s.version, icons: new Map() };
		let png = cache.icons.get(key);
		if (!png) {
			const source = { ...s.source, logo: readLogo(s.logoFile) };
			png = renderIcon(source, size, kind, decodeLogo(source.logo));
			cache.icons.set(key, png);
		}
		return png;
	}

	function readLogo(sha: string | null): IconSource['logo'] {
		if (!sha) return null;
		const meta = app.store.db.select().from(files).where(eq(files.sha256, sha)).get();
		if (!meta) return null;
		try {
			return { mime: meta.mime, bytes: fs.readFileSync(filePath(app.config.dataDir, sha)) };
		} catch (err) {
			app.log.warn({ err }, 'logo file missing from DATA_DIR/files; drawing the monogram icon');
			return null;
		}
	}

	function sendPng(request: FastifyRequest, reply: FastifyReply, png: Buffer, etag: string, cacheControl: string) {
		reply.header('ETag', etag).header('Cache-Control', cacheControl);
		const inm = request.headers['if-none-match'];
		if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === etag)) return reply.status(304).send();
		return reply.type('image/png').send(png);
	}

	// Not under /api: browsers fetch these by fixed names, without credentials.
	app.get('/manifest.webmanifest', async (_request, reply) => {
		const s = snapshot(app.store.db, app.clock());
		reply.header('Cache-Control', 'no-cache').type('application/manifest+json');
		return reply.send(JSON.stringify(manifestOf(s)));
	});

	app.get<{ Params: { file: string }; Querystring: { v?: string } }>('/icons/:file', async (request, reply) => {
		const { file } = request.params;
		if (!Object.hasOwn(MANIFEST_ICONS, file)) return reply.status(404).send({ code: 'NOT_FOUND', message: 'No such icon' });
		const { size, kind } = MANIFEST_ICONS[file as ManifestIconName];
		const s = snapshot(app.store.db, app.clock());
		const png = iconBytes(s, file, size, kind);
		// A versioned URL of the current branding never changes; anything else (an old version
		// asked by a stale manifest) gets today's icon, revalidated.
		const current = request.query.v === s.version;
		return sendPng(request, reply, png, `"${s.version}-${file}"`, current ? 'public, max-age=31536000, immutable' : 'no-cache');
	});

	// iOS asks for these names itself (and app.html links the first).
	for (const url of ['/apple-touch-icon.png', '/apple-touch-icon-precomposed.png']) {
		app.get(url, async (request, reply) => {
			const s = snapshot(app.store.db, app.clock());
			const png = iconBytes(s, 'apple-touch-icon', APPLE_TOUCH_SIZE, 'apple');
			return sendPng(request, reply, png, `"${s.version}-apple"`, 'no-cache');
		});
	}
};

/** `/manifest.webmanifest`, its icons and `/apple-touch-icon.png`, all from the branding. */
export const manifestRoutes = fp(plugin, { name: 'porchlight-manifest', dependencies: ['porchlight-db'] });
