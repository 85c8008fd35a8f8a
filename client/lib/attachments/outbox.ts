import { BehaviorSubject, type Observable } from 'rxjs';
import { MESSAGE_ATTACHMENTS_MAX, UPLOAD_MAX_BYTES } from '../../../shared/protocol/upload-limits.ts';
import { checkMessageBody, sendMessage } from '../db/messages.ts';
import type { PorchlightDatabase } from '../db/database.ts';
import { backoffDelay, type BackoffOptions } from '../sync/backoff.ts';
import type { OnlineEvents } from '../sync/socket.ts';
import { SyncHttpError, SyncNetworkError } from '../sync/transport.ts';
import type { DevicePhoto, HeldMessage, PhotoStore } from './photo-store.ts';
import { uploadPhoto, type UploadTransport } from './upload.ts';

/** What `PhotoOutbox` needs; everything environment-specific is injected, so Node tests run it too. */
export interface PhotoOutboxOptions {
	/** The customer's local database: a message goes into its outbox once its photos are uploaded. */
	db: PorchlightDatabase;
	/** Where held messages and their photos wait. */
	store: PhotoStore;
	transport: UploadTransport;
	isOnline?: () => boolean;
	/** `window` in the browser: coming back online sends at once. */
	onlineEvents?: OnlineEvents;
	/** The server no longer knows the session (an upload answered 401). */
	onUnauthorized?: () => void;
	/** Backoff of uploads that got no answer (default 2 s doubling to 60 s, with jitter). */
	retry?: BackoffOptions;
	/** Device clock (ms). */
	now?: () => number;
	random?: () => number;
}

/**
 * Messages with photos, from "Send" to the ordinary outbox. A message is held on the device (its
 * resized photos in the photo store) until every photo is uploaded, whenever there is a network —
 * also after the app was closed — and only then written into the replicated outbox, referring to
 * the uploads; from there the sync engine pushes it like any message. A photo the server refuses
 * marks its message failed (retry or discard); no answer just waits and tries again. Uploading is
 * idempotent on the server and the message keeps its id, so a repeat (a crash between steps,
 * another tab doing the same) still makes one message.
 */
