/// <reference types="vite-plugin-pwa/vanillajs" />
import { browser } from '$app/environment';

/** How often an open app asks the server whether a new version was deployed. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;
/** The least time between two checks (coming back to the app checks too). */
const MIN_CHECK_GAP_MS = 5 * 60 * 1000;

/**
 * The service worker's lifecycle as the user sees it: once a new version has been installed and
 * is waiting, `ready` turns true and the app offers "A new version is ready — Reload". Reloading
 * tells the waiting worker to take over (skipWaiting); the page reloads when it controls it.
 */
class AppUpdate {
	/** A new version is installed and waiting for the user to reload. */
	ready = $state(false);
	/** The user closed the notice; it comes back with the next new version. */
	dismissed = $state(false);
	/** The app shell is cached: the app now starts without a network. */
	offlineReady = $state(false);
	/** Registration failed (no service worker support, or an error); the app works online only. */
	error = $state<string | null>(null);

	#update: ((reload?: boolean) => Promise<void>) | null = null;
	#registration: ServiceWorkerRegistration | null = null;
	#started = false;
	#lastCheck = 0;

	/** Registers the service worker (once). */
	async register(): Promise<void> {
		if (this.#started || !browser || !('serviceWorker' in navigator)) return;
		this.#started = true;
		const { registerSW } = await import('virtual:pwa-register');
		this.#update = registerSW({
			immediate: true,
			onNeedRefresh: () => {
				this.ready = true;
				this.dismissed = false;
			},
			onOfflineReady: () => {
				this.offlineReady = true;
			},
			onRegisteredSW: (_url, registration) => {
				this.#registration = registration ?? null;
				this.#watchForUpdates();
			},
			onRegisterError: (err: unknown) => {
				this.error = err instanceof Error ? err.message : String(err);
			}
		});
	}

	/** Activates the waiting version and reloads the page into it. */
	async reload(): Promise<void> {
		if (!this.#update) return location.reload();
		await this.#update(true);
	}

	/** Hides the notice until the next new version. */
	dismiss(): void {
		this.dismissed = true;
	}

	/** Checks for a new version now (also done hourly and when the app comes back to the front). */
	async check(): Promise<void> {
		if (!navigator.onLine || !this.#registration || this.#registration.installing) return;
		// Switching apps back and forth shouldn't fetch sw.js every time.
		if (Date.now() - this.#lastCheck < MIN_CHECK_GAP_MS) return;
		this.#lastCheck = Date.now();
		await this.#registration.update().catch(() => {
			// Offline or the server is restarting: the next check will do.
		});
	}

	#watchForUpdates(): void {
		setInterval(() => void this.check(), UPDATE_CHECK_MS);
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible') void this.check();
		});
	}
}

/** The one update state of the app. */
export const appUpdate = new AppUpdate();
