import { browser } from '$app/environment';
import type { PorchlightDatabase } from '$lib/db/database';
import { cacheFiles } from '$lib/pwa/file-cache';
import { session } from '$lib/state/session.svelte';
import { sync } from '$lib/state/sync.svelte';
import type { PortalDocument } from '$shared/schemas/document';
import { viewUrl } from './documents';

/**
 * Local document (never replicated) of the customer's database: which file version (SHA-256)
 * each stored copy is. It lives and dies with that database, like the files with the session.
 */
const VERSIONS_ID = 'portal-offline-files';

/**
 * Keeps every document's file on the device so it opens offline: after each sync that brings
 * documents (and whenever the device comes back online) the files not stored yet are
 * downloaded into the offline file cache (lib/pwa/file-cache.ts). A document whose file changed
 * (new SHA-256) is downloaded again. Storage pressure and sign-out are handled by that cache.
 */
class OfflineDocuments {
	/** Document ids whose file is being downloaded right now. */
	saving = $state<ReadonlySet<string>>(new Set());
	/** Document ids whose last download failed (no answer, no room). */
	failed = $state<ReadonlySet<string>>(new Set());

	#started = false;
	#docs: PortalDocument[] = [];
	#db: PorchlightDatabase | null = null;
	#running = false;
	#again = false;

	/** Starts following the signed-in customer's documents (once per page; later calls do nothing). */
	start(): void {
		if (!browser || this.#started) return;
		this.#started = true;
		$effect.root(() => {
			$effect(() => {
				const db = sync.db;
				this.#db = db;
				if (!db) return;
				const sub = db.documents.find().$.subscribe((docs) => {
					this.#docs = docs.map((d) => d.toJSON() as PortalDocument);
					void this.#run();
				});
				return () => sub.unsubscribe();
			});
		});
		window.addEventListener('online', () => void this.#run());
		session.onSignOut(() => {
			this.#db = null;
			this.#docs = [];
			this.saving = new Set();
			this.failed = new Set();
		});
	}

	/** Tries the documents that are not stored yet again (e.g. a "retry" button). */
	retry(): void {
		void this.#run();
	}

	async #run(): Promise<void> {
		if (this.#running) {
			this.#again = true;
			return;
		}
		this.#running = true;
		try {
			do {
				this.#again = false;
				await this.#cacheAll();
			} while (this.#again);
		} finally {
			this.#running = false;
		}
	}

	async #cacheAll(): Promise<void> {
		const db = this.#db;
		if (!db || db.closed || navigator.onLine === false || this.#docs.length === 0) return;
		// Which file version each stored copy is, so a re-signed document is fetched again.
		const stored = await db.getLocal<{ versions: Record<string, string> }>(VERSIONS_ID).catch(() => null);
		const versions: Record<string, string> = { ...(stored?.get('versions') ?? {}) };
		const docs = this.#docs;
		const changed = docs.filter((d) => versions[d.id] !== undefined && versions[d.id] !== d.sha256);
		const rest = docs.filter((d) => !changed.includes(d));
		this.saving = new Set(docs.map((d) => d.id));
		const failed = new Set<string>();
		try {
			for (const [list, refresh] of [
				[changed, true],
				[rest, false]
			] as const) {
				if (list.length === 0) continue;
				const byUrl = new Map(list.map((d) => [viewUrl(d), d]));
				const result = await cacheFiles([...byUrl.keys()], { refresh });
				for (const url of [...result.cached, ...result.skipped]) {
					const d = byUrl.get(url);
					if (d) versions[d.id] = d.sha256;
				}
				for (const url of result.failed) {
					const d = byUrl.get(url);
					if (d) failed.add(d.id);
				}
			}
		} finally {
			// Signed out (or switched) meanwhile: nothing of theirs is written back.
			if (this.#db === db && !db.closed) {
				await db.upsertLocal(VERSIONS_ID, { versions }).catch(() => {});
				this.failed = failed;
			}
			this.saving = new Set();
		}
	}
}

/** The one keeper of offline document files. */
export const offlineDocuments = new OfflineDocuments();
