import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { eq } from 'drizzle-orm';
import { brandingUpdateSchema, contrastReport, LOGO_MAX_BYTES, type BrandingUpdateResponse, type LogoUploadResponse } from '../../shared/protocol/staff.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import { brandingOf, getBusiness } from '../branding/service.ts';
import { business } from '../db/schema.ts';
import { storeFile } from '../files/store.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { sanitizeSvg, SvgRefused } from './svg-sanitize.ts';

const OFFICE = ['owner', 'office'] as const;

type LogoMime = LogoUploadResponse['logo']['mime'];

/** The image type of a logo by its content (never by the declared type), or null. */
export function sniffImage(bytes: Uint8Array): LogoMime | null {
	if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) {
		return 'image/png';
	}
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
	// SVG is text: after an optional BOM, XML declaration, comments, a DOCTYPE and whitespace comes <svg.
	const head = Buffer.from(bytes.subarray(0, 4096)).toString('utf8').replace(/^\uFEFF/, '');
	const body = head.replace(/^\s*(<\?xml[\s\S]*?\?>)?(\s*<!--[\s\S]*?-->|\s*<!DOCTYPE[^>[]*>)*\s*/i, '');
	if (/^<svg[\s>/]/i.test(body)) return 'image/svg+xml';
	return null;
}

const plugin: FastifyPluginAsync = async (app) => {
	app.put('/api/staff/branding', { config: { access: OFFICE } }, async (request): Promise<BrandingUpdateResponse> => {
		const staff = staffOf(request.principal);
		const input = parseInput(brandingUpdateSchema, request.body);
		app.writer.transaction((w) => {
			const row = getBusiness(w.db, w.now);
			const set: Partial<typeof business.$inferInsert> = {};
			if (input.name !== undefined) set.name = input.name;
			if (input.shortName !== undefined) set.shortName = input.shortName;
			if (input.tagline !== undefined) set.tagline = input.tagline;
			if (input.colors?.primary !== undefined) set.primaryColor = input.colors.primary;
			if (input.colors?.accent !== undefined) set.accentColor = input.colors.accent;
			if (input.colors?.background !== undefined) set.backgroundColor = input.colors.background;
			if (input.phone !== undefined) set.phone = input.phone;
			if (input.email !== undefined) set.email = input.email;
			if (input.website !== undefined) set.website = input.website;
			if (input.address !== undefined) {
				set.addressLine1 = input.address.line1;
				set.addressLine2 = input.address.line2;
				set.city = input.address.city;
				set.region = input.address.region;
				set.postalCode = input.address.postalCode;
				set.country = input.address.country;
			}
			if (input.officeHours !== undefined) set.officeHours = [...input.officeHours].sort((a, b) => a.weekday - b.weekday || a.open - b.open);
			if (input.timeZone !== undefined) set.timeZone = input.timeZone;
			const changed = (Object.keys(set) as (keyof typeof set)[]).filter((k) => JSON.stringify(set[k]) !== JSON.stringify(row[k as keyof typeof row]));
			if (changed.length === 0) return;
			w.db.update(business)
				.set({ ...set, updatedAt: Math.max(w.now, row.updatedAt + 1) })
				.where(eq(business.id, 1))
				.run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'branding.updated', entity: 'business', entityId: '1', detail: { fields: changed } });
		});
		const row = getBusiness(app.store.db, app.clock());
		return { branding: brandingOf(row), contrast: contrastReport({ primary: row.primaryColor, background: row.backgroundColor }) };
	});

	// An encapsulated scope: raw image bodies are accepted on this route only.
	await app.register(async (scope) => {
		scope.addContentTypeParser(['image/png', 'image/jpeg', 'image/svg+xml', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: LOGO_MAX_BYTES }, (_req, body, done) =>
			done(null, body)
		);
		scope.post('/api/staff/branding/logo', { config: { access: OFFICE }, bodyLimit: LOGO_MAX_BYTES }, async (request): Promise<LogoUploadResponse> => {
			const staff = staffOf(request.principal);
			const bytes = request.body;
			if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new AppError('VALIDATION', 'Send the image itself as the body (PNG, JPEG or SVG).');
			const mime = sniffImage(bytes);
			if (!mime) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The logo must be a PNG, JPEG or SVG image.');
			let stored: Uint8Array = bytes;
			let removed: string[] = [];
			if (mime === 'image/svg+xml') {
				try {
					const clean = sanitizeSvg(bytes);
					stored = Buffer.from(clean.svg, 'utf8');
					removed = clean.removed;
				} catch (err) {
					if (err instanceof SvgRefused) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `The logo was refused: ${err.message}.`);
					throw err;
				}
			}
			const sha256 = app.writer.transaction((w) => {
				const row = getBusiness(w.db, w.now);
				const sha256 = storeFile(w.db, app.config.dataDir, stored, mime, w.now);
				if (row.logoFile !== sha256) {
					w.db.update(business)
						.set({ logoFile: sha256, updatedAt: Math.max(w.now, row.updatedAt + 1) })
						.where(eq(business.id, 1))
						.run();
					audit(w.db, w.now, { actor: staffActor(staff), action: 'branding.logo_changed', entity: 'business', entityId: '1', detail: { sha256, mime, size: stored.byteLength, removed } });
				}
				return sha256;
			});
			return { branding: brandingOf(getBusiness(app.store.db, app.clock())), logo: { sha256, mime, size: stored.byteLength, removed } };
		});
	});

	app.delete('/api/staff/branding/logo', { config: { access: OFFICE } }, async (request) => {
		const staff = staffOf(request.principal);
		app.writer.transaction((w) => {
			const row = getBusiness(w.db, w.now);
			if (!row.logoFile) return;
			w.db.update(business).set({ logoFile: null, updatedAt: Math.max(w.now, row.updatedAt + 1) }).where(eq(business.id, 1)).run();
			audit(w.db, w.now, { actor: staffActor(staff), action: 'branding.logo_removed', entity: 'business', entityId: '1' });
		});
		return { branding: brandingOf(getBusiness(app.store.db, app.clock())) };
	});
};

/**
 * Branding in the console: the business's public details, colours with their contrast check, and
 * the logo (PNG, JPEG, or sanitised SVG). The portal, its manifest and icons read the same row.
 */
export const staffBrandingRoutes = fp(plugin, { name: 'porchlight-staff-branding', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
