import { z } from 'zod';
import { docIdSchema, instantSchema, textSchema } from './common.ts';

/** Who wrote a message. */
export const MESSAGE_AUTHOR_KINDS = ['customer', 'staff', 'system'] as const;

/** Longest message body, in characters. */
export const MESSAGE_BODY_MAX = 5000;

/** A file attached to a message. */
export const messageAttachmentSchema = z.strictObject({
	id: docIdSchema,
	name: textSchema(255),
	mime: textSchema(127),
	size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	width: z.number().int().min(0).max(100_000).nullable(),
	height: z.number().int().min(0).max(100_000).nullable(),
	fileSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256')
});

/** A message attachment. */
export type MessageAttachment = z.infer<typeof messageAttachmentSchema>;

/**
 * One message between the customer and the office (`messages` collection). A device creates
 * customer messages with its own ids; the server fills in authorName, createdAt and updatedAt.
 */
export const messageSchema = z.strictObject({
	id: docIdSchema,
	authorKind: z.enum(MESSAGE_AUTHOR_KINDS),
	authorName: textSchema(200),
	body: textSchema(MESSAGE_BODY_MAX).min(1, 'must not be empty').regex(/\S/, 'must not be blank'),
	attachments: z.array(messageAttachmentSchema).max(20),
	/** When the author's device wrote it (device clock, for display only). */
	sentAt: instantSchema,
	/** When the server received it (0 until then on the device that wrote it). */
	createdAt: instantSchema,
	/** Server-owned version marker: strictly increasing per document. */
	updatedAt: instantSchema
});

/** A `messages` document. */
export type Message = z.infer<typeof messageSchema>;
