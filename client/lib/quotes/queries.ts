import type { RxDocument } from 'rxdb';
import type { PorchlightDatabase } from '$lib/db/database';
import { live, type Live } from '$lib/state/live.svelte';
import type { Quote } from '$shared/schemas/quote';

/*
 * The quote screens' reads of the device's database (see lib/portal/queries.ts for the pattern):
 * create them in a `$derived` on `sync.db` and read `.current`.
 */

/** Every quote on the device (drafts never reach it). */
export function liveQuotes(db: PorchlightDatabase): Live<RxDocument<Quote>[], Quote[] | null> {
	return live(db.quotes.find().$, null, (docs) => docs.map((d) => d.toJSON() as Quote));
}

/** One quote by id (null while reading; undefined when there is none). */
export function liveQuote(db: PorchlightDatabase, id: string): Live<RxDocument<Quote> | null, Quote | null | undefined> {
	return live(db.quotes.findOne(id).$, null, (d) => (d ? (d.toJSON() as Quote) : undefined));
}
