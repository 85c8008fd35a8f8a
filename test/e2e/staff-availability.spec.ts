import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addSessionCookie, axeViolations, copyClientBuild, removeClientBuild } from '../helpers/portal.ts';
import { cookieFor } from '../helpers/session.ts';
import { appointments, customers, documents, resources, staffUsers, timeOff, weeklyHours } from '../../server/db/schema.ts';
import { addDays, localDateOf } from '../../shared/time.ts';

/*
 * The availability editor, the calendar and document editing in a real Chromium on a tablet-sized
 * screen, against the demo business: the owner gives Luis Saturday hours (a backwards time is
 * refused first, with the reason beside the field) and adds time off for Jake, both stored at once;
 * the calendar shows Dana's seeded appointment in the week and in Luis's lane of the day, and
 * moves by keyboard; a document's kind, title, signer and date are edited and then it is deleted
 * (a tombstone her devices sync); a technician sees availability read-only. The client build is
 * copied to a temp dir so a concurrent rebuild cannot change it mid-test.
 */

const ZONE = 'America/Chicago';

let server: TestServer;
let clientDir: string;
let browser: TestBrowser;
let page: Page;
let danaId: string;
const pageErrors: string[] = [];

async function signInAs(email: string) {
	const user = server.app.store.db.select().from(staffUsers).where(eq(staffUsers.email, email)).get()!;
	await browser.context.clearCookies();
	await addSessionCookie(server, browser, cookieFor(server, { kind: 'staff', staffUserId: user.id }));
}

function resourceNamed(name: string) {
	return server.app.store.db.select().from(resources).where(eq(resources.name, name)).get()!;
}

beforeAll(async () => {
	clientDir = copyClientBuild();
	server = await startServer({ seedDemo: true, clientDir });
	danaId = server.app.store.db.select().from(customers).where(eq(customers.name, 'Dana Whitfield')).get()!.id;
	browser = await launchBrowser({ viewport: { width: 1024, height: 768 } });
	await signInAs('rosa@brightwater.example');
	page = await browser.context.newPage();
	page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
	await browser?.close();
	await server?.close();
	removeClientBuild(clientDir);
});

test('the owner gives Luis Saturday hours (a backwards time is refused first) and adds time off for Jake', async () => {
	await page.goto(`${server.url}/staff/bookings/availability`);
	await page.getByRole('heading', { level: 1, name: 'Availability' }).waitFor({ timeout: 30_000 });
	await page.getByRole('heading', { level: 2, name: 'Working hours' }).waitFor();
	expect(await axeViolations(page)).toEqual([]);

	const luis = resourceNamed('Luis Ortega');
	await page.getByLabel('Technician or crew', { exact: true }).selectOption(luis.id);
	await page.getByRole('button', { name: 'Add hours on Saturday' }).click();
	await page.getByLabel('Saturday hours 1 start').fill('12:00');
	await page.getByLabel('Saturday hours 1 end').fill('08:00');
	await page.getByRole('button', { name: 'Save Luis Ortega’s hours' }).click();
	await page.getByRole('alert').filter({ hasText: 'Saturday: must be after the start' }).waitFor();
	expect(await page.getByLabel('Saturday hours 1 end').getAttribute('aria-invalid')).toBe('true');
	expect(server.app.store.db.select().from(weeklyHours).where(and(eq(weeklyHours.resourceId, luis.id), eq(weeklyHours.weekday, 6))).all()).toEqual([]);

	await page.getByLabel('Saturday hours 1 start').fill('08:00');
	await page.getByLabel('Saturday hours 1 end').fill('12:00');
	await page.getByRole('button', { name: 'Save Luis Ortega’s hours' }).click();
	await page.getByRole('status').filter({ hasText: 'Saved Luis Ortega’s hours' }).waitFor();
	expect(server.app.store.db.select().from(weeklyHours).where(and(eq(weeklyHours.resourceId, luis.id), eq(weeklyHours.weekday, 6))).all()).toEqual([
		expect.objectContaining({ startMinute: 8 * 60, endMinute: 12 * 60 })
	]);

	const jake = resourceNamed('Jake Brennan');
	const day = addDays(localDateOf(Date.now(), ZONE), 20);
	await page.getByLabel('Who', { exact: true }).selectOption(jake.id);
	await page.getByLabel('First day').fill(day);
	await page.getByLabel(/^Reason/).fill('Water heater certification');
	await page.getByRole('button', { name: 'Add time off' }).click();
	await page.getByRole('status').filter({ hasText: 'Added time off for Jake Brennan' }).waitFor();
	const added = server.app.store.db.select().from(timeOff).where(eq(timeOff.reason, 'Water heater certification')).get()!;
	expect(added.resourceId).toBe(jake.id);
	expect(localDateOf(added.startsAt, ZONE)).toBe(day);
	expect(added.endsAt - added.startsAt).toBeGreaterThanOrEqual(23 * 3_600_000);
	await page.getByRole('region', { name: 'Time off' }).getByText('Water heater certification').waitFor();
});

