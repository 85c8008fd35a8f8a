import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { staffReplySchema } from '../../shared/protocol/staff-threads.ts';
import { inboxQuerySchema, threadPatchSchema, type InboxResponse, type InboxThread, type StaffConversationStart, type ThreadDetail } from '../../shared/protocol/staff.ts';
import type { Message } from '../../shared/schemas/message.ts';
import { audit, staffActor } from '../audit/log.ts';
import { staffOf } from '../auth/guard.ts';
import type Database from 'better-sqlite3';
import { messages, messageThreads, staffUsers } from '../db/schema.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { serializeRows } from '../sync/serialize.ts';
import { ensureThread } from '../sync/threads.ts';
import { visibility } from '../sync/visibility.ts';
import type { Principal } from '../auth/types.ts';
import type { Writer, WriteContext } from '../sync/writer.ts';
import { customerRecord, requireCustomer } from './views.ts';

const threadParams = z.object({ id: z.string().min(1).max(64) });

type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

function insertStaffMessage(w: WriteContext, staff: StaffPrincipal, thread: { id: string; customerId: string }, body: string): Message {
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
	// Replying is reading: the thread is no longer waiting for the office.
	w.db.update(messageThreads).set({ lastMessageAt: w.now, staffReadAt: w.now }).where(eq(messageThreads.id, thread.id)).run();
	audit(w.db, w.now, { actor: staffActor(staff), action: 'message.sent', entity: 'message', entityId: id, detail: { threadId: thread.id } });
	const row = w.db.select().from(messages).where(eq(messages.id, id)).get()!;
	const { _deleted, ...message } = serializeRows(w.db, 'messages', visibility.messages(staff), [row])[0];
	void _deleted;
	return message;
}

/**
 * Writes a staff reply into a thread through the one write helper, so the customer's devices are
 * told at once. Returns the message as devices see it, or null when there is no such thread.
 */
export function postStaffReply(writer: Writer, staff: StaffPrincipal, threadId: string, body: string): Message | null {
	return writer.transaction((w) => {
		const thread = w.db.select().from(messageThreads).where(eq(messageThreads.id, threadId)).get();
		if (!thread) return null;
		return insertStaffMessage(w, staff, thread, body);
	});
}

interface InboxRow {
	id: string;
	customer_id: string;
	subject: string | null;
	status: 'open' | 'done';
	assigned_staff_id: string | null;
	assigned_name: string | null;
	last_message_at: number | null;
	staff_read_at: number | null;
	created_at: number;
	customer_name: string;
	customer_email: string | null;
	customer_phone: string | null;
	last_author_kind: 'customer' | 'staff' | 'system' | null;
	last_author_name: string | null;
	last_body: string | null;
	last_at: number | null;
	unread: number;
}

// Unread: the customer's latest message came after staff last read (or replied to) the thread.
const INBOX_SELECT = `
SELECT t.id, t.customer_id, t.subject, t.status, t.assigned_staff_id, su.name AS assigned_name,
       t.last_message_at, t.staff_read_at, t.created_at,
       c.name AS customer_name, c.email AS customer_email, c.phone AS customer_phone,
       m.author_kind AS last_author_kind, m.author_name AS last_author_name, substr(m.body, 1, 200) AS last_body, m.created_at AS last_at,
       (lc.created_at IS NOT NULL AND (t.staff_read_at IS NULL OR lc.created_at > t.staff_read_at)) AS unread
FROM message_threads t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN staff_users su ON su.id = t.assigned_staff_id
LEFT JOIN messages m ON m.id = (SELECT id FROM messages WHERE thread_id = t.id AND deleted = 0 ORDER BY seq DESC LIMIT 1)
LEFT JOIN messages lc ON lc.id = (SELECT id FROM messages WHERE thread_id = t.id AND deleted = 0 AND author_kind = 'customer' ORDER BY seq DESC LIMIT 1)`;

function toThread(r: InboxRow): InboxThread {
	return {
		id: r.id,
		customerId: r.customer_id,
		customerName: r.customer_name,
		status: r.status,
		lastMessageAt: r.last_message_at,
		staffReadAt: r.staff_read_at,
		unread: r.unread === 1,
		subject: r.subject,
		assignedStaffId: r.assigned_staff_id,
		assignedStaffName: r.assigned_name,
		createdAt: r.created_at,
		customer: { id: r.customer_id, name: r.customer_name, email: r.customer_email, phone: r.customer_phone },
		lastMessage:
			r.last_author_kind && r.last_at !== null
				? { authorKind: r.last_author_kind, authorName: r.last_author_name ?? '', preview: r.last_body ?? '', at: r.last_at }
				: null
	};
}

function inboxThread(sqlite: Database.Database, id: string): InboxThread | null {
	const row = sqlite.prepare(`${INBOX_SELECT} WHERE t.id = ?`).get(id) as InboxRow | undefined;
	return row ? toThread(row) : null;
}

