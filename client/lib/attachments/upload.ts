import type { ErrorBody } from '../../../shared/protocol/errors.ts';
import { UPLOADS_PATH } from '../../../shared/protocol/upload-limits.ts';
import type { UploadResponse } from '../../../shared/protocol/uploads.ts';
import { SyncHttpError, SyncNetworkError, type FetchLike } from '../sync/transport.ts';
import type { DevicePhoto } from './photo-store.ts';

/** How photos reach the server: the same origin, fetch and headers as the sync engine. */
export interface UploadTransport {
	/** '' in the browser (same origin); the server's origin in Node tests. */
	baseUrl: string;
	fetch: FetchLike;
	/** Extra headers (tests: cookie and Origin). */
	headers?: Record<string, string>;
	/** No answer after this long counts as offline (a photo on one bar of signal takes a while). */
	timeoutMs?: number;
}

function isErrorBody(v: unknown): v is ErrorBody {
	return !!v && typeof v === 'object' && typeof (v as ErrorBody).code === 'string' && typeof (v as ErrorBody).message === 'string';
}

function isUpload(v: unknown): v is UploadResponse {
	if (!v || typeof v !== 'object') return false;
	const u = v as Record<string, unknown>;
	return (
		typeof u.id === 'string' &&
		typeof u.name === 'string' &&
		typeof u.mime === 'string' &&
		typeof u.size === 'number' &&
		typeof u.width === 'number' &&
		typeof u.height === 'number' &&
		typeof u.fileSha256 === 'string' &&
		/^[0-9a-f]{64}$/.test(u.fileSha256)
	);
}

/**
 * `POST /api/files/uploads` with the photo's bytes. Resolves with the server's upload (the same
 * one again for the same bytes, so a repeat after a lost answer is harmless). Rejects with
 * SyncNetworkError when there was no answer and SyncHttpError when the server said no
 * (`transient` tells a refusal of the photo from one that may pass later).
 */
export async function uploadPhoto(transport: UploadTransport, photo: DevicePhoto): Promise<UploadResponse> {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), transport.timeoutMs ?? 120_000);
	let res: Response;
	let text: string;
	try {
		res = await transport.fetch(`${transport.baseUrl}${UPLOADS_PATH}?name=${encodeURIComponent(photo.name)}`, {
			method: 'POST',
			headers: { accept: 'application/json', 'content-type': photo.mime, ...transport.headers },
			body: photo.bytes,
			credentials: 'same-origin',
			cache: 'no-store',
			signal: controller.signal
		});
		text = await res.text();
	} catch (err) {
		throw new SyncNetworkError(err);
	} finally {
		clearTimeout(timer);
	}
	let body: unknown;
	try {
		body = text ? JSON.parse(text) : undefined;
	} catch {
		body = undefined;
	}
	if (res.ok) {
		if (!isUpload(body)) throw new SyncNetworkError(new Error('unreadable upload answer'));
		return body;
	}
	// A proxy's or captive portal's page, not our API: the same as no answer.
	if (!isErrorBody(body) && (res.status === 502 || res.status === 503 || res.status === 504)) throw new SyncNetworkError(new Error(`gateway ${res.status}`));
	throw new SyncHttpError(res.status, isErrorBody(body) ? body : null);
}
