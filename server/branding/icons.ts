import { parseHex } from '../../shared/color.ts';
import { decodePng, encodePng, type Rgba } from './png.ts';

/*
 * App icons drawn on the server from the branding: the business's logo when it is a PNG we can
 * decode, otherwise a monogram (the business's initials in a small built-in stroke font) on the
 * brand colour. Everything is plain JavaScript so a self-hosted install needs no native image
 * library. Shapes are anti-aliased by distance, which keeps edges clean at every size.
 */

/**
 * How an icon is framed:
 * - `any`: a rounded tile with transparent corners, content inset (browsers show it as is);
 * - `maskable`: full-bleed colour with the content inside the central safe zone (a circle of
 *   40 % radius), since launchers crop it to their own shape;
 * - `apple`: full-bleed square (iOS rounds the corners itself and paints transparency black).
 */
export type IconKind = 'any' | 'maskable' | 'apple';

/** What an icon is drawn from. */
export interface IconSource {
	name: string;
	/** Brand colour, `#rrggbb`; the monogram's tile. */
	primary: string;
	/** Text colour readable on `primary`. */
	onPrimary: string;
	/** Page background; the tile behind a logo. */
	background: string;
	/** The logo file, when there is one. */
	logo: { mime: string; bytes: Uint8Array } | null;
}

/** Share of the icon's side the content may take, per framing. */
const CONTENT_BOX: Record<IconKind, number> = { any: 0.72, maskable: 0.54, apple: 0.7 };

type Rgb = [number, number, number];

/** A float RGBA canvas with straight (non-premultiplied) colour in 0–1. */
class Canvas {
	readonly data: Float32Array;
	constructor(
		readonly width: number,
		readonly height: number
	) {
		this.data = new Float32Array(width * height * 4);
	}

	/** Paints `color` over the pixel with opacity `alpha` (source-over). */
	blend(x: number, y: number, color: Rgb, alpha: number): void {
		if (alpha <= 0 || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
		const o = (y * this.width + x) * 4;
		const d = this.data;
		const da = d[o + 3];
		const outA = alpha + da * (1 - alpha);
		if (outA <= 0) return;
		for (let k = 0; k < 3; k++) d[o + k] = (color[k] * alpha + d[o + k] * da * (1 - alpha)) / outA;
		d[o + 3] = outA;
	}

	/** Fills pixels of the box [x0, x1) × [y0, y1) by a coverage function of the pixel centre. */
	fill(color: Rgb, x0: number, y0: number, x1: number, y1: number, coverage: (px: number, py: number) => number): void {
		const xs = Math.max(0, Math.floor(x0));
		const ys = Math.max(0, Math.floor(y0));
		const xe = Math.min(this.width, Math.ceil(x1));
		const ye = Math.min(this.height, Math.ceil(y1));
		for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++) this.blend(x, y, color, coverage(x + 0.5, y + 0.5));
	}

	toRgba(): Rgba {
		const out = new Uint8ClampedArray(this.width * this.height * 4);
		for (let i = 0; i < this.data.length; i++) out[i] = Math.round(this.data[i] * 255);
		return { width: this.width, height: this.height, data: out };
	}
}

function rgb(hex: string): Rgb {
	const c = parseHex(hex) ?? [31, 95, 168];
	return [c[0] / 255, c[1] / 255, c[2] / 255];
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Coverage of a rounded square centred in the canvas (radius 0 → plain square). */
function roundedSquare(size: number, radius: number) {
	const c = size / 2;
	const half = size / 2;
	return (px: number, py: number) => {
		const qx = Math.abs(px - c) - (half - radius);
		const qy = Math.abs(py - c) - (half - radius);
		const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
		const d = outside + Math.min(Math.max(qx, qy), 0) - radius;
		return clamp01(0.5 - d);
	};
}

// ---------------------------------------------------------------------------------------------
// The monogram font: each glyph is a set of polylines on a grid 10 units tall (y down, baseline
// at 10), drawn as round-capped strokes.

type Pt = [number, number];
interface Glyph {
	width: number;
	strokes: Pt[][];
}

/** Points along an elliptical arc from angle a0 to a1 (degrees; 0 = right, 90 = down). */
function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number): Pt[] {
	const steps = Math.max(6, Math.ceil(Math.abs(a1 - a0) / 7.5));
	const pts: Pt[] = [];
	for (let i = 0; i <= steps; i++) {
		const a = ((a0 + ((a1 - a0) * i) / steps) * Math.PI) / 180;
		pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
	}
	return pts;
}

