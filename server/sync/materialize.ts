import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { getTableColumns, getTableName, type Column } from 'drizzle-orm';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import type { Db } from '../db/client.ts';
import { clientOf, rowsWhereIn } from './rows.ts';
import { EMBEDDED, serializeRows, serializerFingerprint } from './serialize.ts';
import { COLLECTION_TABLES } from './tables.ts';
import { customerShows, type CollectionRows, type View } from './visibility.ts';

/*
 * Stored documents. A replicated row is written a few times and pulled by every device of its
 * customer many times, so the document those devices pull is built once, when the row changes,
 * and kept as JSON text in the row's `doc_json` column (migration 0005). A pull then has SQLite
 * join the stored texts of a page into the response body (rows.ts `storedPage`).
 *
 * The stored text is the document the row's own customer gets: in full, or as a tombstone when
 * `customerShows` says so. It is exactly what serializing the row at pull time would give, and
 * it stays so because of two rules:
 * - the writer stores the document of every row it touched, at the end of the transaction, after
 *   everything else in it was written (`materializeDocs`);
 * - triggers clear `doc_json` whenever the row, or a row its document embeds (`EMBEDDED`), is
 *   inserted, changed or deleted by anyone — the writer, code that bypassed it, a migration, a
 *   hand-run SQL statement. A cleared document is rebuilt at the end of the next write through
 *   the writer (`refreshStaleDocs`), and until then pulls of its page serialize the rows.
 * Writing `doc_json` itself fires nothing. When the code that builds documents changes, every
 * stored one is cleared at start-up (`installStoredDocs`) and rebuilt by a pass after start-up.
 * Stored documents thus change only in committed writes and in that pass.
 */

const DOC = 'doc_json';
const TRIGGER_PREFIX = 'sync_doc_';

/** The view a customer's devices pull through, without the principal: `customerShows` decides. */
const CUSTOMER_VIEWS = Object.fromEntries(
	COLLECTIONS.map((c) => [c, { scope: undefined, shows: customerShows[c], hears: () => true } satisfies View<typeof c>])
) as unknown as { [C in CollectionName]: View<C> };

function tableName(collection: CollectionName): string {
	return getTableName(COLLECTION_TABLES[collection]);
}

/** The triggers that keep stored documents honest, by name, as `CREATE TRIGGER` statements. */
function wantedTriggers(): Map<string, string> {
	const out = new Map<string, string>();
	for (const collection of COLLECTIONS) {
		const table = tableName(collection);
		// Every column drizzle knows (so never `doc_json`): a change to any of them may change the document.
		const columns = (Object.values(getTableColumns(COLLECTION_TABLES[collection])) as Column[]).map((c) => `"${c.name}"`).join(', ');
		out.set(
			`${TRIGGER_PREFIX}${table}_update`,
			`CREATE TRIGGER "${TRIGGER_PREFIX}${table}_update" AFTER UPDATE OF ${columns} ON "${table}" BEGIN UPDATE "${table}" SET ${DOC} = NULL WHERE "id" = NEW."id" AND ${DOC} IS NOT NULL; END`
		);
		// A row inserted with a document it did not get from the writer (copied from another row).
		out.set(
			`${TRIGGER_PREFIX}${table}_insert`,
			`CREATE TRIGGER "${TRIGGER_PREFIX}${table}_insert" AFTER INSERT ON "${table}" WHEN NEW.${DOC} IS NOT NULL BEGIN UPDATE "${table}" SET ${DOC} = NULL WHERE "id" = NEW."id"; END`
		);
		for (const embed of EMBEDDED[collection]) {
			const child = getTableName(embed.table);
			const key = `"${embed.key.name}"`;
			const clear = (keys: string) => `UPDATE "${table}" SET ${DOC} = NULL WHERE "${embed.parent.name}" IN (${keys}) AND ${DOC} IS NOT NULL;`;
			const name = (op: string) => `${TRIGGER_PREFIX}${child}_${table}_${op}`;
			out.set(name('insert'), `CREATE TRIGGER "${name('insert')}" AFTER INSERT ON "${child}" BEGIN ${clear(`NEW.${key}`)} END`);
			out.set(name('update'), `CREATE TRIGGER "${name('update')}" AFTER UPDATE ON "${child}" BEGIN ${clear(`OLD.${key}, NEW.${key}`)} END`);
			out.set(name('delete'), `CREATE TRIGGER "${name('delete')}" AFTER DELETE ON "${child}" BEGIN ${clear(`OLD.${key}`)} END`);
		}
	}
	return out;
}

/** What the stored documents were built by: the serializers, the customer rules and the triggers. */
function fingerprint(triggers: Map<string, string>): string {
	const hash = createHash('sha256').update(serializerFingerprint());
	for (const c of COLLECTIONS) hash.update(String(customerShows[c]));
	for (const [name, sql] of triggers) hash.update(name).update(sql);
	return hash.digest('hex');
}

