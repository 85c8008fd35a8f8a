import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import type { Db } from '../db/client.ts';
import type { CollectionRows } from './visibility.ts';
import { COLLECTION_TABLES } from './writer.ts';

// drizzle cannot type a select over a union of tables; these helpers keep the one cast here.
type AnyTable = (typeof COLLECTION_TABLES)['messages'];

/** Rows of a collection with seq > `after` within `scope`, in seq order. */
export function rowsAfter<C extends CollectionName>(db: Db, collection: C, scope: SQL | undefined, after: number, limit: number): CollectionRows[C][] {
	const table = COLLECTION_TABLES[collection] as unknown as AnyTable;
	return db.select().from(table).where(and(scope, gt(table.seq, after))).orderBy(asc(table.seq)).limit(limit).all() as unknown as CollectionRows[C][];
}

/** The row with this id within `scope`, if any. */
export function rowById<C extends CollectionName>(db: Db, collection: C, id: string, scope: SQL | undefined): CollectionRows[C] | undefined {
	const table = COLLECTION_TABLES[collection] as unknown as AnyTable;
	return db.select().from(table).where(and(eq(table.id, id), scope)).get() as unknown as CollectionRows[C] | undefined;
}

/** Whether any row of the collection has this id, whoever it belongs to. */
export function idExists(db: Db, collection: CollectionName, id: string): boolean {
	const table = COLLECTION_TABLES[collection] as unknown as AnyTable;
	return db.select({ id: table.id }).from(table).where(eq(table.id, id)).get() !== undefined;
}
