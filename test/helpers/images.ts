import { deflateSync } from 'node:zlib';

/*
 * Small, real, decodable images made in the test itself (no fixtures on disk): a PNG of any size
 * and colour, a grey baseline JPEG of any size (optionally with an EXIF orientation), and the two
 * kinds of 1×1 WebP browsers use to detect support.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
	const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	body.copy(out, 4);
	out.writeUInt32BE(crc32(body), 8 + data.length);
	return out;
}

/** A valid RGB PNG of `width` × `height` filled with one colour. */
export function pngBytes(width: number, height: number, rgb: [number, number, number] = [200, 60, 40]): Buffer {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // truecolour
	const row = Buffer.alloc(1 + width * 3);
	for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
	const raw = Buffer.concat(Array.from({ length: height }, () => row));
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', deflateSync(raw)),
		pngChunk('IEND', new Uint8Array())
	]);
}

function segment(marker: number, payload: number[]): number[] {
	const length = payload.length + 2;
	return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

/**
 * A valid grey baseline JPEG of `width` × `height` (stored size). Every 8×8 block is flat mid-grey:
 * one-code Huffman tables make each block two zero bits (DC difference 0, end of block).
 * `orientation` adds an EXIF APP1 segment with that orientation tag.
 */
export function jpegBytes(width: number, height: number, options: { orientation?: number } = {}): Buffer {
	const bytes: number[] = [0xff, 0xd8];
	bytes.push(...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
	if (options.orientation) {
		// "Exif\0\0", little-endian TIFF header, IFD0 with one entry: Orientation (0x0112), SHORT, 1.
		const tiff = [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, options.orientation, 0, 0, 0, 0, 0, 0, 0];
		bytes.push(...segment(0xe1, [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff]));
	}
	bytes.push(...segment(0xdb, [0x00, ...new Array(64).fill(1)]));
	bytes.push(...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]));
	// DC table 0 and AC table 0: one code of length 1 each, for symbol 0 (DC: size 0; AC: EOB).
	bytes.push(...segment(0xc4, [0x00, 1, ...new Array(15).fill(0), 0x00]));
	bytes.push(...segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0x00]));
	bytes.push(...segment(0xda, [1, 1, 0x00, 0, 63, 0]));
	const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
	const bits = blocks * 2;
	const data = new Array(Math.ceil(bits / 8)).fill(0);
	// Padding after the last code is one-bits.
	for (let i = bits; i < data.length * 8; i++) data[i >> 3] |= 0x80 >> (i & 7);
	bytes.push(...data, 0xff, 0xd9);
	return Buffer.from(bytes);
}

/** A 1×1 lossy WebP ("VP8 " chunk). */
export const WEBP_LOSSY_1X1 = Buffer.from('UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA', 'base64');

/** A 1×1 lossless WebP ("VP8L" chunk). */
export const WEBP_LOSSLESS_1X1 = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
