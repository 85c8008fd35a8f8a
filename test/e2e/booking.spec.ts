import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { copyClientBuild, networkSwitch, removeClientBuild, signInAsDemoCustomer } from '../helpers/portal.ts';
import { waitForOutboxMail } from '../helpers/session.ts';
import { appointments, portalUsers, serviceAddresses, serviceTypes } from '../../server/db/schema.ts';
import { addDays, localDateOf, weekdayOf } from '../../shared/time.ts';

/*
 * Booking in a real Chromium against the real server and the demo business: a signed-in customer
 * books a live slot (and a retry after a lost answer books nothing twice); a visit requested
 * offline survives a reload, is delivered once when the network returns and the office's answer
 * arrives without a reload; a guest books with the code from the captured mail, or opens the
 * mailed link, and ends up signed in with the appointment theirs; inside the cancel cutoff the
 * screen explains why it cannot cancel, and when the server's clock says so the refusal is
 * explained too. The client build is copied to a temp dir so a concurrent rebuild cannot change
 * it mid-test.
 */

const ZONE = 'America/Chicago';
const HOUR = 3_600_000;

let server: TestServer;
let browser: TestBrowser;
let clientDir: string;
let page: Page;
let customerId: string;
const pageErrors: string[] = [];
let setNetwork: (online: boolean) => Promise<void>;
/** Added to the server's clock (the browser keeps real time). */
let serverClockOffset = 0;

beforeAll(async () => {
	clientDir = copyClientBuild('sw.js');
	server = await startServer({ seedDemo: true, clientDir }, { clock: () => Date.now() + serverClockOffset });
	browser = await launchBrowser();
	setNetwork = networkSwitch(server, browser);
	// Signing in is tested elsewhere: the demo customer gets a session cookie directly.
	({ customerId } = await signInAsDemoCustomer(server, browser));
	page = await browser.context.newPage();
	page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterAll(async () => {
	await browser?.close();
	await server?.close();
	removeClientBuild(clientDir);
});

function danasAppointments() {
	return server.app.store.db.select().from(appointments).where(eq(appointments.customerId, customerId)).all();
}

function serviceId(name: string): string {
	return server.app.store.db.select().from(serviceTypes).where(eq(serviceTypes.name, name)).get()!.id;
}

/** A weekday at least `days` ahead on the business's calendar. */
function weekdayAhead(days: number): string {
	let d = addDays(localDateOf(Date.now(), ZONE), days);
	while ([0, 6].includes(weekdayOf(d))) d = addDays(d, 1);
	return d;
}

/** A confirmed visit for Dana, written the way the office's tools write it (so it syncs). */
function addConfirmedVisit(startsAt: number, title: string): string {
	const id = randomUUID();
	const address = server.app.store.db.select().from(serviceAddresses).where(eq(serviceAddresses.customerId, customerId)).get()!;
	server.app.writer.transaction((w) => {
		w.db.insert(appointments)
			.values({
				id,
				customerId,
				serviceTypeId: serviceId('Leak inspection'),
				title,
				addressId: address.id,
				status: 'confirmed',
				startsAt,
				endsAt: startsAt + HOUR,
				proposals: [],
				source: 'staff',
				seq: w.touch('appointments', customerId, id),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
	});
	return id;
}

const listItem = (p: Page, text: string) => p.locator('a.appt', { hasText: text });

test('book online: service, address and a live slot; a retry after a lost answer books once, and the visit is confirmed', async () => {
	const before = danasAppointments().length;
	await page.goto(server.url + '/book');
	await page.getByRole('heading', { level: 1, name: 'Book a visit' }).waitFor();
	await page.getByRole('button', { name: /^Drain cleaning/ }).click();
	await page.getByRole('button', { name: /^Home/ }).click();
	const times = page.locator('.slot-picker button.time');
	await times.first().waitFor({ timeout: 15_000 });
	// Morning and afternoon of the business's day.
	expect(await page.locator('.slot-picker h4').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^(morning|afternoon)$/i)]));
	await times.nth(1).click();
	expect(await times.nth(1).getAttribute('aria-pressed')).toBe('true');
	await page.getByLabel(/Anything we should know/).fill('Kitchen sink drains slowly.');

	// The first answer is lost on the way back: the server booked, the device could not know.
	const sent: string[] = [];
	page.on('request', (r) => {
		if (r.method() === 'POST' && r.url().endsWith('/api/booking/appointments')) sent.push((r.postDataJSON() as { requestId: string }).requestId);
	});
	let dropped = false;
	await page.route('**/api/booking/appointments', async (route) => {
		if (dropped) return route.continue();
		dropped = true;
		await route.fetch();
		await route.abort('connectionreset');
	});
	const book = page.getByRole('button', { name: /^Book / });
	await book.click();
	await page.getByText(/you won't be booked twice/).waitFor();
	expect(danasAppointments()).toHaveLength(before + 1);

	await book.click();
	await page.getByRole('heading', { name: /^Booked for / }).waitFor();
	await page.unroute('**/api/booking/appointments');
	expect(sent).toHaveLength(2);
	expect(sent[1]).toBe(sent[0]);
	const rows = danasAppointments();
	expect(rows).toHaveLength(before + 1);
	const row = rows.find((r) => r.id === sent[0])!;
	expect(row).toMatchObject({ status: 'confirmed', notes: 'Kitchen sink drains slowly.', source: 'customer' });
	const heading = await page.getByRole('heading', { name: /^Booked for / }).innerText();
	const time = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: ZONE }).formatRange(new Date(row.startsAt!), new Date(row.endsAt!));
	expect(heading.replace(/\s+/g, ' ')).toContain(time.replace(/\s+/g, ' '));

	await page.getByRole('link', { name: 'See the appointment' }).click();
	await page.waitForURL(`${server.url}/appointments/${row.id}`);
	await page.getByRole('heading', { level: 1, name: 'Drain cleaning' }).waitFor();
	await page.locator('[data-phase="confirmed"]').waitFor();
	// The technician arrives with the synced copy.
	await page.getByText(/Luis Ortega|Jake Brennan/).first().waitFor({ timeout: 15_000 });
	// The service worker controls the page, so it can reload without a network later.
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
	expect(pageErrors).toEqual([]);
});

