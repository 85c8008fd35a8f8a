import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
	ACH_PROCESSING_NOTICE,
	autopayRequestSchema,
	createIntentRequestSchema,
	demoConfirmRequestSchema,
	demoSetupConfirmRequestSchema,
	ONLINE_METHOD_KINDS,
	type AutopayResponse,
	type IntentResponse,
	type PayConfig,
	type PaymentHistory,
	type PaymentSummary,
	type Receipt,
	type SavedMethodResponse,
	type SavedMethods,
	type SetupIntentResponse
} from '../../shared/protocol/payments.ts';
import { docIdSchema } from '../../shared/schemas/common.ts';
import { customerOf } from '../auth/guard.ts';
import { getBusiness } from '../branding/service.ts';
import { contentDisposition } from '../files/routes.ts';
import { AppError, parseInput } from '../http/errors.ts';
import { refuseCardData } from './card-data.ts';
import { completeSetupIntent, createSetupIntent, demoConfirmSetup, listMethods, removeMethod, setAutopay } from './methods.ts';
import { invoiceLink } from './notify.ts';
import { customerPayment, paymentHistory, paymentSummary, receiptOf, renderReceiptPdf } from './receipt.ts';
import { providerFailure } from './service.ts';

const idParams = z.object({ id: docIdSchema });
const setupParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_]{1,200}$/) });
const emptyBody = z.strictObject({}).optional();
const receiptQuery = z.object({ format: z.enum(['json', 'pdf']).default('json') });

/** The `:id` of a route, or 404 (a malformed id names nothing). */
function idOf(request: FastifyRequest, what: string): string {
	const parsed = idParams.safeParse(request.params);
	if (!parsed.success) throw new AppError('NOT_FOUND', `There is no such ${what}.`);
	return parsed.data.id;
}

/**
 * The customer side of `/api/pay/*` (the webhook has its own context). Every body is refused
 * when it carries anything like card data, before it is validated; no body is ever logged.
 */
export const payRoutes: FastifyPluginAsync = async (app) => {
	app.addHook('preValidation', async (request) => {
		refuseCardData(request.body, request.query);
	});

	app.get('/api/pay/config', { config: { access: 'public' } }, async (): Promise<PayConfig> => {
		const provider = app.payments.provider;
		const business = getBusiness(app.store.db, app.clock());
		return {
			provider: provider.name,
			demoMode: provider.demoMode,
			publishableKey: provider.publishableKey,
			allowPartial: business.allowPartialPayments,
			minimumPartial: Math.max(business.minimumPartialPayment, 50),
			currency: business.currency,
			methodKinds: [...ONLINE_METHOD_KINDS],
			achNotice: ACH_PROCESSING_NOTICE
		};
	});

	app.post('/api/pay/invoices/:id/intent', { config: { access: 'customer' } }, async (request): Promise<IntentResponse> => {
		const { customerId } = customerOf(request.principal);
		const invoiceId = idOf(request, 'invoice');
		const body = parseInput(createIntentRequestSchema, request.body ?? {});
		return app.payments.payInvoice(customerId, invoiceId, body, {
			ip: request.ip,
			userAgent: String(request.headers['user-agent'] ?? ''),
			returnUrl: invoiceLink(app, invoiceId)
		});
	});

	app.post('/api/pay/demo/payments/:id/confirm', { config: { access: 'customer' } }, async (request): Promise<IntentResponse> => {
		const { customerId } = customerOf(request.principal);
		const paymentId = idOf(request, 'payment');
		const body = parseInput(demoConfirmRequestSchema, request.body);
		return app.payments.demoConfirm(customerId, paymentId, body.method, body.outcome);
	});

	app.get('/api/pay/payments', { config: { access: 'customer' } }, async (request): Promise<PaymentHistory> => {
		app.payments.assertAvailable();
		return { payments: paymentHistory(app, customerOf(request.principal).customerId) };
	});

	app.get('/api/pay/payments/:id', { config: { access: 'customer' } }, async (request): Promise<PaymentSummary> => {
		app.payments.assertAvailable();
		const { row, invoice } = customerPayment(app, customerOf(request.principal).customerId, idOf(request, 'payment'));
		return paymentSummary(row, invoice);
	});

	app.post('/api/pay/payments/:id/refresh', { config: { access: 'customer' } }, async (request): Promise<PaymentSummary> => {
		const { customerId } = customerOf(request.principal);
		const paymentId = idOf(request, 'payment');
		parseInput(emptyBody, request.body);
		customerPayment(app, customerId, paymentId);
		try {
			await app.payments.refresh(paymentId);
		} catch (err) {
			providerFailure(err);
		}
		const { row, invoice } = customerPayment(app, customerId, paymentId);
		return paymentSummary(row, invoice);
	});

	app.get('/api/pay/payments/:id/receipt', { config: { access: 'customer' } }, async (request, reply): Promise<Receipt | Buffer> => {
		app.payments.assertAvailable();
		const { customerId } = customerOf(request.principal);
		const receipt = receiptOf(app, customerId, idOf(request, 'payment'));
		const { format } = parseInput(receiptQuery, request.query);
		reply.header('Cache-Control', 'private, no-store');
		if (format === 'json') return receipt;
		const bytes = await renderReceiptPdf(receipt, app.clock());
		reply.header('Content-Type', 'application/pdf');
		reply.header('Content-Disposition', contentDisposition('attachment', `receipt-${receipt.receiptNumber}.pdf`));
		reply.header('X-Content-Type-Options', 'nosniff');
		return reply.send(Buffer.from(bytes));
	});

	app.post('/api/pay/setup-intent', { config: { access: 'customer' } }, async (request): Promise<SetupIntentResponse> => {
		parseInput(emptyBody, request.body);
		return createSetupIntent(app, customerOf(request.principal).customerId);
	});

	app.post('/api/pay/setup-intent/:id/complete', { config: { access: 'customer' } }, async (request): Promise<SavedMethodResponse> => {
		const { customerId } = customerOf(request.principal);
		parseInput(emptyBody, request.body);
		const params = setupParams.safeParse(request.params);
		if (!params.success) throw new AppError('NOT_FOUND', 'There is no such setup intent.');
		return { method: await completeSetupIntent(app, customerId, params.data.id) };
	});

	app.post('/api/pay/demo/setup-intents/:id/confirm', { config: { access: 'customer' } }, async (request): Promise<SavedMethodResponse> => {
		const { customerId } = customerOf(request.principal);
		const body = parseInput(demoSetupConfirmRequestSchema, request.body ?? {});
		const params = setupParams.safeParse(request.params);
		if (!params.success) throw new AppError('NOT_FOUND', 'There is no such setup intent.');
		return { method: demoConfirmSetup(app, customerId, params.data.id, body) };
	});

	app.get('/api/pay/methods', { config: { access: 'customer' } }, async (request): Promise<SavedMethods> => {
		return { methods: listMethods(app, customerOf(request.principal).customerId) };
	});

	app.delete('/api/pay/methods/:id', { config: { access: 'customer' } }, async (request): Promise<{ removed: true; autopayTurnedOff: boolean }> => {
		const { customerId } = customerOf(request.principal);
		app.payments.assertAvailable();
		const { autopayTurnedOff } = await removeMethod(app, customerId, idOf(request, 'payment method'));
		return { removed: true, autopayTurnedOff };
	});

	app.post('/api/pay/autopay', { config: { access: 'customer' } }, async (request): Promise<AutopayResponse> => {
		const { customerId } = customerOf(request.principal);
		const body = parseInput(autopayRequestSchema, request.body);
		return setAutopay(app, customerId, body);
	});
};
