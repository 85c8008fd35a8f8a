import { browser } from '$app/environment';
import { FILE_CACHE_CHANGED_MESSAGE, fileKey } from './file-cache-core';
import { cachedUrls, onFileCacheChange } from './file-cache';

/**
 * Which document files are on this device, as reactive state for "available offline" badges:
 * `offlineFiles.has(url)`. Follows `cacheFiles`, `clearFileCache` and files the service worker
 * stored when they were opened online.
 */
class OfflineFiles {
	/** Stored file URLs (path + query). */
	urls = $state<ReadonlySet<string>>(new Set());
	/** False until the first look at the cache. */
	ready = $state(false);

	#started = false;
	#pending: Promise<void> | null = null;

	/** True when the file at `url` opens offline. */
	has(url: string): boolean {
		if (!browser) return false;
		const key = fileKey(url, location.href);
		return key !== null && this.urls.has(key);
	}

	/** Re-reads the cache (calls made while one is running share it). */
	refresh(): Promise<void> {
		this.#pending ??= cachedUrls()
			.then((urls) => {
				this.urls = new Set(urls);
			})
			.catch(() => {})
			.finally(() => {
				this.ready = true;
				this.#pending = null;
			});
		return this.#pending;
	}

	/** Starts following the cache; called once by `startPwa`. */
	start(): void {
		if (this.#started || !browser) return;
		this.#started = true;
		onFileCacheChange(() => void this.refresh());
		navigator.serviceWorker?.addEventListener('message', (event) => {
			if (event.data?.type === FILE_CACHE_CHANGED_MESSAGE) void this.refresh();
		});
		void this.refresh();
	}
}

/** The one view of the offline file cache. */
export const offlineFiles = new OfflineFiles();
