/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />

/*
 * The service worker (built by SvelteKit, precache list injected by Workbox, emitted as
 * build/sw.js). It keeps the app shell so a cold start works with no network, and keeps document
 * files in their own cache so they open offline. Nothing here is keyed by user: sign-out clears
 * the file cache from the page (client/lib/pwa/file-cache.ts).
 */

import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { RangeRequestsPlugin } from 'workbox-range-requests';
import type { WorkboxPlugin } from 'workbox-core/types.js';
import { FILE_CACHE, FILE_CACHE_CHANGED_MESSAGE, FILE_PATH_PREFIX, OFFLINE_COPY_HEADER, putWithRoom, stamp } from '$lib/pwa/file-cache-core';

const sw = self as unknown as ServiceWorkerGlobalScope;

// The app shell: JS/CSS chunks, the prerendered pages and 200.html (the SPA fallback).
// `self.__WB_MANIFEST` is replaced by Workbox with the build's file list and revisions.
precacheAndRoute((self as unknown as { __WB_MANIFEST: (PrecacheEntry | string)[] }).__WB_MANIFEST);
cleanupOutdatedCaches();

// Every other page URL (a deep link like /invoices/INV-04127) opens the shell, which routes on
// the device. API calls, files with an extension (icons, the manifest) and the worker itself are
// never answered with HTML.
registerRoute(
	new NavigationRoute(createHandlerBoundToURL('200.html'), {
		denylist: [/^\/api\//, /^\/_app\//, /\/[^/]+\.[a-z0-9]+$/i]
	})
);

async function tellPages(): Promise<void> {
	for (const client of await sw.clients.matchAll({ type: 'window' })) client.postMessage({ type: FILE_CACHE_CHANGED_MESSAGE });
}

/**
 * Stores document files by our own rules instead of Workbox's default put: stamped with their
 * age and size, under the storage-pressure policy (oldest files evicted first). An error answer
 * for a stored file (404: gone or no longer visible to this session) removes the stored copy.
 */
const fileCachePolicy: WorkboxPlugin = {
	// Always ask the server (an ETag makes it cheap) instead of reusing the browser's HTTP cache:
	// after a sign-out that copy would still open for up to its max-age, for anyone on the device.
	// Offline, the answer comes from our own cache, which sign-out clears.
	async requestWillFetch({ request }) {
		return new Request(request, { cache: 'no-cache' });
	},
	async cacheWillUpdate({ request, response }) {
		if (response.status !== 200) return null;
		const cache = await caches.open(FILE_CACHE);
		const url = new URL(request.url);
		await putWithRoom(cache, url.pathname + url.search, await stamp(response.clone()));
		await tellPages();
		// Already stored above; returning null stops Workbox from storing it a second time.
		return null;
	},
	async fetchDidSucceed({ request, response }) {
		if (response.status === 404 || response.status === 403) {
			const cache = await caches.open(FILE_CACHE);
			if (await cache.delete(request.url)) await tellPages();
		}
		return response;
	}
};

registerRoute(
	({ url, request, sameOrigin }) =>
		sameOrigin && request.method === 'GET' && url.pathname.startsWith(FILE_PATH_PREFIX) && !request.headers.has(OFFLINE_COPY_HEADER),
	new NetworkFirst({
		cacheName: FILE_CACHE,
		// A basement with one bar of signal: after a few seconds, the stored copy is better.
		networkTimeoutSeconds: 6,
		plugins: [new CacheableResponsePlugin({ statuses: [200] }), new RangeRequestsPlugin(), fileCachePolicy]
	})
);

sw.addEventListener('message', (event) => {
	// workbox-window's messageSkipWaiting(): the user chose "Reload" on "A new version is ready".
	if (event.data?.type === 'SKIP_WAITING') void sw.skipWaiting();
});

sw.addEventListener('activate', (event) => {
	// The first install takes over open pages at once, so the shell is cached from the first
	// visit; updates only ever activate after the user chose to reload.
	event.waitUntil(sw.clients.claim());
});