test('a visit requested offline waits on the device across a reload, is delivered once online, and the answer arrives live', async () => {
	const note = `Offline request ${Date.now()}`;
	const day = weekdayAhead(5);
	const copies = () => danasAppointments().filter((a) => a.notes === note);

	await setNetwork(false);
	onTestFinished(() => setNetwork(true));
	await page.goto(server.url + '/book');
	await page.getByText("You're offline — request a visit instead").waitFor({ timeout: 15_000 });
	await page.getByRole('button', { name: /^Leak inspection/ }).click();
	await page.getByRole('button', { name: /^Home/ }).click();
	await page.getByLabel('Preferred day').fill(day);
	await page.getByText('Morning', { exact: true }).click();
	await page.getByLabel(/Anything we should know/).fill(note);
	await page.getByRole('button', { name: 'Request this visit' }).click();
	await page.getByRole('heading', { name: 'Request saved — waiting to send' }).waitFor();
	expect(copies()).toHaveLength(0);

	await page.getByRole('region', { name: 'Request saved — waiting to send' }).getByRole('link', { name: 'Your appointments' }).click();
	await page.getByRole('heading', { level: 1, name: 'Your appointments' }).waitFor();
	const item = page.locator('a.appt', { hasText: 'Leak inspection' }).filter({ has: page.locator('[data-phase="pending"]') });
	await item.waitFor();
	expect(await item.innerText()).toContain('Waiting to send');

	// Closed and opened again with no network: the request is in the device's outbox.
	await page.reload();
	await page.getByRole('heading', { level: 1, name: 'Your appointments' }).waitFor();
	await item.waitFor({ timeout: 30_000 });
	expect(await item.innerText()).toContain('Waiting to send');
	await new Promise((r) => setTimeout(r, 500));
	expect(copies()).toHaveLength(0);
	const id = (await item.getAttribute('data-id'))!;

	await setNetwork(true);
	// No reload: the server confirms a slot or proposes other days, and the list follows.
	const row = listItem(page, 'Leak inspection').and(page.locator(`[data-id="${id}"]`));
	await expect.poll(() => row.getAttribute('data-phase'), { timeout: 30_000 }).toMatch(/^(confirmed|proposed)$/);
	const stored = copies();
	expect(stored).toHaveLength(1);
	expect(stored[0]).toMatchObject({ id, preferredDate: day, preferredWindow: 'morning', source: 'customer' });
	expect(['confirmed', 'proposed']).toContain(stored[0].status);
	expect(await row.innerText()).toMatch(stored[0].status === 'confirmed' ? /Confirmed/ : /Choose a time/);
	await new Promise((r) => setTimeout(r, 1_000));
	expect(copies()).toHaveLength(1);
	expect(pageErrors).toEqual([]);
});