test('the calendar shows Dana’s seeded appointment in the week and in Luis’s lane of the day, and moves by keyboard', async () => {
	const dana = server.app.store.db
		.select()
		.from(appointments)
		.where(and(eq(appointments.customerId, danaId), eq(appointments.status, 'confirmed'), eq(appointments.title, 'Leak inspection')))
		.get()!;
	const date = localDateOf(dana.startsAt!, ZONE);
	await page.goto(`${server.url}/staff/bookings?view=week&date=${date}`);
	const calendar = page.getByRole('region', { name: 'Calendar' });
	const entry = calendar.getByRole('link', { name: /Leak inspection.*Dana Whitfield.*Luis Ortega/ });
	await entry.waitFor({ timeout: 30_000 });
	expect(await entry.getAttribute('href')).toBe(`/staff/customers/${danaId}`);
	expect(await axeViolations(page)).toEqual([]);

	// Open the day from its heading; focus lands on the day's title.
	await calendar.getByRole('button', { name: /open the day, \d+ appointments?$/ }).filter({ hasText: new RegExp(`\\b${Number(date.slice(8))}\\b`) }).first().click();
	const lane = calendar.getByRole('region', { name: /^Luis Ortega, / });
	await lane.getByRole('link', { name: /Leak inspection/ }).waitFor();
	const title = calendar.locator('#cal-range');
	await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('cal-range');
	const dayTitle = await title.textContent();

	await page.keyboard.press('ArrowRight');
	await expect.poll(() => title.textContent()).not.toBe(dayTitle);
	await page.keyboard.press('ArrowLeft');
	await expect.poll(() => title.textContent()).toBe(dayTitle);
	await lane.getByRole('link', { name: /Leak inspection/ }).waitFor();
	await page.keyboard.press('w');
	await calendar.getByRole('button', { name: 'Week', pressed: true }).waitFor();
	expect(new URL(page.url()).searchParams.get('view')).toBe('week');
});

test('a document’s kind, title, signer and date are edited, then it is deleted', async () => {
	const doc = server.app.store.db
		.select()
		.from(documents)
		.where(and(eq(documents.customerId, danaId), eq(documents.deleted, false)))
		.orderBy(asc(documents.createdAt))
		.get()!;
	await page.goto(`${server.url}/staff/customers/${danaId}`);
	await page.getByRole('heading', { level: 1, name: 'Dana Whitfield' }).waitFor({ timeout: 30_000 });

	await page.getByRole('button', { name: `Edit ${doc.title}` }).click();
	const form = page.getByRole('form', { name: `Edit ${doc.title}` });
	await form.getByLabel('Kind').selectOption('warranty');
	await form.getByLabel('Title').fill('Water heater warranty');
	await form.getByLabel(/Signed by/).fill('Dana M. Whitfield');
	await form.getByLabel(/Signed on/).fill('2026-04-30');
	await form.getByRole('button', { name: 'Save document' }).click();
	await page.getByRole('status').filter({ hasText: 'Saved “Water heater warranty”' }).waitFor({ timeout: 15_000 });
	const edited = server.app.store.db.select().from(documents).where(eq(documents.id, doc.id)).get()!;
	expect(edited).toMatchObject({ kind: 'warranty', title: 'Water heater warranty', signerName: 'Dana M. Whitfield', deleted: false });
	expect(localDateOf(edited.signedAt!, ZONE)).toBe('2026-04-30');
	expect(edited.seq).toBeGreaterThan(doc.seq);
	await page.getByRole('link', { name: 'Water heater warranty' }).waitFor();

	await page.getByRole('button', { name: 'Delete Water heater warranty' }).click();
	await page.getByRole('dialog').getByRole('button', { name: 'Delete document' }).click();
	await page.getByRole('status').filter({ hasText: 'Deleted “Water heater warranty”' }).waitFor({ timeout: 15_000 });
	expect(server.app.store.db.select().from(documents).where(eq(documents.id, doc.id)).get()!.deleted).toBe(true);
	expect(await page.getByRole('link', { name: 'Water heater warranty' }).count()).toBe(0);
});

test('a technician sees availability but cannot change it', async () => {
	await signInAs('luis@brightwater.example');
	await page.goto(`${server.url}/staff/bookings/availability`);
	await page.getByRole('heading', { level: 1, name: 'Availability' }).waitFor({ timeout: 30_000 });
	await page.getByText('You can see availability here; the office changes it.').waitFor();
	expect(await page.getByRole('button', { name: /^Save / }).count()).toBe(0);
	expect(await page.getByRole('button', { name: 'Add time off' }).count()).toBe(0);
	expect(await page.getByLabel('Postal codes served', { exact: false }).isDisabled()).toBe(true);
	// Their calendar works; the office's requests are not shown to them.
	await page.goto(`${server.url}/staff/bookings`);
	await page.getByRole('region', { name: 'Calendar' }).waitFor();
	expect(await page.getByRole('heading', { name: /^Requests/ }).count()).toBe(0);
	expect(pageErrors).toEqual([]);
});
