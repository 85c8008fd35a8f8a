import { afterEach, describe, expect, test } from 'vitest';
import { addRxPlugin, createRxDatabase, type RxDatabase, type RxJsonSchema } from 'rxdb';
import { RxDBDevModePlugin, disableWarnings } from 'rxdb/plugins/dev-mode';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { COLLECTIONS, type CollectionName } from '../../shared/protocol/collections.ts';
import { rxSchemas } from '../../shared/schemas/rx.ts';
import { docSchemas, syncDocSchemas, tombstoneOf, type DocTypes } from '../../shared/schemas/index.ts';

disableWarnings();
addRxPlugin(RxDBDevModePlugin);

const NOW = Date.UTC(2026, 4, 12, 15, 0, 0);
const SHA = 'a'.repeat(64);

/** One valid document per collection, as a device would hold it. */
const valid: { [C in CollectionName]: DocTypes[C] } = {
	profile: {
		id: 'cust-1',
		name: 'Ada Lovelace',
		email: 'ada@example.com',
		phone: '+1 555 0100',
		billing: { name: 'Ada Lovelace', email: null, line1: '1 Main St', line2: null, city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' },
		addresses: [{ id: 'addr-1', label: 'Home', line1: '1 Main St', line2: null, city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US', lat: 39.78, lng: -89.65 }],
		autopay: { enabled: true, methodLabel: 'Visa •••• 4242' },
		updatedAt: NOW
	},
	invoices: {
		id: 'inv-1',
		number: 'INV-1001',
		title: 'Furnace repair',
		period: null,
		status: 'open',
		currency: 'USD',
		subtotal: 40000,
		taxRateBp: 800,
		tax: 3200,
		total: 43200,
		amountPaid: 0,
		amountDue: 43200,
		issuedAt: NOW,
		dueDate: '2026-06-11',
		paidAt: null,
		voidedAt: null,
		notes: null,
		lineItems: [{ id: 'li-1', description: 'Labour', quantityMilli: 2000, unitAmount: 20000, amount: 40000 }],
		payments: [{ id: 'pay-1', amount: 1000, currency: 'USD', method: 'card', methodLabel: 'Visa •••• 4242', status: 'failed', createdAt: NOW, settledAt: null, receiptNumber: null }],
		updatedAt: NOW
	},
	documents: {
		id: 'doc-1',
		kind: 'contract',
		title: 'Service agreement',
		fileName: 'agreement.pdf',
		mime: 'application/pdf',
		size: 12345,
		sha256: SHA,
		signerName: 'Ada Lovelace',
		signedAt: NOW,
		createdAt: NOW,
		updatedAt: NOW
	},
	messages: { id: 'msg-1', authorKind: 'customer', authorName: 'Ada', body: 'Is Tuesday fine?', attachments: [], sentAt: NOW, createdAt: 0, updatedAt: 0 },
	appointments: {
		id: 'appt-1',
		serviceTypeId: 'svc-1',
		title: 'Annual maintenance',
		addressId: 'addr-1',
		resourceName: null,
		status: 'requested',
		startsAt: null,
		endsAt: null,
		preferredDate: '2026-05-20',
		preferredWindow: 'morning',
		proposals: [],
		notes: 'Gate code 1234',
		createdAt: 0,
		updatedAt: 0
	},
	quotes: {
		id: 'q-1',
		number: 'Q-00001',
		title: 'Water heater replacement',
		status: 'sent',
		currency: 'USD',
		taxRateBp: 825,
		depositRateBp: 2500,
		notes: null,
		validUntil: '2026-06-30',
		quoteRevision: 2,
		contentHash: SHA,
		items: [
			{ id: 'qi-1', kind: 'included', group: null, description: 'Labour', quantityMilli: 4000, unitAmount: 9500, amount: 38000, selectedByDefault: false },
			{ id: 'qi-2', kind: 'choice', group: 'Heater', description: '40 gal', quantityMilli: 1000, unitAmount: 120000, amount: 120000, selectedByDefault: true }
		],
		photos: [{ id: 'qp-1', caption: 'Old unit', mime: 'image/jpeg', size: 2048, width: 800, height: 600, fileSha256: SHA }],
		sentAt: NOW,
		respondedAt: null,
		selection: [],
		approvedTotal: null,
		signerName: null,
		signedDocumentId: null,
		depositInvoiceId: null,
		responseNote: null,
		createdAt: NOW,
		updatedAt: NOW
	}
};

/** One invalid document per collection, with the field that makes it so. */
const invalid: { [C in CollectionName]: { doc: Record<string, unknown>; field: string } } = {
	profile: { doc: { ...valid.profile, customerId: 'other' }, field: 'customerId' },
	invoices: { doc: { ...valid.invoices, status: 'draft' }, field: 'status' },
	documents: { doc: { ...valid.documents, sha256: 'not-a-hash' }, field: 'sha256' },
	messages: { doc: { ...valid.messages, body: '   ' }, field: 'body' },
	appointments: { doc: { ...valid.appointments, preferredWindow: 'evening' }, field: 'preferredWindow' },
	quotes: { doc: { ...valid.quotes, status: 'draft' }, field: 'status' }
};

let db: RxDatabase | undefined;
afterEach(async () => {
	await db?.remove();
	db = undefined;
});

async function openDb() {
	db = await createRxDatabase({
		name: `rx-schemas-${Math.random().toString(36).slice(2)}`,
		storage: wrappedValidateAjvStorage({ storage: getRxStorageMemory() }),
		multiInstance: false
	});
	await db.addCollections(Object.fromEntries(COLLECTIONS.map((c) => [c, { schema: rxSchemas[c] as unknown as RxJsonSchema<unknown> }])));
	return db;
}

describe('RxDB schemas derived from the shared zod schemas', () => {
	test('every collection has a versioned schema keyed by a bounded id', () => {
		for (const c of COLLECTIONS) {
			const s = rxSchemas[c];
			expect(s.primaryKey).toBe('id');
			expect(s.type).toBe('object');
			expect(s.version).toBeGreaterThanOrEqual(0);
			expect(s.properties.id.maxLength).toBe(64);
			expect(s).not.toHaveProperty('$schema');
		}
		expect(rxSchemas.messages.properties.sentAt).toMatchObject({ minimum: 0, multipleOf: 1 });
	});

	test('the fixtures agree with the zod schemas', () => {
		for (const c of COLLECTIONS) {
			expect(docSchemas[c].safeParse(valid[c]).success).toBe(true);
			expect(docSchemas[c].safeParse(invalid[c].doc).success).toBe(false);
		}
	});

	test.each(COLLECTIONS)('%s: RxDB stores a valid document and refuses an invalid one', async (c) => {
		const database = await openDb();
		const collection = database.collections[c];
		await collection.insert(valid[c]);
		expect((await collection.findOne(valid[c].id).exec())?.toJSON()).toMatchObject(valid[c]);
		const bad = { ...invalid[c].doc, id: `${valid[c].id}-bad` };
		await expect(collection.insert(bad)).rejects.toThrow();
		expect(await collection.findOne(bad.id as string).exec()).toBeNull();
	});

	test.each(COLLECTIONS)('%s: a pulled tombstone passes validation and removes the document', async (c) => {
		const database = await openDb();
		const collection = database.collections[c];
		const tombstone = tombstoneOf(c, valid[c].id, NOW + 1);
		expect(syncDocSchemas[c].safeParse(tombstone).success).toBe(true);
		const pages = [[{ ...valid[c], _deleted: false }], [tombstone]];
		let served = 0;
		const replication = replicateRxCollection({
			collection,
			replicationIdentifier: `test-${c}`,
			live: false,
			waitForLeadership: false,
			pull: {
				batchSize: 1,
				handler: async (checkpoint: unknown) => {
					const next = checkpoint ? (checkpoint as { seq: number }).seq : 0;
					if (next >= pages.length) return { documents: [], checkpoint };
					served = next + 1;
					return { documents: pages[next], checkpoint: { seq: next + 1 } };
				}
			}
		});
		const errors: unknown[] = [];
		replication.error$.subscribe((e) => errors.push(e));
		await replication.awaitInitialReplication();
		await replication.cancel();
		expect(errors).toEqual([]);
		expect(served).toBe(2);
		expect(await collection.findOne(valid[c].id).exec()).toBeNull();
	});
});
