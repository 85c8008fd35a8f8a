import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type {
	AutopayRequest,
	AutopayResponse,
	DemoSetupConfirmRequest,
	SavedMethod,
	SetupIntentResponse
} from '../../shared/protocol/payments.ts';
import { customers, paymentMethods } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { demoMethod, demoMethodRef, demoSetupRef } from './demo-provider.ts';
import { ProviderNotFoundError } from './provider.ts';
import { scanAutopay } from './scheduler.ts';
import { providerFailure, saveMethod } from './service.ts';

type MethodRow = typeof paymentMethods.$inferSelect;

function summaryOf(row: MethodRow, autopayMethodId: string | null): SavedMethod {
	return {
		id: row.id,
		kind: row.kind,
		label: row.label,
		brand: row.brand,
		last4: row.last4,
		expMonth: row.expMonth,
		expYear: row.expYear,
		autopay: row.id === autopayMethodId,
		createdAt: row.createdAt
	};
}

function autopayMethodOf(app: FastifyInstance, customerId: string): string | null {
	const c = app.store.db.select({ autopay: customers.autopay, methodId: customers.autopayMethodId }).from(customers).where(eq(customers.id, customerId)).get();
	return c?.autopay ? c.methodId : null;
}

/** The customer's saved methods with the provider in use, oldest first. */
export function listMethods(app: FastifyInstance, customerId: string): SavedMethod[] {
	const provider = app.payments.provider;
	const autopay = autopayMethodOf(app, customerId);
	return app.store.db
		.select()
		.from(paymentMethods)
		.where(and(eq(paymentMethods.customerId, customerId), eq(paymentMethods.provider, provider.name), isNull(paymentMethods.detachedAt)))
		.orderBy(asc(paymentMethods.createdAt), asc(paymentMethods.id))
		.all()
		.map((m) => summaryOf(m, autopay));
}

function savedMethod(app: FastifyInstance, customerId: string, id: string): SavedMethod {
	const row = app.store.db.select().from(paymentMethods).where(eq(paymentMethods.id, id)).get()!;
	return summaryOf(row, autopayMethodOf(app, customerId));
}

/** How many methods the customer ever saved: the `n` of the next SetupIntent's key. */
function savedCount(app: FastifyInstance, customerId: string): number {
	return app.store.db.select({ n: count() }).from(paymentMethods).where(eq(paymentMethods.customerId, customerId)).get()?.n ?? 0;
}

/**
 * A SetupIntent to save a card or bank account for one tap and autopay. Its key is
 * `seti:<customer>:<n>` with n = methods saved so far + 1, so taps before it is used reach the
 * same SetupIntent; one that already succeeded is saved now and the next one is made.
 */
export async function createSetupIntent(app: FastifyInstance, customerId: string): Promise<SetupIntentResponse> {
	const provider = app.payments.provider;
	try {
		const customerRef = await app.payments.ensureCustomer(customerId);
		for (let round = 0; ; round++) {
			const n = savedCount(app, customerId) + 1;
			const si = await provider.createSetupIntent({ idempotencyKey: `seti:${customerId}:${n}`, customerRef, metadata: { porchlight_customer_id: customerId } });
			if (si.status !== 'succeeded' || round > 0) return { setupIntentId: si.ref, clientSecret: si.clientSecret ?? '', demoMode: provider.demoMode };
			await completeSetupIntent(app, customerId, si.ref);
		}
	} catch (err) {
		providerFailure(err);
	}
}

/**
 * Saves the method of a confirmed SetupIntent (the client calls this after Stripe.js
 * `confirmSetup`; the `setup_intent.succeeded` webhook does the same, whichever comes first).
 */
export async function completeSetupIntent(app: FastifyInstance, customerId: string, setupIntentRef: string): Promise<SavedMethod> {
	const provider = app.payments.provider;
	const notFound = new AppError('NOT_FOUND', 'There is no such setup intent.');
	let si;
	try {
		si = await provider.retrieveSetupIntent(setupIntentRef);
	} catch (err) {
		if (err instanceof ProviderNotFoundError) throw notFound;
		providerFailure(err);
	}
	const customer = app.store.db.select({ ref: customers.providerCustomerId }).from(customers).where(eq(customers.id, customerId)).get();
	const ours = si.metadata.porchlight_customer_id === customerId || (si.customerRef !== null && si.customerRef === customer?.ref);
	if (!ours) throw notFound;
	if (si.status !== 'succeeded' || !si.methodRef) {
		throw new AppError('CONFLICT', 'The payment method has not been confirmed yet.', { details: { status: si.status } });
	}
	const methodRef = si.methodRef;
	let method;
	try {
		method = await provider.retrievePaymentMethod(methodRef);
	} catch (err) {
		providerFailure(err);
	}
	const id = app.writer.transaction((w) => saveMethod(w, customerId, provider.name, method));
	return savedMethod(app, customerId, id);
}

