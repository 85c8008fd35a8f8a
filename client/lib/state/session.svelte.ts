import { goto } from '$app/navigation';
import { fetchSession, postSignOut, type SessionInfo } from '$lib/api/auth';
import { ApiError, OfflineError } from '$lib/api/http';
import { readJson, removeKey, writeJson } from './storage';

const CACHE_KEY = 'porchlight.session';
/** Set when sign-out could not reach the server; the next online start finishes it. */
const PENDING_SIGN_OUT_KEY = 'porchlight.pendingSignOut';

/** Where the session stands: `loading` only until the first answer on a device with no cache. */
export type SessionStatus = 'loading' | 'signedIn' | 'signedOut';

/**
 * Why local state is being cleared: the user signed out, the server no longer knows the
 * session (expired, revoked, signed out everywhere), or another user signed in on this device.
 */
export type SignOutReason = 'signOut' | 'expired' | 'switched';

/** Cleanup to run when a user's session ends on this device (e.g. deleting their local data). */
export type SignOutHook = (previous: SessionInfo, reason: SignOutReason) => void | Promise<void>;

/** Same person on the same server: a fresh session of theirs keeps their local data. */
function sameIdentity(a: SessionInfo, b: SessionInfo): boolean {
	if (a.databaseId !== b.databaseId || a.kind !== b.kind) return false;
	return a.kind === 'customer' ? a.customerId === (b as typeof a).customerId : a.staffUserId === (b as typeof a).staffUserId;
}

/**
 * Who is signed in on this device. The last known session is kept in localStorage so the app
 * opens signed in without a network; the server's answer is the truth whenever it can be had.
 */
class SessionState {
	session = $state<SessionInfo | null>(readJson<SessionInfo>(CACHE_KEY));
	status = $state<SessionStatus>(this.session ? 'signedIn' : 'loading');
	/** The last check could not reach the server (the cached session is being used). */
	offline = $state(false);

	/** The signed-in customer, or null. */
	customer = $derived(this.session?.kind === 'customer' ? this.session : null);
	/** The signed-in staff member, or null. */
	staff = $derived(this.session?.kind === 'staff' ? this.session : null);

	#hooks = new Set<SignOutHook>();
	#loading: Promise<void> | null = null;

	constructor() {
		if (typeof window !== 'undefined') {
			// Another tab signed in or out: follow it, so two tabs never show two users.
			window.addEventListener('storage', (event) => {
				if (event.key !== CACHE_KEY) return;
				const next = readJson<SessionInfo>(CACHE_KEY);
				if (next) void this.signedIn(next);
				else if (this.session) void this.#clear('signOut');
			});
		}
	}

	/**
	 * Registers cleanup to run when a session ends on this device; returns the unregister
	 * function. Hooks run for sign-out, a session the server dropped, and a user switch.
	 */
	onSignOut(hook: SignOutHook): () => void {
		this.#hooks.add(hook);
		return () => this.#hooks.delete(hook);
	}

	/** Asks the server who we are. Concurrent calls share one request. */
	load(): Promise<void> {
		this.#loading ??= this.#load().finally(() => {
			this.#loading = null;
		});
		return this.#loading;
	}

	async #load(): Promise<void> {
		try {
			if (readJson<boolean>(PENDING_SIGN_OUT_KEY)) {
				await postSignOut().catch((err) => {
					// 401: the session is already gone. Anything else: try again next start.
					if (!(err instanceof ApiError && err.status === 401)) throw err;
				});
				removeKey(PENDING_SIGN_OUT_KEY);
			}
			const fresh = await fetchSession();
			this.offline = false;
			if (fresh) await this.signedIn(fresh);
			else await this.#clear('expired');
		} catch (err) {
			// No answer (offline) or a server fault: a cached session stays usable.
			this.offline = err instanceof OfflineError;
			if (!this.session) this.status = 'signedOut';
		}
	}

	/** Records a session the server just gave us (after a code or link sign-in). */
	async signedIn(next: SessionInfo): Promise<void> {
		const previous = this.session;
		if (previous && !sameIdentity(previous, next)) await this.#runHooks(previous, 'switched');
		this.session = next;
		this.status = 'signedIn';
		writeJson(CACHE_KEY, next);
		removeKey(PENDING_SIGN_OUT_KEY);
	}

	/** The server answered 401 to some request: the session is gone, clear what it left here. */
	expire(): Promise<void> {
		return this.#clear('expired');
	}

	/**
	 * Signs out: revokes the session on the server, clears this device's state and goes to `/`.
	 * If the server cannot be reached, the device is cleared at once and the server is told on
	 * the next start that reaches it.
	 */
	async signOut(): Promise<void> {
		try {
			await postSignOut();
		} catch (err) {
			// Unless the server says the session is already gone, it may still be live: the
			// cookie would sign this device back in, so finish the sign-out on the next start.
			if (!(err instanceof ApiError && err.status === 401)) writeJson(PENDING_SIGN_OUT_KEY, true);
		}
		await this.#clear('signOut');
		await goto('/', { replaceState: true });
	}

	async #clear(reason: SignOutReason): Promise<void> {
		const previous = this.session;
		this.session = null;
		this.status = 'signedOut';
		removeKey(CACHE_KEY);
		if (previous) await this.#runHooks(previous, reason);
	}

	async #runHooks(previous: SessionInfo, reason: SignOutReason): Promise<void> {
		// One failing cleanup must not stop the others (or the sign-out).
		await Promise.allSettled([...this.#hooks].map(async (hook) => hook(previous, reason)));
	}
}

/** The one session state of the app. */
export const session = new SessionState();
