/*
 * The document-file cache, shared by the page (client/lib/pwa/file-cache.ts) and the service
 * worker (client/service-worker.ts). Only the Cache API and navigator.storage are used here, both
 * present in windows and workers. IndexedDB is never touched: the customer's pending writes live
 * there, and under storage pressure cached files are the thing to give up, never those writes.
 */

/** The Cache Storage cache that holds document files (`/api/files/:id`). */
export const FILE_CACHE = 'porchlight-files';

/** URL path prefix of the files this cache holds. */
export const FILE_PATH_PREFIX = '/api/files/';

/**
 * Request header the page sets when it fetches a file to store itself: the service worker lets
 * such requests go straight to the network instead of caching them a second time.
 */
export const OFFLINE_COPY_HEADER = 'X-Offline-Copy';

/** Response header we add to stored copies: when it was stored (ms), for oldest-first eviction. */
export const CACHED_AT_HEADER = 'X-Cached-At';

/** Response header we add to stored copies: body size in bytes (no need to read bodies to evict). */
export const CACHED_BYTES_HEADER = 'X-Cached-Bytes';

/** Message the service worker posts to its pages after it stores or drops a file. */
export const FILE_CACHE_CHANGED_MESSAGE = 'porchlight:file-cache-changed';

/** Past this share of the origin's quota, cached files are evicted before more are stored. */
export const PRESSURE_RATIO = 0.8;

/** One stored file, as eviction sees it. */
export interface CachedEntry {
	/** Path and query, e.g. `/api/files/…?inline=1`. */
	url: string;
	/** When it was stored (ms since the epoch; 0 when unknown, so it goes first). */
	cachedAt: number;
	bytes: number;
}

/** What to do before storing `incoming` bytes. */
export interface EvictionPlan {
	/** Entries to delete, oldest first. */
	evict: string[];
	/** False when the new file would not fit even with every cached file gone: don't store it. */
	store: boolean;
}

/**
 * Decides which cached files to drop before storing `incoming` bytes, given the origin's usage
 * and quota. Oldest first, only as many as needed to get back under `ratio × quota`. When the
 * new file cannot fit at all, it is not stored, and files are still evicted if usage alone is
 * over the line: what else lives in this origin (pending writes) needs the room more.
 */
export function planEviction(entries: readonly CachedEntry[], usage: number, quota: number, incoming: number, ratio = PRESSURE_RATIO): EvictionPlan {
	if (!(quota > 0)) return { evict: [], store: true }; // no estimate: rely on QuotaExceededError
	const limit = quota * ratio;
	const cachedTotal = entries.reduce((s, e) => s + e.bytes, 0);
	const store = usage - cachedTotal + incoming <= limit;
	const over = usage + (store ? incoming : 0) - limit;
	if (over <= 0) return { evict: [], store };
	const oldestFirst = [...entries].sort((a, b) => a.cachedAt - b.cachedAt);
	const evict: string[] = [];
	let freed = 0;
	for (const e of oldestFirst) {
		if (freed >= over) break;
		evict.push(e.url);
		freed += e.bytes;
	}
	return { evict, store };
}

/** Path and query of a same-origin `/api/files/` URL, or null for anything else. */
export function fileKey(url: string | URL, base: string): string | null {
	let u: URL;
	try {
		u = new URL(url, base);
	} catch {
		return null;
	}
	if (u.origin !== new URL(base).origin || !u.pathname.startsWith(FILE_PATH_PREFIX)) return null;
	return u.pathname + u.search;
}

/** The stored files of a cache with their age and size. */
export async function listEntries(cache: Cache): Promise<CachedEntry[]> {
	const requests = await cache.keys();
	const out: CachedEntry[] = [];
	for (const request of requests) {
		const response = await cache.match(request);
		if (!response) continue;
		const u = new URL(request.url);
		out.push({
			url: u.pathname + u.search,
			cachedAt: Number(response.headers.get(CACHED_AT_HEADER)) || 0,
			bytes: Number(response.headers.get(CACHED_BYTES_HEADER) ?? response.headers.get('Content-Length')) || 0
		});
	}
	return out;
}

/** A copy of a network response ready to store: body read, age and size stamped. */
export async function stamp(response: Response, now = Date.now()): Promise<Response> {
	const body = await response.arrayBuffer();
	const headers = new Headers(response.headers);
	headers.set(CACHED_AT_HEADER, String(now));
	headers.set(CACHED_BYTES_HEADER, String(body.byteLength));
	return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

function isQuotaError(err: unknown): boolean {
	return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22);
}

/** The origin's usage and quota, or zeros where the browser gives no estimate. */
async function estimate(): Promise<{ usage: number; quota: number }> {
	try {
		const e = await navigator.storage?.estimate?.();
		return { usage: e?.usage ?? 0, quota: e?.quota ?? 0 };
	} catch {
		return { usage: 0, quota: 0 };
	}
}

/**
 * Stores a stamped response under `key`, making room first by the storage-pressure policy and,
 * if the browser still refuses (QuotaExceededError), evicting oldest-first and retrying. Returns
 * whether it was stored and which entries were evicted.
 */
export async function putWithRoom(cache: Cache, key: string, stamped: Response): Promise<{ stored: boolean; evicted: string[] }> {
	const bytes = Number(stamped.headers.get(CACHED_BYTES_HEADER)) || 0;
	const entries = (await listEntries(cache)).filter((e) => e.url !== key);
	const { usage, quota } = await estimate();
	const plan = planEviction(entries, usage, quota, bytes);
	const evicted: string[] = [];
	for (const url of plan.evict) {
		await cache.delete(url);
		evicted.push(url);
	}
	if (!plan.store) return { stored: false, evicted };
	const remaining = entries.filter((e) => !evicted.includes(e.url)).sort((a, b) => a.cachedAt - b.cachedAt);
	for (;;) {
		try {
			await cache.put(key, stamped.clone());
			return { stored: true, evicted };
		} catch (err) {
			if (!isQuotaError(err)) throw err;
			const oldest = remaining.shift();
			if (!oldest) return { stored: false, evicted };
			await cache.delete(oldest.url);
			evicted.push(oldest.url);
		}
	}
}
