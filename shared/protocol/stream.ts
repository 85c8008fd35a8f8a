import { z } from 'zod';
import { COLLECTIONS } from './collections.ts';

/** Path of the change-notification WebSocket. */
export const STREAM_PATH = '/api/sync/stream';

/** How often the server sends a heartbeat; a client that hears nothing for ~2.5× this reconnects. */
export const STREAM_HEARTBEAT_MS = 15_000;

/** WebSocket close code: the session was revoked, expired, or never valid. Sign in again. */
export const STREAM_CLOSE_UNAUTHORIZED = 4401;

/** WebSocket close code: the Origin header is not the portal's own. */
export const STREAM_CLOSE_FORBIDDEN_ORIGIN = 4403;

/** WebSocket close code: the server is shutting down; reconnect with backoff. */
export const STREAM_CLOSE_GOING_AWAY = 1001;

/**
 * First message on every connection. `databaseId` identifies the server database: a device whose
 * checkpoints belong to another id must start over. `protocolVersion` is `PROTOCOL_VERSION`.
 */
export const streamHelloSchema = z.strictObject({
	type: z.literal('hello'),
	databaseId: z.string(),
	protocolVersion: z.number().int()
});

/** Some of the named collections changed for this session: pull them (RxDB `RESYNC`). */
export const streamChangedSchema = z.strictObject({
	type: z.literal('changed'),
	collections: z.array(z.enum(COLLECTIONS)).min(1)
});

/** Sent every `STREAM_HEARTBEAT_MS` so both sides notice a dead connection. `at` is server time (ms). */
export const streamHeartbeatSchema = z.strictObject({
	type: z.literal('heartbeat'),
	at: z.number().int()
});

/** The server is closing the socket, and why (`session-ended`, `shutdown`). */
export const streamByeSchema = z.strictObject({
	type: z.literal('bye'),
	reason: z.string()
});

/** Any message the server sends on the stream. */
export const streamServerMessageSchema = z.discriminatedUnion('type', [streamHelloSchema, streamChangedSchema, streamHeartbeatSchema, streamByeSchema]);

/** A server → client stream message. */
export type StreamServerMessage = z.infer<typeof streamServerMessageSchema>;

/** Optional answer to a heartbeat; the server ignores anything else a client sends. */
export const streamClientMessageSchema = z.strictObject({ type: z.literal('pong') });

/** A client → server stream message. */
export type StreamClientMessage = z.infer<typeof streamClientMessageSchema>;
