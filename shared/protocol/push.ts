import { z } from 'zod';
import type { CollectionName } from './collections.ts';
import { syncDocSchemas, type SyncDoc } from '../schemas/index.ts';

/** Most rows one push may carry. */
export const PUSH_ROWS_MAX = 200;

/**
 * One row of `POST /api/sync/:collection/push`, as RxDB's replication sends it. The server
 * validates `newDocumentState` against the collection's schema; `assumedMasterState` is only
 * compared with the stored document (never trusted for ownership), so it is checked loosely.
 */
export function pushRowSchema<C extends CollectionName>(collection: C) {
	return z.strictObject({
		newDocumentState: syncDocSchemas[collection],
		assumedMasterState: z.looseObject({ id: z.string() }).nullable().optional()
	});
}

/** A push row for collection `C`. */
export interface PushRow<C extends CollectionName = CollectionName> {
	newDocumentState: SyncDoc<C>;
	assumedMasterState?: Record<string, unknown> | null;
}

/** Body of a push: at most 200 rows, applied all-or-nothing (conflicting rows aside). */
export function pushBodySchema<C extends CollectionName>(collection: C) {
	return z.array(pushRowSchema(collection)).max(PUSH_ROWS_MAX, `must hold at most ${PUSH_ROWS_MAX} rows`);
}

/**
 * Answer of a push (200): the current master state of every row whose `assumedMasterState` did
 * not match the server's, for RxDB's conflict handler. Those rows were not applied; every other
 * row was. Refused pushes are errors instead (400 VALIDATION, 403 FORBIDDEN), and then nothing
 * of the batch was applied.
 */
export function pushResponseSchema<C extends CollectionName>(collection: C) {
	return z.strictObject({ conflicts: z.array(syncDocSchemas[collection]) });
}

/** Answer of a push for collection `C`. */
export interface PushResponse<C extends CollectionName = CollectionName> {
	conflicts: SyncDoc<C>[];
}

/**
 * RxDB bookkeeping fields a client may leave on a pushed document; the server drops them before
 * validating (RxDB's replication already strips them, other clients might not).
 */
export const RXDB_META_FIELDS = ['_rev', '_meta', '_attachments'] as const;
