import { FILE_CACHE, putWithRoom, stamp } from '$lib/pwa/file-cache-core';
import { session } from '$lib/state/session.svelte';
import { quotePhotoUrl } from '$shared/quotes';
import type { Quote } from '$shared/schemas/quote';

/*
 * Quote photos kept on the device so a quote reads offline with its pictures. They go into the
 * same Cache Storage cache as document files (lib/pwa/file-cache-core.ts), under their own URL:
 * the same storage-pressure policy applies, and the sign-out that clears document files clears
 * these too. The service worker does not handle these URLs, so this module reads the cache itself.
 */

/** What loading a photo gave: its bytes, or why there are none. */
export type PhotoLoad = { kind: 'ready'; blob: Blob } | { kind: 'unavailable' } | { kind: 'error' };

function supported(): boolean {
	return typeof caches !== 'undefined';
}

async function fromCache(url: string): Promise<Blob | null> {
	if (!supported() || !(await caches.has(FILE_CACHE))) return null;
	const hit = await (await caches.open(FILE_CACHE)).match(url);
	return hit ? hit.blob() : null;
}

/** Fetches a photo and stores a copy; null when there was no answer (offline). */
async function fetchAndKeep(url: string, mime: string): Promise<{ blob: Blob | null; status: number }> {
	const owner = session.customer?.customerId ?? null;
	let response: Response;
	try {
		// Ask the server every time (cheap with an ETag): a stale HTTP-cache copy would outlive a sign-out.
		response = await fetch(url, { credentials: 'same-origin', cache: 'no-cache' });
	} catch {
		return { blob: null, status: 0 };
	}
	if (response.status === 404 || response.status === 403) {
		if (supported()) await (await caches.open(FILE_CACHE)).delete(url).catch(() => false);
		return { blob: null, status: response.status };
	}
	if (response.status !== 200) return { blob: null, status: response.status };
	const bytes = await response.arrayBuffer();
	// Typed from the quote's own (server-checked) type, never from the response.
	const blob = new Blob([bytes], { type: mime });
	// Signed out (or someone else signed in) while this was downloading: keep nothing of theirs.
	if (supported() && owner !== null && session.customer?.customerId === owner) {
		try {
			const copy = await stamp(new Response(bytes, { status: 200, headers: { 'content-type': mime } }));
			await putWithRoom(await caches.open(FILE_CACHE), url, copy);
		} catch {
			// No room, or storage blocked: the photo still shows now, just not offline.
		}
	}
	return { blob, status: 200 };
}

/**
 * A quote photo's bytes: from the server when it answers (and kept for offline use), else the
 * copy on the device. `unavailable`: offline with no copy here.
 */
export async function loadQuotePhoto(quoteId: string, photo: { id: string; mime: string }): Promise<PhotoLoad> {
	const url = quotePhotoUrl(quoteId, photo.id);
	if (typeof navigator === 'undefined' || navigator.onLine !== false) {
		const { blob, status } = await fetchAndKeep(url, photo.mime);
		if (blob) return { kind: 'ready', blob };
		if (status !== 0 && status < 500) return { kind: 'error' };
	}
	const cached = await fromCache(url).catch(() => null);
	return cached ? { kind: 'ready', blob: cached } : { kind: 'unavailable' };
}

/** True when the photo is stored on this device. */
export async function isPhotoKept(quoteId: string, photoId: string): Promise<boolean> {
	if (!supported() || !(await caches.has(FILE_CACHE))) return false;
	return (await (await caches.open(FILE_CACHE)).match(quotePhotoUrl(quoteId, photoId))) !== undefined;
}

/**
 * Stores the photos of these quotes that are not on the device yet (one at a time: photos are
 * a nice-to-have next to everything else a sync brings). Stops when the device goes offline.
 */
export async function keepQuotePhotos(quotes: readonly Pick<Quote, 'id' | 'photos'>[]): Promise<void> {
	if (!supported()) return;
	for (const q of quotes) {
		for (const p of q.photos) {
			if (navigator.onLine === false) return;
			if (await isPhotoKept(q.id, p.id).catch(() => true)) continue;
			await fetchAndKeep(quotePhotoUrl(q.id, p.id), p.mime).catch(() => {});
		}
	}
}
