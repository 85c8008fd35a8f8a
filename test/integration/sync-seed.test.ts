import { afterEach, expect, test } from 'vitest';
import { COLLECTIONS } from '../../shared/protocol/collections.ts';
import { syncDocSchemas } from '../../shared/schemas/index.ts';
import { customers } from '../../server/db/schema.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { customerCookie, pullAll } from '../helpers/sync.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

test('every document the demo seed puts on a device passes its collection schema', async () => {
	server = await startServer({ seedDemo: true });
	const all = server.app.store.db.select({ id: customers.id }).from(customers).all();
	expect(all.length).toBeGreaterThan(0);
	let total = 0;
	for (const { id } of all) {
		const { cookie } = customerCookie(server, id);
		for (const c of COLLECTIONS) {
			const { documents } = await pullAll(server, cookie, c, 7);
			for (const doc of documents) {
				const parsed = syncDocSchemas[c].safeParse(doc);
				if (!parsed.success) throw new Error(`${c} ${doc.id}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
			}
			total += documents.length;
		}
	}
	expect(total).toBeGreaterThan(all.length);
});
