import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import {
	STREAM_CLOSE_GOING_AWAY,
	STREAM_CLOSE_UNAUTHORIZED,
	STREAM_HEARTBEAT_MS,
	STREAM_PATH,
	type StreamServerMessage
} from '../../shared/protocol/stream.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';
import { customerOf } from '../auth/guard.ts';
import { AppError } from '../http/errors.ts';
import type { Change } from './changes.ts';
import { visibility, type View } from './visibility.ts';
import type { CustomerPrincipal } from './write-rules.ts';

/** How often open sockets' sessions are re-checked (a revoked session's socket closes within ~2× this). */
export const SESSION_CHECK_MS = 2_000;

/** Tuning for tests; production uses the defaults. */
export interface StreamOptions {
	heartbeatMs?: number;
	sessionCheckMs?: number;
}

interface Conn {
	socket: WebSocket;
	principal: CustomerPrincipal;
	views: { [C in CollectionName]: View<C> };
	pending: Set<CollectionName>;
	/** Heard from since the last heartbeat (pong or any message). */
	alive: boolean;
}

declare module 'fastify' {
	interface FastifyInstance {
		/** Open sync sockets, for health and tests. */
		syncStream: { connections(): number };
	}
}

function send(socket: WebSocket, message: StreamServerMessage): void {
	if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

const plugin: FastifyPluginAsync<StreamOptions> = async (app, opts) => {
	const heartbeatMs = opts.heartbeatMs ?? STREAM_HEARTBEAT_MS;
	const sessionCheckMs = opts.sessionCheckMs ?? SESSION_CHECK_MS;
	const byCustomer = new Map<string, Set<Conn>>();
	const all = new Set<Conn>();
	const dirty = new Set<Conn>();
	let flushScheduled = false;

	function flush() {
		flushScheduled = false;
		for (const conn of dirty) {
			send(conn.socket, { type: 'changed', collections: COLLECTIONS.filter((c) => conn.pending.has(c)) });
			conn.pending.clear();
		}
		dirty.clear();
	}

	// One message per socket per tick, however many rows a transaction (or several) touched.
	const unsubscribe = app.changes.subscribe((changes: readonly Change[]) => {
		for (const change of changes) {
			const conns = byCustomer.get(change.customerId);
			if (!conns) continue;
			for (const conn of conns) {
				if (conn.pending.has(change.collection)) continue;
				if (!conn.views[change.collection].hears(change)) continue;
				conn.pending.add(change.collection);
				dirty.add(conn);
			}
		}
		if (dirty.size > 0 && !flushScheduled) {
			flushScheduled = true;
			setImmediate(flush);
		}
	});

	function drop(conn: Conn) {
		all.delete(conn);
		dirty.delete(conn);
		const set = byCustomer.get(conn.principal.customerId);
		set?.delete(conn);
		if (set?.size === 0) byCustomer.delete(conn.principal.customerId);
	}

	function closeWith(conn: Conn, code: number, reason: string) {
		send(conn.socket, { type: 'bye', reason });
		conn.socket.close(code, reason);
		drop(conn);
	}

	const heartbeat = setInterval(() => {
		const at = app.clock();
		for (const conn of all) {
			if (!conn.alive) {
				// Silent for a whole interval: the peer is gone (a phone that lost signal).
				conn.socket.terminate();
				drop(conn);
				continue;
			}
			conn.alive = false;
			conn.socket.ping();
			send(conn.socket, { type: 'heartbeat', at });
		}
	}, heartbeatMs);
	heartbeat.unref();

	const liveStmtCache = new Map<number, ReturnType<typeof app.store.sqlite.prepare>>();
	function liveSessions(publicIds: string[], now: number): Set<string> {
		const live = new Set<string>();
		for (let i = 0; i < publicIds.length; i += 500) {
			const chunk = publicIds.slice(i, i + 500);
			let stmt = liveStmtCache.get(chunk.length);
			if (!stmt) {
				stmt = app.store.sqlite.prepare(
					`SELECT s.public_id AS id FROM sessions s LEFT JOIN portal_users u ON u.id = s.portal_user_id
					 WHERE s.public_id IN (${chunk.map(() => '?').join(',')})
					   AND s.revoked_at IS NULL AND s.idle_expires_at > ? AND s.absolute_expires_at > ?
					   AND (u.id IS NULL OR u.disabled = 0)`
				);
				liveStmtCache.set(chunk.length, stmt);
			}
			for (const row of stmt.all([...chunk, now, now]) as { id: string }[]) live.add(row.id);
		}
		return live;
	}

	const sessionCheck = setInterval(() => {
		if (all.size === 0) return;
		try {
			const conns = [...all];
			const live = liveSessions([...new Set(conns.map((c) => c.principal.sessionPublicId))], app.clock());
			for (const conn of conns) if (!live.has(conn.principal.sessionPublicId)) closeWith(conn, STREAM_CLOSE_UNAUTHORIZED, 'session-ended');
		} catch (err) {
			app.log.error({ err }, 'sync stream: session check failed');
		}
	}, sessionCheckMs);
	sessionCheck.unref();

	// Registered before @fastify/websocket so devices get a `bye` before its own preClose closes them.
	app.addHook('preClose', async () => {
		for (const conn of [...all]) closeWith(conn, STREAM_CLOSE_GOING_AWAY, 'shutdown');
	});
	app.addHook('onClose', async () => {
		clearInterval(heartbeat);
		clearInterval(sessionCheck);
		unsubscribe();
	});

	await app.register(websocket, { options: { maxPayload: 4096 } });

	// An upgrade refused by an earlier onRequest hook (the auth guard: 401/403) never reaches
	// @fastify/websocket's own hook, which would otherwise close the socket after the error reply;
	// without this the connection lingers half-open. Upgraded sockets are hijacked and never get here.
	app.addHook('onResponse', async (request) => {
		if (request.headers.upgrade?.toLowerCase() === 'websocket') request.raw.socket?.destroy();
	});

	app.decorate('syncStream', { connections: () => all.size });

	app.get(
		STREAM_PATH,
		{
			websocket: true,
			config: { access: 'customer' },
			// The guard checks Origin only for state-changing methods; a WebSocket upgrade is a GET
			// that browsers send cross-site with cookies, so it is checked here.
			preValidation: async (request) => {
				const origin = request.headers.origin;
				if (origin !== undefined && origin !== app.config.publicUrl) throw new AppError('CROSS_SITE', 'Cross-site connections are not allowed.');
			}
		},
		(socket, request) => {
			const principal = customerOf(request.principal);
			const conn: Conn = {
				socket,
				principal,
				views: Object.fromEntries(COLLECTIONS.map((c) => [c, visibility[c](principal)])) as Conn['views'],
				pending: new Set(),
				alive: true
			};
			all.add(conn);
			let set = byCustomer.get(principal.customerId);
			if (!set) byCustomer.set(principal.customerId, (set = new Set()));
			set.add(conn);
			socket.on('pong', () => (conn.alive = true));
			socket.on('message', () => (conn.alive = true));
			socket.on('close', () => drop(conn));
			send(socket, { type: 'hello', databaseId: app.store.databaseId, protocolVersion: PROTOCOL_VERSION });
		}
	);
};

/**
 * `GET /api/sync/stream`: a WebSocket per signed-in device, told which collections changed after
 * each commit it may see, kept alive by heartbeats, and closed (4401) soon after its session ends.
 */
export const syncStream = fp(plugin, { name: 'porchlight-sync-stream', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
