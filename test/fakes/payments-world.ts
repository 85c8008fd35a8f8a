import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../server/app.ts';
import { getBusiness } from '../../server/branding/service.ts';
import type { Config } from '../../server/config.ts';
import { business, invoiceLineItems, invoices, messages, payments, scheduledJobs } from '../../server/db/schema.ts';
import { startServer, type TestServer } from '../helpers/app.ts';
import { addCustomer, cookieFor, sameSiteHeaders } from '../helpers/session.ts';
import type { FakeStripe } from './stripe.ts';

/*
 * The furniture of payment tests: a server wired to the fake Stripe (or the demo provider),
 * customers with sessions, invoices, and a small JSON client.
 */

/** Starts the real app talking to `fake` (config.stripe + deps.stripeApi), or with the demo provider when `fake` is null. */
export async function startPayServer(
	fake: FakeStripe | null,
	opts: { overrides?: Partial<Config>; deps?: Partial<AppDeps> } = {}
): Promise<TestServer> {
	return startServer(
		{ ...(fake ? { stripe: fake.config } : {}), ...opts.overrides },
		{ ...(fake ? { stripeApi: fake.api } : {}), ...opts.deps, payments: { schedulerIntervalMs: 3_600_000, demoSettleMs: 50, ...opts.deps?.payments } }
	);
}

/** A signed-in customer. */
export interface PayCustomer {
	customerId: string;
	email: string;
	cookie: string;
}

/** A customer with a session cookie. */
export function payCustomer(server: TestServer, name = 'Pat Payer'): PayCustomer {
	const email = `${randomUUID().slice(0, 8)}@example.com`;
	const { customerId, portalUserId } = addCustomer(server, { email, name });
	return { customerId, email, cookie: cookieFor(server, { kind: 'customer', customerId, portalUserId }) };
}

let invoiceCounter = 1000;

/** An issued invoice for `total` (minor units), through the writer like any other invoice. */
export function addInvoice(
	server: TestServer,
	customerId: string,
	input: { total: number; status?: 'open' | 'draft' | 'paid' | 'void'; dueDate?: string | null; amountPaid?: number } = { total: 10_000 }
): { invoiceId: string; number: string } {
	const invoiceId = randomUUID();
	const number = `INV-${String(++invoiceCounter).padStart(5, '0')}-${invoiceId.slice(0, 4)}`;
	server.app.writer.transaction((w) => {
		w.db.insert(invoices)
			.values({
				id: invoiceId,
				customerId,
				number,
				title: 'Water heater service',
				status: input.status ?? 'open',
				currency: 'USD',
				subtotal: input.total,
				tax: 0,
				total: input.total,
				amountPaid: input.amountPaid ?? 0,
				issuedAt: w.now,
				dueDate: input.dueDate === undefined ? '2026-06-01' : input.dueDate,
				seq: w.touch('invoices', customerId, invoiceId),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();
		w.db.insert(invoiceLineItems).values({ id: randomUUID(), invoiceId, position: 0, description: 'Service', quantityMilli: 1000, unitAmount: input.total, amount: input.total }).run();
	});
	return { invoiceId, number };
}

/** Changes the business's payment rules. */
export function setBusiness(server: TestServer, patch: Partial<typeof business.$inferInsert>): void {
	getBusiness(server.app.store.db, server.app.clock());
	server.app.store.db.update(business).set(patch).where(eq(business.id, 1)).run();
}

/** A JSON request as a same-site browser makes it; returns status and parsed body. */
export async function call<T = any>(server: TestServer, cookie: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
	const headers: Record<string, string> = sameSiteHeaders(server, cookie ?? undefined);
	if (body === undefined) delete headers['content-type'];
	const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// not JSON (a PDF, say)
	}
	return { status: res.status, body: parsed as T };
}

/** The stored invoice. */
export function invoiceRow(server: TestServer, invoiceId: string) {
	return server.app.store.db.select().from(invoices).where(eq(invoices.id, invoiceId)).get()!;
}

/** The stored payments of an invoice, by attempt. */
export function paymentRows(server: TestServer, invoiceId: string) {
	return server.app.store.db
		.select()
		.from(payments)
		.where(eq(payments.invoiceId, invoiceId))
		.all()
		.sort((a, b) => (a.attempt ?? 0) - (b.attempt ?? 0));
}

/** System messages in a customer's conversation. */
export function systemMessages(server: TestServer, customerId: string) {
	return server.app.store.db
		.select()
		.from(messages)
		.where(eq(messages.customerId, customerId))
		.all()
		.filter((m) => m.authorKind === 'system');
}

/** The scheduled jobs of a kind. */
export function jobs(server: TestServer, kind: string) {
	return server.app.store.db.select().from(scheduledJobs).where(eq(scheduledJobs.kind, kind)).all();
}

/** Waits until `check` returns something truthy (polling), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await check();
		if (v) return v as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}
