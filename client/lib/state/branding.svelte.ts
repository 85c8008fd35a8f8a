import type { Branding } from '$shared/schemas/branding';
import { api } from '$lib/api/http';
import { readJson, writeJson } from './storage';
import { themeVars } from '$lib/theme';

const CACHE_KEY = 'porchlight.branding';

/**
 * The business's public branding. The last answer is kept in localStorage so that an offline
 * start — or any start — is branded from the first frame; the network answer replaces it.
 */
class BrandingState {
	/** The branding, or null before the first answer on a device that never had one. */
	value = $state<Branding | null>(readJson<Branding>(CACHE_KEY));
	/** True once we have an answer or know we cannot get one right now. */
	settled = $state(this.value !== null);

	/** CSS custom properties for the current colours. */
	vars = $derived(themeVars(this.value?.colors));
	name = $derived(this.value?.name || 'Customer portal');
	shortName = $derived(this.value?.shortName || this.value?.name || 'Portal');

	#loading: Promise<void> | null = null;

	/** Fetches the branding once per page load; later calls share the first. */
	load(): Promise<void> {
		this.#loading ??= api<Branding>('/api/branding', { timeoutMs: 10_000 })
			.then((b) => {
				this.value = b;
				writeJson(CACHE_KEY, b);
			})
			.catch(() => {
				// Offline or the server is down: keep the cached branding (or the neutral default).
			})
			.finally(() => {
				this.settled = true;
			});
		return this.#loading;
	}
}

/** The one branding state of the app. */
export const branding = new BrandingState();
