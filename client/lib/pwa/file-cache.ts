import { FILE_CACHE, OFFLINE_COPY_HEADER, fileKey, listEntries, putWithRoom, stamp } from './file-cache-core';

/*
 * Document files kept on the device so they open offline. The service worker serves
 * `/api/files/*` network-first from the "porchlight-files" cache (and stores what it fetches);
 * this module lets screens fill that cache right after sync, ask what is there, and clear it on
 * sign-out. Keys are the file URLs (path + query) only — never anything about the user — so
 * clearing on sign-out is what keeps one user's files from another.
 */

/** What `cacheFiles` did with each URL (path + query form). */
export interface CacheFilesResult {
	/** Fetched and stored now. */
	cached: string[];
	/** Already stored (and `refresh` was not asked for). */
	skipped: string[];
	/** Not stored: not a file URL, no answer, an error answer, or no room. */
	failed: string[];
	/** Files dropped to make room (storage pressure), oldest first. */
	evicted: string[];
}

/** Options of `cacheFiles`. */
export interface CacheFilesOptions {
	/** Re-download files that are already stored (e.g. after the document changed). */
	refresh?: boolean;
	/** Stops the remaining downloads (e.g. on leaving the screen). */
	signal?: AbortSignal;
	/** Downloads at a time. */
	concurrency?: number;
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Bumped by `clearFileCache`, so downloads still in flight from before don't store anything. */
let generation = 0;

function supported(): boolean {
	return typeof caches !== 'undefined';
}

function keyOf(url: string): string | null {
	return fileKey(url, location.href);
}

function changed(): void {
	for (const fn of listeners) fn();
}

/** Calls `fn` whenever files are stored, dropped or cleared; returns the unsubscribe function. */
export function onFileCacheChange(fn: Listener): () => void {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

/**
 * Downloads the given `/api/files/…` URLs into the offline cache, applying the storage-pressure
 * policy (above ~80 % of quota the oldest cached files go first; a file that cannot fit is not
 * stored). Needs a signed-in session (the cookie goes with the request). URLs are stored
 * exactly as given (path + query): open them with the same URL.
 */
export async function cacheFiles(urls: readonly string[], options: CacheFilesOptions = {}): Promise<CacheFilesResult> {
	const result: CacheFilesResult = { cached: [], skipped: [], failed: [], evicted: [] };
	if (!supported()) {
		result.failed.push(...urls);
		return result;
	}
	const started = generation;
	const cache = await caches.open(FILE_CACHE);
	const queue = [...new Set(urls)];
	let unauthorised = false;

	const worker = async () => {
		for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
			const key = keyOf(url);
			if (!key || options.signal?.aborted || unauthorised || started !== generation) {
				result.failed.push(key ?? url);
				continue;
			}
			if (!options.refresh && (await cache.match(key))) {
				result.skipped.push(key);
				continue;
			}
			try {
				const response = await fetch(key, {
					credentials: 'same-origin',
					// Revalidate with the server (cheap: the file's ETag) rather than trust a stale HTTP-cache copy.
					cache: 'no-cache',
					headers: { [OFFLINE_COPY_HEADER]: '1' },
					signal: options.signal
				});
				if (response.status === 401) unauthorised = true;
				if (response.status === 404 || response.status === 403) await cache.delete(key);
				if (response.status !== 200) {
					result.failed.push(key);
					continue;
				}
				const copy = await stamp(response);
				// Signed out while this was downloading: the file belongs to someone no longer here.
				if (started !== generation) {
					result.failed.push(key);
					continue;
				}
				const { stored, evicted } = await putWithRoom(cache, key, copy);
				result.evicted.push(...evicted);
				(stored ? result.cached : result.failed).push(key);
			} catch {
				result.failed.push(key);
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, worker));
	// A sign-out during the run deleted the cache; anything stored into the opened handle since
	// then must go too.
	if (started !== generation) await caches.delete(FILE_CACHE);
	if (result.cached.length || result.evicted.length) changed();
	return result;
}

/** True when the file at `url` is stored on this device (opens offline). */
export async function isCached(url: string): Promise<boolean> {
	const key = keyOf(url);
	if (!key || !supported() || !(await caches.has(FILE_CACHE))) return false;
	const cache = await caches.open(FILE_CACHE);
	return (await cache.match(key)) !== undefined;
}

/** The stored file URLs (path + query), oldest first. */
export async function cachedUrls(): Promise<string[]> {
	if (!supported() || !(await caches.has(FILE_CACHE))) return [];
	const entries = await listEntries(await caches.open(FILE_CACHE));
	return entries.sort((a, b) => a.cachedAt - b.cachedAt).map((e) => e.url);
}

/** Removes every stored file (sign-out, user switch). Safe to call when there is nothing. */
export async function clearFileCache(): Promise<void> {
	generation++;
	if (supported()) await caches.delete(FILE_CACHE);
	changed();
}
