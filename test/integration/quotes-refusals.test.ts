import { afterEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { getBusiness } from '../../server/branding/service.ts';
import * as s from '../../server/db/schema.ts';
import { quotePhotoUrl } from '../../shared/quotes.ts';
import { fakeClock, startServer, type TestServer } from '../helpers/app.ts';
import { answer, approval, signatureDataUrl } from '../helpers/quotes.ts';
import { call, dbState } from '../helpers/staff.ts';
import { createCustomer, createQuote, customerCookie, pullAll, staffCookie } from '../helpers/sync.ts';
import { pngBytes } from '../helpers/images.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

function zone(srv: TestServer, timeZone: string): void {
	getBusiness(srv.app.store.db, srv.app.clock());
	srv.app.store.db.update(s.business).set({ timeZone }).where(eq(s.business.id, 1)).run();
}

async function shown(srv: TestServer, cookie: string, id: string) {
	const doc = (await pullAll(srv, cookie, 'quotes')).documents.find((d) => d.id === id);
	if (!doc) throw new Error('the quote did not reach the device');
	return doc;
}

describe('a quote that cannot be signed says why, and nothing changes', () => {
	test('changed after the customer opened it (the office edited it): 409 changed; the new version can be signed', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app);
		const cookie = customerCookie(server, c.id).cookie;
		const id = createQuote(server.app, c.id);
		const opened = await shown(server, cookie, id);

		const edit = await call(server, 'PATCH', `/api/staff/quotes/${id}`, { cookie: office.cookie, body: { notes: 'Haul-away is now extra.' } });
		expect(edit.status, edit.text).toBe(200);
		expect(edit.body.quoteRevision).toBe(2);
		expect(edit.body.contentHash).not.toBe(opened.contentHash);

		const before = dbState(server);
		const res = await answer(server, cookie, id, 'approve', approval(opened));
		expect(res.status).toBe(409);
		expect(res.body).toMatchObject({
			code: 'CONFLICT',
			message: 'This quote changed after you opened it: review the new version',
			details: { reason: 'changed', quoteRevision: 2, contentHash: edit.body.contentHash }
		});
		expect(dbState(server)).toBe(before);

		const fresh = await shown(server, cookie, id);
		expect(fresh).toMatchObject({ quoteRevision: 2, notes: 'Haul-away is now extra.' });
		const signed = await answer(server, cookie, id, 'approve', approval(fresh));
		expect(signed.status, signed.text).toBe(200);
		expect(server.app.store.db.select().from(s.quoteSignatures).get()).toMatchObject({ revision: 2, contentHash: fresh.contentHash });
	});

	test('expired on the business’s calendar: signable until the end of the last day there, 409 expired after', async () => {
		// 23:30 on May 12 in Chicago is already May 13 in UTC.
		const clock = fakeClock(Date.UTC(2026, 4, 13, 4, 30));
		server = await startServer({}, { clock: clock.now });
		zone(server, 'America/Chicago');
		const c = createCustomer(server.app);
		const cookie = customerCookie(server, c.id).cookie;
		const late = createQuote(server.app, c.id, { validUntil: '2026-05-12' });
		const onTime = createQuote(server.app, c.id, { validUntil: '2026-05-12', title: 'Drain line' });
		const lateDoc = await shown(server, cookie, late);
		const onTimeDoc = await shown(server, cookie, onTime);

		expect((await answer(server, cookie, onTime, 'approve', approval(onTimeDoc))).status).toBe(200);

		clock.set(Date.UTC(2026, 4, 13, 6, 0)); // 01:00 on May 13 in Chicago
		const before = dbState(server);
		const res = await answer(server, cookie, late, 'approve', approval(lateDoc));
		expect(res.status).toBe(409);
		expect(res.body).toMatchObject({ code: 'CONFLICT', message: 'This quote expired on May 12, 2026', details: { reason: 'expired', validUntil: '2026-05-12' } });
		expect(dbState(server)).toBe(before);
		// Asking for a new date is still possible.
		expect((await answer(server, cookie, late, 'request-changes', { message: 'Could you extend this to June?' })).status).toBe(200);
	});

	test('two approvals at once (two devices): one signs, the other is refused; one signature, one document', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const phone = customerCookie(server, c.id).cookie;
		const laptop = customerCookie(server, c.id).cookie;
		const id = createQuote(server.app, c.id, { depositRateBp: 5000 });
		const doc = await shown(server, phone, id);
		// Whichever is handled second finds the quote approved.
		const results = await Promise.all([answer(server, phone, id, 'approve', approval(doc)), answer(server, laptop, id, 'approve', approval(doc, { signerName: 'Someone Else' }))]);
		expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
		expect(results.find((r) => r.status === 409)!.body).toMatchObject({ details: { reason: 'status', status: 'approved' } });
		expect(server.app.store.db.select().from(s.quoteSignatures).all()).toHaveLength(1);
		expect(server.app.store.db.select().from(s.documents).all()).toHaveLength(1);
		expect(server.app.store.db.select().from(s.invoices).all()).toHaveLength(1);
	});

	test('not open for an answer (approved, declined, withdrawn): 409 status for every answer', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const c = createCustomer(server.app);
		const cookie = customerCookie(server, c.id).cookie;
		const declined = createQuote(server.app, c.id);
		const withdrawn = createQuote(server.app, c.id);
		expect((await answer(server, cookie, declined, 'decline', { reason: 'Too expensive' })).status).toBe(200);
		expect((await call(server, 'POST', `/api/staff/quotes/${withdrawn}/withdraw`, { cookie: office.cookie })).status).toBe(200);
		const messages: Record<string, string> = { [declined]: 'This quote was declined: ask the office for a new one.', [withdrawn]: 'The office withdrew this quote.' };
		for (const id of [declined, withdrawn]) {
			const doc = await shown(server, cookie, id);
			const before = dbState(server);
			for (const [action, body] of [
				['approve', approval(doc)],
				['decline', {}],
				['request-changes', { message: 'Please change it' }]
			] as const) {
				const res = await answer(server, cookie, id, action, body);
				expect(res.status, `${action} ${doc.status}`).toBe(409);
				expect(res.body).toMatchObject({ code: 'CONFLICT', message: messages[id], details: { reason: 'status', status: doc.status } });
			}
			expect(dbState(server)).toBe(before);
		}
	});
});

