import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Page, Route } from 'playwright-core';
import { customers, invoices } from '../../server/db/schema.ts';
import { DEMO_MODE_LABEL } from '../../shared/protocol/payments.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { axeViolations, copyClientBuild, removeClientBuild, signInAsDemoCustomer } from '../helpers/portal.ts';
import { addInvoice, invoiceRow, paymentRows, setBusiness, startPayServer } from '../fakes/payments-world.ts';
import { startFakeStripe, type FakeMethodBehaviour, type FakeStripe } from '../fakes/stripe.ts';

/*
 * Paying in a real Chromium against the real server and the demo business. With the demo
 * provider: the demo label on every payment screen; INV-04127 paid with a demo card (twenty taps,
 * one charge) ending on its receipt while another tab shows the invoice paid live; a decline that
 * leaves the invoice open and a retry on the same attempt; a card that needs authentication; a
 * bank debit that shows processing and clears live; Pay disabled offline with the reason; a saved
 * card paying in one tap, autopay turned on with it and off again. With Stripe: the server talks
 * to the fake Stripe API and a stand-in `window.Stripe` (installed before the app loads, so
 * Stripe.js is never fetched) plays the customer's side through the fake's test controls, so the
 * screens handle success, decline then success, processing, authentication and a saved card
 * needing authentication, with everything else real. The client build is copied to a temp dir so
 * a concurrent rebuild cannot change it mid-test.
 */

const FUTURE_DUE = '2099-01-15';
function invoiceIdOf(server: TestServer, number: string): string {
	return server.app.store.db.select({ id: invoices.id }).from(invoices).where(eq(invoices.number, number)).get()!.id;
}

/** Waits until an invoice screen (already open, never reloaded) shows a status. */
async function invoiceShows(p: Page, status: 'Open' | 'Processing' | 'Paid', timeout = 15_000) {
	await p.locator('header .chip', { hasText: status }).waitFor({ timeout });
}

