import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { customers, providerEvents } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { WebhookSignatureError, type ProviderEvent } from './provider.ts';
import { applyIntent, applyRefund, providerFailure, recordEvent, saveMethod } from './service.ts';

/** What became of an event. */
export type EventOutcome = 'applied' | 'duplicate' | 'ignored';

/**
 * Applies one verified provider event. The event id is recorded in the same transaction as its
 * change, so it applies once however often it is delivered. Payment events do not trust the
 * state they carry: the intent is read from the provider while no other change to that payment
 * runs, so events in any order end in the provider's current state.
 */
export async function applyEvent(app: FastifyInstance, event: ProviderEvent): Promise<EventOutcome> {
	const service = app.payments;
	const provider = service.provider;
	const seen = () => app.store.db.select({ id: providerEvents.id }).from(providerEvents).where(eq(providerEvents.id, event.id)).get() !== undefined;
	const recordOnly = (): EventOutcome => app.writer.transaction((w) => (recordEvent(w, event.id, event.eventType) ? 'ignored' : 'duplicate'));
	if (seen()) return 'duplicate';

	switch (event.type) {
		case 'payment_intent': {
			const paymentId = service.paymentIdFor(event.intentRef, event.metadata);
			if (!paymentId) return recordOnly();
			return service.serial(`payment:${paymentId}`, async () => {
				if (seen()) return 'duplicate';
				const intent = await provider.retrievePaymentIntent(event.intentRef);
				return app.writer.transaction((w): EventOutcome => {
					if (!recordEvent(w, event.id, event.eventType)) return 'duplicate';
					applyIntent(app, w, paymentId, intent);
					return 'applied';
				});
			});
		}
		case 'charge_refunded': {
			const paymentId = service.paymentIdFor(event.charge.intentRef, event.metadata);
			if (!paymentId) return recordOnly();
			return service.serial(`payment:${paymentId}`, async () =>
				app.writer.transaction((w): EventOutcome => {
					if (!recordEvent(w, event.id, event.eventType)) return 'duplicate';
					applyRefund(app, w, paymentId, event.charge);
					return 'applied';
				})
			);
		}
		case 'setup_intent': {
			const si = await provider.retrieveSetupIntent(event.setupIntentRef);
			if (si.status !== 'succeeded' || !si.methodRef) return recordOnly();
			const db = app.store.db;
			const byId = si.metadata.porchlight_customer_id
				? db.select({ id: customers.id }).from(customers).where(eq(customers.id, si.metadata.porchlight_customer_id)).get()
				: undefined;
			const byRef = !byId && si.customerRef ? db.select({ id: customers.id }).from(customers).where(eq(customers.providerCustomerId, si.customerRef)).get() : undefined;
			const customerId = (byId ?? byRef)?.id;
			if (!customerId) return recordOnly();
			const method = await provider.retrievePaymentMethod(si.methodRef);
			return app.writer.transaction((w): EventOutcome => {
				if (!recordEvent(w, event.id, event.eventType)) return 'duplicate';
				saveMethod(w, customerId, provider.name, method);
				return 'applied';
			});
		}
		default:
			return recordOnly();
	}
}

/**
 * `POST /api/pay/webhook`: Stripe's events. Registered in its own context so that only this
 * route keeps the raw body — the signature is over the exact bytes Stripe sent.
 */
export const webhookRoute: FastifyPluginAsync = async (app) => {
	app.removeAllContentTypeParsers();
	app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

	app.post('/api/pay/webhook', { config: { access: 'webhook' }, bodyLimit: 512 * 1024 }, async (request) => {
		const provider = app.payments.provider;
		const raw = request.body;
		if (!Buffer.isBuffer(raw) || raw.length === 0) throw new AppError('BAD_REQUEST', 'The webhook has no body.');
		const signature = request.headers['stripe-signature'];
		let event: ProviderEvent;
		try {
			event = provider.verifyWebhook(raw, typeof signature === 'string' ? signature : undefined, app.clock());
		} catch (err) {
			if (err instanceof WebhookSignatureError) {
				request.log.warn({ reason: err.message }, 'webhook refused');
				throw new AppError('BAD_REQUEST', `Webhook signature refused: ${err.message}`);
			}
			throw err;
		}
		try {
			const outcome = await applyEvent(app, event);
			request.log.info({ eventId: event.id, type: event.eventType, outcome }, 'webhook');
			return { received: true, outcome };
		} catch (err) {
			// Not recorded: the provider delivers it again later.
			providerFailure(err);
		}
	});
};
