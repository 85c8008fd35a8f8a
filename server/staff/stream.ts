import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { STAFF_STREAM_PATH, type StaffStreamMessage } from '../../shared/protocol/staff.ts';
import { STREAM_CLOSE_GOING_AWAY, STREAM_CLOSE_UNAUTHORIZED, STREAM_HEARTBEAT_MS } from '../../shared/protocol/stream.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';
import { staffOf } from '../auth/guard.ts';
import { AppError } from '../http/errors.ts';
import type { Change } from '../sync/changes.ts';
import { SESSION_CHECK_MS, type StreamOptions } from '../sync/stream.ts';

/*
 * The staff console's live channel: `GET /api/staff/stream`, a WebSocket for staff sessions
 * (the customers' sync socket refuses them, and stays untouched). It says which inbox threads
 * changed — a customer wrote, a colleague replied, assigned, closed or read one — and which quotes
 * a customer answered, and the console refetches them. It carries ids only; every detail comes through the guarded HTTP API.
 */

/** Announces inbox changes that are not replicated rows (assign, done, read) to the console. */
export interface StaffInbox {
	publish(threadIds: readonly string[], customerMessage: boolean): void;
	/** Open staff sockets. */
	connections(): number;
}

/** A customer's answer to a quote, as the console hears it. */
export type StaffQuoteEvent = Omit<Extract<StaffStreamMessage, { type: 'quote' }>, 'type'>;

/** Tells every staff socket that a customer answered a quote (approved, declined, asked for changes). */
export interface StaffQuotes {
	publish(event: StaffQuoteEvent): void;
}

declare module 'fastify' {
	interface FastifyInstance {
		/** The staff console's live inbox channel. */
		staffInbox: StaffInbox;
		/** The staff console's live quote answers. */
		staffQuotes: StaffQuotes;
	}
}

interface Conn {
	socket: WebSocket;
	sessionPublicId: string;
	alive: boolean;
}

function send(socket: WebSocket, message: StaffStreamMessage): void {
	if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

const plugin: FastifyPluginAsync<StreamOptions> = async (app, opts) => {
	const heartbeatMs = opts.heartbeatMs ?? STREAM_HEARTBEAT_MS;
	const sessionCheckMs = opts.sessionCheckMs ?? SESSION_CHECK_MS;
	const conns = new Set<Conn>();
	// Changes of one tick go out as one message per socket.
	const pending = new Set<string>();
	let pendingCustomer = false;
	let flushScheduled = false;

	function flush() {
		flushScheduled = false;
		if (pending.size === 0) return;
		const message: StaffStreamMessage = { type: 'inbox', threadIds: [...pending], customerMessage: pendingCustomer };
		pending.clear();
		pendingCustomer = false;
		for (const conn of conns) send(conn.socket, message);
	}

	function publish(threadIds: readonly string[], customerMessage: boolean) {
		if (threadIds.length === 0 || conns.size === 0) return;
		for (const id of threadIds) pending.add(id);
		pendingCustomer ||= customerMessage;
		if (!flushScheduled) {
			flushScheduled = true;
			setImmediate(flush);
		}
	}

	const threadsOf = app.store.sqlite.prepare<[string], { thread_id: string; customer: number }>(
		`SELECT thread_id, max(author_kind = 'customer') AS customer FROM messages WHERE id IN (SELECT value FROM json_each(?)) GROUP BY thread_id`
	);

	const unsubscribe = app.changes.subscribe((changes: readonly Change[]) => {
		if (conns.size === 0) return;
		const ids = changes.filter((c) => c.collection === 'messages').map((c) => c.id);
		if (ids.length === 0) return;
		const rows = threadsOf.all(JSON.stringify(ids));
		publish(
			rows.map((r) => r.thread_id),
			rows.some((r) => r.customer === 1)
		);
	});

	app.decorate('staffInbox', { publish, connections: () => conns.size });
	// Answers are rare and each one matters on its own: sent at once, one message per answer.
	app.decorate('staffQuotes', {
		publish(event: StaffQuoteEvent) {
			const message: StaffStreamMessage = { type: 'quote', ...event };
			for (const conn of conns) send(conn.socket, message);
		}
	});

	function closeWith(conn: Conn, code: number, reason: string) {
		send(conn.socket, { type: 'bye', reason });
		conn.socket.close(code, reason);
		conns.delete(conn);
	}

	const heartbeat = setInterval(() => {
		const at = app.clock();
		for (const conn of [...conns]) {
			if (!conn.alive) {
				conn.socket.terminate();
				conns.delete(conn);
				continue;
			}
			conn.alive = false;
			conn.socket.ping();
			send(conn.socket, { type: 'heartbeat', at });
		}
	}, heartbeatMs);
	heartbeat.unref();

	// Staff sockets are few: one query per socket per check is cheap.
	const liveStmt = app.store.sqlite.prepare<[string, number, number], { ok: number }>(
		`SELECT 1 AS ok FROM sessions s JOIN staff_users u ON u.id = s.staff_user_id
		 WHERE s.public_id = ? AND s.revoked_at IS NULL AND s.idle_expires_at > ? AND s.absolute_expires_at > ? AND u.disabled = 0`
	);
	const sessionCheck = setInterval(() => {
		if (conns.size === 0) return;
		try {
			const now = app.clock();
			for (const conn of [...conns]) if (!liveStmt.get(conn.sessionPublicId, now, now)) closeWith(conn, STREAM_CLOSE_UNAUTHORIZED, 'session-ended');
		} catch (err) {
			app.log.error({ err }, 'staff stream: session check failed');
		}
	}, sessionCheckMs);
	sessionCheck.unref();

	app.addHook('preClose', async () => {
		for (const conn of [...conns]) closeWith(conn, STREAM_CLOSE_GOING_AWAY, 'shutdown');
	});
	app.addHook('onClose', async () => {
		clearInterval(heartbeat);
		clearInterval(sessionCheck);
		unsubscribe();
	});

	app.get(
		STAFF_STREAM_PATH,
		{
			websocket: true,
			config: { access: 'staff' },
			// A WebSocket upgrade is a GET browsers send cross-site with cookies: check the origin here.
			preValidation: async (request) => {
				const origin = request.headers.origin;
				if (origin !== undefined && origin !== app.config.publicUrl) throw new AppError('CROSS_SITE', 'Cross-site connections are not allowed.');
			}
		},
		(socket, request) => {
			const staff = staffOf(request.principal);
			const conn: Conn = { socket, sessionPublicId: staff.sessionPublicId, alive: true };
			conns.add(conn);
			socket.on('pong', () => (conn.alive = true));
			socket.on('message', () => (conn.alive = true));
			socket.on('close', () => conns.delete(conn));
			send(socket, { type: 'hello', protocolVersion: PROTOCOL_VERSION, topics: ['inbox', 'quotes'] });
		}
	);
};

/** `GET /api/staff/stream`: live inbox and quote notifications for the staff console. */
export const staffStream = fp(plugin, {
	name: 'porchlight-staff-stream',
	// The sync stream registers @fastify/websocket (and the hook that closes refused upgrades).
	dependencies: ['porchlight-db', 'porchlight-auth-guard', 'porchlight-sync-stream']
});
