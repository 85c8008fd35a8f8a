import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/client.ts';
import { files } from '../db/schema.ts';

/** Where a stored file lives: DATA_DIR/files/ab/abcdef… (by SHA-256). */
export function filePath(dataDir: string, sha256: string): string {
	if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
	return path.join(dataDir, 'files', sha256.slice(0, 2), sha256);
}

/**
 * Stores bytes content-addressed and records them. Written to a temp file, fsynced and renamed
 * so a crash never leaves a half file under its final name. Returns the SHA-256.
 */
export function storeFile(db: Db, dataDir: string, bytes: Uint8Array, mime: string, now = Date.now()): string {
	const sha256 = createHash('sha256').update(bytes).digest('hex');
	const target = filePath(dataDir, sha256);
	if (!fs.existsSync(target)) {
		fs.mkdirSync(path.dirname(target), { recursive: true });
		const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
		const fd = fs.openSync(tmp, 'w');
		try {
			fs.writeSync(fd, bytes);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
		fs.renameSync(tmp, target);
	}
	db.insert(files).values({ sha256, size: bytes.byteLength, mime, createdAt: now }).onConflictDoNothing().run();
	return sha256;
}
