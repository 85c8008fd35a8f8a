import { COLLECTIONS, type CollectionName } from '../../../shared/protocol/collections.ts';
import type { StreamServerMessage } from '../../../shared/protocol/stream.ts';
import { parseStreamMessage, STREAM_CLOSE_UNAUTHORIZED, STREAM_HEARTBEAT_MS } from './stream-message.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';

/** The part of a WebSocket the engine uses: the browser's, or `ws` in Node. */
export interface WebSocketLike {
	readonly readyState: number;
	// Event types differ between the DOM and `ws`; only `data` and `code` are read.
	onopen: ((ev: any) => void) | null;
	onmessage: ((ev: any) => void) | null;
	onclose: ((ev: any) => void) | null;
	onerror: ((ev: any) => void) | null;
	send(data: string): void;
	close(code?: number, reason?: string): void;
}

/** Something like the WebSocket constructor (tests pass a `ws` subclass that adds the cookie). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Where the device finds out about network changes (`window` in the browser). */
export interface OnlineEvents {
	addEventListener(type: 'online' | 'offline', listener: () => void): void;
	removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/** Connection state of the change stream. */
export type SocketStatus = 'connecting' | 'open' | 'closed' | 'unauthorized' | 'stopped';

/** Options of the stream client. */
export interface SyncSocketOptions {
	/** `ws(s)://host/api/sync/stream`. */
	url: string;
	WebSocket: WebSocketConstructor;
	/** Silence after which the socket counts as dead (default 3× the server's heartbeat: 45 s). */
	heartbeatTimeoutMs?: number;
	/** Longest wait for `hello` after connecting. */
	connectTimeoutMs?: number;
	backoff?: BackoffOptions;
	random?: () => number;
	/** navigator.onLine; while false no connection is attempted until `online`. */
	isOnline?: () => boolean;
	onlineEvents?: OnlineEvents;
	/** Every (re)connection: the server's `hello`. */
	onHello(hello: Extract<StreamServerMessage, { type: 'hello' }>): void;
	/** Collections that changed for this session. */
	onChanged(collections: CollectionName[]): void;
	onStatus?(status: SocketStatus): void;
	/** The server closed with 4401: the session ended. No reconnection follows. */
	onUnauthorized?(): void;
}

const OPEN = 1;

/**
 * The device's one change-stream socket. Reconnects with exponential backoff and jitter,
 * treats a socket that stays silent past the heartbeat window as dead, and waits for the
 * browser's `online` event rather than knocking while the device has no network.
 */
export class SyncSocket {
	readonly #o: SyncSocketOptions;
	#ws: WebSocketLike | null = null;
	#attempt = 0;
	#status: SocketStatus = 'closed';
	#stopped = false;
	#reconnectTimer: ReturnType<typeof setTimeout> | undefined;
	#watchdog: ReturnType<typeof setTimeout> | undefined;
	#onOnline = () => this.reconnectNow();
	#onOffline = () => this.#drop(1000, 'offline');

	constructor(options: SyncSocketOptions) {
		this.#o = options;
	}

	/** Current state. */
	get status(): SocketStatus {
		return this.#status;
	}

	/** Connects, and keeps connecting until `stop()`. */
	start(): void {
		this.#stopped = false;
		this.#o.onlineEvents?.addEventListener('online', this.#onOnline);
		this.#o.onlineEvents?.addEventListener('offline', this.#onOffline);
		this.#connect();
	}

