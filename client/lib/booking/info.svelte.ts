import { fetchBookingInfo, type BookingServicesResponse } from './api';
import { OfflineError } from '$lib/api/http';
import { readJson, writeJson } from '$lib/state/storage';

const CACHE_KEY = 'porchlight.bookingInfo';

/**
 * The bookable services and booking rules. The last answer is kept in localStorage so that a
 * customer without a connection can still ask for a visit (service, preferred day within the
 * horizon); the network answer replaces it whenever there is one.
 */
class BookingInfoState {
	value = $state<BookingServicesResponse | null>(readJson<BookingServicesResponse>(CACHE_KEY));
	/** The last fetch got no answer (the cached value, if any, is being shown). */
	offline = $state(false);
	/** The server answered with an error: a sentence to show when there is nothing cached. */
	error = $state<string | null>(null);
	loading = $state(false);

	#loading: Promise<void> | null = null;

	/** Fetches the services; concurrent calls share one request. */
	load(): Promise<void> {
		this.#loading ??= this.#load().finally(() => {
			this.#loading = null;
			this.loading = false;
		});
		return this.#loading;
	}

	async #load(): Promise<void> {
		this.loading = true;
		try {
			const info = await fetchBookingInfo();
			this.value = info;
			this.offline = false;
			this.error = null;
			writeJson(CACHE_KEY, info);
		} catch (err) {
			this.offline = err instanceof OfflineError;
			if (!this.offline) this.error = 'The list of services could not be loaded. Please try again in a moment.';
		}
	}
}

/** The one booking-info state of the app. */
export const bookingInfo = new BookingInfoState();
