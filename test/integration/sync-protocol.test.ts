import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import { pullResponseSchema } from '../../shared/protocol/pull.ts';
import { pushResponseSchema } from '../../shared/protocol/push.ts';
import { errorBodySchema } from '../../shared/protocol/errors.ts';
import * as s from '../../server/db/schema.ts';
import { COLLECTION_TABLES } from '../../server/sync/writer.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { snapshot } from '../helpers/db-snapshot.ts';
import {
	createAppointment,
	createCustomer,
	createDocument,
	createInvoice,
	createMessage,
	createQuote,
	createServiceType,
	customerCookie,
	pull,
	pullAll,
	push,
	staffCookie
} from '../helpers/sync.ts';

type Doc = Record<string, any>;

/** What the conformance suite needs to know about one collection. */
interface Fixture {
	/** Server-side rows of the customer's own (ids), `n` of them where the collection allows. */
	seed(app: FastifyInstance, customerId: string, n: number): string[];
	/** A server-side change to a row (a new version devices must pull). */
	serverEdit(app: FastifyInstance, customerId: string, id: string): void;
	/** A distinctive string of the row's content, which must not survive in a tombstone. */
	content(doc: Doc): string;
	/** A change the customer may make to their own document, or a new document they may insert. */
	allowedWrite: ((master: Doc, ctx: { serviceTypeId: string }) => Doc) | null;
	/** A change the customer may not make, and the field the 403 names. */
	forbiddenWrite(master: Doc): { doc: Doc; field: string };
	/** A document that fails the schema, and the field the 400 names. */
	invalid(master: Doc): { doc: Doc; field: string };
}

function setColumn(app: FastifyInstance, collection: CollectionName, customerId: string, id: string, values: Record<string, unknown>) {
	const table = COLLECTION_TABLES[collection] as unknown as typeof s.messages;
	app.writer.transaction((w) => {
		const prev = w.db.select({ updatedAt: table.updatedAt }).from(table).where(eq(table.id, id)).get();
		w.db.update(table)
			.set({ ...values, seq: w.touch(collection, customerId, id), updatedAt: w.version(prev?.updatedAt) })
			.where(eq(table.id, id))
			.run();
	});
}

const FIXTURES: Record<CollectionName, Fixture> = {
	profile: {
		seed: (_app, customerId) => [customerId],
		serverEdit: (app, c, id) => setColumn(app, 'profile', c, id, { name: `Renamed ${randomUUID().slice(0, 6)}` }),
		content: (d) => d.name,
		allowedWrite: (m) => ({ ...m, phone: '+1 555 0199', billing: { ...m.billing, line1: '9 Elm St' } }),
		forbiddenWrite: (m) => ({ doc: { ...m, autopay: { enabled: !m.autopay.enabled, methodLabel: null } }, field: '0.autopay' }),
		invalid: (m) => ({ doc: { ...m, email: 'not an email' }, field: '0.newDocumentState.email' })
	},
	invoices: {
		seed: (app, c, n) => Array.from({ length: n }, (_, i) => createInvoice(app, c, { title: `Invoice title ${i} ${randomUUID()}` })),
		serverEdit: (app, c, id) => setColumn(app, 'invoices', c, id, { title: `Edited ${randomUUID()}` }),
		content: (d) => d.title,
		allowedWrite: null,
		forbiddenWrite: (m) => ({ doc: { ...m, total: 1, amountPaid: m.total, status: 'paid', paidAt: 1 }, field: '0' }),
		invalid: (m) => ({ doc: { ...m, status: 'draft' }, field: '0.newDocumentState.status' })
	},
	documents: {
		seed: (app, c, n) => Array.from({ length: n }, (_, i) => createDocument(app, c, { title: `Document title ${i} ${randomUUID()}` }).id),
		serverEdit: (app, c, id) => setColumn(app, 'documents', c, id, { title: `Edited ${randomUUID()}` }),
		content: (d) => d.title,
		allowedWrite: null,
		forbiddenWrite: (m) => ({ doc: { ...m, title: 'Forged title' }, field: '0' }),
		invalid: (m) => ({ doc: { ...m, sha256: 'xyz' }, field: '0.newDocumentState.sha256' })
	},
	messages: {
		seed: (app, c, n) => Array.from({ length: n }, (_, i) => createMessage(app, c, { body: `Message body ${i} ${randomUUID()}` })),
		serverEdit: (app, c, id) => setColumn(app, 'messages', c, id, { body: `Edited ${randomUUID()}` }),
		content: (d) => d.body,
		allowedWrite: () => ({
			id: randomUUID(),
			authorKind: 'customer',
			authorName: '',
			body: `Hello from the device ${randomUUID()}`,
			attachments: [],
			sentAt: Date.UTC(2026, 4, 12),
			createdAt: 0,
			updatedAt: 0,
			_deleted: false
		}),
		forbiddenWrite: (m) => ({ doc: { ...m, body: 'Rewritten history' }, field: '0' }),
		invalid: (m) => ({ doc: { ...m, id: randomUUID(), body: '   ' }, field: '0.newDocumentState.body' })
	},
	appointments: {
		seed: (app, c, n) => Array.from({ length: n }, (_, i) => createAppointment(app, c, { title: `Visit ${i} ${randomUUID()}` })),
		serverEdit: (app, c, id) => setColumn(app, 'appointments', c, id, { title: `Edited ${randomUUID()}` }),
		content: (d) => d.title,
		allowedWrite: (_m, ctx) => ({
			id: randomUUID(),
			serviceTypeId: ctx.serviceTypeId,
			title: 'Leaky faucet',
			addressId: null,
			resourceName: null,
			status: 'requested',
			startsAt: null,
			endsAt: null,
			preferredDate: '2026-05-20',
			preferredWindow: 'morning',
			proposals: [],
			notes: null,
			createdAt: 0,
			updatedAt: 0,
			_deleted: false
		}),
		forbiddenWrite: (m) => ({ doc: { ...m, startsAt: m.startsAt + 3_600_000, endsAt: m.endsAt + 3_600_000 }, field: '0.startsAt' }),
		invalid: (m) => ({ doc: { ...m, preferredWindow: 'evening' }, field: '0.newDocumentState.preferredWindow' })
	},
	quotes: {
		seed: (app, c, n) => Array.from({ length: n }, (_, i) => createQuote(app, c, { title: `Quote title ${i} ${randomUUID()}` })),
		serverEdit: (app, c, id) => setColumn(app, 'quotes', c, id, { title: `Edited ${randomUUID()}` }),
		content: (d) => d.title,
		allowedWrite: null,
		forbiddenWrite: (m) => ({ doc: { ...m, status: 'approved', selection: [], approvedTotal: 1, signerName: 'Forger' }, field: '0' }),
		invalid: (m) => ({ doc: { ...m, status: 'draft' }, field: '0.newDocumentState.status' })
	}
};

