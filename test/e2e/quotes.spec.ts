import { afterAll, beforeAll, expect, test } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { pngBytes } from '../helpers/images.ts';
import { addSessionCookie, axeViolations, copyClientBuild, networkSwitch, removeClientBuild, signInAsDemoCustomer } from '../helpers/portal.ts';
import { cookieFor } from '../helpers/session.ts';
import { documents, invoices, quoteItems, quotes, quoteSignatures, staffUsers } from '../../server/db/schema.ts';
import { formatMoney } from '../../shared/money.ts';
import { defaultSelection, quoteTotals } from '../../shared/quotes.ts';
import type { QuoteItem } from '../../shared/schemas/quote.ts';

/*
 * Quotes in a real Chromium against the real server and the demo business. Dana opens the quote
 * waiting on her Home screen, picks another boiler and changes the extras (the total follows),
 * types her name, draws a signature with the mouse, consents and approves: the signed PDF is in
 * her documents, the deposit asks to be paid, and the owner's console announces the approval
 * live. The owner composes a quote in the console, adds a photo and sends it: Dana's device shows
 * it without a reload; when the owner changes it while she has it open, she must acknowledge the
 * update before she can sign. Offline, the quote still opens after a reload, with its photo, and
 * Approve says why it cannot be used; back online she asks for changes. A draft stays off her
 * device until sent; once withdrawn her copy says so and offers no Approve. The quote screen
 * passes an axe scan. The client build is copied to a temp dir so a concurrent rebuild cannot change it.
 */

let server: TestServer;
let clientDir: string;
let phoneBrowser: TestBrowser;
let staffBrowser: TestBrowser;
let phone: Page;
let console_: Page;
let setNetwork: (online: boolean) => Promise<void>;
let customerId: string;
const pageErrors: string[] = [];

beforeAll(async () => {
	clientDir = copyClientBuild('sw.js');
	server = await startServer({ seedDemo: true, clientDir });
	phoneBrowser = await launchBrowser();
	staffBrowser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
	({ customerId } = await signInAsDemoCustomer(server, phoneBrowser, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0' }));
	const rosa = server.app.store.db.select().from(staffUsers).where(eq(staffUsers.email, 'rosa@brightwater.example')).get()!;
	await addSessionCookie(server, staffBrowser, cookieFor(server, { kind: 'staff', staffUserId: rosa.id }));
	setNetwork = networkSwitch(server, phoneBrowser);
	phone = await phoneBrowser.context.newPage();
	console_ = await staffBrowser.context.newPage();
	for (const p of [phone, console_]) p.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
	await phoneBrowser?.close();
	await staffBrowser?.close();
	await server?.close();
	removeClientBuild(clientDir);
});

/** A quote's lines as devices see them, from the database. */
function itemsOf(quoteId: string): QuoteItem[] {
	return server.app.store.db
		.select()
		.from(quoteItems)
		.where(eq(quoteItems.quoteId, quoteId))
		.orderBy(asc(quoteItems.position), asc(quoteItems.id))
		.all()
		.map((i) => ({
			id: i.id,
			kind: i.kind,
			group: i.groupName,
			description: i.description,
			quantityMilli: i.quantityMilli,
			unitAmount: i.unitAmount,
			amount: i.amount,
			selectedByDefault: i.selectedByDefault
		}));
}

/** Totals of a stored quote for a selection, as the shared arithmetic computes them. */
function totalsOf(row: { id: string; taxRateBp: number; depositRateBp: number }, selection: readonly string[]) {
	return quoteTotals({ items: itemsOf(row.id), taxRateBp: row.taxRateBp, depositRateBp: row.depositRateBp }, selection);
}

function quoteByNumber(number: string) {
	return server.app.store.db.select().from(quotes).where(eq(quotes.number, number)).get()!;
}

function quoteByTitle(title: string) {
	return server.app.store.db.select().from(quotes).where(and(eq(quotes.customerId, customerId), eq(quotes.title, title))).get();
}

/** Draws a squiggle across the signature box with the mouse (pointer events, as a finger or pen would). */
async function drawSignature(p: Page) {
	const box = (await p.getByRole('img', { name: /^Signature box/ }).boundingBox())!;
	const y = box.y + box.height * 0.55;
	await p.mouse.move(box.x + box.width * 0.1, y);
	await p.mouse.down();
	for (let i = 1; i <= 24; i++) {
		await p.mouse.move(box.x + box.width * (0.1 + i * 0.03), y + Math.sin(i / 2) * box.height * 0.2, { steps: 2 });
	}
	await p.mouse.up();
}

/** Waits until the service worker controls the page (else an offline reload cannot load the app). */
async function serviceWorkerControls(p: Page) {
	await p.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	if (!(await p.evaluate(() => navigator.serviceWorker.controller !== null))) await p.reload();
	await p.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 30_000 });
}