const plugin: FastifyPluginAsync = async (app) => {
	const sqlite = app.store.sqlite;

	app.get('/api/staff/threads', { config: { access: 'staff' } }, async (request): Promise<InboxResponse> => {
		const staff = staffOf(request.principal);
		const q = parseInput(inboxQuerySchema, request.query);
		const where: string[] = [];
		const params: unknown[] = [];
		if (q.status !== 'all') {
			where.push('t.status = ?');
			params.push(q.status);
		}
		if (q.assigned === 'unassigned') where.push('t.assigned_staff_id IS NULL');
		else if (q.assigned) {
			where.push('t.assigned_staff_id = ?');
			params.push(q.assigned === 'me' ? staff.staffUserId : q.assigned);
		}
		const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
		const rows = sqlite
			.prepare(`SELECT * FROM (${INBOX_SELECT} ${filter}) ORDER BY unread DESC, coalesce(last_message_at, created_at) DESC, id LIMIT ? OFFSET ?`)
			.all(...params, q.limit, q.offset) as InboxRow[];
		const counts = sqlite.prepare(`SELECT count(*) AS total, coalesce(sum(unread), 0) AS unread FROM (${INBOX_SELECT} ${filter})`).get(...params) as { total: number; unread: number };
		return { threads: rows.map(toThread), total: counts.total, unread: counts.unread, offset: q.offset, limit: q.limit };
	});

	app.get('/api/staff/threads/:id', { config: { access: 'staff' } }, async (request): Promise<ThreadDetail> => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(threadParams, request.params);
		const thread = inboxThread(sqlite, id);
		if (!thread) throw new AppError('NOT_FOUND', 'There is no such conversation.');
		const rows = app.store.db
			.select()
			.from(messages)
			.where(and(eq(messages.threadId, id), eq(messages.deleted, false)))
			.orderBy(asc(messages.seq))
			.all();
		const list = serializeRows(app.store.db, 'messages', visibility.messages(staff), rows).map(({ _deleted, ...m }) => (void _deleted, m));
		return { thread, messages: list, record: customerRecord(app.store.db, thread.customerId) };
	});

	app.patch('/api/staff/threads/:id', { config: { access: 'staff' } }, async (request) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(threadParams, request.params);
		const patch = parseInput(threadPatchSchema, request.body);
		app.writer.transaction((w) => {
			const thread = w.db.select().from(messageThreads).where(eq(messageThreads.id, id)).get();
			if (!thread) throw new AppError('NOT_FOUND', 'There is no such conversation.');
			const set: Partial<typeof messageThreads.$inferInsert> = {};
			const actor = staffActor(staff);
			if (patch.assignedStaffId !== undefined && patch.assignedStaffId !== thread.assignedStaffId) {
				if (patch.assignedStaffId !== null) {
					const to = w.db.select().from(staffUsers).where(eq(staffUsers.id, patch.assignedStaffId)).get();
					if (!to || to.disabled) throw new AppError('VALIDATION', 'assignedStaffId: is not an active staff member', { field: 'assignedStaffId' });
				}
				set.assignedStaffId = patch.assignedStaffId;
				audit(w.db, w.now, { actor, action: patch.assignedStaffId ? 'thread.assigned' : 'thread.unassigned', entity: 'thread', entityId: id, detail: { to: patch.assignedStaffId } });
			}
			if (patch.status !== undefined && patch.status !== thread.status) {
				set.status = patch.status;
				audit(w.db, w.now, { actor, action: patch.status === 'done' ? 'thread.done' : 'thread.reopened', entity: 'thread', entityId: id });
			}
			// Reading is not audited: it is bookkeeping, not an action on the customer's behalf.
			if (patch.read === true) set.staffReadAt = w.now;
			if (patch.read === false) set.staffReadAt = null;
			if (Object.keys(set).length > 0) {
				w.db.update(messageThreads).set(set).where(eq(messageThreads.id, id)).run();
				w.afterCommit(() => app.staffInbox.publish([id], false));
			}
		});
		return inboxThread(sqlite, id);
	});

	app.post('/api/staff/threads/:id/messages', { config: { access: 'staff' } }, async (request, reply) => {
		const { id } = parseInput(threadParams, request.params);
		const { body } = parseInput(staffReplySchema, request.body);
		const message = postStaffReply(app.writer, staffOf(request.principal), id, body);
		if (!message) throw new AppError('NOT_FOUND', 'There is no such conversation.');
		reply.status(201);
		return message;
	});

	// Starts (or continues) the conversation from the customer's record.
	app.post('/api/staff/customers/:id/messages', { config: { access: 'staff' } }, async (request, reply) => {
		const staff = staffOf(request.principal);
		const { id } = parseInput(threadParams, request.params);
		const { body } = parseInput(staffReplySchema, request.body);
		const message = app.writer.transaction((w): StaffConversationStart => {
			requireCustomer(w.db, id);
			const threadId = ensureThread(w, id);
			return { threadId, message: insertStaffMessage(w, staff, { id: threadId, customerId: id }, body) };
		});
		reply.status(201);
		return message;
	});

	app.get('/api/staff/users', { config: { access: 'staff' } }, async () => ({
		users: app.store.db
			.select({ id: staffUsers.id, name: staffUsers.name, email: staffUsers.email, role: staffUsers.role })
			.from(staffUsers)
			.where(eq(staffUsers.disabled, false))
			.orderBy(asc(staffUsers.name))
			.all()
	}));
};

/**
 * The inbox: threads (unread first) with their customers, a thread with its messages and the
 * customer's record, replies, assignment, done/reopen and read marks.
 */
export const staffThreadRoutes = fp(plugin, { name: 'porchlight-staff-threads', dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-staff-stream'] });
