import fc from 'fast-check';
import { expect, test } from 'vitest';
import { PROFILE_EDITABLE_FIELDS as generatedEditable, rxSchemas as generatedSchemas } from '../../client/lib/db/rx-schemas.ts';
import { parseStreamMessage, STREAM_CLOSE_UNAUTHORIZED, STREAM_HEARTBEAT_MS, STREAM_PATH } from '../../client/lib/sync/stream-message.ts';
import { COLLECTIONS } from '../../shared/protocol/collections.ts';
import * as stream from '../../shared/protocol/stream.ts';
import { PROFILE_EDITABLE_FIELDS } from '../../shared/schemas/profile.ts';
import { rxSchemas } from '../../shared/schemas/rx.ts';

// The device's sync code reads these without zod; they must stay what shared/ defines.

test('the precomputed RxDB schemas are the ones derived from the zod schemas (else run `npx tsx scripts/generate-rx-schemas.ts`)', () => {
	expect(generatedSchemas).toEqual(rxSchemas);
	expect(generatedEditable).toEqual(PROFILE_EDITABLE_FIELDS);
});

test('the stream constants are the protocol’s', () => {
	expect(STREAM_PATH).toBe(stream.STREAM_PATH);
	expect(STREAM_HEARTBEAT_MS).toBe(stream.STREAM_HEARTBEAT_MS);
	expect(STREAM_CLOSE_UNAUTHORIZED).toBe(stream.STREAM_CLOSE_UNAUTHORIZED);
});

test('stream messages the protocol allows are read as the schema reads them', () => {
	const samples: unknown[] = [
		{ type: 'hello', databaseId: 'db-1', protocolVersion: 8 },
		{ type: 'changed', collections: ['messages', 'invoices'] },
		{ type: 'heartbeat', at: 1_778_000_000_000 },
		{ type: 'bye', reason: 'shutdown' }
	];
	for (const m of samples) {
		expect(parseStreamMessage(m)).toEqual(stream.streamServerMessageSchema.parse(m));
	}
});

test('anything the schema refuses is refused: extra or missing fields, wrong types, unknown collections, an empty list', () => {
	const refused: unknown[] = [
		null,
		'hello',
		[],
		{ type: 'hello', databaseId: 'db-1' },
		{ type: 'hello', databaseId: 'db-1', protocolVersion: 8.5 },
		{ type: 'hello', databaseId: 1, protocolVersion: 8 },
		{ type: 'hello', databaseId: 'db-1', protocolVersion: 8, extra: true },
		{ type: 'changed', collections: [] },
		{ type: 'changed', collections: ['payments'] },
		{ type: 'changed', collections: 'messages' },
		{ type: 'heartbeat', at: Number.MAX_SAFE_INTEGER + 2 },
		{ type: 'heartbeat', at: Infinity },
		{ type: 'bye' },
		{ type: 'pong' }
	];
	for (const m of refused) {
		expect(stream.streamServerMessageSchema.safeParse(m).success).toBe(false);
		expect(parseStreamMessage(m)).toBeNull();
	}
});

test('for any JSON-like value, the check and the zod schema agree', () => {
	const field = fc.oneof(
		fc.string(),
		fc.integer(),
		fc.double(),
		fc.boolean(),
		fc.constant(null),
		fc.array(fc.oneof(fc.constantFrom(...COLLECTIONS), fc.string()), { maxLength: 3 })
	);
	const message = fc.record(
		{
			type: fc.constantFrom('hello', 'changed', 'heartbeat', 'bye', 'pong', 'other'),
			databaseId: field,
			protocolVersion: field,
			collections: field,
			at: field,
			reason: field,
			extra: field
		},
		{ requiredKeys: ['type'] }
	);
	fc.assert(
		fc.property(fc.oneof(message, fc.jsonValue()), (value) => {
			const expected = stream.streamServerMessageSchema.safeParse(value);
			const got = parseStreamMessage(value);
			if (expected.success) expect(got).toEqual(expected.data);
			else expect(got).toBeNull();
		}),
		{ numRuns: 2_000 }
	);
});
