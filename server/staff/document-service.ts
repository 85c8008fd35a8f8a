import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { documents } from '../db/schema.ts';
import { storeFile } from '../files/store.ts';
import { AppError } from '../http/errors.ts';
import type { WriteContext } from '../sync/writer.ts';
import type { DocumentRow } from './views.ts';

const PDF_MAGIC = Buffer.from('%PDF-');
const PDF_EOF = Buffer.from('%%EOF');

/**
 * True when the bytes are a PDF by content: `%PDF-` at the start (some writers put a little junk
 * before it, which readers accept within the first kilobyte) and `%%EOF` in the last kilobyte.
 * The declared type and file name are never trusted.
 */
export function looksLikePdf(bytes: Uint8Array): boolean {
	const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const start = buf.subarray(0, 1024).indexOf(PDF_MAGIC);
	if (start === -1) return false;
	return buf.subarray(Math.max(0, buf.length - 1024)).indexOf(PDF_EOF) !== -1 && buf.length > start + PDF_MAGIC.length + PDF_EOF.length;
}

/** Refuses anything that is not a PDF (415), before anything is stored. */
export function requirePdf(bytes: Uint8Array, field?: string): void {
	if (bytes.byteLength === 0) throw new AppError('VALIDATION', `${field ? `${field}: ` : ''}the file is empty`, { field });
	if (!looksLikePdf(bytes)) {
		throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${field ? `${field}: ` : ''}this file is not a PDF (documents must be PDF files)`, { field });
	}
}

/** What a document row says, besides its file. */
export interface DocumentFields {
	kind: DocumentRow['kind'];
	title: string;
	fileName: string;
	signerName: string | null;
	signedAt: number | null;
}

/** A `.pdf` file name from a title when none was given. */
export function pdfFileName(title: string, given?: string | null): string {
	if (given) return /\.pdf$/i.test(given) ? given : `${given}.pdf`;
	const base = title.replace(/[^\p{L}\p{N} ._-]+/gu, '').trim().replace(/\s+/g, '-').slice(0, 120) || 'document';
	return `${base}.pdf`;
}

/**
 * Stores the PDF (content-addressed) and its document row in the caller's transaction; the
 * customer's devices hear about it at once. Returns the id.
 */
export function insertDocument(
	w: WriteContext,
	dataDir: string,
	input: DocumentFields & { customerId: string; externalId: string | null },
	bytes: Uint8Array
): string {
	const sha256 = storeFile(w.db, dataDir, bytes, 'application/pdf', w.now);
	const id = randomUUID();
	w.db.insert(documents)
		.values({
			id,
			customerId: input.customerId,
			externalId: input.externalId,
			kind: input.kind,
			title: input.title,
			fileSha256: sha256,
			fileName: input.fileName,
			mime: 'application/pdf',
			size: bytes.byteLength,
			signerName: input.signerName,
			signedAt: input.signedAt,
			seq: w.touch('documents', input.customerId, id),
			deleted: false,
			createdAt: w.now,
			updatedAt: w.now
		})
		.run();
	return id;
}

/**
 * Applies changes to a document (its fields, a new file, or bringing a deleted one back).
 * Returns whether anything changed; when nothing did, nothing is written.
 */
export function updateDocument(
	w: WriteContext,
	dataDir: string,
	row: DocumentRow,
	changes: Partial<DocumentFields> & { customerId?: string },
	bytes?: Uint8Array
): boolean {
	const sha256 = bytes ? storeFile(w.db, dataDir, bytes, 'application/pdf', w.now) : row.fileSha256;
	const next = { ...row, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)), fileSha256: sha256, deleted: false };
	const keys = ['customerId', 'kind', 'title', 'fileName', 'signerName', 'signedAt', 'fileSha256', 'deleted'] as const;
	if (keys.every((k) => next[k] === row[k])) return false;
	if (next.customerId !== row.customerId) {
		// Devices of the old customer must drop it: a tombstone under the old owner's name first.
		throw new AppError('CONFLICT', 'customerExternalId: a document cannot move to another customer', { field: 'customerExternalId' });
	}
	w.db.update(documents)
		.set({
			kind: next.kind,
			title: next.title,
			fileName: next.fileName,
			signerName: next.signerName,
			signedAt: next.signedAt,
			fileSha256: sha256,
			size: bytes ? bytes.byteLength : row.size,
			deleted: false,
			seq: w.touch('documents', row.customerId, row.id),
			updatedAt: w.version(row.updatedAt)
		})
		.where(eq(documents.id, row.id))
		.run();
	return true;
}

/** Deletes a document: a tombstone, so every device drops it (and its cached file). */
export function tombstoneDocument(w: WriteContext, row: DocumentRow): boolean {
	if (row.deleted) return false;
	w.db.update(documents)
		.set({ deleted: true, seq: w.touch('documents', row.customerId, row.id), updatedAt: w.version(row.updatedAt) })
		.where(eq(documents.id, row.id))
		.run();
	return true;
}
