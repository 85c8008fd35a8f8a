import type { PorchlightDatabase } from '$lib/db/database';
import type { Quote } from '$shared/schemas/quote';

/*
 * Keeps every quote photo on the device after sync, like document files, so a quote reads offline
 * with its pictures even if the customer never opened it online. Home starts it without waiting:
 * the photo code loads after the first paint.
 */

let running: { db: PorchlightDatabase; stop: () => void } | null = null;

/** Follows `db`'s quotes and stores their photos (once per database; a new database restarts it). */
export function keepQuotePhotosOffline(db: PorchlightDatabase): void {
	if (running?.db === db) return;
	running?.stop();
	let stopped = false;
	let busy: Promise<void> = Promise.resolve();
	let latest: Quote[] = [];
	// One pass at a time; each pass takes the latest quotes.
	const run = () => {
		busy = busy
			.then(async () => {
				if (stopped || db.closed) return;
				const { keepQuotePhotos } = await import('./photos');
				await keepQuotePhotos(latest);
			})
			.catch(() => {});
	};
	const sub = db.quotes.find().$.subscribe((docs) => {
		latest = docs.map((d) => d.toJSON() as Quote);
		run();
	});
	const online = () => run();
	window.addEventListener('online', online);
	running = {
		db,
		stop: () => {
			stopped = true;
			sub.unsubscribe();
			window.removeEventListener('online', online);
		}
	};
}