const P = (...pts: Pt[]) => pts;

const GLYPHS: Record<string, Glyph> = {
	A: { width: 8, strokes: [P([0, 10], [4, 0], [8, 10]), P([1.45, 6.4], [6.55, 6.4])] },
	B: { width: 7, strokes: [P([0, 0], [0, 10]), [[0, 0], ...arc(3.9, 2.5, 2.6, 2.5, -90, 90), [0, 5]], [[0, 5], ...arc(4.1, 7.5, 2.9, 2.5, -90, 90), [0, 10]]] },
	C: { width: 8, strokes: [arc(4.6, 5, 4.6, 5, -42, -318)] },
	D: { width: 7.5, strokes: [[[0, 0], [0, 10], [2.5, 10], ...arc(2.5, 5, 5, 5, 90, -90), [0, 0]]] },
	E: { width: 6.5, strokes: [P([6.5, 0], [0, 0], [0, 10], [6.5, 10]), P([0, 5], [5.5, 5])] },
	F: { width: 6.5, strokes: [P([6.5, 0], [0, 0], [0, 10]), P([0, 5], [5.5, 5])] },
	G: { width: 8.5, strokes: [[...arc(4.6, 5, 4.6, 5, -42, -360), [5, 5]]] },
	H: { width: 7, strokes: [P([0, 0], [0, 10]), P([7, 0], [7, 10]), P([0, 5], [7, 5])] },
	I: { width: 0, strokes: [P([0, 0], [0, 10])] },
	J: { width: 6, strokes: [[[6, 0], ...arc(3, 7, 3, 3, 0, 180)]] },
	K: { width: 7, strokes: [P([0, 0], [0, 10]), P([7, 0], [0, 6.3]), P([2.4, 4.2], [7, 10])] },
	L: { width: 6, strokes: [P([0, 0], [0, 10], [6, 10])] },
	M: { width: 9, strokes: [P([0, 10], [0, 0], [4.5, 7], [9, 0], [9, 10])] },
	N: { width: 7.5, strokes: [P([0, 10], [0, 0], [7.5, 10], [7.5, 0])] },
	O: { width: 9, strokes: [arc(4.5, 5, 4.5, 5, 0, 360)] },
	P: { width: 7, strokes: [[[0, 10], [0, 0], [3.9, 0], ...arc(3.9, 2.75, 3.1, 2.75, -90, 90), [0, 5.5]]] },
	Q: { width: 9, strokes: [arc(4.5, 5, 4.5, 5, 0, 360), P([5.6, 7], [9, 10.4])] },
	R: { width: 7, strokes: [[[0, 10], [0, 0], [3.9, 0], ...arc(3.9, 2.75, 3.1, 2.75, -90, 90), [0, 5.5]], P([3.6, 5.5], [7, 10])] },
	S: { width: 7, strokes: [[...arc(3.5, 2.5, 3.3, 2.5, -20, -270), ...arc(3.5, 7.5, 3.5, 2.5, -90, 160)]] },
	T: { width: 7, strokes: [P([0, 0], [7, 0]), P([3.5, 0], [3.5, 10])] },
	U: { width: 7, strokes: [[[0, 0], ...arc(3.5, 6.5, 3.5, 3.5, 180, 0), [7, 0]]] },
	V: { width: 8, strokes: [P([0, 0], [4, 10], [8, 0])] },
	W: { width: 11, strokes: [P([0, 0], [2.75, 10], [5.5, 2], [8.25, 10], [11, 0])] },
	X: { width: 7, strokes: [P([0, 0], [7, 10]), P([7, 0], [0, 10])] },
	Y: { width: 8, strokes: [P([0, 0], [4, 5], [8, 0]), P([4, 5], [4, 10])] },
	Z: { width: 7, strokes: [P([0, 0], [7, 0], [0, 10], [7, 10])] },
	'0': { width: 7, strokes: [arc(3.5, 5, 3.5, 5, 0, 360)] },
	'1': { width: 4, strokes: [P([0.5, 2], [3.5, 0], [3.5, 10])] },
	'2': { width: 7, strokes: [[...arc(3.5, 3.1, 3.3, 3.1, -165, 25), [0, 10], [7, 10]]] },
	'3': { width: 7, strokes: [[...arc(3.3, 2.5, 3.2, 2.5, -160, 90), ...arc(3.3, 7.5, 3.6, 2.5, -90, 160)]] },
	'4': { width: 7, strokes: [P([5.4, 10], [5.4, 0], [0, 7], [7, 7])] },
	'5': { width: 7, strokes: [[[6.5, 0], [1, 0], [0.4, 4.6], ...arc(3.5, 6.8, 3.5, 3.2, -135, 150)]] },
	'6': { width: 7, strokes: [arc(3.5, 6.8, 3.5, 3.2, 0, 360), P([5.9, 0.2], [2.6, 2.4], [0.7, 5], [0.05, 6.8])] },
	'7': { width: 7, strokes: [P([0, 0], [7, 0], [2.4, 10])] },
	'8': { width: 7, strokes: [arc(3.5, 2.55, 3, 2.55, 0, 360), arc(3.5, 7.4, 3.5, 2.6, 0, 360)] },
	'9': { width: 7, strokes: [arc(3.5, 3.2, 3.5, 3.2, 0, 360), P([6.95, 3.2], [6.4, 5.4], [4.6, 7.8], [1.2, 10])] }
};

