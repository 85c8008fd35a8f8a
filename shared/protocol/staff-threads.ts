import { z } from 'zod';
import { MESSAGE_BODY_MAX } from '../schemas/message.ts';

/** Body of `POST /api/staff/threads/:id/messages`: a staff reply (201 answers with the `Message`). */
export const staffReplySchema = z.strictObject({
	body: z
		.string()
		.trim()
		.min(1, 'must not be empty')
		.max(MESSAGE_BODY_MAX, `must be at most ${MESSAGE_BODY_MAX} characters`)
});

/** A staff reply. */
export type StaffReply = z.infer<typeof staffReplySchema>;

/** One conversation in `GET /api/staff/threads` (newest activity first). */
export const staffThreadSummarySchema = z.strictObject({
	id: z.string(),
	customerId: z.string(),
	customerName: z.string(),
	status: z.enum(['open', 'done']),
	lastMessageAt: z.number().int().nullable(),
	staffReadAt: z.number().int().nullable()
});

/** A thread in the staff list. */
export type StaffThreadSummary = z.infer<typeof staffThreadSummarySchema>;
