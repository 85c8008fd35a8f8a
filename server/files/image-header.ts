import type { UploadMimeType } from '../../shared/protocol/upload-limits.ts';

/** What an image's header says: its real type and its displayed size. */
export interface ImageHeader {
	mime: UploadMimeType;
	width: number;
	height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
	if (bytes.length < at + prefix.length) return false;
	return prefix.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
	return String.fromCharCode(...bytes.subarray(at, at + length));
}

function png(bytes: Uint8Array): ImageHeader | null {
	// Signature, then the IHDR chunk first: length (4), "IHDR", width (4, big-endian), height (4).
	if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR') return null;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	return { mime: 'image/png', width: view.getUint32(16), height: view.getUint32(20) };
}

function webp(bytes: Uint8Array): ImageHeader | null {
	if (bytes.length < 30) return null;
	const chunk = ascii(bytes, 12, 4);
	if (chunk === 'VP8 ') {
		// Lossy: a key frame's start code, then 14-bit width and height (little-endian).
		if (!startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) return null;
		return { mime: 'image/webp', width: (bytes[26] | (bytes[27] << 8)) & 0x3fff, height: (bytes[28] | (bytes[29] << 8)) & 0x3fff };
	}
	if (chunk === 'VP8L') {
		// Lossless: signature byte 0x2f, then width-1 and height-1 in 14 bits each.
		if (bytes[20] !== 0x2f) return null;
		const b = bytes.subarray(21, 25);
		const width = 1 + (b[0] | ((b[1] & 0x3f) << 8));
		const height = 1 + ((b[1] >> 6) | (b[2] << 2) | ((b[3] & 0x0f) << 10));
		return { mime: 'image/webp', width, height };
	}
	if (chunk === 'VP8X') {
		// Extended: canvas width-1 and height-1 in 24 bits each (little-endian).
		const width = 1 + (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16));
		const height = 1 + (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16));
		return { mime: 'image/webp', width, height };
	}
	return null;
}

/** The EXIF orientation (1–8) in an APP1 segment's payload, or 1. */
function exifOrientation(bytes: Uint8Array, start: number, end: number): number {
	if (end - start < 14 || ascii(bytes, start, 6) !== 'Exif\0\0') return 1;
	const tiff = start + 6;
	const order = ascii(bytes, tiff, 2);
	if (order !== 'II' && order !== 'MM') return 1;
	const little = order === 'II';
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const u16 = (at: number) => (at + 2 <= end ? view.getUint16(at, little) : 0);
	const u32 = (at: number) => (at + 4 <= end ? view.getUint32(at, little) : 0);
	const ifd = tiff + u32(tiff + 4);
	const entries = u16(ifd);
	for (let i = 0; i < entries; i++) {
		const entry = ifd + 2 + i * 12;
		if (entry + 12 > end) break;
		if (u16(entry) === 0x0112) {
			const value = u16(entry + 8);
			return value >= 1 && value <= 8 ? value : 1;
		}
	}
	return 1;
}

function jpeg(bytes: Uint8Array): ImageHeader | null {
	let orientation = 1;
	let at = 2;
	while (at + 4 <= bytes.length) {
		if (bytes[at] !== 0xff) return null;
		const marker = bytes[at + 1];
		// Fill bytes and markers without a length.
		if (marker === 0xff) {
			at++;
			continue;
		}
		if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			at += 2;
			continue;
		}
		const length = (bytes[at + 2] << 8) | bytes[at + 3];
		if (length < 2) return null;
		const payload = at + 4;
		const end = Math.min(bytes.length, at + 2 + length);
		if (marker === 0xe1) orientation = exifOrientation(bytes, payload, end);
		// Start of frame (any coding but DHT/JPG/DAC, which share the range): precision, height, width.
		if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
			if (payload + 5 > bytes.length) return null;
			const height = (bytes[payload + 1] << 8) | bytes[payload + 2];
			const width = (bytes[payload + 3] << 8) | bytes[payload + 4];
			// Orientations 5–8 turn the picture a quarter: it is shown width for height.
			return orientation >= 5 ? { mime: 'image/jpeg', width: height, height: width } : { mime: 'image/jpeg', width, height };
		}
		if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
		at += 2 + length;
	}
	return null;
}

/**
 * Reads an image's type from its first bytes (never from a Content-Type or a file name) and its
 * dimensions from its header, without decoding it. Null for anything that is not a JPEG, PNG or
 * WebP with a readable, non-empty size — a text file named `.jpg` included.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
	let header: ImageHeader | null = null;
	if (startsWith(bytes, PNG_SIGNATURE)) header = png(bytes);
	else if (startsWith(bytes, [0xff, 0xd8, 0xff])) header = jpeg(bytes);
	else if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') header = webp(bytes);
	if (!header) return null;
	const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= 100_000;
	return ok(header.width) && ok(header.height) ? header : null;
}
