import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { messageThreads } from '../db/schema.ts';
import type { WriteContext } from './writer.ts';

/** The customer's conversation with the office, created on the first message. Returns its id. */
export function ensureThread(w: WriteContext, customerId: string): string {
	const existing = w.db.select({ id: messageThreads.id }).from(messageThreads).where(eq(messageThreads.customerId, customerId)).get();
	if (existing) return existing.id;
	const id = randomUUID();
	w.db.insert(messageThreads).values({ id, customerId, status: 'open', createdAt: w.now }).run();
	return id;
}