export class PhotoOutbox {
	readonly #o: PhotoOutboxOptions;
	readonly #held = new BehaviorSubject<HeldMessage[]>([]);
	#running: Promise<void> | null = null;
	#again = false;
	#stopped = false;
	#attempt = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;
	readonly #onOnline = () => {
		this.#attempt = 0;
		void this.run();
	};

	constructor(options: PhotoOutboxOptions) {
		this.#o = options;
		options.onlineEvents?.addEventListener('online', this.#onOnline);
		void this.run();
	}

	/** Held messages, oldest first, live. */
	get held$(): Observable<HeldMessage[]> {
		return this.#held.asObservable();
	}

	/** Held messages now. */
	get held(): HeldMessage[] {
		return this.#held.value;
	}

	/**
	 * Holds a message with photos (durably, before resolving) and starts sending it. Throws a
	 * sentence for the user when it cannot be sent as it is.
	 */
	async hold(body: string, photos: DevicePhoto[], options: { id?: string; now?: number } = {}): Promise<HeldMessage> {
		if (photos.length === 0) throw new Error('Add a photo first.');
		if (photos.length > MESSAGE_ATTACHMENTS_MAX) throw new Error(`A message can carry at most ${MESSAGE_ATTACHMENTS_MAX} photos.`);
		const tooBig = photos.find((p) => p.bytes.byteLength > UPLOAD_MAX_BYTES);
		if (tooBig) throw new Error(`“${tooBig.name}” is too large to send.`);
		const checked = checkMessageBody(body, { photos: photos.length });
		if (!checked.ok) throw new Error(checked.error);
		const message: HeldMessage = {
			id: options.id ?? crypto.randomUUID(),
			body: checked.body,
			sentAt: options.now ?? this.#now(),
			photos: photos.map((p, i) => ({ key: String(i), name: p.name, mime: p.mime, width: p.width, height: p.height, bytes: p.bytes, upload: null })),
			failure: null
		};
		await this.#o.store.put(message);
		await this.#refresh();
		void this.run();
		return message;
	}

	/** Tries a failed message again (it moves to now, like a retried text message). */
	async retry(id: string): Promise<void> {
		const message = await this.#o.store.get(id);
		if (!message) return;
		await this.#o.store.put({ ...message, failure: null, sentAt: Math.max(this.#now(), message.sentAt + 1) });
		await this.#refresh();
		this.#attempt = 0;
		void this.run();
	}

	/** Gives up a held message: it never reaches the office. */
	async discard(id: string): Promise<void> {
		await this.#o.store.delete(id);
		await this.#refresh();
	}

	/** Sends what can be sent now. Concurrent calls share one pass (and ask for another after it). */
	run(): Promise<void> {
		if (this.#stopped) return Promise.resolve();
		if (this.#running) {
			this.#again = true;
			return this.#running;
		}
		this.#running = (async () => {
			try {
				do {
					this.#again = false;
					await this.#drain();
				} while (this.#again && !this.#stopped);
			} finally {
				this.#running = null;
			}
		})();
		return this.#running;
	}

	/** Stops sending and closes the photo store (its data stays). */
	async stop(): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#timer);
		this.#o.onlineEvents?.removeEventListener('online', this.#onOnline);
		await this.#running?.catch(() => {});
		await this.#o.store.close();
		this.#held.complete();
	}

	#now(): number {
		return (this.#o.now ?? Date.now)();
	}

	async #refresh(): Promise<HeldMessage[]> {
		const held = await this.#o.store.list();
		if (!this.#stopped) this.#held.next(held);
		return held;
	}

	async #drain(): Promise<void> {
		const skip = new Set<string>();
		for (;;) {
			if (this.#stopped) return;
			let held: HeldMessage[];
			try {
				held = await this.#refresh();
			} catch {
				return; // the store is closing (sign-out)
			}
			const next = held.find((m) => !m.failure && !skip.has(m.id));
			if (!next) return;
			if (this.#o.isOnline && !this.#o.isOnline()) return; // the online event starts the next pass
			try {
				await this.#deliver(next);
				this.#attempt = 0;
			} catch (err) {
				if (this.#stopped) return;
				if (err instanceof SyncHttpError && !err.transient) {
					await this.#o.store.put({ ...next, failure: { code: err.body?.code ?? String(err.status), message: err.body?.message ?? err.message } });
					continue;
				}
				if (err instanceof SyncHttpError && err.unauthorized) this.#o.onUnauthorized?.();
				if (!(err instanceof SyncHttpError) && !(err instanceof SyncNetworkError)) {
					// Not the network and not the server: the local database (closing, full). Leave
					// this message for the next pass rather than spinning on it.
					console.error('photos: could not send a held message', err);
					skip.add(next.id);
				}
				this.#schedule(err instanceof SyncHttpError && err.status === 429 ? 10_000 : 0);
				if (!skip.has(next.id)) return;
			}
		}
	}

	#schedule(minimumMs: number): void {
		clearTimeout(this.#timer);
		const delay = Math.max(minimumMs, backoffDelay(this.#attempt++, this.#o.retry ?? { baseMs: 2_000, maxMs: 60_000 }, this.#o.random));
		this.#timer = setTimeout(() => void this.run(), delay);
	}

	async #deliver(message: HeldMessage): Promise<void> {
		const photos = message.photos.map((p) => ({ ...p }));
		for (const photo of photos) {
			if (photo.upload) continue;
			photo.upload = await uploadPhoto(this.#o.transport, photo);
			// Recorded after each photo, so a restart does not upload it again.
			const current = await this.#o.store.get(message.id);
			if (!current) return; // discarded meanwhile
			await this.#o.store.put({ ...current, photos: current.photos.map((p) => (p.key === photo.key ? { ...p, upload: photo.upload } : p)) });
			await this.#refresh();
		}
		const current = await this.#o.store.get(message.id);
		if (!current) return;
		const { db } = this.#o;
		// Already in the outbox: an earlier pass (or another tab) got this far before stopping.
		if (!(await db.messages.findOne(message.id).exec())) {
			try {
				await sendMessage(db, current.body, { id: current.id, now: current.sentAt, attachments: photos.map((p) => p.upload!) });
			} catch (err) {
				// Another tab inserted it a moment ago: that is the one message.
				if (!(await db.messages.findOne(message.id).exec())) throw err;
			}
		}
		await this.#o.store.delete(message.id);
	}
}
