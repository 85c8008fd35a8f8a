import { createHash } from 'node:crypto';
import fs from 'node:fs';
import {
	EXPORT_ATTACHMENTS_DIR,
	EXPORT_DOCUMENTS_DIR,
	EXPORT_JSON_ENTRIES,
	EXPORT_MANIFEST_ENTRY,
	type ExportFile,
	type ExportManifest
} from '../../shared/protocol/account.ts';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import type { DocTypes } from '../../shared/schemas/index.ts';
import type { Principal } from '../auth/types.ts';
import type { Db } from '../db/client.ts';
import { filePath } from '../files/store.ts';
import { rowsAfter } from '../sync/rows.ts';
import { serializeRows } from '../sync/serialize.ts';
import { visibility } from '../sync/visibility.ts';
import { buildZip, type ZipEntry } from './zip.ts';

type Customer = Extract<Principal, { kind: 'customer' }>;

const PAGE = 1000;

/**
 * Every document of a collection the customer's devices would receive, in full — the same
 * visibility rule and serializer as sync, so the export holds exactly what the portal shows.
 * Tombstones (deleted or hidden rows) are left out: they carry nothing.
 */
export function visibleDocuments<C extends CollectionName>(db: Db, principal: Customer, collection: C): DocTypes[C][] {
	const view = visibility[collection](principal);
	const out: DocTypes[C][] = [];
	let after = 0;
	for (;;) {
		const rows = rowsAfter(db, collection, view.scope, after, PAGE);
		for (const doc of serializeRows(db, collection, view, rows)) {
			if (doc._deleted) continue;
			const { _deleted, ...rest } = doc;
			out.push(rest as unknown as DocTypes[C]);
		}
		if (rows.length < PAGE) break;
		after = rows[rows.length - 1].seq;
	}
	return out;
}

/** A file name that is safe as the last part of an archive path. */
function safeFileName(name: string): string {
	const cleaned = name
		.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_')
		.replace(/^\.+/, '_')
		.trim()
		.slice(0, 120);
	return cleaned || 'file';
}

/** Reads a stored file if it exists and still matches its hash. */
function readStored(dataDir: string, sha256: string): Buffer | null {
	try {
		const bytes = fs.readFileSync(filePath(dataDir, sha256));
		return createHash('sha256').update(bytes).digest('hex') === sha256 ? bytes : null;
	} catch {
		return null;
	}
}

/** What `buildAccountExport` needs. */
export interface AccountExportInput {
	db: Db;
	dataDir: string;
	principal: Customer;
	businessName: string;
	now: number;
}

/**
 * The customer's data as one ZIP: a JSON file per collection (profile, invoices, documents,
 * messages, appointments), each document's file under `documents/`, message attachments under
 * `attachments/`, and `manifest.json` listing the files with their SHA-256.
 */
export function buildAccountExport(input: AccountExportInput): { zip: Buffer; manifest: ExportManifest } {
	const { db, dataDir, principal, now } = input;
	const entries: ZipEntry[] = [];
	const files: ExportFile[] = [];
	const missing: ExportManifest['missing'] = [];
	const counts: Record<string, number> = {};
	const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');

	const data = Object.fromEntries(COLLECTIONS.map((c) => [c, visibleDocuments(db, principal, c)])) as { [C in CollectionName]: DocTypes[C][] };
	for (const c of COLLECTIONS) {
		// The profile is one document: exported as an object, not a one-element list.
		const value = c === 'profile' ? (data.profile[0] ?? null) : data[c];
		entries.push({ name: EXPORT_JSON_ENTRIES[c], data: json(value) });
		counts[c] = data[c].length;
	}

	const addFile = (dir: string, id: string, name: string, sha256: string) => {
		const bytes = readStored(dataDir, sha256);
		if (!bytes) {
			missing.push({ id, sha256 });
			return;
		}
		const path = `${dir}${safeFileName(id)}-${safeFileName(name)}`;
		entries.push({ name: path, data: bytes });
		files.push({ path, id, size: bytes.length, sha256 });
	};
	for (const doc of data.documents) addFile(EXPORT_DOCUMENTS_DIR, doc.id, doc.fileName, doc.sha256);
	for (const message of data.messages) {
		for (const a of message.attachments) addFile(EXPORT_ATTACHMENTS_DIR, a.id, a.name, a.fileSha256);
	}

	const manifest: ExportManifest = {
		format: 'porchlight-account-export',
		version: 1,
		exportedAt: now,
		business: input.businessName,
		customerId: principal.customerId,
		counts,
		files,
		missing
	};
	// The manifest goes first, so a reader streaming the archive learns what follows.
	entries.unshift({ name: EXPORT_MANIFEST_ENTRY, data: json(manifest) });
	return { zip: buildZip(entries, now), manifest };
}
