import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import * as s from '../../server/db/schema.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { snapshot } from '../helpers/db-snapshot.ts';
import {
	createAppointment,
	createCustomer,
	createInvoice,
	createServiceType,
	customerCookie,
	pull,
	pullAll,
	push
} from '../helpers/sync.ts';

let server: TestServer;
beforeAll(async () => {
	server = await startServer();
});
afterAll(async () => {
	await server.close();
});

function newMessage(body: string, extra: Record<string, unknown> = {}) {
	return { id: randomUUID(), authorKind: 'customer', authorName: 'Anyone', body, attachments: [], sentAt: 1_700_000_000_000, createdAt: 0, updatedAt: 0, _deleted: false, ...extra };
}

function newRequest(extra: Record<string, unknown> = {}) {
	return {
		id: randomUUID(),
		serviceTypeId: null,
		title: '',
		addressId: null,
		resourceName: null,
		status: 'requested',
		startsAt: null,
		endsAt: null,
		preferredDate: '2026-05-20',
		preferredWindow: 'afternoon',
		proposals: [],
		notes: '  Side gate  ',
		createdAt: 0,
		updatedAt: 0,
		_deleted: false,
		...extra
	};
}

describe('invoices', () => {
	test('a draft never reaches the device; once issued it does; back to draft it leaves as a tombstone', async () => {
		const a = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		const secret = `Draft work ${randomUUID()}`;
		const id = createInvoice(server.app, a.id, { status: 'draft', title: secret });
		const first = await pull(server, cookie, 'invoices');
		expect(first.body.documents).toEqual([expect.objectContaining({ id, _deleted: true })]);
		expect(first.text).not.toContain(secret);
		expect(first.text).not.toContain('INV-');

		server.app.writer.transaction((w) => {
			w.db.update(s.invoices).set({ status: 'open', seq: w.touch('invoices', a.id, id), updatedAt: w.version(0) }).where(eq(s.invoices.id, id)).run();
		});
		const second = await pull(server, cookie, 'invoices', { after: first.body.checkpoint.seq });
		expect(second.body.documents).toEqual([expect.objectContaining({ id, title: secret, status: 'open', _deleted: false, amountDue: 43200 })]);

		server.app.writer.transaction((w) => {
			w.db.update(s.invoices).set({ status: 'draft', seq: w.touch('invoices', a.id, id), updatedAt: w.version(Date.now()) }).where(eq(s.invoices.id, id)).run();
		});
		const third = await pull(server, cookie, 'invoices', { after: second.body.checkpoint.seq });
		expect(third.body.documents).toEqual([expect.objectContaining({ id, _deleted: true })]);
		expect(third.text).not.toContain(secret);
	});

	test('a new payment re-sends its invoice with the payment embedded', async () => {
		const a = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		const id = createInvoice(server.app, a.id, { total: 5000 });
		const first = await pullAll(server, cookie, 'invoices');
		server.app.writer.transaction((w) => {
			w.db.insert(s.payments)
				.values({ id: 'pay-ok', invoiceId: id, customerId: a.id, amount: 5000, currency: 'USD', method: 'card', methodLabel: 'Visa •••• 4242', status: 'succeeded', provider: 'demo', createdAt: w.now, updatedAt: w.now, settledAt: w.now })
				.run();
			w.db.update(s.invoices).set({ amountPaid: 5000, status: 'paid', paidAt: w.now }).where(eq(s.invoices.id, id)).run();
			w.bump('invoices', a.id, id);
		});
		const res = await pull(server, cookie, 'invoices', { after: first.seq });
		const [doc] = res.body.documents;
		expect(doc).toMatchObject({ id, status: 'paid', amountPaid: 5000, amountDue: 0 });
		expect(doc.payments.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
			[expect.any(String), 'failed'],
			['pay-ok', 'succeeded']
		]);
		expect(doc.updatedAt).toBeGreaterThan(first.documents[0].updatedAt);
	});
});

