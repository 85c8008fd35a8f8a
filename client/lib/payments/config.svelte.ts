import { ApiError, OfflineError } from '$lib/api/http';
import { readJson, removeKey, writeJson } from '$lib/state/storage';
import { fetchPayConfig, type PayConfig } from './api';

const CACHE_KEY = 'porchlight.pay-config';

/**
 * The payment configuration as rune state. The last answer is kept in localStorage so that a
 * payment screen opened offline still says which provider is in use (and shows the demo label);
 * paying itself always needs the network.
 */
class PayConfigState {
	/** The configuration, or null before the first answer on this device. */
	value = $state<PayConfig | null>(readJson<PayConfig>(CACHE_KEY));
	/** Why online payments are off (the server's 503), or null. */
	unavailable = $state<string | null>(null);
	/** True once the server answered on this page load. */
	fresh = $state(false);
	/** The last attempt failed for want of a network. */
	offline = $state(false);

	#loading: Promise<void> | null = null;

	/** True in demo mode, as far as the device knows. */
	get demoMode(): boolean {
		return this.value?.demoMode ?? false;
	}

	/** Asks the server once per page load (again after a failure). */
	load(): Promise<void> {
		if (this.fresh) return Promise.resolve();
		this.#loading ??= fetchPayConfig()
			.then((c) => {
				this.value = c;
				this.unavailable = null;
				this.fresh = true;
				this.offline = false;
				writeJson(CACHE_KEY, c);
			})
			.catch((err) => {
				if (err instanceof ApiError && err.status === 503) {
					this.unavailable = err.message;
					this.value = null;
					this.fresh = true;
					removeKey(CACHE_KEY);
				} else if (err instanceof OfflineError) {
					this.offline = true;
				}
			})
			.finally(() => {
				this.#loading = null;
			});
		return this.#loading;
	}
}

/** The one payment configuration of the app. */
export const payConfig = new PayConfigState();
