import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { encodePng } from '../../server/branding/png.ts';
import { sanitizeSvg, SvgRefused } from '../../server/staff/svg-sanitize.ts';
import { brandingSchema } from '../../shared/schemas/branding.ts';
import { brandingUpdateResponseSchema, logoUploadResponseSchema } from '../../shared/protocol/staff.ts';
import { contrastRatio } from '../../shared/color.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { call, dbState } from '../helpers/staff.ts';
import { staffCookie } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function manifest(srv: TestServer) {
	return (await fetch(`${srv.url}/manifest.webmanifest`)).json() as Promise<{ name: string; short_name: string; theme_color: string; icons: { src: string }[] }>;
}

const HOSTILE_SVG = `<?xml version="1.0" encoding="UTF-8"?>
<!-- made by hand -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100" onload="alert('onload')" width="100" height="100">
  <script type="text/javascript">alert('script')</script>
  <SCRIPT>alert('upper')</SCRIPT>
  <script><![CDATA[ alert('cdata') ]]></script>
  <foreignObject width="100" height="100"><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example/"></iframe></body></foreignObject>
  <style>@import url(https://evil.example/x.css); .a { fill: red }</style>
  <style>.b { fill: url(#grad) } .c > .d { stroke: blue }</style>
  <defs><linearGradient id="grad"><stop offset="0" stop-color="#1f5fa8"/><stop offset="1" stop-color="#f2a93b"/></linearGradient></defs>
  <a xlink:href="javascript:alert('link')"><rect width="10" height="10"/></a>
  <use href="&#106;avascript:alert('entity')"/>
  <use xlink:href="https://evil.example/sprite.svg#icon"/>
  <use href="#shape"/>
  <image href="https://evil.example/track.png" width="1" height="1"/>
  <image href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+" width="1" height="1"/>
  <set attributeName="onmouseover" to="alert('set')"/>
  <animate attributeName="href" to="javascript:alert('animate')"/>
  <g id="shape" ONCLICK="alert('click')" style="fill:url(https://evil.example/x)">
    <circle cx="50" cy="50" r="40" fill="url(#grad)" stroke="#000" onmouseover="alert('over')"/>
    <path d="M10 10 L90 90" style="stroke: #123456; stroke-width: 2"/>
    <text x="10" y="95" font-family="Arial">B&amp;W &lt;Plumbing&gt;</text>
  </g>
</svg>
<script>alert('after')</script>`;

describe('SVG logos are sanitised', () => {
	test('script, foreignObject, handlers, javascript: and external references never come back', () => {
		const { svg, removed } = sanitizeSvg(Buffer.from(HOSTILE_SVG));
		const lower = svg.toLowerCase();
		for (const bad of ['script', 'alert', 'onload', 'onclick', 'onmouseover', 'foreignobject', 'iframe', 'javascript', 'evil.example', '@import', 'data:image/svg', '<set', '<animate', '<a ']) {
			expect(lower, bad).not.toContain(bad);
		}
		// What makes the drawing survives.
		expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" xmlns:xlink="http:\/\/www\.w3\.org\/1999\/xlink" viewBox="0 0 100 100" width="100" height="100">/);
		expect(svg).toContain('<circle cx="50" cy="50" r="40" fill="url(#grad)" stroke="#000"/>');
		expect(svg).toContain('<path d="M10 10 L90 90" style="stroke: #123456; stroke-width: 2"/>');
		expect(svg).toContain('<text x="10" y="95" font-family="Arial">B&amp;W &lt;Plumbing&gt;</text>');
		expect(svg).toContain('<style>.b { fill: url(#grad) } .c &gt; .d { stroke: blue }</style>');
		expect(svg).toContain('<use href="#shape"/>');
		expect(svg).toContain('<stop offset="0" stop-color="#1f5fa8"/>');
		expect(removed).toEqual(expect.arrayContaining(['<script> elements', '<foreignObject> elements', 'event handler attributes', 'javascript: links', 'links to other files']));
	});

	test('an editor’s plain SVG 1.1 DOCTYPE is dropped, not refused', () => {
		const illustrator = `<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 27.0.0 -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" id="Layer_1" xmlns="http://www.w3.org/2000/svg" x="0px" y="0px" viewBox="0 0 50 50" xml:space="preserve"><style type="text/css">.st0{fill:#1F5FA8;}</style><rect class="st0" width="50" height="50"/></svg>`;
		const { svg, removed } = sanitizeSvg(Buffer.from(illustrator));
		expect(svg).toBe(
			'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" id="Layer_1" x="0px" y="0px" viewBox="0 0 50 50" xml:space="preserve"><style type="text/css">.st0{fill:#1F5FA8;}</style><rect class="st0" width="50" height="50"/></svg>'
		);
		expect(removed).toEqual(['the DOCTYPE']);
	});

	test('what cannot be read safely is refused', () => {
		expect(() => sanitizeSvg(Buffer.from('<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>'))).toThrow(SvgRefused);
		expect(() => sanitizeSvg(Buffer.from('<html><svg></svg></html>'))).toThrow(/root element/);
		expect(() => sanitizeSvg(Buffer.from([0x3c, 0x73, 0x76, 0x67, 0xff, 0xfe, 0x3e]))).toThrow(/UTF-8/);
		expect(() => sanitizeSvg(Buffer.from('<svg><g'))).toThrow(/unterminated/);
		expect(() => sanitizeSvg(Buffer.from('<svg>' + '<g>'.repeat(500) + '</svg>'))).toThrow(/nested/);
	});
});

