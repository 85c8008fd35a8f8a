import { STAFF_STREAM_PATH, staffStreamMessageSchema, type StaffStreamMessage } from '$shared/protocol/staff';

/** What the console does when the inbox changes. */
export type InboxListener = (event: { threadIds: string[]; customerMessage: boolean }) => void;

/** A customer answered a quote (approved, declined, asked for changes). */
export type QuoteAnswerEvent = Extract<StaffStreamMessage, { type: 'quote' }>;

/** What the console does when a customer answers a quote; `null` after a reconnect (refetch: answers may have been missed). */
export type QuoteListener = (event: QuoteAnswerEvent | null) => void;

const MAX_BACKOFF_MS = 30_000;

/**
 * The console's live channel (`/api/staff/stream`). One socket per tab while someone listens;
 * reconnects with exponential backoff (with jitter, so a restarted server is not hit by every
 * console at once) and tells listeners to refetch after each reconnect, since changes made while
 * it was down were never announced.
 */
class StaffStream {
	/** `live` while the socket is open and greeted. */
	status = $state<'idle' | 'connecting' | 'live' | 'retrying'>('idle');

	#listeners = new Set<InboxListener>();
	#quoteListeners = new Set<QuoteListener>();
	#socket: WebSocket | null = null;
	#attempt = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#everConnected = false;

	/** Listens for inbox changes; the socket opens with the first listener and closes with the last. */
	subscribe(listener: InboxListener): () => void {
		this.#listeners.add(listener);
		if (this.#listenerCount() === 1) this.#connect();
		return () => {
			this.#listeners.delete(listener);
			if (this.#listenerCount() === 0) this.#stop();
		};
	}

	/** Listens for customers' answers to quotes; shares the socket with the inbox's listeners. */
	onQuote(listener: QuoteListener): () => void {
		this.#quoteListeners.add(listener);
		if (this.#listenerCount() === 1) this.#connect();
		return () => {
			this.#quoteListeners.delete(listener);
			if (this.#listenerCount() === 0) this.#stop();
		};
	}

	#listenerCount(): number {
		return this.#listeners.size + this.#quoteListeners.size;
	}

	#emit(threadIds: string[], customerMessage: boolean) {
		for (const l of [...this.#listeners]) l({ threadIds, customerMessage });
	}

	#connect() {
		clearTimeout(this.#timer);
		if (typeof window === 'undefined') return;
		this.status = this.#attempt === 0 ? 'connecting' : 'retrying';
		const url = new URL(STAFF_STREAM_PATH, window.location.href);
		url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
		const socket = new WebSocket(url);
		this.#socket = socket;
		socket.onmessage = (event) => {
			let parsed;
			try {
				parsed = staffStreamMessageSchema.safeParse(JSON.parse(String(event.data)));
			} catch {
				return;
			}
			if (!parsed.success) return;
			const m = parsed.data;
			if (m.type === 'hello') {
				this.status = 'live';
				this.#attempt = 0;
				// Anything that changed while we were away was not announced: refetch everything.
				if (this.#everConnected) {
					this.#emit([], false);
					for (const l of [...this.#quoteListeners]) l(null);
				}
				this.#everConnected = true;
			} else if (m.type === 'inbox') this.#emit(m.threadIds, m.customerMessage);
			else if (m.type === 'quote') for (const l of [...this.#quoteListeners]) l(m);
		};
		socket.onclose = () => {
			if (this.#socket !== socket) return;
			this.#socket = null;
			if (this.#listenerCount() === 0) return;
			this.status = 'retrying';
			const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.#attempt);
			this.#attempt++;
			this.#timer = setTimeout(() => this.#connect(), base / 2 + Math.random() * (base / 2));
		};
	}

	#stop() {
		clearTimeout(this.#timer);
		const s = this.#socket;
		this.#socket = null;
		s?.close();
		this.status = 'idle';
		this.#attempt = 0;
	}
}

/** The one staff socket of this tab. */
export const staffStream = new StaffStream();