test('inside the cancel cutoff the visit cannot be changed online, and the screen says why', async () => {
	const soon = addConfirmedVisit(Date.now() + 5 * HOUR, 'Leak inspection (soon)');
	await page.goto(`${server.url}/appointments/${soon}`);
	await page.getByRole('heading', { level: 1, name: 'Leak inspection (soon)' }).waitFor({ timeout: 15_000 });
	await page.getByText('Changes within 24 hours: please call the office').waitFor();
	expect(await page.locator('.cutoff a[href^="tel:"]').count()).toBe(1);
	expect(await page.getByRole('button', { name: 'Cancel visit' }).isDisabled()).toBe(true);
	expect(await page.getByRole('button', { name: 'Reschedule' }).isDisabled()).toBe(true);

	// A visit 30 hours away looks changeable to the device, but the server's clock is 10 hours
	// later (a phone with a wrong clock): the server refuses, and the screen explains.
	const later = addConfirmedVisit(Date.now() + 30 * HOUR, 'Leak inspection (later)');
	await page.goto(`${server.url}/appointments/${later}`);
	await page.getByRole('heading', { level: 1, name: 'Leak inspection (later)' }).waitFor({ timeout: 15_000 });
	expect(await page.getByText('Changes within 24 hours').count()).toBe(0);
	serverClockOffset = 10 * HOUR;
	try {
		await page.getByRole('button', { name: 'Cancel visit' }).click();
		const dialog = page.getByRole('dialog', { name: 'Cancel this visit?' });
		await dialog.waitFor();
		await dialog.getByRole('button', { name: 'Cancel visit' }).click();
		await page.getByRole('alert').filter({ hasText: 'Changes within 24 hours: please call the office' }).waitFor();
		expect(await page.getByRole('button', { name: 'Cancel visit' }).isDisabled()).toBe(true);
	} finally {
		serverClockOffset = 0;
	}
	const stored = server.app.store.db.select().from(appointments).where(eq(appointments.id, later)).get()!;
	expect(stored.status).toBe('confirmed');
	expect(pageErrors).toEqual([]);
});

