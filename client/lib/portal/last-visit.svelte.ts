import { browser } from '$app/environment';
import { session } from '$lib/state/session.svelte';
import { readJson, removeKey, writeJson } from '$lib/state/storage';

/** A pause longer than this ends a visit; the next start is a new one. */
const VISIT_GAP_MS = 30 * 60_000;
const PREFIX = 'porchlight.lastVisit.';

interface Stored {
	/** When the customer was last seen in the app (device clock). */
	lastSeen: number;
	/** The end of the visit before this one: "new" means newer than this. Null on a first visit. */
	since: number | null;
}

/**
 * "New since your last visit": remembers, per customer and in localStorage, when they were last
 * in the app. A reload or a quick return keeps today's highlights; coming back after a break
 * (30 minutes) starts a new visit, and what was new before is not new any more.
 */
class LastVisit {
	/** Things changed after this instant are new to the customer; null: nothing is marked. */
	since = $state<number | null>(null);

	#customerId: string | null = null;
	#timer: ReturnType<typeof setInterval> | undefined;
	#listening = false;

	/** Starts (or switches to) the visit of `customerId`; safe to call on every render. */
	start(customerId: string, now = Date.now()): void {
		if (!browser || this.#customerId === customerId) return;
		this.#customerId = customerId;
		const key = PREFIX + customerId;
		const stored = readJson<Stored>(key);
		let since: number | null;
		if (!stored) since = null;
		else if (now - stored.lastSeen > VISIT_GAP_MS) since = stored.lastSeen;
		else since = stored.since;
		this.since = since;
		writeJson(key, { lastSeen: now, since } satisfies Stored);

		if (!this.#listening) {
			this.#listening = true;
			// Seen while the app is open and in front; the gap only counts time away.
			this.#timer = setInterval(() => {
				if (document.visibilityState === 'visible') this.#touch();
			}, 60_000);
			document.addEventListener('visibilitychange', () => this.#touch());
			window.addEventListener('pagehide', () => this.#touch());
		}
	}

	#touch(): void {
		if (!this.#customerId) return;
		const key = PREFIX + this.#customerId;
		const now = Date.now();
		// An installed app is rarely closed, only hidden: coming back after a break is a new visit too.
		const stored = readJson<Stored>(key);
		if (document.visibilityState === 'visible' && stored && now - stored.lastSeen > VISIT_GAP_MS) this.since = stored.lastSeen;
		writeJson(key, { lastSeen: now, since: this.since } satisfies Stored);
	}

	/** True when something changed at `instant` is new to the customer. */
	isNew(instant: number | null | undefined): boolean {
		return this.since !== null && typeof instant === 'number' && instant > this.since;
	}

	/** Forgets a customer's visits (their sign-out: nothing about them stays on the device). */
	forget(customerId: string): void {
		removeKey(PREFIX + customerId);
		if (this.#customerId === customerId) {
			this.#customerId = null;
			this.since = null;
		}
	}
}

/** The one last-visit tracker. */
export const lastVisit = new LastVisit();

if (browser) {
	session.onSignOut((previous) => {
		if (previous.kind === 'customer') lastVisit.forget(previous.customerId);
	});
}