const totalShown = (p: Page) => p.getByTestId('quote-total').innerText();

test('Dana picks options (the total follows), signs with a drawn signature and approves: the signed PDF is in Documents, the deposit asks to be paid, and the console hears of it live', async () => {
	const q = quoteByNumber('Q-02318');
	const items = itemsOf(q.id);
	const money = (minor: number) => formatMoney(minor, q.currency);

	// The owner has the console open: the answer must reach it without a reload.
	await console_.goto(`${server.url}/staff/quotes`);
	await console_.getByRole('link', { name: 'Q-02318' }).waitFor({ timeout: 30_000 });

	await phone.goto(server.url + '/');
	const waiting = phone.getByRole('region', { name: 'A quote is waiting for you' });
	await waiting.getByRole('link', { name: /Boiler replacement at the rental duplex/ }).click();
	await phone.getByRole('heading', { level: 1, name: 'Boiler replacement at the rental duplex' }).waitFor();
	await phone.getByText(/^Valid until /).first().waitFor();
	// The photo comes through the quote's own URL, shown from the device.
	const photo = phone.getByRole('img', { name: 'The current boiler in the duplex basement' });
	await phone.waitForFunction(() => document.querySelector('img[alt="The current boiler in the duplex basement"]')?.getAttribute('src')?.startsWith('blob:'));
	expect(await photo.count()).toBe(1);

	// The office's suggested choices first.
	expect(await totalShown(phone)).toBe(money(totalsOf(q, defaultSelection(items)).total));

	// Dana takes the standard boiler, no thermostat, and the radiator flush.
	const standard = items.find((i) => i.description.startsWith('Standard-efficiency'))!;
	const thermostat = items.find((i) => i.description.startsWith('Smart thermostat'))!;
	const flush = items.find((i) => i.description.startsWith('Chemical flush'))!;
	const boilers = phone.getByRole('group', { name: /Boiler/ });
	await boilers.getByRole('radio', { name: /Standard-efficiency/ }).check();
	await phone.getByRole('checkbox', { name: /Smart thermostat/ }).uncheck();
	await phone.getByRole('checkbox', { name: /Chemical flush/ }).check();
	const selection = [flush.id, standard.id];
	const expected = totalsOf(q, selection);
	await phone.waitForFunction((t) => document.querySelector('[data-testid="quote-total"]')?.textContent === t, money(expected.total));
	expect(expected.total).not.toBe(totalsOf(q, defaultSelection(items)).total);
	// Screen readers hear the new total.
	expect(await phone.getByRole('status').filter({ hasText: `Total now ${money(expected.total)}` }).count()).toBe(1);

	// Nothing is sent until the form is complete: each missing piece is named.
	await phone.getByRole('button', { name: /^Approve/ }).click();
	await phone.getByText('Type your full name.').waitFor();
	await phone.getByText(/Draw your signature in the box/).waitFor();
	await phone.getByText(/Tick the box to agree/).waitFor();
	expect(quoteByNumber('Q-02318').status).toBe('sent');

	await phone.getByLabel('Your full name').fill('Dana Whitfield');
	await drawSignature(phone);
	await phone.getByRole('img', { name: 'Signature box, signed' }).waitFor();
	await phone.getByLabel('I agree to sign this quote electronically').check();
	// Each message goes as soon as its field is put right.
	for (const gone of ['Type your full name.', 'Check the highlighted fields.']) expect(await phone.getByText(gone).count()).toBe(0);
	expect(await phone.getByText(/Draw your signature in the box|Tick the box to agree/).count()).toBe(0);

	// The screen as the customer signs it: no serious accessibility problems.
	expect(await axeViolations(phone)).toEqual([]);

	await phone.getByRole('button', { name: `Approve for ${money(expected.total)}` }).click();
	await phone.getByRole('heading', { name: 'Thank you — the quote is approved' }).waitFor({ timeout: 30_000 });

	// What the server recorded is what Dana saw and chose.
	const approved = quoteByNumber('Q-02318');
	expect(approved.status).toBe('approved');
	expect([...approved.selection].sort()).toEqual([...selection].sort());
	expect(approved.approvedTotal).toBe(expected.total);
	const signature = server.app.store.db.select().from(quoteSignatures).where(eq(quoteSignatures.quoteId, q.id)).get()!;
	expect(signature.signerName).toBe('Dana Whitfield');
	expect(signature.contentHash).toBe(q.contentHash);
	expect(signature.userAgent).toContain('Chrome');
	const doc = server.app.store.db.select().from(documents).where(eq(documents.id, approved.signedDocumentId!)).get()!;
	expect(doc.kind).toBe('quote');
	const deposit = server.app.store.db.select().from(invoices).where(eq(invoices.id, approved.depositInvoiceId!)).get()!;
	expect(deposit.total).toBe(expected.deposit);

	// The console announces it wherever the owner is, and links to the quote.
	await console_.getByRole('status').getByText(/Dana Whitfield/).waitFor({ timeout: 20_000 });
	expect(await console_.getByRole('status').filter({ hasText: 'approved and signed quote Q-02318' }).count()).toBe(1);
	await console_.getByRole('link', { name: 'Q-02318' }).first().click();
	await console_.getByRole('heading', { name: /The customer's answer: Approved/ }).waitFor();
	expect(await console_.getByText(signature.contentHash).count()).toBe(1);
	expect(await console_.getByRole('link', { name: /Signed PDF/ }).getAttribute('href')).toBe(`/api/files/${doc.id}`);

	// The deposit invoice reaches the device; Pay leads to its pay screen.
	const pay = phone.getByRole('link', { name: `Pay the deposit (${money(expected.deposit)})` });
	await pay.waitFor({ timeout: 20_000 });
	expect(await pay.getAttribute('href')).toBe(`/pay/${deposit.id}`);
	expect(await phone.getByText('Signed by Dana Whitfield', { exact: false }).count()).toBe(1);

	// The signed quote is in the archive.
	await phone.getByRole('link', { name: 'View the signed quote' }).click();
	await phone.getByRole('heading', { level: 1, name: doc.title }).waitFor({ timeout: 20_000 });
	await phone.goto(server.url + '/documents');
	await phone.getByRole('link', { name: doc.title }).waitFor();
	expect(await phone.getByRole('region', { name: /^Quotes/ }).getByRole('link', { name: doc.title }).count()).toBe(1);
	expect(pageErrors).toEqual([]);
});

test('the owner composes a quote with options and a photo and sends it: it appears on Dana’s device live; a change while she has it open must be acknowledged before signing', async () => {
	await phone.goto(server.url + '/quotes');
	await phone.getByRole('heading', { level: 2, name: /^Answered/ }).waitFor();
	expect(await phone.getByRole('heading', { level: 2, name: /^Waiting for your answer/ }).count()).toBe(0);

	await console_.goto(`${server.url}/staff/quotes/new`);
	const picker = console_.getByRole('combobox', { name: 'Customer' });
	await picker.fill('Dana');
	await console_.getByRole('option', { name: /Dana Whitfield/ }).click();
	await console_.getByLabel('Title').fill('Water softener for the duplex');
	await console_.getByLabel('Line 1 description').fill('Installation and bypass valve');
	await console_.getByLabel('Unit price (USD)').first().fill('640');
	await console_.getByRole('button', { name: 'Add optional extra' }).click();
	await console_.getByLabel('Line 2 description').fill('Salt delivery for a year');
	await console_.getByLabel('Unit price (USD)').nth(1).fill('180');
	await console_.getByRole('button', { name: 'Add choice option' }).click();
	await console_.getByLabel('Choice group').first().fill('Softener size');
	await console_.getByLabel('Line 3 description').fill('32,000 grain softener');
	await console_.getByLabel('Unit price (USD)').nth(2).fill('900');
	await console_.getByRole('button', { name: 'Add choice option' }).click();
	await console_.getByLabel('Choice group').nth(1).fill('Softener size');
	await console_.getByLabel('Line 4 description').fill('48,000 grain softener');
	await console_.getByLabel('Unit price (USD)').nth(3).fill('1150');
	await console_.getByLabel('Deposit at approval (%)').fill('10');
	await console_.getByRole('button', { name: 'Save and send' }).click();
	await console_.getByText('Sent: the quote is on its way').waitFor({ timeout: 20_000 });
	const created = quoteByTitle('Water softener for the duplex')!;
	expect(created.status).toBe('sent');
	expect(itemsOf(created.id).map((i) => [i.kind, i.group, i.amount])).toEqual([
		['included', null, 64000],
		['optional', null, 18000],
		['choice', 'Softener size', 90000],
		['choice', 'Softener size', 115000]
	]);

	// Dana's list shows it without a reload.
	const row = phone.getByRole('link', { name: 'Water softener for the duplex' });
	await row.waitFor({ timeout: 20_000 });
	await phone.getByRole('heading', { level: 2, name: /^Waiting for your answer/ }).waitFor();

	// A photo from the console (uploaded as the phone's photo code prepares it: JPEG, upright).
	await console_.getByLabel('Add a photo').setInputFiles({ name: 'hard-water.png', mimeType: 'image/png', buffer: pngBytes(64, 48) });
	await console_.getByLabel('Caption').fill('Scale on the old water heater inlet');
	await console_.getByRole('button', { name: 'Upload photo' }).click();
	await console_.getByRole('img', { name: 'Scale on the old water heater inlet' }).waitFor({ timeout: 20_000 });
	await expect.poll(() => server.app.store.db.select().from(quotes).where(eq(quotes.id, created.id)).get()!.revision).toBeGreaterThan(created.revision);

	await row.click();
	await phone.getByRole('heading', { level: 1, name: 'Water softener for the duplex' }).waitFor();
	await phone.waitForFunction(() => document.querySelector('img[alt="Scale on the old water heater inlet"]')?.getAttribute('src')?.startsWith('blob:'), undefined, { timeout: 20_000 });
	const approve = phone.getByRole('button', { name: /^Approve/ });
	await expect.poll(() => approve.isEnabled(), { timeout: 10_000 }).toBe(true);

	// The owner raises the installation price while Dana has the quote open.
	await console_.getByLabel('Unit price (USD)').first().fill('690');
	await console_.getByRole('button', { name: 'Save changes' }).click();
	const confirm = console_.getByRole('dialog', { name: 'Change a sent quote?' });
	await confirm.getByRole('button', { name: 'Save the new version' }).click();
	await console_.getByText(/Saved\. The customer sees the new version/).waitFor({ timeout: 20_000 });

	await phone.getByText('This quote was updated — review the changes.').waitFor({ timeout: 20_000 });
	expect(await approve.isDisabled()).toBe(true);
	expect(await phone.locator('#approve-blocked').innerText()).toContain('This quote was updated');
	// The screen already shows the new price.
	await phone.getByText('$690.00').first().waitFor();
	await phone.getByRole('button', { name: "I've reviewed the changes" }).click();
	expect(await phone.getByText('This quote was updated — review the changes.').count()).toBe(0);
	await expect.poll(() => approve.isEnabled(), { timeout: 10_000 }).toBe(true);

	// Her record in the console lists it.
	await console_.goto(`${server.url}/staff/customers/${customerId}`);
	const onRecord = console_.getByRole('region', { name: 'Quotes' });
	await onRecord.getByRole('link', { name: created.number }).waitFor({ timeout: 20_000 });
	expect(await onRecord.getByRole('link', { name: 'Q-02318' }).count()).toBe(1);
	expect(pageErrors).toEqual([]);
});

test('offline, the quote still opens after a reload with its photo, and Approve says why it is disabled; back online Dana asks for changes and the console hears of it', async () => {
	const created = quoteByTitle('Water softener for the duplex')!;
	await phone.goto(`${server.url}/quotes/${created.id}`);
	await phone.getByRole('heading', { level: 1, name: 'Water softener for the duplex' }).waitFor();
	await phone.waitForFunction(() => document.querySelector('img[alt="Scale on the old water heater inlet"]')?.getAttribute('src')?.startsWith('blob:'), undefined, { timeout: 20_000 });
	await serviceWorkerControls(phone);

	await setNetwork(false);
	try {
		await phone.reload();
		await phone.getByRole('heading', { level: 1, name: 'Water softener for the duplex' }).waitFor({ timeout: 20_000 });
		// The photo is read from the device's copy.
		await phone.waitForFunction(() => document.querySelector('img[alt="Scale on the old water heater inlet"]')?.getAttribute('src')?.startsWith('blob:'), undefined, { timeout: 20_000 });
		const approve = phone.getByRole('button', { name: /^Approve/ });
		expect(await approve.isDisabled()).toBe(true);
		expect(await phone.locator('#approve-blocked').innerText()).toMatch(/You're offline\. Signing needs a connection/);
		expect(await phone.getByRole('button', { name: 'Ask for changes' }).isDisabled()).toBe(true);
		// Choosing still works offline: the total follows.
		const items = itemsOf(created.id);
		const big = items.find((i) => i.description.startsWith('48,000'))!;
		await phone.getByRole('radio', { name: /48,000 grain/ }).check();
		// The salt delivery was not ticked to start with: the selection is the bigger softener alone.
		const expected = totalsOf(quoteByTitle('Water softener for the duplex')!, [big.id]);
		await phone.waitForFunction((t) => document.querySelector('[data-testid="quote-total"]')?.textContent === t, formatMoney(expected.total, 'USD'));
	} finally {
		await setNetwork(true);
	}

	await expect.poll(() => phone.getByRole('button', { name: /^Approve/ }).isEnabled(), { timeout: 30_000 }).toBe(true);
	await console_.goto(`${server.url}/staff/quotes`);
	await console_.getByRole('heading', { level: 1, name: 'Quotes' }).waitFor();

	await phone.getByRole('button', { name: 'Ask for changes' }).click();
	const dialog = phone.getByRole('dialog', { name: 'Ask for changes' });
	await dialog.getByRole('button', { name: 'Send the request' }).click();
	await dialog.getByText('Say what you would like us to change.').waitFor();
	await dialog.getByLabel('What should change?').fill('Could you quote a model with a smaller footprint?');
	await dialog.getByRole('button', { name: 'Send the request' }).click();
	await phone.getByRole('heading', { name: 'You asked for changes' }).waitFor({ timeout: 20_000 });
	expect(quoteByTitle('Water softener for the duplex')!.status).toBe('changes_requested');
	await console_.getByRole('status').filter({ hasText: /asked for changes to quote/ }).waitFor({ timeout: 20_000 });
	expect(pageErrors).toEqual([]);
});

test('a draft stays off Dana’s device until the owner sends it; withdrawn, her copy says so and cannot be signed', async () => {
	await console_.goto(`${server.url}/staff/quotes/new?customer=${customerId}`);
	await console_.getByText('Dana Whitfield', { exact: false }).first().waitFor();
	await console_.getByLabel('Title').fill('Sump pump check');
	await console_.getByLabel('Line 1 description').fill('Inspect and test the sump pump');
	await console_.getByLabel('Unit price (USD)').first().fill('95');
	await console_.getByRole('button', { name: 'Save draft' }).click();
	await console_.getByRole('heading', { level: 1, name: /Quote Q-\d+/ }).waitFor({ timeout: 20_000 });
	const draft = quoteByTitle('Sump pump check')!;
	expect(draft.status).toBe('draft');

	await phone.goto(server.url + '/quotes');
	await phone.getByRole('link', { name: 'Water softener for the duplex' }).waitFor();
	expect(await phone.getByRole('link', { name: 'Sump pump check' }).count()).toBe(0);

	await console_.getByRole('button', { name: 'Save and send' }).click();
	await console_.getByText('Sent: the quote is on its way').waitFor({ timeout: 20_000 });
	await phone.getByRole('link', { name: 'Sump pump check' }).click();
	await phone.getByRole('heading', { level: 1, name: 'Sump pump check' }).waitFor();
	await phone.getByRole('button', { name: /^Approve/ }).waitFor();

	await console_.getByRole('button', { name: 'Withdraw' }).click();
	await console_.getByRole('dialog', { name: 'Withdraw this quote?' }).getByRole('button', { name: 'Withdraw' }).click();
	await console_.getByText('Withdrawn: the customer can no longer approve this quote.').waitFor({ timeout: 20_000 });

	await phone.getByRole('heading', { name: 'This quote was withdrawn' }).waitFor({ timeout: 20_000 });
	expect(await phone.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
	expect(quoteByTitle('Sump pump check')!.status).toBe('withdrawn');
	expect(pageErrors).toEqual([]);
});
