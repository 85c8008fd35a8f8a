import { z } from 'zod';
import { docIdSchema, textSchema } from '../schemas/common.ts';
import { messageAttachmentSchema } from '../schemas/message.ts';

export * from './upload-limits.ts';

/** Query of `POST /api/files/uploads`: the photo's file name as the customer sees it. */
export const uploadQuerySchema = z.object({
	name: textSchema(255).optional()
});

/** The query of an upload. */
export type UploadQuery = z.infer<typeof uploadQuerySchema>;

/**
 * Answer of `POST /api/files/uploads`: the stored photo, exactly as a message attachment that
 * refers to it must read (the server copies these values into the message, whatever the device sends).
 */
export const uploadResponseSchema = messageAttachmentSchema.extend({
	width: z.number().int().min(1).max(100_000),
	height: z.number().int().min(1).max(100_000)
});

/** A stored upload: the attachment a message may carry. */
export type UploadResponse = z.infer<typeof uploadResponseSchema>;

/** Path parameters of `GET /api/files/attachments/:id`. */
export const attachmentParamsSchema = z.object({ id: docIdSchema });

/** Query of `GET /api/files/attachments/:id`: `thumb=1` asks for the thread's preview. */
export const attachmentQuerySchema = z.object({ thumb: z.enum(['0', '1']).optional() });
