import { browser } from '$app/environment';
import type { PorchlightDatabase } from '$lib/db/database';

/** A pause longer than this ends a visit; the next start is a new one. */
const VISIT_GAP_MS = 30 * 60_000;
/** Local document (never replicated) of the customer's database holding the visit times. */
const LOCAL_ID = 'portal-last-visit';

interface Stored {
	/** When the customer was last seen in the app (device clock). */
	lastSeen: number;
	/** The end of the visit before this one: "new" means newer than this. Null on a first visit. */
	since: number | null;
}

/**
 * "New since your last visit": remembers when the customer was last in the app. A reload or a
 * quick return keeps today's highlights; coming back after a break (30 minutes) starts a new
 * visit, and what was new before is not new any more. Kept in a local document of the
 * customer's own database, so it goes with that database at sign-out, whichever screen is open.
 */
class LastVisit {
	/** Things changed after this instant are new to the customer; null: nothing is marked. */
	since = $state<number | null>(null);

	#db: PorchlightDatabase | null = null;
	#listening = false;

	/** Starts (or switches to) the visit of the customer whose database this is; safe to call often. */
	start(db: PorchlightDatabase): void {
		if (!browser || this.#db === db) return;
		this.#db = db;
		this.since = null;
		void this.#open(db);
		if (!this.#listening) {
			this.#listening = true;
			// Seen while the app is open and in front; the gap only counts time away.
			setInterval(() => {
				if (document.visibilityState === 'visible') void this.#touch();
			}, 60_000);
			document.addEventListener('visibilitychange', () => void this.#touch());
			window.addEventListener('pagehide', () => void this.#touch());
		}
	}

	async #read(db: PorchlightDatabase): Promise<Stored | null> {
		const doc = await db.getLocal<Stored>(LOCAL_ID);
		return doc ? { lastSeen: doc.get('lastSeen'), since: doc.get('since') ?? null } : null;
	}

	async #open(db: PorchlightDatabase): Promise<void> {
		try {
			const now = Date.now();
			const stored = await this.#read(db);
			const since = !stored ? null : now - stored.lastSeen > VISIT_GAP_MS ? stored.lastSeen : stored.since;
			if (this.#db !== db) return;
			this.since = since;
			await db.upsertLocal<Stored>(LOCAL_ID, { lastSeen: now, since });
		} catch {
			// A closed database (sign-out) or storage trouble: no highlights, nothing else breaks.
		}
	}

	async #touch(): Promise<void> {
		const db = this.#db;
		if (!db || db.closed) return;
		try {
			const now = Date.now();
			// An installed app is rarely closed, only hidden: coming back after a break is a new visit too.
			const stored = await this.#read(db);
			if (this.#db !== db) return;
			if (document.visibilityState === 'visible' && stored && now - stored.lastSeen > VISIT_GAP_MS) this.since = stored.lastSeen;
			await db.upsertLocal<Stored>(LOCAL_ID, { lastSeen: now, since: this.since });
		} catch {
			// As above.
		}
	}

	/** True when something changed at `instant` is new to the customer. */
	isNew(instant: number | null | undefined): boolean {
		return this.since !== null && typeof instant === 'number' && instant > this.since;
	}
}

/** The one last-visit tracker. */
export const lastVisit = new LastVisit();