/** Words that never give a monogram letter ("Smith & Sons" → "SS"). */
const SKIP_WORDS = new Set(['and', 'the', 'of', 'for', 'a', 'an', 'llc', 'inc', 'ltd', 'co']);

/** Up to two initials of a business name that the monogram font can draw (may be empty). */
export function initialsOf(name: string): string {
	const words = name
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toUpperCase()
		.split(/[^A-Z0-9]+/)
		.filter((w) => w && !SKIP_WORDS.has(w.toLowerCase()));
	return words
		.slice(0, 2)
		.map((w) => w[0])
		.filter((c) => c in GLYPHS)
		.join('');
}

/** Squared distance from point p to segment ab. */
function segDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
	const dx = bx - ax;
	const dy = by - ay;
	const len2 = dx * dx + dy * dy;
	let t = len2 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	const ex = px - (ax + t * dx);
	const ey = py - (ay + t * dy);
	return ex * ex + ey * ey;
}

/** Draws text in the stroke font, centred on (cx, cy), fitting a box of side `box`. */
function drawText(canvas: Canvas, text: string, color: Rgb, cx: number, cy: number, box: number): void {
	const glyphs = [...text].map((ch) => GLYPHS[ch]).filter(Boolean);
	if (!glyphs.length) return;
	const gap = 3.2;
	const weight = 1.75;
	const unitsWide = glyphs.reduce((w, g) => w + g.width, 0) + gap * (glyphs.length - 1) + weight;
	const unitsTall = 10 + weight;
	// One letter is drawn a little smaller than the box so it doesn't look heavier than two.
	const scale = Math.min(box / unitsWide, (box * (glyphs.length === 1 ? 0.78 : 0.62)) / unitsTall);
	const stroke = weight * scale;
	const left = cx - ((unitsWide - weight) * scale) / 2;
	const top = cy - (10 * scale) / 2;
	const segments: number[] = [];
	let penX = 0;
	for (const g of glyphs) {
		for (const s of g.strokes) {
			for (let i = 0; i < s.length; i++) {
				const a = s[i];
				const b = s[Math.min(i + 1, s.length - 1)];
				segments.push(left + (penX + a[0]) * scale, top + a[1] * scale, left + (penX + b[0]) * scale, top + b[1] * scale);
			}
		}
		penX += g.width + gap;
	}
	let minX = Infinity;
	let minY = Infinity;
	let maxX = -Infinity;
	let maxY = -Infinity;
	for (let i = 0; i < segments.length; i += 2) {
		minX = Math.min(minX, segments[i]);
		maxX = Math.max(maxX, segments[i]);
		minY = Math.min(minY, segments[i + 1]);
		maxY = Math.max(maxY, segments[i + 1]);
	}
	const r = stroke / 2;
	canvas.fill(color, minX - r - 1, minY - r - 1, maxX + r + 1, maxY + r + 1, (px, py) => {
		let best = Infinity;
		for (let i = 0; i < segments.length; i += 4) {
			const d = segDist2(px, py, segments[i], segments[i + 1], segments[i + 2], segments[i + 3]);
			if (d < best) best = d;
		}
		return clamp01(r - Math.sqrt(best) + 0.5);
	});
}