describe('another customer’s quote is invisible', () => {
	test('answers, photos and pulls: exactly what a missing id gets', async () => {
		server = await startServer();
		const office = staffCookie(server, 'office');
		const a = createCustomer(server.app, { name: 'Alice' });
		const b = createCustomer(server.app, { name: 'Bob' });
		const alice = customerCookie(server, a.id).cookie;
		const bob = customerCookie(server, b.id).cookie;
		const mine = createQuote(server.app, a.id);
		const draft = createQuote(server.app, a.id, { status: 'draft' });
		const bobsDraft = createQuote(server.app, b.id, { status: 'draft' });
		const upload = await call(server, 'POST', `/api/staff/quotes/${mine}/photos?caption=Old%20heater`, { cookie: office.cookie, raw: pngBytes(40, 30), contentType: 'image/png' });
		expect(upload.status, upload.text).toBe(201);
		const photoId = upload.body.photos[0].id as string;
		const doc = await shown(server, alice, mine);

		// Alice sees her photo; staff do too.
		const photo = await fetch(`${server.url}${quotePhotoUrl(mine, photoId)}`, { headers: { cookie: alice } });
		expect(photo.status).toBe(200);
		expect(photo.headers.get('content-type')).toBe('image/png');
		expect(photo.headers.get('cache-control')).toBe('private, no-cache');
		expect(photo.headers.get('x-content-type-options')).toBe('nosniff');
		expect(photo.headers.get('content-disposition')).toMatch(/^inline; /);
		const etag = photo.headers.get('etag')!;
		expect(Buffer.from(await photo.arrayBuffer()).equals(pngBytes(40, 30))).toBe(true);
		expect((await fetch(`${server.url}${quotePhotoUrl(mine, photoId)}`, { headers: { cookie: alice, 'if-none-match': etag } })).status).toBe(304);
		expect((await fetch(`${server.url}${quotePhotoUrl(mine, photoId)}`, { headers: { cookie: office.cookie } })).status).toBe(200);
		expect((await fetch(`${server.url}${quotePhotoUrl(mine, photoId)}`)).status).toBe(401);

		const before = dbState(server);
		const missing = await answer(server, bob, 'no-such-quote', 'approve', approval(doc));
		expect(missing.status).toBe(404);
		const bodies = [missing.text];
		for (const id of [mine, draft, 'bad id!']) {
			bodies.push((await answer(server, bob, id, 'approve', approval(doc))).text);
			bodies.push((await answer(server, bob, id, 'decline', {})).text);
			bodies.push((await answer(server, bob, id, 'request-changes', { message: 'Hi' })).text);
		}
		// A draft is no one's to answer, its own customer's included.
		bodies.push((await answer(server, alice, draft, 'approve', approval(doc))).text);
		bodies.push((await answer(server, bob, bobsDraft, 'decline', {})).text);
		expect(new Set(bodies)).toEqual(new Set([missing.text]));

		const photoMissing = await fetch(`${server.url}${quotePhotoUrl(mine, 'no-such-photo')}`, { headers: { cookie: alice } });
		expect(photoMissing.status).toBe(404);
		const missingText = await photoMissing.text();
		for (const [quoteId, id, cookie] of [
			[mine, photoId, bob],
			['no-such-quote', photoId, bob],
			[draft, photoId, alice],
			[mine, 'no-such-photo', bob]
		]) {
			const res = await fetch(`${server.url}${quotePhotoUrl(quoteId, id)}`, { headers: { cookie } });
			expect(res.status).toBe(404);
			expect(await res.text()).toBe(missingText);
		}
		expect(dbState(server)).toBe(before);

		// Bob's device never hears of Alice's quote; Alice's device has her draft only as a tombstone.
		const bobs = await pullAll(server, bob, 'quotes');
		expect(bobs.documents.map((d) => d.id)).toEqual([bobsDraft]);
		expect(bobs.documents[0]._deleted).toBe(true);
		expect(bobs.texts.join('')).not.toContain(mine);
		const alices = (await pullAll(server, alice, 'quotes')).documents;
		expect(alices.find((d) => d.id === draft)).toEqual(expect.objectContaining({ _deleted: true }));
		expect(JSON.stringify(alices.find((d) => d.id === draft))).not.toContain('Water heater');
	});

	test('staff sessions cannot answer for a customer; no session is 401; another site is refused', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const cookie = customerCookie(server, c.id).cookie;
		const id = createQuote(server.app, c.id);
		const doc = await shown(server, cookie, id);
		const owner = staffCookie(server, 'owner');
		const before = dbState(server);
		const staff = await answer(server, owner.cookie, id, 'approve', approval(doc));
		expect(staff.status).toBe(403);
		expect((await answer(server, '', id, 'decline', {})).status).toBe(401);
		const crossSite = await call(server, 'POST', `/api/quotes/${id}/approve`, { cookie, body: approval(doc), headers: { origin: 'https://evil.example' } });
		expect(crossSite.status).toBe(403);
		expect(crossSite.body.code).toBe('CROSS_SITE');
		expect(dbState(server)).toBe(before);
	});
});

