import type { CollectionName } from '../../../shared/protocol/collections.ts';
import type { ErrorBody } from '../../../shared/protocol/errors.ts';
import type { Checkpoint, PullResponse } from '../../../shared/protocol/pull.ts';
import type { PushResponse, PushRow } from '../../../shared/protocol/push.ts';

/** The fetch the sync engine uses (the browser's, or Node's with a cookie added in tests). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** How the engine reaches the server. */
export interface TransportOptions {
	/** Origin of the API: '' in the browser (same origin), `http://127.0.0.1:PORT` in tests. */
	baseUrl: string;
	fetch: FetchLike;
	/** Extra headers on every request (tests send the cookie and Origin here). */
	headers?: Record<string, string>;
	/** A request with no answer after this long counts as offline. */
	timeoutMs?: number;
}

/** No answer at all: offline, DNS, refused connection, timeout, or a gateway page instead of our API. */
export class SyncNetworkError extends Error {
	constructor(cause?: unknown) {
		super('The server could not be reached.', { cause });
		this.name = 'SyncNetworkError';
	}
}

/** The server answered with an error. */
export class SyncHttpError extends Error {
	constructor(
		readonly status: number,
		readonly body: ErrorBody | null
	) {
		super(body?.message ?? `The server answered ${status}.`);
		this.name = 'SyncHttpError';
	}

	/** The session is gone: sign in again. */
	get unauthorized(): boolean {
		return this.status === 401;
	}

	/**
	 * A refusal of the request as a whole that may pass later (session, rate limit, server
	 * fault), as opposed to a refusal of what was sent.
	 */
	get transient(): boolean {
		return this.status === 401 || this.status === 408 || this.status === 429 || this.status >= 500 || this.body?.code === 'CROSS_SITE';
	}

	/** For a refused push: the position of the document the server blames (`field` "3…"), if any. */
	get documentIndex(): number | undefined {
		const m = /^(\d+)(?:\.|$)/.exec(this.body?.field ?? '');
		return m ? Number(m[1]) : undefined;
	}
}

function isErrorBody(v: unknown): v is ErrorBody {
	return !!v && typeof v === 'object' && typeof (v as ErrorBody).code === 'string' && typeof (v as ErrorBody).message === 'string';
}

/** The pull and push endpoints of one server. */
export class SyncTransport {
	readonly #o: TransportOptions;

	constructor(options: TransportOptions) {
		this.#o = options;
	}

	async #request<T>(path: string, init: RequestInit): Promise<T> {
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), this.#o.timeoutMs ?? 30_000);
		let res: Response;
		let text: string;
		try {
			res = await this.#o.fetch(this.#o.baseUrl + path, {
				...init,
				headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...this.#o.headers },
				credentials: 'same-origin',
				cache: 'no-store',
				signal: controller.signal
			});
			text = await res.text();
		} catch (err) {
			throw new SyncNetworkError(err);
		} finally {
			clearTimeout(timer);
		}
		let body: unknown;
		try {
			body = text ? JSON.parse(text) : undefined;
		} catch {
			body = undefined;
		}
		if (res.ok) {
			if (body === undefined) throw new SyncNetworkError(new Error(`unreadable answer from ${path}`));
			return body as T;
		}
		// A proxy's or captive portal's page, not our API: the same as no answer.
		if (!isErrorBody(body) && (res.status === 502 || res.status === 503 || res.status === 504)) throw new SyncNetworkError(new Error(`gateway ${res.status}`));
		throw new SyncHttpError(res.status, isErrorBody(body) ? body : null);
	}

	/** `GET /api/sync/:collection/pull`: the next page after `checkpoint`. */
	async pull<C extends CollectionName>(collection: C, checkpoint: Checkpoint | undefined | null, limit: number): Promise<PullResponse<C>> {
		const after = checkpoint?.seq ?? 0;
		const res = await this.#request<PullResponse<C>>(`/api/sync/${collection}/pull?after=${after}&limit=${limit}`, { method: 'GET' });
		if (!res || !Array.isArray(res.documents)) throw new SyncNetworkError(new Error('malformed pull answer'));
		return res;
	}

	/** `POST /api/sync/:collection/push`: the conflicts (rows not applied), or an error for the whole batch. */
	async push<C extends CollectionName>(collection: C, rows: PushRow<C>[]): Promise<PushResponse<C>> {
		const res = await this.#request<PushResponse<C>>(`/api/sync/${collection}/push`, { method: 'POST', body: JSON.stringify(rows) });
		if (!res || !Array.isArray(res.conflicts)) throw new SyncNetworkError(new Error('malformed push answer'));
		return res;
	}
}
