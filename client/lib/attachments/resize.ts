import { PHOTO_MAX_SIDE } from '../../../shared/protocol/upload-limits.ts';
import type { DevicePhoto } from './photo-store.ts';

/** JPEG quality of resized photos: small enough for one bar of signal, sharp enough to read a label. */
const QUALITY = 0.8;

/** The size a photo is resized to: longest side at most `max`, never enlarged. */
export function fitWithin(width: number, height: number, max = PHOTO_MAX_SIDE): { width: number; height: number } {
	const scale = Math.min(1, max / Math.max(width, height));
	return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** `IMG_0042.HEIC` → `IMG_0042.jpg`: the name of the re-encoded photo. */
export function jpegName(name: string): string {
	const base = name.replace(/\.[a-z0-9]{1,5}$/i, '').trim();
	return `${base || 'photo'}.jpg`;
}

async function encode(bitmap: ImageBitmap, width: number, height: number): Promise<Blob> {
	if (typeof OffscreenCanvas !== 'undefined') {
		const canvas = new OffscreenCanvas(width, height);
		const ctx = canvas.getContext('2d');
		if (ctx) {
			// JPEG has no transparency: a transparent PNG gets a white page, not a black one.
			ctx.fillStyle = '#fff';
			ctx.fillRect(0, 0, width, height);
			ctx.drawImage(bitmap, 0, 0, width, height);
			return canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
		}
	}
	const canvas = document.createElement('canvas');
	canvas.width = width;
	canvas.height = height;
	const ctx = canvas.getContext('2d');
	if (!ctx) throw new Error('no 2d canvas');
	ctx.fillStyle = '#fff';
	ctx.fillRect(0, 0, width, height);
	ctx.drawImage(bitmap, 0, 0, width, height);
	return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('could not encode'))), 'image/jpeg', QUALITY));
}

/**
 * A chosen or just-taken photo made ready to send, on the device: turned upright (EXIF
 * orientation), shrunk to at most 1600 px on its longest side and re-encoded as JPEG. Re-encoding
 * also drops the camera's metadata, the location included. Throws a sentence for the user when
 * the browser cannot read the file as an image.
 */
export async function resizePhoto(file: Blob & { name?: string }): Promise<DevicePhoto> {
	const name = jpegName(file.name ?? 'photo');
	let bitmap: ImageBitmap;
	try {
		bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
	} catch {
		throw new Error(`“${file.name ?? 'This file'}” could not be read as a photo on this device.`);
	}
	try {
		const size = fitWithin(bitmap.width, bitmap.height);
		const blob = await encode(bitmap, size.width, size.height);
		return { name, mime: 'image/jpeg', width: size.width, height: size.height, bytes: await blob.arrayBuffer() };
	} finally {
		bitmap.close();
	}
}