const FINGERPRINT_KEY = 'sync_doc_fingerprint';

/**
 * Checks that every replicated table has its `doc_json` column, makes the triggers match this
 * code (they follow the drizzle columns and `EMBEDDED`, so they are installed from here rather
 * than frozen in a migration), and clears every stored document when the code that builds them
 * changed since they were stored, for the writer's background pass to rebuild. Changes nothing
 * when all is current.
 */
export function installStoredDocs(sqlite: Database.Database): void {
	for (const collection of COLLECTIONS) {
		const table = tableName(collection);
		const columns = sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
		if (!columns.includes(DOC)) {
			throw new Error(`Table ${table} has no ${DOC} column: a migration rebuilt it without the column migration 0005 added. Add it back in that migration.`);
		}
	}
	const wanted = wantedTriggers();
	const print = fingerprint(wanted);
	const stored = () => sqlite.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(FINGERPRINT_KEY) as string | undefined;
	if (stored() === print) return;
	sqlite.transaction(() => {
		if (stored() === print) return; // another process got here first
		const present = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?`).pluck().all(`${TRIGGER_PREFIX}%`) as string[];
		for (const name of present) sqlite.exec(`DROP TRIGGER "${name}"`);
		for (const sql of wanted.values()) sqlite.exec(sql);
		for (const collection of COLLECTIONS) sqlite.exec(`UPDATE "${tableName(collection)}" SET ${DOC} = NULL WHERE ${DOC} IS NOT NULL`);
		sqlite.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(FINGERPRINT_KEY, print);
	}).immediate();
}

const updates = new WeakMap<Database.Database, Map<CollectionName, Database.Statement>>();

function updateOf(client: Database.Database, collection: CollectionName): Database.Statement {
	let cache = updates.get(client);
	if (!cache) updates.set(client, (cache = new Map()));
	let stmt = cache.get(collection);
	if (!stmt) {
		// Rewriting the same text is skipped, so a row that did not change keeps its page untouched.
		stmt = client.prepare(`UPDATE "${tableName(collection)}" SET ${DOC} = ? WHERE "id" = ? AND ${DOC} IS NOT ?`);
		cache.set(collection, stmt);
	}
	return stmt;
}

const CHUNK = 500;

/**
 * Builds and stores the customer document of these rows (ids that no longer exist are skipped).
 * `db` must be the root handle, not a transaction's: inside a transaction it runs in it.
 */
export function materializeDocs(db: Db, collection: CollectionName, ids: readonly string[]): void {
	const client = clientOf(db);
	if (!client) throw new Error('materializeDocs needs the root drizzle handle');
	const table = COLLECTION_TABLES[collection];
	const update = updateOf(client, collection);
	for (let i = 0; i < ids.length; i += CHUNK) {
		const rows = rowsWhereIn(db, table, table.id, ids.slice(i, i + CHUNK), [table.seq]) as CollectionRows[typeof collection][];
		const docs = serializeRows(db, collection, CUSTOMER_VIEWS[collection], rows);
		for (const doc of docs) {
			const text = JSON.stringify(doc);
			update.run(text, doc.id, text);
		}
	}
}

const staleQueries = new WeakMap<Database.Database, Map<CollectionName, Database.Statement>>();

function staleIds(client: Database.Database, collection: CollectionName, limit: number): string[] {
	let cache = staleQueries.get(client);
	if (!cache) staleQueries.set(client, (cache = new Map()));
	let stmt = cache.get(collection);
	if (!stmt) {
		stmt = client.prepare(`SELECT "id" FROM "${tableName(collection)}" WHERE ${DOC} IS NULL ORDER BY "seq" LIMIT ?`).pluck();
		cache.set(collection, stmt);
	}
	return stmt.all(limit) as string[];
}

/** Whether any replicated row lacks its stored document. */
export function hasStaleDocs(db: Db): boolean {
	const client = clientOf(db);
	return !!client && COLLECTIONS.some((c) => staleIds(client, c, 1).length > 0);
}

/**
 * Stores the documents of up to `limit` rows per collection that have none (written before
 * migration 0005, or cleared by a trigger); returns how many it stored. Run it in an immediate
 * transaction, so that no other writer changes a row between reading and storing it.
 */
export function refreshStaleDocs(db: Db, limit: number): number {
	const client = clientOf(db);
	if (!client) throw new Error('refreshStaleDocs needs the root drizzle handle');
	let n = 0;
	for (const collection of COLLECTIONS) {
		const ids = staleIds(client, collection, limit);
		if (ids.length > 0) materializeDocs(db, collection, ids);
		n += ids.length;
	}
	return n;
}