/** Demo: the stand-in for confirming a SetupIntent. The saved method behaves as `outcome` says when charged. */
export function demoConfirmSetup(app: FastifyInstance, customerId: string, setupIntentRef: string, body: DemoSetupConfirmRequest): SavedMethod {
	void app.payments.demo;
	const n = savedCount(app, customerId);
	let known = false;
	for (let i = 1; i <= n + 1 && !known; i++) known = demoSetupRef(`seti:${customerId}:${i}`) === setupIntentRef;
	if (!known) throw new AppError('NOT_FOUND', 'There is no such setup intent.');
	// One SetupIntent saves one method, however often it is confirmed.
	const ref = demoMethodRef(body.method, body.outcome, `${setupIntentRef}:${body.method}:${body.outcome}`);
	const id = app.writer.transaction((w) => saveMethod(w, customerId, 'demo', demoMethod(ref)));
	return savedMethod(app, customerId, id);
}

/** Removes a saved method (detached at the provider). Removing autopay's method turns autopay off. */
export async function removeMethod(app: FastifyInstance, customerId: string, id: string): Promise<{ autopayTurnedOff: boolean }> {
	const provider = app.payments.provider;
	const row = app.store.db
		.select()
		.from(paymentMethods)
		.where(and(eq(paymentMethods.id, id), eq(paymentMethods.customerId, customerId), isNull(paymentMethods.detachedAt)))
		.get();
	if (!row) throw new AppError('NOT_FOUND', 'There is no such payment method.');
	if (row.provider === provider.name) {
		try {
			await provider.detachPaymentMethod(row.providerRef);
		} catch (err) {
			providerFailure(err);
		}
	}
	return app.writer.transaction((w) => {
		w.db.update(paymentMethods).set({ detachedAt: w.now }).where(eq(paymentMethods.id, id)).run();
		const c = w.db.select().from(customers).where(eq(customers.id, customerId)).get()!;
		if (c.autopayMethodId !== id) return { autopayTurnedOff: false };
		w.db.update(customers).set({ autopay: false, autopayMethodId: null }).where(eq(customers.id, customerId)).run();
		w.bump('profile', customerId, customerId);
		return { autopayTurnedOff: c.autopay };
	});
}

/**
 * Turns autopay on (with a saved method) or off. The profile row changes through the writer, so
 * every device's `profile.autopay` follows live; turning it on schedules the open invoices.
 */
export function setAutopay(app: FastifyInstance, customerId: string, body: AutopayRequest): AutopayResponse {
	const provider = app.payments.provider;
	const result = app.writer.transaction((w) => {
		const c = w.db.select().from(customers).where(eq(customers.id, customerId)).get();
		if (!c) throw new AppError('NOT_FOUND', 'There is no such customer.');
		let methodId = c.autopayMethodId;
		if (body.enabled) {
			methodId = body.paymentMethodId ?? c.autopayMethodId;
			if (!methodId) throw new AppError('VALIDATION', 'paymentMethodId: choose a saved card or bank account for autopay.', { field: 'paymentMethodId' });
			const method = w.db
				.select()
				.from(paymentMethods)
				.where(and(eq(paymentMethods.id, methodId), eq(paymentMethods.customerId, customerId), eq(paymentMethods.provider, provider.name), isNull(paymentMethods.detachedAt)))
				.get();
			if (!method) throw new AppError('VALIDATION', 'paymentMethodId: there is no such saved payment method.', { field: 'paymentMethodId' });
		} else if (body.paymentMethodId !== undefined) {
			throw new AppError('VALIDATION', 'paymentMethodId: leave it out when turning autopay off.', { field: 'paymentMethodId' });
		}
		if (c.autopay !== body.enabled || c.autopayMethodId !== methodId) {
			w.db.update(customers).set({ autopay: body.enabled, autopayMethodId: methodId }).where(eq(customers.id, customerId)).run();
			w.bump('profile', customerId, customerId);
		}
		const label = methodId ? (w.db.select({ label: paymentMethods.label }).from(paymentMethods).where(eq(paymentMethods.id, methodId)).get()?.label ?? null) : null;
		return { enabled: body.enabled, paymentMethodId: methodId, methodLabel: label };
	});
	if (body.enabled) scanAutopay(app, customerId);
	return result;
}