	/** Closes for good. */
	stop(): void {
		this.#stopped = true;
		this.#o.onlineEvents?.removeEventListener('online', this.#onOnline);
		this.#o.onlineEvents?.removeEventListener('offline', this.#onOffline);
		clearTimeout(this.#reconnectTimer);
		this.#drop(1000, 'stopped');
		this.#setStatus('stopped');
	}

	/** Connects at once (the network is back, the app came to the foreground). */
	reconnectNow(): void {
		if (this.#stopped || this.#status === 'unauthorized') return;
		if (this.#ws && (this.#status === 'open' || this.#status === 'connecting')) return;
		clearTimeout(this.#reconnectTimer);
		this.#attempt = 0;
		this.#connect();
	}

	#setStatus(status: SocketStatus) {
		if (this.#status === status) return;
		this.#status = status;
		this.#o.onStatus?.(status);
	}

	#connect() {
		if (this.#stopped) return;
		if (this.#o.isOnline && !this.#o.isOnline()) {
			// Nothing to try until the network is back; `online` calls reconnectNow().
			this.#setStatus('closed');
			this.#schedule(60_000);
			return;
		}
		this.#setStatus('connecting');
		let ws: WebSocketLike;
		try {
			ws = new this.#o.WebSocket(this.#o.url);
		} catch {
			this.#setStatus('closed');
			this.#schedule();
			return;
		}
		this.#ws = ws;
		this.#arm(this.#o.connectTimeoutMs ?? 15_000);
		ws.onmessage = (ev: { data: unknown }) => this.#message(ws, ev.data);
		ws.onclose = (ev: { code: number }) => this.#closed(ws, ev.code);
		ws.onerror = () => {
			// A close event always follows; reconnection is handled there.
		};
	}

	#message(ws: WebSocketLike, data: unknown) {
		if (ws !== this.#ws) return;
		let parsed: StreamServerMessage | null;
		try {
			parsed = parseStreamMessage(JSON.parse(typeof data === 'string' ? data : String(data)));
		} catch {
			return;
		}
		if (!parsed) return;
		this.#arm(this.#o.heartbeatTimeoutMs ?? STREAM_HEARTBEAT_MS * 3);
		switch (parsed.type) {
			case 'hello':
				this.#attempt = 0;
				this.#setStatus('open');
				this.#o.onHello(parsed);
				break;
			case 'changed':
				this.#o.onChanged(parsed.collections.filter((c) => (COLLECTIONS as readonly string[]).includes(c)));
				break;
			case 'heartbeat':
				if (ws.readyState === OPEN) ws.send(JSON.stringify({ type: 'pong' }));
				break;
			case 'bye':
				// The close frame follows; its code says whether to come back.
				break;
		}
	}

	/** (Re)starts the silence timer: past it, the connection is presumed dead. */
	#arm(ms: number) {
		clearTimeout(this.#watchdog);
		this.#watchdog = setTimeout(() => {
			const ws = this.#ws;
			if (!ws) return;
			this.#drop(4000, 'silent');
			this.#closed(ws, 4000, true);
		}, ms);
	}

	/** Forgets the current socket at once: a dead network can keep a closing handshake waiting for minutes. */
	#drop(code: number, reason: string) {
		clearTimeout(this.#watchdog);
		const ws = this.#ws;
		if (!ws) return;
		this.#ws = null;
		ws.onmessage = null;
		ws.onclose = null;
		ws.onerror = () => {};
		try {
			ws.close(code, reason);
		} catch {
			// already closed
		}
		if (!this.#stopped) this.#setStatus('closed');
	}

	#closed(ws: WebSocketLike, code: number, dropped = false) {
		if (!dropped && ws !== this.#ws) return;
		clearTimeout(this.#watchdog);
		this.#ws = null;
		if (this.#stopped) return;
		if (code === STREAM_CLOSE_UNAUTHORIZED) {
			this.#setStatus('unauthorized');
			this.#o.onUnauthorized?.();
			return;
		}
		this.#setStatus('closed');
		this.#schedule();
	}

	#schedule(delay?: number) {
		clearTimeout(this.#reconnectTimer);
		if (this.#stopped) return;
		const ms = delay ?? backoffDelay(this.#attempt++, this.#o.backoff ?? { baseMs: 1_000, maxMs: 30_000 }, this.#o.random);
		this.#reconnectTimer = setTimeout(() => this.#connect(), ms);
	}
}
