import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { lostEdits, merge3, resolveConflict } from '../../client/lib/db/conflicts.ts';
import { databaseNameFor } from '../../client/lib/db/database.ts';
import { checkMessageBody, deliveryOf, MESSAGE_MAX_LENGTH, newCustomerMessage } from '../../client/lib/db/messages.ts';
import { backoffDelay } from '../../client/lib/sync/backoff.ts';
import { SyncSocket, type WebSocketLike } from '../../client/lib/sync/socket.ts';
import { SyncHttpError } from '../../client/lib/sync/transport.ts';
import { MESSAGE_BODY_MAX, messageSchema, type Profile } from '../../shared/schemas/index.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';

const billing = { name: 'Casey', email: null, line1: '1 Main St', line2: null, city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' };
const base: Profile & { _deleted: boolean } = {
	id: 'c1',
	name: 'Casey',
	email: 'casey@example.com',
	phone: '+1 555 0100',
	billing,
	addresses: [],
	autopay: { enabled: false, methodLabel: null },
	updatedAt: 10,
	_deleted: false
};

test('a conflict merges the device’s edits onto the server’s document field by field', () => {
	const mine = { ...base, phone: '+1 555 0199', billing: { ...billing, city: 'Shelbyville' } };
	const theirs = { ...base, name: 'Casey Jones', billing: { ...billing, postalCode: '62702' }, updatedAt: 11 };
	const input = { newDocumentState: mine, assumedMasterState: base, realMasterState: theirs };
	const out = resolveConflict('profile', input);
	expect(out).toEqual({ ...theirs, phone: '+1 555 0199', billing: { ...billing, city: 'Shelbyville', postalCode: '62702' } });
	expect(lostEdits('profile', input, out)).toEqual([]);
});

test('where both sides changed the same field the server wins and the loss is reported', () => {
	const mine = { ...base, name: 'Mine', billing: { ...billing, city: 'Mine City' } };
	const theirs = { ...base, name: 'Theirs', billing: { ...billing, city: 'Their City' }, updatedAt: 11 };
	const input = { newDocumentState: mine, assumedMasterState: base, realMasterState: theirs };
	const out = resolveConflict('profile', input);
	expect(out).toEqual(theirs);
	expect(lostEdits('profile', input, out)).toEqual(['name', 'billing.city']);
});

test('office-owned fields and refusals: the server’s document stands', () => {
	// No base to compare with (a retried insert): the server's copy.
	expect(resolveConflict('profile', { newDocumentState: { ...base, name: 'X' }, realMasterState: base })).toEqual(base);
	// The server changed nothing yet refused (a cancellation past the cut-off): not re-pushed forever.
	const appt = { id: 'a1', serviceTypeId: null, title: 'Visit', addressId: null, resourceName: null, status: 'confirmed' as const, startsAt: 5, endsAt: 6, preferredDate: null, preferredWindow: null, proposals: [], notes: null, createdAt: 1, updatedAt: 2, _deleted: false };
	const input = { newDocumentState: { ...appt, status: 'cancelled' as const }, assumedMasterState: appt, realMasterState: appt };
	expect(resolveConflict('appointments', input)).toEqual(appt);
	expect(lostEdits('appointments', input, appt)).toEqual(['status']);
	// Messages have no device-editable fields.
	expect(merge3(1, 2, 3)).toBe(3);
	expect(merge3(1, 1, 3)).toBe(3);
	expect(merge3(1, 2, 1)).toBe(2);
});

test('backoff doubles up to the ceiling, with jitter in the upper half', () => {
	const o = { baseMs: 1000, maxMs: 30_000 };
	expect(backoffDelay(0, o, () => 0)).toBe(500);
	expect(backoffDelay(0, o, () => 1)).toBe(1000);
	expect(backoffDelay(3, o, () => 0)).toBe(4000);
	expect(backoffDelay(50, o, () => 1)).toBe(30_000);
	for (let i = 0; i < 100; i++) {
		const d = backoffDelay(i % 8, o);
		expect(d).toBeGreaterThanOrEqual(Math.min(30_000, 1000 * 2 ** (i % 8)) / 2);
	}
});

test('each customer gets a database name of its own, valid for RxDB', () => {
	expect(databaseNameFor('2af490d7-f813-400d-973a-80103733dd37')).toBe('porchlight-2af490d7-f813-400d-973a-80103733dd37');
	const a = databaseNameFor('Cust_A.1');
	const b = databaseNameFor('cust_a.1');
	expect(a).not.toBe(b);
	for (const n of [a, b]) expect(n).toMatch(/^[a-z][a-z0-9_-]*$/);
	// An escape never collides with a literal id.
	expect(databaseNameFor('_5f')).not.toBe(databaseNameFor('_'));
});

test('a new message passes the shared schema; the body limit mirrors the server’s', () => {
	expect(MESSAGE_MAX_LENGTH).toBe(MESSAGE_BODY_MAX);
	const m = newCustomerMessage('  Hello there  ', 1_700_000_000_000);
	expect(messageSchema.parse(m)).toEqual(m);
	expect(m).toMatchObject({ body: 'Hello there', authorKind: 'customer', createdAt: 0, updatedAt: 0 });
	expect(checkMessageBody('   ').ok).toBe(false);
	expect(checkMessageBody('x'.repeat(MESSAGE_BODY_MAX + 1)).ok).toBe(false);
	expect(deliveryOf(m, new Set())).toBe('pending');
	expect(deliveryOf(m, new Set([m.id]))).toBe('failed');
	expect(deliveryOf({ ...m, createdAt: 5 }, new Set())).toBe('sent');
	expect(deliveryOf({ ...m, authorKind: 'staff' }, new Set())).toBeNull();
});

test('a refused push names the document by its position', () => {
	const e = (field?: string) => new SyncHttpError(403, { code: 'FORBIDDEN', message: 'no', field });
	expect(e('3').documentIndex).toBe(3);
	expect(e('12.attachments').documentIndex).toBe(12);
	expect(e('0.newDocumentState.body').documentIndex).toBe(0);
	expect(e(undefined).documentIndex).toBeUndefined();
	expect(e('collection').documentIndex).toBeUndefined();
	expect(new SyncHttpError(401, null).transient).toBe(true);
	expect(new SyncHttpError(503, null).transient).toBe(true);
	expect(new SyncHttpError(400, { code: 'VALIDATION', message: 'x' }).transient).toBe(false);
	expect(new SyncHttpError(403, { code: 'CROSS_SITE', message: 'x' }).transient).toBe(true);
});

/** A WebSocket the test drives by hand. */
class FakeSocket implements WebSocketLike {
	static all: FakeSocket[] = [];
	readyState = 0;
	sent: string[] = [];
	closedWith: number | null = null;
	onopen: ((ev: unknown) => void) | null = null;
	onmessage: ((ev: { data: unknown }) => void) | null = null;
	onclose: ((ev: { code: number; reason: string }) => void) | null = null;
	onerror: ((ev: unknown) => void) | null = null;
	constructor(readonly url: string) {
		FakeSocket.all.push(this);
	}
	send(data: string) {
		this.sent.push(data);
	}
	close(code = 1000) {
		this.closedWith = code;
	}
	open() {
		this.readyState = 1;
		this.onopen?.({});
	}
	receive(message: object) {
		this.onmessage?.({ data: JSON.stringify(message) });
	}
	serverClose(code: number) {
		this.readyState = 3;
		this.onclose?.({ code, reason: '' });
	}
}

beforeEach(() => {
	vi.useFakeTimers();
	FakeSocket.all = [];
});
afterEach(() => vi.useRealTimers());

function socket(extra: Partial<ConstructorParameters<typeof SyncSocket>[0]> = {}) {
	const events: string[] = [];
	const s = new SyncSocket({
		url: 'ws://x/api/sync/stream',
		WebSocket: FakeSocket,
		heartbeatTimeoutMs: 45_000,
		backoff: { baseMs: 1000, maxMs: 8000 },
		random: () => 1,
		onHello: (h) => events.push(`hello:${h.databaseId}`),
		onChanged: (cs) => events.push(`changed:${cs.join(',')}`),
		onUnauthorized: () => events.push('unauthorized'),
		...extra
	});
	return { s, events };
}

const hello = { type: 'hello', databaseId: 'db1', protocolVersion: PROTOCOL_VERSION };

test('the stream socket forwards hello and changes, answers heartbeats, and reconnects after 45 s of silence', () => {
	const { s, events } = socket();
	s.start();
	const first = FakeSocket.all[0];
	first.open();
	first.receive(hello);
	first.receive({ type: 'changed', collections: ['messages', 'invoices'] });
	first.receive({ type: 'heartbeat', at: 1 });
	expect(events).toEqual(['hello:db1', 'changed:messages,invoices']);
	expect(first.sent).toEqual([JSON.stringify({ type: 'pong' })]);
	expect(s.status).toBe('open');

	// Heartbeats keep it alive...
	vi.advanceTimersByTime(40_000);
	first.receive({ type: 'heartbeat', at: 2 });
	vi.advanceTimersByTime(40_000);
	expect(FakeSocket.all).toHaveLength(1);
	// ...silence past the window drops it and a new one is made after the backoff.
	vi.advanceTimersByTime(5_001);
	expect(first.closedWith).toBe(4000);
	expect(s.status).toBe('closed');
	vi.advanceTimersByTime(1000);
	expect(FakeSocket.all).toHaveLength(2);
	s.stop();
});

test('reconnection backs off exponentially and starts over after a successful hello', () => {
	const { s } = socket();
	s.start();
	const waits: number[] = [];
	for (let i = 0; i < 5; i++) {
		const count = FakeSocket.all.length;
		FakeSocket.all.at(-1)!.serverClose(1006);
		let waited = 0;
		while (FakeSocket.all.length === count) {
			vi.advanceTimersByTime(100);
			waited += 100;
		}
		waits.push(waited);
	}
	expect(waits).toEqual([1000, 2000, 4000, 8000, 8000]);
	const sock = FakeSocket.all.at(-1)!;
	sock.open();
	sock.receive(hello);
	sock.serverClose(1001);
	vi.advanceTimersByTime(999);
	expect(FakeSocket.all.at(-1)).toBe(sock);
	vi.advanceTimersByTime(1);
	expect(FakeSocket.all.at(-1)).not.toBe(sock);
	s.stop();
});

test('a 4401 close reports the ended session and does not reconnect; offline waits for the network', () => {
	const { s, events } = socket();
	s.start();
	FakeSocket.all[0].open();
	FakeSocket.all[0].receive(hello);
	FakeSocket.all[0].serverClose(4401);
	vi.advanceTimersByTime(120_000);
	expect(events.at(-1)).toBe('unauthorized');
	expect(FakeSocket.all).toHaveLength(1);
	expect(s.status).toBe('unauthorized');
	s.stop();

	let online = false;
	const listeners: Record<string, () => void> = {};
	const offline = socket({ isOnline: () => online, onlineEvents: { addEventListener: (t, l) => (listeners[t] = l), removeEventListener: () => {} } });
	offline.s.start();
	vi.advanceTimersByTime(30_000);
	expect(FakeSocket.all).toHaveLength(1);
	online = true;
	listeners.online();
	expect(FakeSocket.all).toHaveLength(2);
	offline.s.stop();
});
