import { COLLECTIONS, type CollectionName } from '../../../shared/protocol/collections.ts';
import type { StreamServerMessage } from '../../../shared/protocol/stream.ts';

// The stream's constants and message check without zod, which the device's sync code would
// otherwise load on every start just for these. A unit test checks both against
// shared/protocol/stream.ts.

/** Path of the change-notification WebSocket (STREAM_PATH). */
export const STREAM_PATH = '/api/sync/stream';

/** How often the server sends a heartbeat (STREAM_HEARTBEAT_MS). */
export const STREAM_HEARTBEAT_MS = 15_000;

/** WebSocket close code: the session ended (STREAM_CLOSE_UNAUTHORIZED). */
export const STREAM_CLOSE_UNAUTHORIZED = 4401;

type Json = Record<string, unknown>;

function hasExactly(v: Json, keys: string[]): boolean {
	const own = Object.keys(v);
	return own.length === keys.length && keys.every((k) => Object.hasOwn(v, k));
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * A server → client stream message as streamServerMessageSchema accepts it (every field checked,
 * no others allowed), or null for anything else.
 */
export function parseStreamMessage(value: unknown): StreamServerMessage | null {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
	const v = value as Json;
	switch (v.type) {
		case 'hello':
			return hasExactly(v, ['type', 'databaseId', 'protocolVersion']) && typeof v.databaseId === 'string' && isInt(v.protocolVersion)
				? { type: 'hello', databaseId: v.databaseId, protocolVersion: v.protocolVersion }
				: null;
		case 'changed': {
			const c = v.collections;
			return hasExactly(v, ['type', 'collections']) && Array.isArray(c) && c.length > 0 && c.every((x) => (COLLECTIONS as readonly unknown[]).includes(x))
				? { type: 'changed', collections: [...(c as CollectionName[])] }
				: null;
		}
		case 'heartbeat':
			return hasExactly(v, ['type', 'at']) && isInt(v.at) ? { type: 'heartbeat', at: v.at } : null;
		case 'bye':
			return hasExactly(v, ['type', 'reason']) && typeof v.reason === 'string' ? { type: 'bye', reason: v.reason } : null;
		default:
			return null;
	}
}