let server: TestServer;
beforeAll(async () => {
	server = await startServer();
});
afterAll(async () => {
	await server.close();
});

/** A fresh customer with `n` rows of the collection, signed in, and another customer with rows too. */
function setup(collection: CollectionName, n: number) {
	const a = createCustomer(server.app);
	const b = createCustomer(server.app);
	const ids = FIXTURES[collection].seed(server.app, a.id, n);
	const otherIds = FIXTURES[collection].seed(server.app, b.id, 3);
	const { cookie } = customerCookie(server, a.id);
	return { a, b, ids, otherIds, cookie, serviceTypeId: createServiceType(server.app) };
}

function expectError(res: { status: number; body: unknown }, status: number, code: string, field?: string) {
	expect(res.status).toBe(status);
	const body = errorBodySchema.parse(res.body);
	expect(body.code).toBe(code);
	if (field !== undefined) expect(body.field).toBe(field);
}

describe.each(COLLECTIONS)('sync protocol conformance: %s', (collection) => {
	const fx = FIXTURES[collection];
	const schema = pullResponseSchema(collection);

	test('pull pages through own rows in seq order with strictly increasing checkpoints', async () => {
		const { ids, otherIds, cookie } = setup(collection, 10);
		const seen: string[] = [];
		let after = 0;
		let pages = 0;
		for (;;) {
			const res = await pull(server, cookie, collection, { after, limit: 3 });
			expect(res.status).toBe(200);
			const page = schema.parse(res.body);
			expect(page.documents.length).toBeLessThanOrEqual(3);
			if (page.documents.length === 0) {
				expect(page.checkpoint).toEqual({ seq: after });
				break;
			}
			expect(page.checkpoint!.seq).toBeGreaterThan(after);
			after = page.checkpoint!.seq;
			seen.push(...page.documents.map((d) => d.id));
			pages++;
		}
		expect(seen).toEqual(ids);
		expect(pages).toBe(Math.ceil(ids.length / 3));
		for (const id of otherIds) expect(seen).not.toContain(id);
		// Defaults: no query → up to 100 rows from the start.
		const all = await pull(server, cookie, collection);
		expect(schema.parse(all.body).documents.map((d) => d.id)).toEqual(ids);
		expect(all.body.checkpoint).toEqual({ seq: after });
	});

	test('pull rejects bad paging parameters, naming the field', async () => {
		const { cookie } = setup(collection, 1);
		expectError(await pull(server, cookie, collection, { limit: 0 }), 400, 'VALIDATION', 'limit');
		expectError(await pull(server, cookie, collection, { limit: 1001 }), 400, 'VALIDATION', 'limit');
		expectError(await pull(server, cookie, collection, { after: -1 }), 400, 'VALIDATION', 'after');
		expectError(await pull(server, cookie, collection, { after: 'yesterday' }), 400, 'VALIDATION', 'after');
		expect((await pull(server, cookie, collection, { limit: 1000 })).status).toBe(200);
	});

	test('a changed row comes again after the last checkpoint, and only it', async () => {
		const { ids, a, cookie } = setup(collection, 4);
		const first = await pullAll(server, cookie, collection);
		const target = ids[ids.length - 1 - (ids.length > 1 ? 1 : 0)];
		fx.serverEdit(server.app, a.id, target);
		const res = await pull(server, cookie, collection, { after: first.seq });
		const page = schema.parse(res.body);
		expect(page.documents.map((d) => d.id)).toEqual([target]);
		expect(page.checkpoint!.seq).toBeGreaterThan(first.seq);
		const before = first.documents.find((d) => d.id === target);
		expect(page.documents[0].updatedAt).toBeGreaterThan(before.updatedAt);
	});

	test('a deleted row arrives as a tombstone without its content', async () => {
		const { ids, a, cookie } = setup(collection, 2);
		const first = await pullAll(server, cookie, collection);
		const victim = first.documents[0];
		setColumn(server.app, collection, a.id, victim.id, { deleted: true });
		const res = await pull(server, cookie, collection, { after: first.seq });
		const page = schema.parse(res.body);
		expect(page.documents).toHaveLength(1);
		expect(page.documents[0]).toMatchObject({ id: victim.id, _deleted: true });
		expect(res.text).not.toContain(fx.content(victim));
		// A fresh device pulling from zero gets the tombstone too, in the row's new place.
		const again = await pullAll(server, cookie, collection);
		expect(again.documents.map((d) => d.id)).toEqual([...ids.filter((id) => id !== victim.id), victim.id]);
	});

	test('push validation: 400 names the document and field, and nothing is stored', async () => {
		const { cookie, serviceTypeId } = setup(collection, 1);
		const [master] = (await pullAll(server, cookie, collection)).documents;
		const before = snapshot(server.app);
		const { doc, field } = fx.invalid(master);
		expectError(await push(server, cookie, collection, [{ newDocumentState: doc, assumedMasterState: master }]), 400, 'VALIDATION', field);
		// A valid write first and the invalid one second: neither is applied.
		if (fx.allowedWrite) {
			const good = fx.allowedWrite(master, { serviceTypeId });
			const res = await push(server, cookie, collection, [
				{ newDocumentState: good, assumedMasterState: good.id === master.id ? master : undefined },
				{ newDocumentState: { ...doc, id: doc.id === master.id ? randomUUID() : doc.id }, assumedMasterState: null }
			]);
			expectError(res, 400, 'VALIDATION', field.replace(/^0\./, '1.'));
		}
		expectError(await push(server, cookie, collection, [{ newDocumentState: { ...master, customerId: 'x' }, assumedMasterState: master }]), 400, 'VALIDATION', '0.newDocumentState');
		expectError(await push(server, cookie, collection, [{ newDocumentState: { id: master.id } }]), 400, 'VALIDATION');
		expectError(await push(server, cookie, collection, { newDocumentState: master }), 400, 'VALIDATION');
		expectError(await push(server, cookie, collection, Array.from({ length: 201 }, () => ({ newDocumentState: master, assumedMasterState: master }))), 400, 'VALIDATION');
		expect(snapshot(server.app)).toBe(before);
	});

	test('forbidden writes: 403 naming the field or rule, the whole batch refused', async () => {
		const { cookie, serviceTypeId } = setup(collection, 1);
		const [master] = (await pullAll(server, cookie, collection)).documents;
		const before = snapshot(server.app);
		const { doc, field } = fx.forbiddenWrite(master);
		expectError(await push(server, cookie, collection, [{ newDocumentState: doc, assumedMasterState: master }]), 403, 'FORBIDDEN', field);
		// Deleting is never a customer's to do.
		const del = await push(server, cookie, collection, [{ newDocumentState: { ...master, _deleted: true }, assumedMasterState: master }]);
		expectError(del, 403, 'FORBIDDEN');
		expect(del.body.field).toMatch(/^0(\._deleted)?$/);
		const good = fx.allowedWrite?.(master, { serviceTypeId });
		if (good && good.id !== master.id) {
			// An allowed insert first and the forbidden change second: neither is applied.
			const res = await push(server, cookie, collection, [{ newDocumentState: good }, { newDocumentState: doc, assumedMasterState: master }]);
			expectError(res, 403, 'FORBIDDEN', field.replace(/^0/, '1'));
		} else {
			// Collections a device cannot add to refuse new documents, with the generic answer.
			expectError(await push(server, cookie, collection, [{ newDocumentState: { ...master, id: randomUUID() } }]), 403, 'FORBIDDEN', '0');
		}
		expect(snapshot(server.app)).toBe(before);
	});

	test('a stale or missing assumedMasterState gets the current master back as a conflict, not applied', async () => {
		const { ids, a, cookie, serviceTypeId } = setup(collection, 1);
		const [stale] = (await pullAll(server, cookie, collection)).documents;
		fx.serverEdit(server.app, a.id, ids[0]);
		const [current] = (await pullAll(server, cookie, collection)).documents;
		expect(current).not.toEqual(stale);
		const edited = fx.allowedWrite && fx.allowedWrite(stale, { serviceTypeId }).id === stale.id ? fx.allowedWrite(stale, { serviceTypeId }) : fx.forbiddenWrite(stale).doc;
		const before = snapshot(server.app);
		for (const assumed of [stale, undefined, null, { ...current, updatedAt: current.updatedAt + 1 }]) {
			const res = await push(server, cookie, collection, [{ newDocumentState: edited, assumedMasterState: assumed }]);
			expect(res.status).toBe(200);
			expect(pushResponseSchema(collection).parse(res.body).conflicts).toEqual([current]);
		}
		expect(snapshot(server.app)).toBe(before);
	});

	test('pushing the same write twice leaves one row', async () => {
		const { cookie, serviceTypeId } = setup(collection, 1);
		const [master] = (await pullAll(server, cookie, collection)).documents;
		if (!fx.allowedWrite) {
			// Nothing is writable: the second attempt is refused exactly like the first.
			const { doc } = fx.forbiddenWrite(master);
			const first = await push(server, cookie, collection, [{ newDocumentState: doc, assumedMasterState: master }]);
			const second = await push(server, cookie, collection, [{ newDocumentState: doc, assumedMasterState: master }]);
			expect(first.status).toBe(403);
			expect(second.text).toBe(first.text);
			return;
		}
		const doc = fx.allowedWrite(master, { serviceTypeId });
		const assumed = doc.id === master.id ? master : undefined;
		const first = await push(server, cookie, collection, [{ newDocumentState: doc, assumedMasterState: assumed }]);
		expect(first.status).toBe(200);
		expect(first.body).toEqual({ conflicts: [] });
		const afterFirst = snapshot(server.app);
		// The retry carries the same assumed state (the device never saw the answer).
		const second = await push(server, cookie, collection, [{ newDocumentState: doc, assumedMasterState: assumed }]);
		expect(second.status).toBe(200);
		const { documents } = await pullAll(server, cookie, collection);
		const stored = documents.filter((d) => d.id === doc.id);
		expect(stored).toHaveLength(1);
		expect(second.body.conflicts).toEqual(stored);
		expect(snapshot(server.app)).toBe(afterFirst);
		// And once the device adopted the master, re-pushing it is a no-op with no conflict.
		const third = await push(server, cookie, collection, [{ newDocumentState: stored[0], assumedMasterState: stored[0] }]);
		expect(third.body).toEqual({ conflicts: [] });
		expect(snapshot(server.app)).toBe(afterFirst);
	});

	test('another customer’s document is refused like any unwritable one, revealing nothing', async () => {
		const { b, otherIds, cookie } = setup(collection, 1);
		const bCookie = customerCookie(server, b.id).cookie;
		const bDocs = (await pullAll(server, bCookie, collection)).documents;
		const target = bDocs.find((d) => d.id === otherIds[0])!;
		const before = snapshot(server.app);
		for (const assumed of [target, undefined, null]) {
			const res = await push(server, cookie, collection, [{ newDocumentState: { ...target, ...(collection === 'profile' ? { phone: '1' } : {}) }, assumedMasterState: assumed }]);
			expectError(res, 403, 'FORBIDDEN', '0');
			expect(res.text).not.toContain(target.id);
			expect(res.text).not.toContain(fx.content(target));
		}
		expect(snapshot(server.app)).toBe(before);
	});

	test('who may call: signed out 401, staff 403, unknown collection 404, cross-site push 403', async () => {
		const { cookie } = setup(collection, 1);
		expectError(await pull(server, '', collection), 401, 'UNAUTHENTICATED');
		expectError(await push(server, '', collection, []), 401, 'UNAUTHENTICATED');
		const staff = staffCookie(server);
		expectError(await pull(server, staff.cookie, collection), 403, 'FORBIDDEN');
		expectError(await push(server, staff.cookie, collection, []), 403, 'FORBIDDEN');
		expectError(await pull(server, cookie, `${collection}x`), 404, 'NOT_FOUND');
		const res = await fetch(`${server.url}/api/sync/${collection}/push`, {
			method: 'POST',
			headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example' },
			body: '[]'
		});
		expect(res.status).toBe(403);
		expect((await res.json()).code).toBe('CROSS_SITE');
	});
});
