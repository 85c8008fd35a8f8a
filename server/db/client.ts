import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

/** The typed drizzle handle over the one SQLite file. */
export type Db = BetterSQLite3Database<typeof schema>;

/** An open database: drizzle for queries, the raw handle for pragmas and close. */
export interface OpenDatabase {
	db: Db;
	sqlite: Database.Database;
	/** Stable id of this database, created with it; clients key their checkpoints on it. */
	databaseId: string;
	/** Path of the SQLite file. */
	file: string;
}

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens (creating if needed) `DATA_DIR/porchlight.sqlite`, sets the pragmas durability needs
 * and applies pending migrations.
 */
export function openDatabase(dataDir: string): OpenDatabase {
	fs.mkdirSync(dataDir, { recursive: true });
	const file = path.join(dataDir, 'porchlight.sqlite');
	const sqlite = new Database(file);
	sqlite.pragma('journal_mode = WAL');
	// FULL: an acknowledged write survives power loss, not only a process crash.
	sqlite.pragma('synchronous = FULL');
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 5000');
	const db = drizzle(sqlite, { schema });
	migrate(db, { migrationsFolder: MIGRATIONS });
	const databaseId = ensureDatabaseId(sqlite);
	return { db, sqlite, databaseId, file };
}

function ensureDatabaseId(sqlite: Database.Database): string {
	sqlite.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('database_id', ?)`).run(randomUUID());
	sqlite.prepare(`INSERT OR IGNORE INTO sync_counter (id, seq) VALUES (1, 0)`).run();
	const row = sqlite.prepare(`SELECT value FROM meta WHERE key = 'database_id'`).get() as { value: string };
	return row.value;
}