test('a guest books with the emailed code: held, confirmed, signed in, and the appointment is theirs', async () => {
	const guest = await launchBrowser();
	try {
		const p = await guest.context.newPage();
		const errors: string[] = [];
		p.on('pageerror', (e) => errors.push(e.message));
		const email = `guest-${randomUUID().slice(0, 8)}@example.com`;

		await p.goto(server.url + '/book');
		await p.getByRole('heading', { level: 1, name: 'Book a visit' }).waitFor();
		await p.getByRole('button', { name: /^Faucet or fixture repair/ }).click();

		// Outside the area first: a clear answer and a way to reach the office.
		await p.getByLabel('Postal code of the visit').fill('90210');
		await p.getByRole('button', { name: 'Show free times' }).click();
		await p.getByText("Sorry — we don't book online in that area").waitFor();
		expect(await p.locator('.office-help a[href^="tel:"]').count()).toBe(1);

		await p.getByLabel('Postal code of the visit').fill('53703');
		await p.getByRole('button', { name: 'Show free times' }).click();
		const times = p.locator('.slot-picker button.time');
		await times.first().waitFor({ timeout: 15_000 });
		await times.first().click();

		// The form names what is missing before anything is sent.
		await p.getByRole('button', { name: 'Book and email me a code' }).click();
		await p.getByText('Enter your name.').waitFor();

		await p.getByLabel('Your name').fill('Gail Guest');
		await p.getByLabel('Email').fill(email);
		await p.getByLabel('Phone').fill('(608) 555-0199');
		await p.getByLabel('Street address').fill('15 Willy St');
		await p.getByLabel('City').fill('Madison');
		expect(await p.getByLabel('Postal code', { exact: true }).inputValue()).toBe('53703');
		await p.getByRole('button', { name: 'Book and email me a code' }).click();
		await p.getByRole('heading', { name: 'Check your email' }).waitFor();
		await p.getByText(/Held for you for/).waitFor();

		const mail = await waitForOutboxMail(server, email);
		expect(mail.code).toMatch(/^\d{6}$/);
		await p.getByLabel('6-digit code').fill(mail.code!);
		await p.waitForURL(/\/appointments\/[^/?]+\?booked=1$/, { timeout: 15_000 });
		const id = decodeURIComponent(new URL(p.url()).pathname.split('/').pop()!);
		await p.getByRole('heading', { level: 1, name: 'Faucet or fixture repair' }).waitFor({ timeout: 20_000 });
		await p.locator('[data-phase="confirmed"]').waitFor({ timeout: 20_000 });
		await p.getByText("You're booked.", { exact: false }).waitFor();

		const row = server.app.store.db.select().from(appointments).where(eq(appointments.id, id)).get()!;
		const owner = server.app.store.db.select().from(portalUsers).where(and(eq(portalUsers.customerId, row.customerId), eq(portalUsers.email, email))).get();
		expect(owner).toBeDefined();
		expect(row).toMatchObject({ status: 'confirmed', source: 'guest' });
		// The device is signed in as that customer: the session answers with their id.
		const who = await p.evaluate(async () => (await (await fetch('/api/auth/session')).json()) as { session: { kind: string; customerId: string } });
		expect(who.session).toMatchObject({ kind: 'customer', customerId: row.customerId });
		expect(errors).toEqual([]);
	} finally {
		await guest.close();
	}
});

test('a guest’s mailed link: the secret leaves the address bar at once, and only the button confirms', async () => {
	const guest = await launchBrowser();
	try {
		const p = await guest.context.newPage();
		const errors: string[] = [];
		p.on('pageerror', (e) => errors.push(e.message));
		const email = `link-${randomUUID().slice(0, 8)}@example.com`;
		const slots = (await (await fetch(`${server.url}/api/booking/slots?service=${serviceId('Drain cleaning')}&postalCode=53704`)).json()) as { slots: { startsAt: number }[] };
		const held = await fetch(`${server.url}/api/booking/guest`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', origin: server.config.publicUrl },
			body: JSON.stringify({
				name: 'Lena Link',
				email,
				phone: '608 555 0100',
				address: { line1: '2 Lake St', city: 'Madison', region: 'WI', postalCode: '53704' },
				serviceTypeId: serviceId('Drain cleaning'),
				startsAt: slots.slots.at(-1)!.startsAt
			})
		});
		expect(held.status).toBe(202);
		const mail = await waitForOutboxMail(server, email);
		const link = /(https?:\/\/\S+\/book\/confirm#token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
		expect(link).toMatch(/\/book\/confirm#token=[A-Za-z0-9_-]{43}$/);

		await p.goto(link!);
		await p.getByRole('heading', { level: 1, name: 'Confirm your booking' }).waitFor();
		expect(new URL(p.url()).hash).toBe('');
		expect(await p.evaluate(() => location.href)).not.toContain('token');
		// Opening the page (a mail scanner would) confirms nothing.
		await new Promise((r) => setTimeout(r, 500));
		const guestRows = () => server.app.store.db.select().from(appointments).where(eq(appointments.source, 'guest')).all();
		const before = guestRows().length;
		await p.getByRole('button', { name: 'Confirm my booking' }).click();
		await p.waitForURL(/\/appointments\/[^/?]+\?booked=1$/, { timeout: 15_000 });
		await p.getByRole('heading', { level: 1, name: 'Drain cleaning' }).waitFor({ timeout: 20_000 });
		expect(guestRows()).toHaveLength(before + 1);
		expect(errors).toEqual([]);
	} finally {
		await guest.close();
	}
});
