import { createSubscriber } from 'svelte/reactivity';

/**
 * The current time, as a reactive value that ticks every 30 s — but only while something on
 * screen reads it, so an idle app does not wake the phone.
 */
class Now {
	#subscribe = createSubscriber((update) => {
		const id = setInterval(update, 30_000);
		return () => clearInterval(id);
	});

	get value(): number {
		this.#subscribe();
		return Date.now();
	}
}

/** The shared ticking clock. */
export const now = new Now();
