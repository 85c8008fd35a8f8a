import { onMount } from 'svelte';
import { ApiError, describeError } from '$lib/api/http';
import { formatWait } from '$lib/format';

/** How a page confirms an emailed link: where its token is kept, and what spends it. */
export interface LinkConfirmationOptions<R> {
	/** Takes a `#token=` out of the address bar (if any) and returns the token this tab keeps. */
	capture(): string | null;
	/** Forgets the kept token (spent, or refused for good). */
	forget(): void;
	/** Spends the token at the server; throws the server's refusal. */
	redeem(token: string): Promise<R>;
	/** What follows a spent token (sign in, go on), once it is forgotten. */
	confirmed(result: R): Promise<void> | void;
}

/**
 * The state behind an emailed link's confirmation page (sign-in, guest booking). Only `confirm()`
 * spends the link, so a mail scanner that opens the page consumes nothing. A refusal for good
 * (expired, used, never valid) sets `gone` to the server's words and forgets the token.
 * Call during component initialisation.
 */
export function linkConfirmation<R>(options: LinkConfirmationOptions<R>) {
	let token = $state(options.capture());
	let busy = $state(false);
	let error = $state<string | null>(null);
	let gone = $state<string | null>(null);

	onMount(() => {
		// The link pasted into a tab already showing the page only changes the fragment.
		const onHash = () => {
			token = options.capture();
			gone = null;
			error = null;
		};
		window.addEventListener('hashchange', onHash);
		return () => window.removeEventListener('hashchange', onHash);
	});

	async function confirm(): Promise<void> {
		if (!token || busy) return;
		busy = true;
		error = null;
		try {
			const result = await options.redeem(token);
			options.forget();
			await options.confirmed(result);
		} catch (err) {
			if (err instanceof ApiError && (err.code === 'GONE' || err.field === 'token')) {
				options.forget();
				gone = err.message;
			} else if (err instanceof ApiError && err.code === 'RATE_LIMITED') {
				error = `Too many attempts. Please wait ${formatWait(err.retryAfterSeconds ?? 60)} and try again.`;
			} else {
				error = describeError(err);
			}
		} finally {
			busy = false;
		}
	}

	return {
		get token() {
			return token;
		},
		get busy() {
			return busy;
		},
		get error() {
			return error;
		},
		/** The server's reason when the link was refused for good. */
		get gone() {
			return gone;
		},
		confirm
	};
}