describe('messages', () => {
	test('a customer message gets its thread, author name and server times; the body is trimmed', async () => {
		const a = createCustomer(server.app, { name: 'Ada Lovelace' });
		const { cookie, portalUserId } = customerCookie(server, a.id, { name: 'Ada' });
		const msg = newMessage('  Is Tuesday fine?  ', { authorName: 'Somebody Else', createdAt: 5, updatedAt: 5 });
		const res = await push(server, cookie, 'messages', [{ newDocumentState: msg }]);
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ conflicts: [] });
		const row = server.app.store.db.select().from(s.messages).where(eq(s.messages.id, msg.id)).get()!;
		expect(row).toMatchObject({ customerId: a.id, authorKind: 'customer', authorId: portalUserId, authorName: 'Ada', body: 'Is Tuesday fine?', sentAt: msg.sentAt });
		expect(row.createdAt).toBeGreaterThan(1_000_000);
		const thread = server.app.store.db.select().from(s.messageThreads).where(eq(s.messageThreads.customerId, a.id)).get()!;
		expect(row.threadId).toBe(thread.id);
		expect(thread.lastMessageAt).toBe(row.createdAt);
		// A second message reuses the thread.
		const next = newMessage('Or Wednesday?');
		await push(server, cookie, 'messages', [{ newDocumentState: next }]);
		expect(server.app.store.db.select().from(s.messageThreads).where(eq(s.messageThreads.customerId, a.id)).all()).toHaveLength(1);
	});

	test('a device may not write as staff, attach files it did not upload, or send a deleted message', async () => {
		const a = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		const before = snapshot(server.app);
		const staff = await push(server, cookie, 'messages', [{ newDocumentState: newMessage('Your refund is approved', { authorKind: 'staff' }) }]);
		expect(staff.status).toBe(403);
		expect(staff.body.field).toBe('0.authorKind');
		const attachment = { id: 'att1', name: 'a.png', mime: 'image/png', size: 1, width: null, height: null, fileSha256: 'b'.repeat(64) };
		const withFile = await push(server, cookie, 'messages', [{ newDocumentState: newMessage('See photo', { attachments: [attachment] }) }]);
		expect(withFile.status).toBe(403);
		expect(withFile.body.field).toBe('0.attachments');
		expect(withFile.body.message).toBe('Document 0: attachment 1 is not a photo you uploaded.');
		const deleted = await push(server, cookie, 'messages', [{ newDocumentState: newMessage('gone', { _deleted: true }) }]);
		expect(deleted.status).toBe(403);
		expect(deleted.body.field).toBe('0');
		const tooLong = await push(server, cookie, 'messages', [{ newDocumentState: newMessage('x'.repeat(5001)) }]);
		expect(tooLong.status).toBe(400);
		expect(tooLong.body.field).toBe('0.newDocumentState.body');
		expect(snapshot(server.app)).toBe(before);
	});
});

describe('appointments', () => {
	test('a booking request is stored as requested, with the title of its service', async () => {
		const a = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		const serviceTypeId = createServiceType(server.app, { name: 'Drain cleaning' });
		const req = newRequest({ serviceTypeId, addressId: a.addressId });
		const res = await push(server, cookie, 'appointments', [{ newDocumentState: req }]);
		expect(res.body).toEqual({ conflicts: [] });
		const [doc] = (await pullAll(server, cookie, 'appointments')).documents;
		expect(doc).toMatchObject({ id: req.id, title: 'Drain cleaning', status: 'requested', addressId: a.addressId, notes: 'Side gate', preferredWindow: 'afternoon' });
		expect(server.app.store.db.select().from(s.appointments).where(eq(s.appointments.id, req.id)).get()!.source).toBe('customer');
	});

	test('a request may not set a status, time or technician, nor use an unknown service or another customer’s address', async () => {
		const a = createCustomer(server.app);
		const b = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		const inactive = createServiceType(server.app, { active: false });
		const before = snapshot(server.app);
		const cases: [Record<string, unknown>, number, string][] = [
			[{ status: 'confirmed' }, 403, '0.status'],
			[{ startsAt: 1_800_000_000_000, endsAt: 1_800_003_600_000 }, 403, '0.startsAt'],
			[{ resourceName: 'Jake' }, 403, '0.resourceName'],
			[{ proposals: [{ startsAt: 1, endsAt: 2 }] }, 403, '0.proposals'],
			[{ serviceTypeId: 'no-such-service' }, 400, '0.newDocumentState.serviceTypeId'],
			[{ serviceTypeId: inactive }, 400, '0.newDocumentState.serviceTypeId'],
			[{ addressId: 'no-such-address' }, 400, '0.newDocumentState.addressId'],
			[{ addressId: b.addressId }, 400, '0.newDocumentState.addressId']
		];
		const answers = new Map<string, string>();
		for (const [extra, status, field] of cases) {
			const res = await push(server, cookie, 'appointments', [{ newDocumentState: newRequest(extra) }]);
			expect(res.status, JSON.stringify(extra)).toBe(status);
			expect(res.body.field).toBe(field);
			answers.set(JSON.stringify(extra), res.body.message);
		}
		// Another customer's address is answered exactly like a made-up one.
		expect(answers.get(JSON.stringify({ addressId: b.addressId }))).toBe(answers.get(JSON.stringify({ addressId: 'no-such-address' })));
		expect(snapshot(server.app)).toBe(before);
	});

	test('cancelling: allowed for own open appointments, refused for finished ones, too late ones come back as conflicts', async () => {
		const a = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		const soon = createAppointment(server.app, a.id, { startsAt: server.app.clock() + 3_600_000 });
		const later = createAppointment(server.app, a.id);
		const done = createAppointment(server.app, a.id, { status: 'completed', startsAt: server.app.clock() - 86_400_000 });
		server.app.store.db
			.insert(s.business)
			.values({
				id: 1,
				name: 'B',
				shortName: 'B',
				primaryColor: '#1a5fb4',
				accentColor: '#1a5fb4',
				phone: '1',
				email: 'b@example.com',
				addressLine1: '1',
				city: 'c',
				region: 'r',
				postalCode: '1',
				timeZone: 'America/Chicago',
				officeHours: [],
				cancelCutoffHours: 24,
				updatedAt: 0
			})
			.onConflictDoUpdate({ target: s.business.id, set: { cancelCutoffHours: 24 } })
			.run();
		const docs = new Map((await pullAll(server, cookie, 'appointments')).documents.map((d) => [d.id, d]));

		const ok = await push(server, cookie, 'appointments', [{ newDocumentState: { ...docs.get(later), status: 'cancelled' }, assumedMasterState: docs.get(later) }]);
		expect(ok.body).toEqual({ conflicts: [] });
		expect(server.app.store.db.select().from(s.appointments).where(eq(s.appointments.id, later)).get()!.status).toBe('cancelled');

		const tooLate = await push(server, cookie, 'appointments', [{ newDocumentState: { ...docs.get(soon), status: 'cancelled' }, assumedMasterState: docs.get(soon) }]);
		expect(tooLate.status).toBe(200);
		expect(tooLate.body.conflicts).toEqual([docs.get(soon)]);

		const finished = await push(server, cookie, 'appointments', [{ newDocumentState: { ...docs.get(done), status: 'cancelled' }, assumedMasterState: docs.get(done) }]);
		expect(finished.status).toBe(403);
		expect(finished.body.field).toBe('0.status');

		const reopen = await push(server, cookie, 'appointments', [{ newDocumentState: { ...docs.get(soon), status: 'confirmed', notes: 'x' }, assumedMasterState: docs.get(soon) }]);
		expect(reopen.status).toBe(403);
		expect(reopen.body.field).toBe('0.notes');
	});
});

