import type { MangoQuery } from 'rxdb';
import type { Message, MessageAttachment } from '../../../shared/schemas/message.ts';
import type { PorchlightDatabase } from './database.ts';

// Type-only imports: the messages screen uses this module before RxDB (and zod) are loaded.

/** Longest message body; mirrors MESSAGE_BODY_MAX in shared/schemas/message.ts (a unit test checks). */
export const MESSAGE_MAX_LENGTH = 5000;

/** Where one of the customer's own messages is: on the device only, at the office, or refused. */
export type MessageDelivery = 'pending' | 'sent' | 'failed';

/** The words a message of photos alone carries, as every message has a body: "Photo", "3 photos". */
export function photoMessageBody(photos: number): string {
	return photos === 1 ? 'Photo' : `${photos} photos`;
}

/**
 * The body as it will be sent, or a sentence saying why it cannot be. With `photos`, an empty
 * body is fine: it becomes "Photo" or "N photos".
 */
export function checkMessageBody(body: string, options: { photos?: number } = {}): { ok: true; body: string } | { ok: false; error: string } {
	const trimmed = body.trim();
	if (trimmed === '' && options.photos) return { ok: true, body: photoMessageBody(options.photos) };
	if (trimmed === '') return { ok: false, error: 'Write a message first.' };
	if (trimmed.length > MESSAGE_MAX_LENGTH) return { ok: false, error: `A message can be at most ${MESSAGE_MAX_LENGTH} characters (this one has ${trimmed.length}).` };
	return { ok: true, body: trimmed };
}

/**
 * A new customer message as the device writes it: its own id, the device's send time, and the
 * server-owned fields (author name, createdAt, updatedAt) left empty for the server to fill in.
 * createdAt stays 0 until the server's copy comes back, which is what marks it sent.
 */
export function newCustomerMessage(body: string, sentAt: number, id: string = crypto.randomUUID(), attachments: MessageAttachment[] = []): Message {
	const checked = checkMessageBody(body, { photos: attachments.length });
	if (!checked.ok) throw new Error(checked.error);
	return { id, authorKind: 'customer', authorName: '', body: checked.body, attachments, sentAt, createdAt: 0, updatedAt: 0 };
}

/**
 * Writes a message into the local outbox; the replication sends it when it can (also after a
 * restart). `attachments` must be the customer's uploads as the server answered them (photos are
 * uploaded first: see lib/attachments).
 */
export async function sendMessage(db: PorchlightDatabase, body: string, options: { now?: number; id?: string; attachments?: MessageAttachment[] } = {}): Promise<Message> {
	const message = newCustomerMessage(body, options.now ?? Date.now(), options.id, options.attachments);
	await db.messages.insert(message);
	return message;
}

/**
 * The conversation from `since` on (messages sent at or after it; all of it by default), oldest
 * first. A range of the sentAt index: the query reads only those messages, however long the
 * thread is.
 */
export function threadQuery(db: PorchlightDatabase, since = 0) {
	return db.messages.find({ selector: since > 0 ? { sentAt: { $gte: since } } : {}, sort: [{ sentAt: 'asc' }, { id: 'asc' }] } as MangoQuery<Message>);
}

/**
 * Where a window of the newest `n` messages sent before `before` (default: all of them) starts:
 * the send time of the n-th newest (0 when there are at most n), and whether there are older
 * ones. Counted on the sentAt index and read with a cursor: a look-up for opening a screen or
 * paging back, not for every change.
 */
export async function windowStart(db: PorchlightDatabase, n: number, before?: number): Promise<{ since: number; earlier: boolean }> {
	const selector = (before === undefined ? {} : { sentAt: { $lt: before } }) as MangoQuery<Message>['selector'];
	const count = await db.messages.count({ selector }).exec();
	if (count <= n) return { since: 0, earlier: false };
	const [first] = await db.messages.find({ selector, sort: [{ sentAt: 'asc' }, { id: 'asc' }], skip: count - n, limit: 1 } as MangoQuery<Message>).exec();
	return first ? { since: first.sentAt, earlier: true } : { since: 0, earlier: false };
}

/** Delivery state of a message the customer wrote (null for the office's and system messages). */
export function deliveryOf(message: Pick<Message, 'id' | 'authorKind' | 'createdAt'>, failedIds: ReadonlySet<string>): MessageDelivery | null {
	if (message.authorKind !== 'customer') return null;
	if (failedIds.has(message.id)) return 'failed';
	return message.createdAt > 0 ? 'sent' : 'pending';
}
