import { z } from 'zod';
import type { CollectionName } from './collections.ts';
import { syncDocSchemas, type SyncDoc } from '../schemas/index.ts';

/** Default page size of a pull. */
export const PULL_LIMIT_DEFAULT = 100;

/** Largest page a pull returns. */
export const PULL_LIMIT_MAX = 1000;

/**
 * Where a device is in a collection's change stream: the server-wide `seq` of the last row it
 * has. Never a timestamp. Tie it to the server's `databaseId` (stream `hello`) so a device
 * holding a checkpoint from another database starts over.
 */
export const checkpointSchema = z.strictObject({ seq: z.number().int().min(0) });

/** A pull checkpoint. */
export type Checkpoint = z.infer<typeof checkpointSchema>;

/**
 * Query of `GET /api/sync/:collection/pull?after=SEQ&limit=N`: rows with seq > `after`
 * (default 0), at most `limit` (default 100, max 1000), in seq order.
 */
export const pullQuerySchema = z.object({
	after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
	limit: z.coerce.number().int().min(1).max(PULL_LIMIT_MAX).default(PULL_LIMIT_DEFAULT)
});

/** Parsed pull query. */
export type PullQuery = z.infer<typeof pullQuerySchema>;

/**
 * Answer of a pull. `documents` carry `_deleted`; a deleted or no-longer-visible row comes as a
 * tombstone (its id and updatedAt, placeholders elsewhere). `checkpoint` is the seq of the last
 * row returned, or the `after` that was sent when there was nothing new (null only if no
 * checkpoint could be formed, which the server never does today).
 */
export function pullResponseSchema<C extends CollectionName>(collection: C) {
	return z.strictObject({
		documents: z.array(syncDocSchemas[collection]),
		checkpoint: checkpointSchema.nullable()
	});
}

/** Answer of a pull for collection `C`. */
export interface PullResponse<C extends CollectionName = CollectionName> {
	documents: SyncDoc<C>[];
	checkpoint: Checkpoint | null;
}