// ---------------------------------------------------------------------------------------------
// Logos

/** Crops fully transparent margins so the logo fills its box. */
function trim(img: Rgba): Rgba {
	let x0 = img.width;
	let y0 = img.height;
	let x1 = -1;
	let y1 = -1;
	for (let y = 0; y < img.height; y++) {
		for (let x = 0; x < img.width; x++) {
			if (img.data[(y * img.width + x) * 4 + 3] > 8) {
				if (x < x0) x0 = x;
				if (x > x1) x1 = x;
				if (y < y0) y0 = y;
				if (y > y1) y1 = y;
			}
		}
	}
	if (x1 < 0) throw new Error('the logo is fully transparent');
	const w = x1 - x0 + 1;
	const h = y1 - y0 + 1;
	if (w === img.width && h === img.height) return img;
	const out = new Uint8ClampedArray(w * h * 4);
	for (let y = 0; y < h; y++) out.set(img.data.subarray(((y + y0) * img.width + x0) * 4, ((y + y0) * img.width + x0 + w) * 4), y * w * 4);
	return { width: w, height: h, data: out };
}

/** Source indices and weights for each output index when resampling one axis. */
function axisWeights(srcLen: number, dstLen: number): { idx: number[]; w: number[] }[] {
	const f = srcLen / dstLen;
	const out: { idx: number[]; w: number[] }[] = [];
	for (let i = 0; i < dstLen; i++) {
		const idx: number[] = [];
		const w: number[] = [];
		if (f >= 1) {
			// Shrinking: average the source pixels the output pixel covers (box filter).
			const s0 = i * f;
			const s1 = (i + 1) * f;
			for (let j = Math.floor(s0); j < Math.ceil(s1) && j < srcLen; j++) {
				const overlap = Math.min(s1, j + 1) - Math.max(s0, j);
				if (overlap > 0) {
					idx.push(j);
					w.push(overlap / f);
				}
			}
		} else {
			// Growing: bilinear between the two nearest source pixels.
			const c = (i + 0.5) * f - 0.5;
			const j = Math.floor(c);
			const t = c - j;
			idx.push(Math.min(srcLen - 1, Math.max(0, j)), Math.min(srcLen - 1, Math.max(0, j + 1)));
			w.push(1 - t, t);
		}
		out.push({ idx, w });
	}
	return out;
}

