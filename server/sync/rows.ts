import type Database from 'better-sqlite3';
import { and, asc, eq, getTableColumns, getTableName, gt, inArray, type Column, type SQL } from 'drizzle-orm';
import { SQLiteSyncDialect, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { CollectionName } from '../../shared/protocol/collections.ts';
import type { Db } from '../db/client.ts';
import type { CollectionRows } from './visibility.ts';
import { COLLECTION_TABLES } from './tables.ts';

// drizzle cannot type a select over a union of tables; these helpers keep the one cast here.
type AnyTable = (typeof COLLECTION_TABLES)['messages'];

/*
 * Pull is the server's hottest path, and on it drizzle's query builder cost more than SQLite:
 * building the SQL, preparing it anew and mapping every value through drizzle's entity checks
 * took about half of a page's time (bench/sync.ts). So the pull path runs statements prepared
 * once per connection, in raw mode, and maps rows with the columns' own decoders. The rows are
 * exactly what drizzle returns; the visibility scope is still the drizzle condition, rendered.
 */
const dialect = new SQLiteSyncDialect();

interface RowReader {
	/** The table's columns in `getTableColumns` order, quoted, for a select list. */
	columns: string;
	/** One raw row (values in that order) → the row drizzle would return. */
	read: (values: unknown[]) => Record<string, unknown>;
}

const readers = new WeakMap<SQLiteTable, RowReader>();

function readerOf(table: SQLiteTable): RowReader {
	let reader = readers.get(table);
	if (!reader) {
		const entries = Object.entries(getTableColumns(table)) as [string, Column][];
		const keys = entries.map(([key]) => key);
		const columns = entries.map(([, column]) => column);
		reader = {
			columns: columns.map((c) => `"${c.name}"`).join(', '),
			read: (values) => {
				const row: Record<string, unknown> = {};
				for (let i = 0; i < keys.length; i++) {
					const value = values[i];
					row[keys[i]] = value === null ? null : columns[i].mapFromDriverValue(value);
				}
				return row;
			}
		};
		readers.set(table, reader);
	}
	return reader;
}

const STATEMENTS_MAX = 256;
const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The connection under a drizzle handle; undefined inside a transaction (which has none). */
export function clientOf(db: Db): Database.Database | undefined {
	return (db as { $client?: Database.Database }).$client;
}

/** `text` prepared once per connection, in raw mode (rows as arrays). */
function preparedRaw(client: Database.Database, text: string): Database.Statement {
	let cache = statements.get(client);
	if (!cache) statements.set(client, (cache = new Map()));
	let stmt = cache.get(text);
	if (!stmt) {
		// Scopes render to a handful of texts; the cap only guards against a scope that embeds values.
		if (cache.size >= STATEMENTS_MAX) cache.clear();
		stmt = client.prepare(text).raw(true);
		cache.set(text, stmt);
	}
	return stmt;
}

/** Rows of a collection with seq > `after` within `scope`, in seq order. */
export function rowsAfter<C extends CollectionName>(db: Db, collection: C, scope: SQL | undefined, after: number, limit: number): CollectionRows[C][] {
	const table = COLLECTION_TABLES[collection] as unknown as AnyTable;
	const client = clientOf(db);
	if (!client) {
		return db.select().from(table).where(and(scope, gt(table.seq, after))).orderBy(asc(table.seq)).limit(limit).all() as unknown as CollectionRows[C][];
	}
	const where = scope ? dialect.sqlToQuery(scope) : { sql: '1', params: [] };
	const reader = readerOf(table);
	const stmt = preparedRaw(client, `select ${reader.columns} from "${getTableName(table)}" where (${where.sql}) and "seq" > ? order by "seq" limit ?`);
	return (stmt.all(...where.params, after, limit) as unknown[][]).map(reader.read) as unknown as CollectionRows[C][];
}

/**
 * One page of a collection as the pull's response body, built by SQLite from the documents the
 * writer stored (server/sync/materialize.ts): the same bytes as `JSON.stringify` of the page,
 * without turning a row into JavaScript values. Undefined when a row of the page has no stored
 * document yet; the caller then serializes the page itself.
 *
 * The body comes back as a Buffer (the text cast to a blob), so it reaches the socket without
 * being decoded into a JavaScript string and encoded again, which cost more than the query for
 * the non-ASCII text of a page (•••• in payment labels, names, message bodies).
 */
export function storedPage(db: Db, collection: CollectionName, scope: SQL | undefined, after: number, limit: number): Buffer | undefined {
	const client = clientOf(db);
	if (!client) return undefined;
	const table = COLLECTION_TABLES[collection] as unknown as AnyTable;
	const where = scope ? dialect.sqlToQuery(scope) : { sql: '1', params: [] };
	// The page's rows come out of the subquery in seq order and group_concat keeps the order it
	// is fed in (an ORDER BY inside the aggregate would sort the documents' text again).
	const stmt = preparedRaw(
		client,
		`select cast('{"documents":[' || coalesce(group_concat(doc_json, ','), '') || '],"checkpoint":{"seq":' || coalesce(max(seq), cast(? as integer)) || '}}' as blob), count(*) - count(doc_json)` +
			` from (select "seq", doc_json from "${getTableName(table)}" where (${where.sql}) and "seq" > ? order by "seq" limit ?)`
	);
	const [body, missing] = stmt.get(after, ...where.params, after, limit) as [Buffer, number];
	return missing === 0 ? body : undefined;
}

/**
 * Rows of `table` whose `column` is one of `values`, ordered by `orderBy` (ascending): the
 * children of a batch of rows, in one query with one cached statement however many there are.
 */
export function rowsWhereIn<T extends SQLiteTable>(db: Db, table: T, column: SQLiteColumn, values: string[], orderBy: SQLiteColumn[]): T['$inferSelect'][] {
	if (values.length === 0) return [];
	const client = clientOf(db);
	if (!client) {
		return db
			.select()
			.from(table as SQLiteTable)
			.where(inArray(column, values))
			.orderBy(...orderBy.map((c) => asc(c)))
			.all() as T['$inferSelect'][];
	}
	const reader = readerOf(table);
	const stmt = preparedRaw(
		client,
		`select ${reader.columns} from "${getTableName(table)}" where "${column.name}" in (select value from json_each(?)) order by ${orderBy.map((c) => `"${c.name}"`).join(', ')}`
	);
	return (stmt.all(JSON.stringify(values)) as unknown[][]).map(reader.read) as T['$inferSelect'][];
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
