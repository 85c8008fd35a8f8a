import { z } from 'zod';
import { docIdSchema, instantSchema, textSchema } from './common.ts';

/** What kind of paper a document is. */
export const DOCUMENT_KINDS = ['quote', 'contract', 'warranty', 'certificate_of_insurance', 'other'] as const;

/**
 * A document's metadata (`documents` collection). The bytes are fetched from
 * `GET /api/files/:id` with this document's id. Read-only on devices.
 */
export const documentSchema = z.strictObject({
	id: docIdSchema,
	kind: z.enum(DOCUMENT_KINDS),
	title: textSchema(200),
	fileName: textSchema(255),
	mime: textSchema(127),
	/** Size of the file in bytes. */
	size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	/** SHA-256 of the file, hex; also the download's ETag. */
	sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
	signerName: textSchema(200).nullable(),
	signedAt: instantSchema.nullable(),
	createdAt: instantSchema,
	/** Server-owned version marker: strictly increasing per document. */
	updatedAt: instantSchema
});

/** A `documents` document. */
export type PortalDocument = z.infer<typeof documentSchema>;
