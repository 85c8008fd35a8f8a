import type { ErrorBody, ErrorCode } from '$shared/protocol/errors';

/** An answer from our API that was not a success: the server's error body, typed. */
export class ApiError extends Error {
	readonly status: number;
	readonly code: ErrorCode;
	/** The input field the server blames, when there is one. */
	readonly field: string | undefined;
	readonly details: unknown;
	/** Seconds the server asked us to wait (429 and 503 carry Retry-After). */
	readonly retryAfterSeconds: number | undefined;

	constructor(status: number, body: ErrorBody, retryAfterSeconds?: number) {
		super(body.message);
		this.name = 'ApiError';
		this.status = status;
		this.code = body.code;
		this.field = body.field;
		this.details = body.details;
		this.retryAfterSeconds = retryAfterSeconds;
	}
}

/**
 * The request never got an answer: no network, DNS failure, the server is down, or it timed
 * out. Kept apart from ApiError because the right reaction is "keep what we have and try
 * later", not "the server said no".
 */
export class OfflineError extends Error {
	constructor(cause?: unknown) {
		super('You appear to be offline. Check your connection and try again.', { cause });
		this.name = 'OfflineError';
	}
}

/** Options of one API call. */
export interface RequestOptions {
	method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	/** Sent as JSON. */
	body?: unknown;
	signal?: AbortSignal;
	/** Gives up (as OfflineError) after this long; a captive portal can hang a request forever. */
	timeoutMs?: number;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
	400: 'BAD_REQUEST',
	401: 'UNAUTHENTICATED',
	403: 'FORBIDDEN',
	404: 'NOT_FOUND',
	409: 'CONFLICT',
	410: 'GONE',
	413: 'PAYLOAD_TOO_LARGE',
	415: 'UNSUPPORTED_MEDIA_TYPE',
	429: 'RATE_LIMITED',
	503: 'UNAVAILABLE'
};

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed);
	const at = Date.parse(trimmed);
	if (Number.isNaN(at)) return undefined;
	return Math.max(0, Math.ceil((at - now) / 1000));
}

function isErrorBody(value: unknown): value is ErrorBody {
	if (!value || typeof value !== 'object') return false;
	const v = value as Record<string, unknown>;
	return typeof v.code === 'string' && typeof v.message === 'string';
}

/**
 * Calls our own API. Resolves with the parsed JSON body (undefined for 204); rejects with
 * ApiError for an error answer and OfflineError when there was no answer at all.
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
	const { method = options.body === undefined ? 'GET' : 'POST', body, timeoutMs } = options;
	const headers: Record<string, string> = { accept: 'application/json' };
	if (body !== undefined) headers['content-type'] = 'application/json';

	// Combined by hand: AbortSignal.any and AbortSignal.timeout are missing on older iPhones.
	const controller = new AbortController();
	const onAbort = () => controller.abort();
	options.signal?.addEventListener('abort', onAbort, { once: true });
	if (options.signal?.aborted) controller.abort();
	const timer = timeoutMs ? setTimeout(onAbort, timeoutMs) : undefined;

	let response: Response;
	try {
		response = await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			credentials: 'same-origin',
			cache: 'no-store',
			signal: controller.signal
		});
	} catch (err) {
		// The caller's own abort is not "offline": let it through unchanged.
		if (options.signal?.aborted) throw err;
		throw new OfflineError(err);
	} finally {
		clearTimeout(timer);
		options.signal?.removeEventListener('abort', onAbort);
	}

	if (response.status === 204) return undefined as T;
	const text = await response.text().catch(() => '');
	let parsed: unknown = undefined;
	if (text) {
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = undefined;
		}
	}

	if (response.ok) return parsed as T;

	const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
	if (isErrorBody(parsed)) throw new ApiError(response.status, parsed, retryAfter);
	// A proxy or gateway answered, not our server (502/504 pages, a captive portal's HTML).
	if (response.status >= 502 && response.status <= 504) throw new OfflineError();
	const code = CODE_BY_STATUS[response.status] ?? 'INTERNAL';
	throw new ApiError(response.status, { code, message: `The server answered ${response.status}.` }, retryAfter);
}

/** A sentence for the person in front of the screen, whatever went wrong. */
export function describeError(err: unknown): string {
	if (err instanceof OfflineError) return err.message;
	if (err instanceof ApiError) {
		if (err.code === 'INTERNAL') return 'Something went wrong on our side. Please try again in a moment.';
		return err.message;
	}
	return 'Something went wrong. Please try again.';
}
