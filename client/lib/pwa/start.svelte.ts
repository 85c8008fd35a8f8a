import { browser } from '$app/environment';
import { session } from '$lib/state/session.svelte';
import { cacheFiles, cachedUrls, clearFileCache, isCached } from './file-cache';
import { installPrompt } from './install.svelte';
import { offlineFiles } from './offline-files.svelte';
import { requestPersistentStorage } from './persist';
import { appUpdate } from './update.svelte';

let started = false;

/**
 * Starts the installable-app parts once per page load: registers the service worker (update
 * notice), listens for the install prompt, follows the offline file cache, clears that cache on
 * every sign-out, and asks for persistent storage once someone is signed in.
 */
export function startPwa(): void {
	if (started || !browser) return;
	started = true;
	// Cached documents belong to the user who was signed in: gone on sign-out, expiry or switch.
	session.onSignOut(() => clearFileCache());
	$effect.root(() => {
		$effect(() => {
			if (session.status === 'signedIn') void requestPersistentStorage();
		});
	});
	installPrompt.start();
	offlineFiles.start();
	void appUpdate.register();
	// A handle for support (from the browser console) and the end-to-end tests. It grants nothing
	// a script on this origin couldn't do with the Cache API itself.
	Object.defineProperty(window, '__porchlightFiles', { value: Object.freeze({ cacheFiles, isCached, cachedUrls, clearFileCache }) });
}