/** The receipt screen of a payment that went through. */
async function expectReceipt(p: Page, facts: { amount: string; invoiceNumber: string; method: string }) {
	await p.waitForURL(/\/pay\/receipt\//, { timeout: 20_000 });
	await p.getByRole('heading', { level: 1, name: 'Payment received' }).waitFor();
	const receipt = p.getByRole('region', { name: 'Amount paid' });
	await receipt.getByText(facts.amount, { exact: true }).waitFor();
	const text = (await receipt.innerText()).replace(/\s+/g, ' ');
	expect(text).toContain(facts.invoiceNumber);
	expect(text).toContain(facts.method);
	expect(text).toMatch(/Receipt number RCPT-[\w-]+/);
	expect(text).toMatch(/Status Paid/);
	const pdf = p.getByRole('link', { name: 'Download receipt (PDF)' });
	const answer = await p.evaluate(async (u) => {
		const res = await fetch(u);
		const bytes = new Uint8Array(await res.arrayBuffer());
		return { status: res.status, head: String.fromCharCode(...bytes.subarray(0, 5)), type: res.headers.get('content-type') };
	}, (await pdf.getAttribute('href'))!);
	expect(answer).toEqual({ status: 200, head: '%PDF-', type: 'application/pdf' });
}

describe('demo provider', () => {
	let server: TestServer;
	let browser: TestBrowser;
	let clientDir: string;
	let page: Page;
	let customerId: string;
	const pageErrors: string[] = [];

	beforeAll(async () => {
		clientDir = copyClientBuild();
		// Demo bank debits clear after 4 s (and the scheduler looks every half second) so "processing
		// → paid" happens within the test.
		server = await startServer({ seedDemo: true, clientDir }, { payments: { demoSettleMs: 4_000, schedulerIntervalMs: 500 } });
		browser = await launchBrowser();
		({ customerId } = await signInAsDemoCustomer(server, browser));
		page = await browser.context.newPage();
		page.on('pageerror', (e) => pageErrors.push(e.message));
	});
	afterAll(async () => {
		await browser?.close();
		await server?.close();
		removeClientBuild(clientDir);
	});

	const demoLabel = (p: Page) => p.getByRole('note').filter({ hasText: DEMO_MODE_LABEL });

	async function chooseDemo(p: Page, method: 'Card' | 'Bank account', outcome: 'Success' | 'Decline' | 'Needs authentication' | 'Clears' | 'Returned') {
		await p.getByRole('group', { name: 'Pay with' }).getByText(method, { exact: true }).click();
		await p.getByRole('group', { name: 'Simulated outcome' }).getByText(outcome, { exact: true }).click();
	}

	test('INV-04127 paid with a demo card: twenty taps make one charge, the receipt shows, and another tab sees the invoice paid live', async () => {
		const invoiceId = invoiceIdOf(server, 'INV-04127');
		const watcher = await browser.context.newPage();
		await watcher.goto(`${server.url}/invoices/${invoiceId}`);
		await invoiceShows(watcher, 'Open');

		await page.goto(`${server.url}/invoices/${invoiceId}`);
		await page.getByRole('link', { name: 'Pay $432.00' }).click();
		await page.waitForURL(`**/pay/${invoiceId}`);
		await page.getByRole('heading', { level: 1, name: 'Pay invoice INV-04127' }).waitFor();
		await demoLabel(page).waitFor();
		await chooseDemo(page, 'Card', 'Success');
		const pay = page.getByRole('button', { name: 'Pay $432.00', exact: true });
		await expect.poll(() => pay.isEnabled()).toBe(true);
		// Twenty taps in one frame, before the screen can even disable the button.
		await pay.evaluate((b: HTMLButtonElement) => {
			for (let i = 0; i < 20; i++) b.click();
		});

		await expectReceipt(page, { amount: '$432.00', invoiceNumber: 'INV-04127', method: 'Visa •••• 4242' });
		await demoLabel(page).waitFor();
		const rows = paymentRows(server, invoiceId);
		expect(rows.map((r) => [r.status, r.amount, r.attempt])).toEqual([['succeeded', 43_200, 1]]);
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 43_200 });

		await invoiceShows(watcher, 'Paid');
		await watcher.getByText(/Paid in full/).waitFor();
		expect(await watcher.getByRole('link', { name: /^Pay / }).count()).toBe(0);
		await watcher.close();
	});

	test('the demo label is on every payment screen', async () => {
		const { invoiceId } = addInvoice(server, customerId, { total: 5_000, dueDate: FUTURE_DUE });
		const paid = paymentRows(server, invoiceIdOf(server, 'INV-04127'))[0];
		for (const url of [`/pay/${invoiceId}`, `/pay/receipt/${paid.id}`, '/pay/history', '/pay/methods']) {
			await page.goto(server.url + url);
			await page.getByRole('heading', { level: 1 }).first().waitFor();
			await demoLabel(page).waitFor();
			expect(await demoLabel(page).innerText(), url).toContain(DEMO_MODE_LABEL);
		}
		// The history lists the payment with its method, status and a receipt link.
		await page.goto(server.url + '/pay/history');
		const row = page.locator('li.row', { hasText: 'INV-04127' });
		await row.waitFor();
		const text = (await row.innerText()).replace(/\s+/g, ' ');
		expect(text).toContain('Visa •••• 4242');
		expect(text).toContain('$432.00');
		expect(text).toContain('Paid');
		await row.getByRole('link', { name: /^Receipt RCPT-04127/ }).click();
		await page.getByRole('heading', { level: 1, name: 'Payment received' }).waitFor();
	});

	test('every payment screen passes an automated accessibility scan at phone and desktop widths', async () => {
		const { invoiceId } = addInvoice(server, customerId, { total: 5_100, dueDate: FUTURE_DUE });
		const paid = paymentRows(server, invoiceIdOf(server, 'INV-04127'))[0];
		const screens: [string, RegExp][] = [
			[`/pay/${invoiceId}`, /^Pay \$51\.00$/],
			[`/pay/receipt/${paid.id}`, /^Download receipt/],
			['/pay/history', /^Receipt RCPT-04127/],
			['/pay/methods', /^Add a card or bank account$/]
		];
		const found: string[] = [];
		for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
			await page.setViewportSize(viewport);
			for (const [url, ready] of screens) {
				await page.goto(server.url + url);
				await page.getByRole('button', { name: ready }).or(page.getByRole('link', { name: ready })).first().waitFor();
				for (const v of await axeViolations(page)) found.push(`${viewport.width}px ${url} ${v}`);
			}
		}
		await page.setViewportSize({ width: 390, height: 844 });
		expect(found).toEqual([]);
	});

	test('a declined card shows why and leaves the invoice open; trying again pays on the same attempt', async () => {
		const { invoiceId, number } = addInvoice(server, customerId, { total: 12_000, dueDate: FUTURE_DUE });
		const watcher = await browser.context.newPage();
		await watcher.goto(`${server.url}/invoices/${invoiceId}`);
		await invoiceShows(watcher, 'Open');

		await page.goto(`${server.url}/pay/${invoiceId}`);
		await chooseDemo(page, 'Card', 'Decline');
		await page.getByRole('button', { name: 'Pay $120.00', exact: true }).click();
		const alert = page.getByRole('alert').filter({ hasText: "The payment didn't go through" });
		await alert.waitFor();
		expect(await alert.innerText()).toContain('Your card was declined');
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 0 });
		expect(paymentRows(server, invoiceId).map((r) => r.status)).toEqual(['failed']);
		await invoiceShows(watcher, 'Open');
		expect(await watcher.getByRole('link', { name: 'Pay $120.00' }).count()).toBe(1);

		await chooseDemo(page, 'Card', 'Success');
		await page.getByRole('button', { name: 'Pay $120.00', exact: true }).click();
		await expectReceipt(page, { amount: '$120.00', invoiceNumber: number, method: 'Visa •••• 4242' });
		expect(paymentRows(server, invoiceId).map((r) => [r.status, r.attempt])).toEqual([['succeeded', 1]]);
		await invoiceShows(watcher, 'Paid');
		await watcher.close();
	});

	test('an answer lost on its way back: tapping Pay again reaches the same attempt and charges once', async () => {
		const { invoiceId, number } = addInvoice(server, customerId, { total: 3_300, dueDate: FUTURE_DUE });
		await page.goto(`${server.url}/pay/${invoiceId}`);
		await chooseDemo(page, 'Card', 'Success');
		// The server confirms the payment, but the phone never hears back; the invoice's change is held
		// back too, so the customer is left with only the error and taps Pay again.
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		const holdSync = async (route: Route) => {
			await held;
			await route.continue().catch(() => undefined);
		};
		await browser.context.route('**/api/sync/invoices/pull**', holdSync);
		let lost = 0;
		await browser.context.route('**/api/pay/demo/payments/*/confirm', async (route) => {
			await route.fetch();
			lost++;
			await route.abort('connectionreset');
		}, { times: 1 });
		try {
			const pay = page.getByRole('button', { name: 'Pay $33.00', exact: true });
			await pay.click();
			await page.getByRole('alert').filter({ hasText: 'The connection dropped before we heard back' }).waitFor();
			expect(lost).toBe(1);
			expect(paymentRows(server, invoiceId).map((r) => r.status)).toEqual(['succeeded']);

			await pay.click();
			await expectReceipt(page, { amount: '$33.00', invoiceNumber: number, method: 'Visa •••• 4242' });
		} finally {
			release();
			await browser.context.unroute('**/api/sync/invoices/pull**', holdSync);
		}
		expect(paymentRows(server, invoiceId).map((r) => [r.status, r.attempt])).toEqual([['succeeded', 1]]);
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 3_300 });
	});

	test('a partial payment, when the business allows it: the minimum is shown and enforced, and the rest stays due', async () => {
		setBusiness(server, { allowPartialPayments: true, minimumPartialPayment: 2_500 });
		try {
			const { invoiceId, number } = addInvoice(server, customerId, { total: 20_000, dueDate: FUTURE_DUE });
			await page.goto(`${server.url}/pay/${invoiceId}`);
			await page.getByText('Part of it').click();
			await page.getByText('At least $25.00, up to $200.00.').waitFor();
			const field = page.getByLabel('Amount to pay');
			await field.fill('10');
			await field.blur();
			await page.getByRole('alert').filter({ hasText: 'Pay at least $25.00, or the whole $200.00.' }).waitFor();
			await page.getByRole('button', { name: 'Pay', exact: true }).click();
			expect(paymentRows(server, invoiceId)).toEqual([]);
			await field.fill('250');
			await page.getByRole('alert').filter({ hasText: 'That is more than the $200.00 due.' }).waitFor();

			await field.fill('50');
			await chooseDemo(page, 'Card', 'Success');
			await page.getByRole('button', { name: 'Pay $50.00', exact: true }).click();
			await expectReceipt(page, { amount: '$50.00', invoiceNumber: number, method: 'Visa •••• 4242' });
			expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 5_000 });

			await page.goto(`${server.url}/pay/${invoiceId}`);
			await page.getByRole('region', { name: 'Amount due' }).getByText('$150.00', { exact: true }).waitFor();
			await page.getByRole('button', { name: 'Pay $150.00', exact: true }).waitFor();
		} finally {
			setBusiness(server, { allowPartialPayments: false });
		}
	});

	test('a card that needs authentication asks the customer to confirm, then pays', async () => {
		const { invoiceId, number } = addInvoice(server, customerId, { total: 8_800, dueDate: FUTURE_DUE });
		await page.goto(`${server.url}/pay/${invoiceId}`);
		await chooseDemo(page, 'Card', 'Needs authentication');
		await page.getByRole('button', { name: 'Pay $88.00', exact: true }).click();
		await page.getByRole('heading', { name: 'Confirm with your bank' }).waitFor();
		await demoLabel(page).waitFor();
		expect(invoiceRow(server, invoiceId).status).toBe('open');
		await page.getByRole('button', { name: 'Authenticate' }).click();
		await expectReceipt(page, { amount: '$88.00', invoiceNumber: number, method: 'Visa' });
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 8_800 });
	});

	test('a bank debit shows processing — usually up to 4 business days — and the invoice turns paid live when it clears', async () => {
		const { invoiceId } = addInvoice(server, customerId, { total: 25_000, dueDate: FUTURE_DUE });
		await page.goto(`${server.url}/pay/${invoiceId}`);
		await chooseDemo(page, 'Bank account', 'Clears');
		await page.getByRole('button', { name: 'Pay $250.00', exact: true }).click();
		await page.getByRole('heading', { level: 1, name: 'Processing — usually up to 4 business days' }).waitFor();
		await demoLabel(page).waitFor();
		expect(invoiceRow(server, invoiceId).status).toBe('processing');
		const status = page.getByRole('region', { name: 'Payment status' });
		await status.locator('.chip', { hasText: 'Processing' }).waitFor();
		// The demo bank clears the debit a few seconds later; the screen follows without a reload.
		await status.locator('.chip', { hasText: 'Paid' }).waitFor({ timeout: 20_000 });
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 25_000 });
		await page.getByRole('link', { name: 'Back to the invoice' }).click();
		await invoiceShows(page, 'Paid');
	});

	test('offline, Pay is disabled and says why; back online it works again', async () => {
		const { invoiceId } = addInvoice(server, customerId, { total: 6_400, dueDate: FUTURE_DUE });
		await page.goto(`${server.url}/pay/${invoiceId}`);
		const pay = page.getByRole('button', { name: 'Pay $64.00', exact: true });
		await expect.poll(() => pay.isEnabled()).toBe(true);

		await browser.context.setOffline(true);
		try {
			await page.getByText("You're offline — paying needs a connection").first().waitFor();
			expect(await pay.isDisabled()).toBe(true);
			expect(await pay.getAttribute('aria-describedby')).toBe('offline-reason');
		} finally {
			await browser.context.setOffline(false);
		}
		await expect.poll(() => pay.isEnabled(), { timeout: 15_000 }).toBe(true);
		expect(await page.getByText("You're offline — paying needs a connection").count()).toBe(0);

		// The invoice screen's Pay button says the same while offline (client-side: the page is loaded).
		await page.goto(`${server.url}/invoices/${invoiceId}`);
		await page.getByRole('link', { name: 'Pay $64.00' }).waitFor();
		await browser.context.setOffline(true);
		try {
			await page.getByText("You're offline — paying needs a connection.").waitFor();
			expect(await page.getByRole('link', { name: 'Pay $64.00' }).count()).toBe(0);
		} finally {
			await browser.context.setOffline(false);
		}
		expect(paymentRows(server, invoiceId).filter((r) => r.status !== 'pending' && r.status !== 'canceled')).toEqual([]);
	});

	test('a saved demo card pays in one tap; autopay turns on with it and off again', async () => {
		await page.goto(`${server.url}/account`);
		await page.getByRole('link', { name: 'Payment methods & autopay' }).click();
		await page.waitForURL('**/pay/methods');
		await demoLabel(page).waitFor();
		await page.getByRole('button', { name: 'Add a card or bank account' }).click();
		await page.getByRole('group', { name: 'Kind' }).getByText('Card', { exact: true }).click();
		await page.getByRole('group', { name: 'When it is charged, the demo method' }).getByText('Pays', { exact: true }).click();
		await page.getByRole('button', { name: 'Save', exact: true }).click();
		await page.getByText('Visa •••• 4242 is saved').waitFor();
		await page.locator('.methods li', { hasText: 'Visa •••• 4242' }).waitFor();

		// Autopay with the saved card.
		await page.getByRole('button', { name: 'Turn on autopay' }).click();
		await page.getByText("We'll charge Visa •••• 4242 on each invoice's due date").first().waitFor();
		const enrolled = server.app.store.db.select().from(customers).where(eq(customers.id, customerId)).get()!;
		expect(enrolled.autopay).toBe(true);
		expect(enrolled.autopayMethodId).not.toBeNull();
		// Every device hears of it through sync: the Account screen says so.
		await page.goto(`${server.url}/account`);
		await page.getByText('Autopay is on: Visa •••• 4242 pays each invoice on its due date.').waitFor({ timeout: 15_000 });

		// One tap with the saved card.
		const { invoiceId, number } = addInvoice(server, customerId, { total: 7_500, dueDate: FUTURE_DUE });
		await page.goto(`${server.url}/pay/${invoiceId}`);
		await page.getByRole('button', { name: 'Pay $75.00 with Visa •••• 4242' }).click();
		await expectReceipt(page, { amount: '$75.00', invoiceNumber: number, method: 'Visa •••• 4242' });
		expect(paymentRows(server, invoiceId).map((r) => [r.status, r.paymentMethodId])).toEqual([['succeeded', enrolled.autopayMethodId]]);

		await page.goto(`${server.url}/pay/methods`);
		await page.getByRole('button', { name: 'Turn off autopay' }).click();
		await page.getByText('Autopay is off.').waitFor();
		expect(server.app.store.db.select().from(customers).where(eq(customers.id, customerId)).get()!.autopay).toBe(false);
		await page.getByRole('region', { name: 'Autopay' }).getByText('Off', { exact: true }).waitFor();
		expect(pageErrors).toEqual([]);
	});
});