describe('staff branding', () => {
	test('an update changes /api/branding and the manifest at once, with a contrast check that adjusts rather than refuses', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const before = await manifest(server);
		const res = await call(server, 'PUT', '/api/staff/branding', {
			cookie: office.cookie,
			body: {
				name: 'Brightwater Plumbing & Heating',
				shortName: 'Brightwater',
				tagline: 'Warm homes, dry basements',
				colors: { primary: '#FFD700', accent: '#0a0', background: '#ffffff' },
				phone: '(608) 555-0100',
				email: 'office@brightwater.example',
				website: 'https://brightwater.example',
				address: { line1: '410 E Main St', city: 'Madison', region: 'WI', postalCode: '53703', country: 'US' },
				officeHours: [
					{ weekday: 6, open: 540, close: 720 },
					{ weekday: 1, open: 450, close: 1020 }
				],
				timeZone: 'America/Chicago'
			}
		});
		expect(res.status).toBe(200);
		const { branding, contrast } = brandingUpdateResponseSchema.parse(res.body);
		expect(branding).toMatchObject({ name: 'Brightwater Plumbing & Heating', shortName: 'Brightwater', timeZone: 'America/Chicago', colors: { accent: '#00aa00' } });
		expect(branding.officeHours.map((h) => h.weekday)).toEqual([1, 6]);
		// Gold on white fails as text: the chosen pair is reported failing, the colour used instead passes.
		expect(contrast.chosen.find((p) => p.use === 'primary as text on background')!.passes).toBe(false);
		expect(contrast.used.every((p) => p.passes)).toBe(true);
		const adjusted = contrast.adjusted.find((a) => a.use === 'primary as text (links)')!;
		expect(adjusted.chosen).toBe('#ffd700');
		expect(contrastRatio(adjusted.used, '#ffffff')).toBeGreaterThanOrEqual(4.5);
		expect(branding.colors.primaryText).toBe(adjusted.used);

		const pub = brandingSchema.parse(await (await fetch(`${server.url}/api/branding`)).json());
		expect(pub).toEqual(branding);
		const after = await manifest(server);
		expect(after).toMatchObject({ name: 'Brightwater Plumbing & Heating', short_name: 'Brightwater' });
		expect(after.icons[0].src).not.toBe(before.icons[0].src);
		const audit = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'branding.updated')).all();
		expect(audit).toHaveLength(1);
		expect(audit[0].detail).toMatchObject({ fields: expect.arrayContaining(['name', 'primaryColor', 'timeZone']) });
	});

	test('bad values are refused naming the field, and nothing changes', async () => {
		server = await startServer();
		const owner = staffCookie(server, 'owner');
		const before = dbState(server);
		for (const [body, field] of [
			[{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
			[{ colors: { primary: 'blue' } }, 'colors.primary'],
			[{ officeHours: [{ weekday: 1, open: 900, close: 600 }] }, 'officeHours.0.close'],
			[{ officeHours: [{ weekday: 7, open: 0, close: 60 }] }, 'officeHours.0.weekday'],
			[{ email: 'office at example' }, 'email'],
			[{ website: 'javascript:alert(1)' }, 'website'],
			[{ name: '' }, 'name'],
			[{ shortName: 'x'.repeat(31) }, 'shortName']
		] as const) {
			const res = await call(server, 'PUT', '/api/staff/branding', { cookie: owner.cookie, body });
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body.field).toBe(field);
		}
		expect(dbState(server)).toBe(before);
	});

	test('logos: PNG and JPEG are taken as they are, SVG sanitised, anything else refused; the manifest follows', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const png = encodePng({ width: 2, height: 2, data: new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]) });
		const v0 = (await manifest(server)).icons[0].src;
		const up = await call(server, 'POST', '/api/staff/branding/logo', { cookie: office.cookie, raw: png, contentType: 'image/png' });
		expect(up.status).toBe(200);
		const pngLogo = logoUploadResponseSchema.parse(up.body);
		expect(pngLogo.logo).toMatchObject({ mime: 'image/png', size: png.byteLength, removed: [] });
		expect(pngLogo.branding.logoUrl).toBe(`/api/branding/logo/${pngLogo.logo.sha256}`);
		const served = await fetch(`${server.url}${pngLogo.branding.logoUrl}`);
		expect(served.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
		const v1 = (await manifest(server)).icons[0].src;
		expect(v1).not.toBe(v0);
		const icon = await fetch(`${server.url}${v1}`);
		expect(icon.status).toBe(200);
		expect(icon.headers.get('content-type')).toBe('image/png');

		const jpeg = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(64), Buffer.from('ffd9', 'hex')]);
		const jpg = await call(server, 'POST', '/api/staff/branding/logo', { cookie: office.cookie, raw: jpeg, contentType: 'image/jpeg' });
		expect(logoUploadResponseSchema.parse(jpg.body).logo).toMatchObject({ mime: 'image/jpeg', size: jpeg.byteLength });
		expect((await fetch(`${server.url}${(await manifest(server)).icons[0].src}`)).status).toBe(200);

		// The declared type does not matter: the content decides.
		const svg = await call(server, 'POST', '/api/staff/branding/logo', { cookie: office.cookie, raw: HOSTILE_SVG, contentType: 'application/octet-stream' });
		expect(svg.status).toBe(200);
		const svgLogo = logoUploadResponseSchema.parse(svg.body);
		expect(svgLogo.logo.mime).toBe('image/svg+xml');
		expect(svgLogo.logo.removed).toContain('<script> elements');
		const stored = await (await fetch(`${server.url}${svgLogo.branding.logoUrl}`)).text();
		for (const bad of ['script', 'onload', 'onclick', 'javascript', 'foreignObject', 'evil.example']) expect(stored).not.toContain(bad);
		expect(stored).toContain('<circle');
		expect((await manifest(server)).icons[0].src).not.toBe(v1);

		const before = dbState(server);
		for (const [raw, type] of [
			['<html><body>not an image</body></html>', 'image/png'],
			['GIF89a......', 'image/png'],
			['<!DOCTYPE svg [<!ENTITY boom "boom">]><svg>&boom;</svg>', 'image/svg+xml']
		] as const) {
			const res = await call(server, 'POST', '/api/staff/branding/logo', { cookie: office.cookie, raw, contentType: type });
			expect(res.status, raw).toBe(415);
		}
		const tooBig = await call(server, 'POST', '/api/staff/branding/logo', { cookie: office.cookie, raw: new Uint8Array(3 * 1024 * 1024), contentType: 'image/png' });
		expect(tooBig.status).toBe(413);
		expect(dbState(server)).toBe(before);
		const actions = server.app.store.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'branding.logo_changed')).all();
		expect(actions.map((a) => (a.detail as { mime: string }).mime)).toEqual(['image/png', 'image/jpeg', 'image/svg+xml']);
	});
});
