import { browser } from '$app/environment';
import type { MessageAttachment } from '$shared/schemas/message';
import { attachmentUrl } from '$shared/protocol/upload-limits';
import { session } from '$lib/state/session.svelte';
import { sync } from '$lib/state/sync.svelte';
import type { PorchlightDatabase } from '$lib/db/database';
import type { PhotoOutbox } from './outbox';
import type { DevicePhoto, HeldMessage, HeldPhoto } from './photo-store';

// Only types from the outbox here: it (and RxJS) load with import() once the customer's database
// is open, so the first paint never waits for them.

/**
 * Messages with photos as rune state: the ones held on this device until their photos are
 * uploaded (shown in the thread as pending, or failed with Retry), and where each photo's
 * thumbnail comes from — the device's own copy while it has one, the server otherwise. Started
 * once by the layout; sign-out stops it and deletes the held photos from the device.
 */
class PhotoState {
	/** Held messages of the signed-in customer, oldest first. */
	held = $state.raw<HeldMessage[]>([]);

	#started = false;
	#outbox: PhotoOutbox | null = null;
	#customerId = $derived(session.customer?.customerId ?? null);
	/** Object URLs of photos this device has the bytes of, by `messageId/key` and by upload id. */
	#urls = new Map<string, string>();

	/** Follows the signed-in customer's database (once per page; later calls do nothing). */
	start(): void {
		if (!browser || this.#started) return;
		this.#started = true;
		session.onSignOut((previous) => this.#signedOut(previous.kind === 'customer' ? previous.customerId : null));
		$effect.root(() => {
			$effect(() => {
				const db = sync.db;
				const customerId = this.#customerId;
				if (!db || !customerId) return;
				return this.#follow(db, customerId);
			});
		});
	}

	/** Holds a message with photos on the device and starts sending it (also works offline). */
	async send(body: string, photos: DevicePhoto[]): Promise<void> {
		if (!this.#outbox) throw new Error('Your messages are still loading. Please try again in a moment.');
		await this.#outbox.hold(body, photos);
	}

	/** Tries a held message whose photo was refused again. */
	retry(id: string): Promise<void> {
		return this.#outbox?.retry(id) ?? Promise.resolve();
	}

	/** Gives up a held message. */
	discard(id: string): Promise<void> {
		return this.#outbox?.discard(id) ?? Promise.resolve();
	}

	/** The thumbnail of a held message's photo (from the device's copy). */
	heldSrc(message: HeldMessage, photo: HeldPhoto): string {
		const key = `${message.id}/${photo.key}`;
		let url = this.#urls.get(key);
		if (!url) {
			url = URL.createObjectURL(new Blob([photo.bytes], { type: photo.mime }));
			this.#urls.set(key, url);
		}
		// Once uploaded, the sent message's thumbnail is this same copy: no download, no flash.
		if (photo.upload && !this.#urls.has(photo.upload.id)) this.#urls.set(photo.upload.id, url);
		return url;
	}

	/** An attachment's thumbnail: the device's copy if it has one, else the server's. */
	thumbSrc(attachment: Pick<MessageAttachment, 'id'>): string {
		return this.#urls.get(attachment.id) ?? attachmentUrl(attachment.id, { thumb: true });
	}

	/** An attachment at full size (from the server, or the device's copy of a photo it sent). */
	fullSrc(attachment: Pick<MessageAttachment, 'id'>): string {
		return this.#urls.get(attachment.id) ?? attachmentUrl(attachment.id);
	}

	#follow(db: PorchlightDatabase, customerId: string): () => void {
		let stopped = false;
		let outbox: PhotoOutbox | null = null;
		let unsubscribe = () => {};
		void (async () => {
			const [{ PhotoOutbox }, { PhotoStore }] = await Promise.all([import('./outbox'), import('./photo-store')]);
			if (stopped) return;
			outbox = new PhotoOutbox({
				db,
				store: new PhotoStore(indexedDB, customerId),
				transport: { baseUrl: '', fetch: (input, init) => fetch(input, init) },
				isOnline: () => navigator.onLine,
				onlineEvents: window,
				onUnauthorized: () => void session.load()
			});
			this.#outbox = outbox;
			const sub = outbox.held$.subscribe((held) => {
				// The photos' object URLs are made on first render; remember upload ids as they come.
				for (const m of held) for (const p of m.photos) if (p.upload && this.#urls.has(`${m.id}/${p.key}`)) this.heldSrc(m, p);
				this.held = held;
			});
			unsubscribe = () => sub.unsubscribe();
		})().catch((err) => console.error('photos: could not start', err));
		return () => {
			stopped = true;
			unsubscribe();
			if (this.#outbox === outbox) this.#outbox = null;
			this.held = [];
			void outbox?.stop();
		};
	}

	async #signedOut(customerId: string | null): Promise<void> {
		const outbox = this.#outbox;
		this.#outbox = null;
		this.held = [];
		for (const url of new Set(this.#urls.values())) URL.revokeObjectURL(url);
		this.#urls.clear();
		if (!customerId) return;
		await outbox?.stop();
		const { deletePhotoDatabase } = await import('./photo-store');
		await deletePhotoDatabase(indexedDB, customerId);
	}
}

/** The one photo state of the app. */
export const photos = new PhotoState();
