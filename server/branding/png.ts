import zlib from 'node:zlib';

/*
 * A small PNG encoder and decoder in plain JavaScript (node:zlib for deflate), so the server can
 * render app icons without native image libraries. Pixels are RGBA, 8 bits per channel,
 * row-major, not premultiplied.
 */

/** An RGBA image: `data.length === width * height * 4`. */
export interface Rgba {
	width: number;
	height: number;
	data: Uint8ClampedArray;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
	const out = Buffer.alloc(12 + body.length);
	out.writeUInt32BE(body.length, 0);
	out.write(type, 4, 'latin1');
	body.copy(out, 8);
	out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
	return out;
}

/** Encodes an RGBA image as a PNG (colour type 6, 8 bits, filter chosen per row). */
export function encodePng(img: Rgba): Buffer {
	const { width, height, data } = img;
	const stride = width * 4;
	const raw = Buffer.alloc((stride + 1) * height);
	const candidate = Buffer.alloc(stride);
	for (let y = 0; y < height; y++) {
		const row = y * stride;
		const prev = y > 0 ? row - stride : -1;
		// Per-row filter by the usual heuristic (smallest sum of absolute values): icons are
		// mostly flat colour, where Sub and Up shrink the deflate stream a lot.
		let bestFilter = 0;
		let bestSum = Infinity;
		let best: Buffer = Buffer.alloc(0);
		for (let f = 0; f < 5; f++) {
			let sum = 0;
			for (let x = 0; x < stride; x++) {
				const cur = data[row + x];
				const a = x >= 4 ? data[row + x - 4] : 0;
				const b = prev >= 0 ? data[prev + x] : 0;
				const c = x >= 4 && prev >= 0 ? data[prev + x - 4] : 0;
				let v: number;
				if (f === 0) v = cur;
				else if (f === 1) v = cur - a;
				else if (f === 2) v = cur - b;
				else if (f === 3) v = cur - ((a + b) >> 1);
				else v = cur - paeth(a, b, c);
				v &= 0xff;
				candidate[x] = v;
				sum += v < 128 ? v : 256 - v;
			}
			if (sum < bestSum) {
				bestSum = sum;
				bestFilter = f;
				best = Buffer.from(candidate);
			}
		}
		raw[y * (stride + 1)] = bestFilter;
		best.copy(raw, y * (stride + 1) + 1);
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 6; // RGBA
	ihdr[10] = 0;
	ihdr[11] = 0;
	ihdr[12] = 0;
	return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function paeth(a: number, b: number, c: number): number {
	const p = a + b - c;
	const pa = Math.abs(p - a);
	const pb = Math.abs(p - b);
	const pc = Math.abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Width and height from a PNG's IHDR, or null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
	const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (buf.length < 24 || !buf.subarray(0, 8).equals(SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
	return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** Images larger than this are refused rather than decoded (a logo never needs more). */
const MAX_PIXELS = 4096 * 4096;

/**
 * Decodes a non-interlaced PNG of any colour type at bit depth 8 (and palette/grey at 1, 2, 4)
 * into RGBA. Throws on anything else; callers fall back to a drawn icon.
 */
export function decodePng(bytes: Uint8Array): Rgba {
	const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
	let width = 0;
	let height = 0;
	let depth = 0;
	let colorType = 0;
	let interlace = 0;
	let palette: Buffer | null = null;
	let trns: Buffer | null = null;
	const idat: Buffer[] = [];
	for (let off = 8; off + 12 <= buf.length; ) {
		const len = buf.readUInt32BE(off);
		const type = buf.toString('latin1', off + 4, off + 8);
		const body = buf.subarray(off + 8, off + 8 + len);
		if (body.length !== len) throw new Error('truncated PNG');
		if (type === 'IHDR') {
			width = body.readUInt32BE(0);
			height = body.readUInt32BE(4);
			depth = body[8];
			colorType = body[9];
			interlace = body[12];
		} else if (type === 'PLTE') palette = body;
		else if (type === 'tRNS') trns = body;
		else if (type === 'IDAT') idat.push(body);
		else if (type === 'IEND') break;
		off += 12 + len;
	}
	if (!width || !height || width * height > MAX_PIXELS) throw new Error('unsupported PNG size');
	if (interlace) throw new Error('interlaced PNG not supported');
	const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType as 0 | 2 | 3 | 4 | 6];
	if (!channels) throw new Error(`unknown PNG colour type ${colorType}`);
	const lowDepthOk = (colorType === 0 || colorType === 3) && (depth === 1 || depth === 2 || depth === 4);
	if (depth !== 8 && !lowDepthOk) throw new Error(`unsupported PNG bit depth ${depth}`);
	if (colorType === 3 && !palette) throw new Error('PNG palette missing');

	const raw = zlib.inflateSync(Buffer.concat(idat));
	const bitsPerPixel = channels * depth;
	const bpp = Math.max(1, bitsPerPixel >> 3);
	const stride = Math.ceil((width * bitsPerPixel) / 8);
	if (raw.length < (stride + 1) * height) throw new Error('truncated PNG data');
	const lines = Buffer.alloc(stride * height);
	for (let y = 0; y < height; y++) {
		const filter = raw[y * (stride + 1)];
		const src = y * (stride + 1) + 1;
		const dst = y * stride;
		for (let x = 0; x < stride; x++) {
			const cur = raw[src + x];
			const a = x >= bpp ? lines[dst + x - bpp] : 0;
			const b = y > 0 ? lines[dst - stride + x] : 0;
			const c = x >= bpp && y > 0 ? lines[dst - stride + x - bpp] : 0;
			let v: number;
			if (filter === 0) v = cur;
			else if (filter === 1) v = cur + a;
			else if (filter === 2) v = cur + b;
			else if (filter === 3) v = cur + ((a + b) >> 1);
			else if (filter === 4) v = cur + paeth(a, b, c);
			else throw new Error(`bad PNG filter ${filter}`);
			lines[dst + x] = v & 0xff;
		}
	}

	const out = new Uint8ClampedArray(width * height * 4);
	const sample = (y: number, i: number): number => {
		if (depth === 8) return lines[y * stride + i];
		const perByte = 8 / depth;
		const byte = lines[y * stride + Math.floor(i / perByte)];
		const shift = 8 - depth * ((i % perByte) + 1);
		return (byte >> shift) & ((1 << depth) - 1);
	};
	const greyScale = 255 / ((1 << depth) - 1);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const o = (y * width + x) * 4;
			if (colorType === 6) {
				for (let k = 0; k < 4; k++) out[o + k] = sample(y, x * 4 + k);
			} else if (colorType === 2) {
				const r = sample(y, x * 3);
				const g = sample(y, x * 3 + 1);
				const b = sample(y, x * 3 + 2);
				out[o] = r;
				out[o + 1] = g;
				out[o + 2] = b;
				const transparent = trns && trns.length >= 6 && trns.readUInt16BE(0) === r && trns.readUInt16BE(2) === g && trns.readUInt16BE(4) === b;
				out[o + 3] = transparent ? 0 : 255;
			} else if (colorType === 3) {
				const idx = sample(y, x);
				out[o] = palette![idx * 3] ?? 0;
				out[o + 1] = palette![idx * 3 + 1] ?? 0;
				out[o + 2] = palette![idx * 3 + 2] ?? 0;
				out[o + 3] = trns && idx < trns.length ? trns[idx] : 255;
			} else if (colorType === 0) {
				const v = sample(y, x);
				const g = Math.round(v * greyScale);
				out[o] = out[o + 1] = out[o + 2] = g;
				out[o + 3] = trns && trns.length >= 2 && trns.readUInt16BE(0) === v ? 0 : 255;
			} else {
				const g = sample(y, x * 2);
				out[o] = out[o + 1] = out[o + 2] = g;
				out[o + 3] = sample(y, x * 2 + 1);
			}
		}
	}
	return { width, height, data: out };
}
