import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { staffReplySchema, type StaffThreadSummary } from '../../shared/protocol/staff-threads.ts';
import type { Message } from '../../shared/schemas/message.ts';
import { staffOf } from '../auth/guard.ts';
import { auditLog, customers, messages, messageThreads } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { serializeRows } from '../sync/serialize.ts';
import { visibility } from '../sync/visibility.ts';
import type { Principal } from '../auth/types.ts';
import type { Writer } from '../sync/writer.ts';

const threadParams = z.object({ id: z.string().min(1).max(64) });

/**
 * Writes a staff reply into a thread through the one write helper, so the customer's devices are
 * told at once. Returns the message as devices see it, or null when there is no such thread.
 */
export function postStaffReply(writer: Writer, staff: Extract<Principal, { kind: 'staff' }>, threadId: string, body: string): Message | null {
	return writer.transaction((w) => {
		const thread = w.db.select().from(messageThreads).where(eq(messageThreads.id, threadId)).get();
		if (!thread) return null;
		const id = randomUUID();
		w.db.insert(messages)
			.values({
				id,
				threadId: thread.id,
				customerId: thread.customerId,
				authorKind: 'staff',
				authorId: staff.staffUserId,
				authorName: staff.name,
				body,
				attachments: [],
				sentAt: w.now,
				seq: w.touch('messages', thread.customerId, id),
				deleted: false,
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		w.db.update(messageThreads).set({ lastMessageAt: w.now, staffReadAt: w.now }).where(eq(messageThreads.id, thread.id)).run();
		w.db.insert(auditLog)
			.values({ at: w.now, actorKind: 'staff', actorId: staff.staffUserId, action: 'message.sent', entity: 'message', entityId: id, detail: { threadId: thread.id } })
			.run();
		const row = w.db.select().from(messages).where(eq(messages.id, id)).get()!;
		const { _deleted, ...message } = serializeRows(w.db, 'messages', visibility.messages(staff), [row])[0];
		return message;
	});
}

const plugin: FastifyPluginAsync = async (app) => {
	app.get('/api/staff/threads', { config: { access: 'staff' } }, async () => {
		const rows = app.store.db
			.select({
				id: messageThreads.id,
				customerId: messageThreads.customerId,
				customerName: customers.name,
				status: messageThreads.status,
				lastMessageAt: messageThreads.lastMessageAt,
				staffReadAt: messageThreads.staffReadAt
			})
			.from(messageThreads)
			.innerJoin(customers, eq(customers.id, messageThreads.customerId))
			.orderBy(desc(sql`coalesce(${messageThreads.lastMessageAt}, ${messageThreads.createdAt})`))
			.limit(200)
			.all();
		return { threads: rows satisfies StaffThreadSummary[] };
	});

	app.post('/api/staff/threads/:id/messages', { config: { access: 'staff' } }, async (request, reply) => {
		const { id } = parseInput(threadParams, request.params);
		const { body } = parseInput(staffReplySchema, request.body);
		const message = postStaffReply(app.writer, staffOf(request.principal), id, body);
		if (!message) throw new AppError('NOT_FOUND', 'There is no such conversation.');
		reply.status(201);
		return message;
	});
};

/** The staff side of conversations: the minimal reply endpoint (the console builds on it). */
export const staffThreadRoutes = fp(plugin, { name: 'porchlight-staff-threads', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
