import { z } from 'zod';

/** `GET` here returns the signed-in customer's data as one ZIP archive (attachment). */
export const ACCOUNT_EXPORT_PATH = '/api/account/export';

/** JSON entries of the export archive, one per replicated collection, each an array of documents. */
export const EXPORT_JSON_ENTRIES = {
	profile: 'profile.json',
	invoices: 'invoices.json',
	documents: 'documents.json',
	messages: 'messages.json',
	appointments: 'appointments.json',
	quotes: 'quotes.json'
} as const;

/** Folder of the archive holding each document's file, as `documents/<id>-<file name>`. */
export const EXPORT_DOCUMENTS_DIR = 'documents/';

/** Folder of the archive holding message attachments, as `attachments/<id>-<file name>`. */
export const EXPORT_ATTACHMENTS_DIR = 'attachments/';

/** Name of the archive's manifest entry. */
export const EXPORT_MANIFEST_ENTRY = 'manifest.json';

/** One file in the archive besides the JSON entries. */
export const exportFileSchema = z.object({
	/** Path inside the archive. */
	path: z.string(),
	/** The document or attachment it belongs to. */
	id: z.string(),
	size: z.number().int().min(0),
	/** Hex SHA-256 of the bytes, to check the copy. */
	sha256: z.string().regex(/^[0-9a-f]{64}$/)
});

/** A file in the export archive. */
export type ExportFile = z.infer<typeof exportFileSchema>;

/** `manifest.json` of the export archive: what it holds and when it was made. */
export const exportManifestSchema = z.object({
	format: z.literal('porchlight-account-export'),
	version: z.literal(1),
	/** When the archive was made (ms since the epoch, UTC). */
	exportedAt: z.number().int(),
	business: z.string(),
	customerId: z.string(),
	/** Documents per JSON entry. */
	counts: z.record(z.string(), z.number().int().min(0)),
	files: z.array(exportFileSchema),
	/** Files the server could not find (listed so the archive says what is missing). */
	missing: z.array(z.object({ id: z.string(), sha256: z.string() }))
});

/** The export archive's manifest. */
export type ExportManifest = z.infer<typeof exportManifestSchema>;