/** Resizes an RGBA image with premultiplied alpha (no dark fringes around transparent edges). */
function resize(img: Rgba, width: number, height: number): Float32Array {
	const src = new Float32Array(img.width * img.height * 4);
	for (let i = 0; i < img.width * img.height; i++) {
		const a = img.data[i * 4 + 3] / 255;
		src[i * 4] = (img.data[i * 4] / 255) * a;
		src[i * 4 + 1] = (img.data[i * 4 + 1] / 255) * a;
		src[i * 4 + 2] = (img.data[i * 4 + 2] / 255) * a;
		src[i * 4 + 3] = a;
	}
	const wx = axisWeights(img.width, width);
	const wy = axisWeights(img.height, height);
	const mid = new Float32Array(width * img.height * 4);
	for (let y = 0; y < img.height; y++) {
		for (let x = 0; x < width; x++) {
			const { idx, w } = wx[x];
			for (let k = 0; k < 4; k++) {
				let v = 0;
				for (let n = 0; n < idx.length; n++) v += src[(y * img.width + idx[n]) * 4 + k] * w[n];
				mid[(y * width + x) * 4 + k] = v;
			}
		}
	}
	const out = new Float32Array(width * height * 4);
	for (let y = 0; y < height; y++) {
		const { idx, w } = wy[y];
		for (let x = 0; x < width; x++) {
			for (let k = 0; k < 4; k++) {
				let v = 0;
				for (let n = 0; n < idx.length; n++) v += mid[(idx[n] * width + x) * 4 + k] * w[n];
				out[(y * width + x) * 4 + k] = v;
			}
		}
	}
	return out;
}

/** Draws a decoded logo fitted (aspect kept) into a square box of side `box` centred on the canvas. */
function drawLogo(canvas: Canvas, logo: Rgba, box: number): void {
	const scale = Math.min(box / logo.width, box / logo.height);
	const w = Math.max(1, Math.round(logo.width * scale));
	const h = Math.max(1, Math.round(logo.height * scale));
	const px = resize(logo, w, h);
	const ox = Math.round((canvas.width - w) / 2);
	const oy = Math.round((canvas.height - h) / 2);
	for (let y = 0; y < h; y++) {
		for (let x = 0; x < w; x++) {
			const o = (y * w + x) * 4;
			const a = px[o + 3];
			if (a <= 0) continue;
			canvas.blend(ox + x, oy + y, [px[o] / a, px[o + 1] / a, px[o + 2] / a], Math.min(1, a));
		}
	}
}

/** The logo as pixels, or null when it is not a PNG this module can decode (SVG, JPEG…). */
export function decodeLogo(logo: IconSource['logo']): Rgba | null {
	if (!logo || logo.mime.toLowerCase() !== 'image/png') return null;
	try {
		return trim(decodePng(logo.bytes));
	} catch {
		return null;
	}
}

/** Renders one icon as PNG bytes. */
export function renderIcon(source: IconSource, size: number, kind: IconKind, decodedLogo = decodeLogo(source.logo)): Buffer {
	const canvas = new Canvas(size, size);
	const tile = decodedLogo ? rgb(source.background) : rgb(source.primary);
	const radius = kind === 'any' ? size * 0.22 : 0;
	canvas.fill(tile, 0, 0, size, size, radius ? roundedSquare(size, radius) : () => 1);
	const box = size * CONTENT_BOX[kind];
	if (decodedLogo) {
		drawLogo(canvas, decodedLogo, box);
	} else {
		const initials = initialsOf(source.name);
		const ink = rgb(source.onPrimary);
		if (initials) drawText(canvas, initials, ink, size / 2, size / 2, box);
		else {
			// A name with nothing the font can draw: a porch light (a plain disc) instead.
			const r = box * 0.3;
			canvas.fill(ink, size / 2 - r - 1, size / 2 - r - 1, size / 2 + r + 1, size / 2 + r + 1, (px, py) => clamp01(r - Math.hypot(px - size / 2, py - size / 2) + 0.5));
		}
	}
	return encodePng(canvas.toRgba());
}