describe('bad answers name the field and change nothing', () => {
	test('approve, decline and request-changes', async () => {
		server = await startServer();
		const c = createCustomer(server.app);
		const cookie = customerCookie(server, c.id).cookie;
		const id = createQuote(server.app, c.id);
		const doc = await shown(server, cookie, id);
		const [labour, tank, gal40, gal50] = doc.items;
		const before = dbState(server);
		const cases: [string, unknown, string][] = [
			['approve', { ...approval(doc), contentHash: 'abc' }, 'contentHash'],
			['approve', { ...approval(doc), contentHash: undefined }, 'contentHash'],
			['approve', { ...approval(doc), selection: 'all' }, 'selection'],
			['approve', { ...approval(doc), selection: [tank.id, 'not-a-line'] }, 'selection'],
			['approve', { ...approval(doc), selection: [labour.id, gal40.id] }, 'selection'],
			['approve', { ...approval(doc), selection: [gal40.id, gal50.id] }, 'selection'],
			['approve', { ...approval(doc), selection: [tank.id] }, 'selection'],
			['approve', { ...approval(doc), selection: [gal40.id, gal40.id] }, 'selection'],
			['approve', { ...approval(doc), signerName: ' D ' }, 'signerName'],
			['approve', { ...approval(doc), signerName: 'x'.repeat(201) }, 'signerName'],
			['approve', { ...approval(doc), signature: 'data:image/jpeg;base64,AAAA' }, 'signature'],
			['approve', { ...approval(doc), signature: `data:image/png;base64,${'A'.repeat(400_001)}` }, 'signature'],
			['approve', { ...approval(doc), signature: undefined }, 'signature'],
			['approve', { ...approval(doc), consent: false }, 'consent'],
			['approve', { ...approval(doc), consent: undefined }, 'consent'],
			['approve', { ...approval(doc), extra: 1 }, ''],
			['decline', { reason: 'x'.repeat(2001) }, 'reason'],
			['request-changes', { message: '   ' }, 'message'],
			['request-changes', {}, 'message'],
			['request-changes', { message: 'x'.repeat(5001) }, 'message']
		];
		for (const [action, body, field] of cases) {
			const res = await answer(server, cookie, id, action as 'approve', body);
			expect(res.status, `${action} ${JSON.stringify(body).slice(0, 120)}`).toBe(400);
			expect(res.body.code).toBe('VALIDATION');
			if (field) {
				expect(res.body.field, JSON.stringify(body).slice(0, 120)).toBe(field);
				expect(res.body.message).toContain(field);
			}
		}
		// The selection's problem is said in words.
		const twice = await answer(server, cookie, id, 'approve', { ...approval(doc), selection: [gal40.id, gal50.id] });
		expect(twice.body.message).toBe('selection: choose exactly one option for "Water heater"');
		expect(dbState(server)).toBe(before);
		// And a good answer still goes through afterwards.
		expect((await answer(server, cookie, id, 'approve', { ...approval(doc), signature: signatureDataUrl(120, 40) })).status).toBe(200);
	});
});