describe('profile', () => {
	test('contact and billing edits are applied with a new version; addresses and autopay are the office’s', async () => {
		const a = createCustomer(server.app);
		const { cookie } = customerCookie(server, a.id);
		const [master] = (await pullAll(server, cookie, 'profile')).documents;
		const edited = { ...master, name: ' Ada King ', email: 'ada@king.example', phone: null, billing: { ...master.billing, postalCode: '62702', country: 'US' } };
		const res = await push(server, cookie, 'profile', [{ newDocumentState: edited, assumedMasterState: master }]);
		expect(res.body).toEqual({ conflicts: [] });
		const [after] = (await pullAll(server, cookie, 'profile')).documents;
		expect(after).toMatchObject({ name: 'Ada King', email: 'ada@king.example', phone: null, billing: { postalCode: '62702', country: 'US', city: 'Springfield' } });
		expect(after.updatedAt).toBeGreaterThan(master.updatedAt);

		const address = await push(server, cookie, 'profile', [{ newDocumentState: { ...after, addresses: [] }, assumedMasterState: after }]);
		expect(address.status).toBe(403);
		expect(address.body.field).toBe('0.addresses');
		const blank = await push(server, cookie, 'profile', [{ newDocumentState: { ...after, name: '   ' }, assumedMasterState: after }]);
		expect(blank.status).toBe(400);
		expect(blank.body.field).toBe('0.newDocumentState.name');
	});

	test('two devices edit the profile offline: the stale one gets a conflict, nothing is overwritten, both converge', async () => {
		const a = createCustomer(server.app);
		const phone = customerCookie(server, a.id);
		const laptop = customerCookie(server, a.id);
		const [base] = (await pullAll(server, phone.cookie, 'profile')).documents;
		const fromPhone = { ...base, phone: '+1 555 0101' };
		const fromLaptop = { ...base, billing: { ...base.billing, line1: '22 Oak Ave' } };
		expect((await push(server, phone.cookie, 'profile', [{ newDocumentState: fromPhone, assumedMasterState: base }])).body).toEqual({ conflicts: [] });
		const stale = await push(server, laptop.cookie, 'profile', [{ newDocumentState: fromLaptop, assumedMasterState: base }]);
		const [master] = stale.body.conflicts;
		expect(master.phone).toBe('+1 555 0101');
		expect(master.billing.line1).toBe(base.billing.line1);
		// The laptop merges (as RxDB's conflict handler would) and pushes against the new master.
		const merged = { ...master, billing: fromLaptop.billing };
		expect((await push(server, laptop.cookie, 'profile', [{ newDocumentState: merged, assumedMasterState: master }])).body).toEqual({ conflicts: [] });
		const [onPhone] = (await pullAll(server, phone.cookie, 'profile')).documents;
		const [onLaptop] = (await pullAll(server, laptop.cookie, 'profile')).documents;
		expect(onPhone).toEqual(onLaptop);
		expect(onPhone).toMatchObject({ phone: '+1 555 0101', billing: { line1: '22 Oak Ave' } });
	});
});