/**
 * A stand-in for Stripe.js: `elements()` / `create('payment')` / `mount()` render a plain div;
 * confirming calls `window.__fakeStripe`, which the test answers from the fake Stripe's controls.
 * Its `version` matches the release train the loader expects, so it raises no warning.
 */
function stripeStandIn() {
	type Call = (action: string, clientSecret: string) => Promise<unknown>;
	const call = (action: string, clientSecret: string) => (window as unknown as { __fakeStripe: Call }).__fakeStripe(action, clientSecret);
	const Stripe = (publishableKey: string) => {
		(window as unknown as { __stripeKey: string }).__stripeKey = publishableKey;
		return {
			elements(options: { clientSecret: string }) {
				return {
					clientSecret: options.clientSecret,
					create(type: string) {
						const handlers: Record<string, (e: unknown) => void> = {};
						let node: HTMLElement | null = null;
						return {
							on(event: string, fn: (e: unknown) => void) {
								handlers[event] = fn;
								return this;
							},
							mount(target: HTMLElement | string) {
								const el = typeof target === 'string' ? document.querySelector(target)! : target;
								node = document.createElement('div');
								node.className = 'fake-payment-element';
								node.dataset.type = type;
								node.textContent = 'Card or bank account (test form)';
								el.appendChild(node);
								setTimeout(() => handlers.ready?.({ elementType: type }), 0);
							},
							destroy() {
								node?.remove();
							},
							unmount() {
								node?.remove();
							}
						};
					}
				};
			},
			confirmPayment(opts: { elements: { clientSecret: string } }) {
				return call('confirmPayment', opts.elements.clientSecret);
			},
			confirmSetup(opts: { elements: { clientSecret: string } }) {
				return call('confirmSetup', opts.elements.clientSecret);
			},
			handleNextAction(opts: { clientSecret: string }) {
				return call('handleNextAction', opts.clientSecret);
			}
		};
	};
	(Stripe as unknown as { version: string }).version = 'endive';
	(window as unknown as { Stripe: unknown }).Stripe = Stripe;
}

describe('Stripe', () => {
	let fake: FakeStripe;
	let server: TestServer;
	let browser: TestBrowser;
	let clientDir: string;
	let page: Page;
	let customerId: string;
	const pageErrors: string[] = [];
	const stripeJsRequests: string[] = [];
	/** What the customer does in the Payment Element next (one entry per confirmation). */
	const script: FakeMethodBehaviour[] = [];
	const setupScript: FakeMethodBehaviour[] = [];
	const calls: string[] = [];

	beforeAll(async () => {
		clientDir = copyClientBuild();
		fake = await startFakeStripe();
		server = await startPayServer(fake, { overrides: { seedDemo: true, clientDir } });
		browser = await launchBrowser();
		({ customerId } = await signInAsDemoCustomer(server, browser));

		const idOf = (secret: string) => secret.split('_secret_')[0];
		const asResult = (pi: { id: string; status: string; last_payment_error: Record<string, unknown> | null }, secret: string) =>
			pi.last_payment_error
				? { error: { type: String(pi.last_payment_error.type ?? 'card_error'), code: pi.last_payment_error.code, message: String(pi.last_payment_error.message) } }
				: { paymentIntent: { id: pi.id, object: 'payment_intent', status: pi.status, client_secret: secret } };
		await browser.context.exposeFunction('__fakeStripe', async (action: string, secret: string) => {
			calls.push(action);
			if (action === 'confirmPayment') return asResult(fake.confirm(idOf(secret), script.shift() ?? 'card_ok'), secret);
			if (action === 'handleNextAction') return asResult(fake.authenticate(idOf(secret), true), secret);
			if (action === 'confirmSetup') {
				const si = fake.confirmSetup(idOf(secret), setupScript.shift() ?? 'card_ok');
				return { setupIntent: { id: si.id, object: 'setup_intent', status: si.status } };
			}
			throw new Error(`unexpected ${action}`);
		});
		await browser.context.addInitScript(stripeStandIn);
		browser.context.on('request', (r) => {
			if (r.url().includes('stripe.com')) stripeJsRequests.push(r.url());
		});
		page = await browser.context.newPage();
		page.on('pageerror', (e) => pageErrors.push(e.message));
	});
	afterAll(async () => {
		await browser?.close();
		await server?.close();
		await fake?.close();
		removeClientBuild(clientDir);
	});

	const payButton = (p: Page, amount: string) => p.getByRole('button', { name: `Pay ${amount}`, exact: true });

	/** Opens the Pay screen with the Payment Element mounted for the whole balance. */
	async function openPay(invoiceId: string, amount: string) {
		await page.goto(`${server.url}/pay/${invoiceId}`);
		await page.locator('.fake-payment-element[data-type="payment"]').waitFor();
		await expect.poll(() => payButton(page, amount).isEnabled()).toBe(true);
	}

	test('a new card pays INV-04127 through the Payment Element; Stripe.js is never fetched and no demo label shows', async () => {
		const invoiceId = invoiceIdOf(server, 'INV-04127');
		await openPay(invoiceId, '$432.00');
		expect(await page.getByText(DEMO_MODE_LABEL).count()).toBe(0);
		expect(await page.evaluate(() => (window as unknown as { __stripeKey: string }).__stripeKey)).toBe(fake.keys.publishableKey);
		script.push('card_ok');
		await payButton(page, '$432.00').click();
		await expectReceipt(page, { amount: '$432.00', invoiceNumber: 'INV-04127', method: 'Visa •••• 4242' });
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 43_200 });
		expect(fake.intentsForInvoice(invoiceId).map((pi) => pi.status)).toEqual(['succeeded']);
		expect(stripeJsRequests).toEqual([]);
	});

	test('a declined card shows Stripe’s message and leaves the invoice open; another card on the same form pays once', async () => {
		const { invoiceId, number } = addInvoice(server, customerId, { total: 15_000, dueDate: FUTURE_DUE });
		await openPay(invoiceId, '$150.00');
		script.push('card_declined');
		await payButton(page, '$150.00').click();
		const alert = page.getByRole('alert').filter({ hasText: "The payment didn't go through" });
		await alert.waitFor();
		expect(await alert.innerText()).toContain('Your card was declined.');
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'open', amountPaid: 0 });
		expect(paymentRows(server, invoiceId).map((r) => r.status)).toEqual(['failed']);

		script.push('card_ok');
		await payButton(page, '$150.00').click();
		await expectReceipt(page, { amount: '$150.00', invoiceNumber: number, method: 'Visa •••• 4242' });
		const intents = fake.intentsForInvoice(invoiceId);
		expect(intents.map((pi) => pi.status)).toEqual(['succeeded']);
		expect(paymentRows(server, invoiceId).map((r) => [r.status, r.attempt])).toEqual([['succeeded', 1]]);
	});

	test('a bank account shows processing, and the invoice turns paid live when Stripe’s webhook says it cleared', async () => {
		const { invoiceId } = addInvoice(server, customerId, { total: 30_000, dueDate: FUTURE_DUE });
		await openPay(invoiceId, '$300.00');
		script.push('bank_ok');
		await payButton(page, '$300.00').click();
		await page.getByRole('heading', { level: 1, name: 'Processing — usually up to 4 business days' }).waitFor();
		expect(invoiceRow(server, invoiceId).status).toBe('processing');
		const status = page.getByRole('region', { name: 'Payment status' });
		await status.locator('.chip', { hasText: 'Processing' }).waitFor();

		const [pi] = fake.intentsForInvoice(invoiceId);
		fake.settle(pi.id, true);
		for (const event of fake.eventsFor(pi.id)) {
			const res = await fake.deliver(`${server.url}/api/pay/webhook`, event);
			expect(res.status).toBe(200);
		}
		await status.locator('.chip', { hasText: 'Paid' }).waitFor({ timeout: 15_000 });
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid', amountPaid: 30_000 });
	});

	test('a card that requires action goes through handleNextAction and then pays', async () => {
		const { invoiceId, number } = addInvoice(server, customerId, { total: 9_900, dueDate: FUTURE_DUE });
		await openPay(invoiceId, '$99.00');
		calls.length = 0;
		script.push('card_auth');
		await payButton(page, '$99.00').click();
		await expectReceipt(page, { amount: '$99.00', invoiceNumber: number, method: 'Visa •••• 3155' });
		expect(calls).toEqual(['confirmPayment', 'handleNextAction']);
		expect(invoiceRow(server, invoiceId)).toMatchObject({ status: 'paid' });
	});

	test('a card saved through a SetupIntent pays in one tap, authenticating when its bank asks', async () => {
		await page.goto(`${server.url}/pay/methods`);
		await page.getByRole('button', { name: 'Add a card or bank account' }).click();
		await page.locator('.fake-payment-element').waitFor();
		setupScript.push('card_auth');
		await page.getByRole('button', { name: 'Save', exact: true }).click();
		await page.getByText('Visa •••• 3155 is saved').waitFor();

		const { invoiceId, number } = addInvoice(server, customerId, { total: 4_200, dueDate: FUTURE_DUE });
		await page.goto(`${server.url}/pay/${invoiceId}`);
		calls.length = 0;
		await page.getByRole('button', { name: 'Pay $42.00 with Visa •••• 3155' }).click();
		await expectReceipt(page, { amount: '$42.00', invoiceNumber: number, method: 'Visa •••• 3155' });
		// The server confirmed with the saved card; only the bank's check ran in the browser.
		expect(calls).toEqual(['handleNextAction']);
		expect(fake.intentsForInvoice(invoiceId).map((pi) => pi.status)).toEqual(['succeeded']);
		expect(stripeJsRequests).toEqual([]);
		expect(pageErrors).toEqual([]);
	});
});
