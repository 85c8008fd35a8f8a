import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { installErrorHandler } from './http/errors.ts';
import { dbPlugin } from './db/plugin.ts';
import { healthRoutes } from './health/routes.ts';
import { brandingRoutes } from './branding/routes.ts';
import { manifestRoutes } from './branding/manifest.ts';
import { clientPlugin } from './http/client.ts';
import { securityHeaders } from './http/security.ts';
import { authGuard } from './auth/guard.ts';
import { syncRoutes } from './sync/routes.ts';
import { syncStream, type StreamOptions } from './sync/stream.ts';
import { fileRoutes } from './files/routes.ts';
import { uploadRoutes } from './files/uploads.ts';
import { staffThreadRoutes } from './staff/threads.ts';
import { mailPlugin } from './mail/mailer.ts';
import { authRoutes } from './auth/routes.ts';
import { invoiceRoutes } from './invoices/routes.ts';
import { accountRoutes } from './account/routes.ts';
import { paymentsPlugin, type PaymentsOptions } from './payments/plugin.ts';
import type { StripeApi } from './payments/stripe-provider.ts';
import { bookingPlugin, type BookingOptions } from './booking/plugin.ts';
import { staffStream } from './staff/stream.ts';
import { staffCustomerRoutes } from './staff/customers.ts';
import { staffInvoiceRoutes } from './staff/invoices.ts';
import { staffDocumentRoutes, type StaffDocumentOptions } from './staff/documents.ts';
import { staffBrandingRoutes } from './staff/branding.ts';
import { staffAvailabilityRoutes } from './staff/availability.ts';
import { staffCalendarRoutes } from './staff/booking-calendar.ts';
import { auditRoutes } from './audit/routes.ts';
import { apiKeyRoutes } from './integration/api-keys.ts';
import { integrationRoutes } from './integration/v1.ts';
import { webhookRoutes } from './integration/webhook-routes.ts';
import type { WebhookTimings } from './integration/webhooks.ts';
import { quoteRoutes } from './quotes/routes.ts';
import { staffQuoteRoutes } from './quotes/staff-routes.ts';
import { integrationQuoteRoutes } from './quotes/integration-routes.ts';

/** Things tests replace: the clock, mostly. */
export interface AppDeps {
	/** Milliseconds since the epoch. */
	clock: () => number;
	/** Sync stream timings (heartbeat, session re-check), shortened in tests. */
	stream: StreamOptions;
	/** Where stripe-node sends requests (host/port/protocol); tests point it at the fake Stripe. */
	stripeApi?: StripeApi;
	/** Payment scheduler interval, demo settlement delay, webhook tolerance; shortened in tests. */
	payments: Omit<PaymentsOptions, 'stripeApi'>;
	/** Booking's scheduler interval and guest hold length, shortened in tests. */
	booking: BookingOptions;
	/** Outgoing webhook retry timings, shortened in tests. */
	webhooks: WebhookTimings;
	/** Staff document upload limit, lowered in tests. */
	staffDocuments: StaffDocumentOptions;
}

declare module 'fastify' {
	interface FastifyInstance {
		config: Config;
		clock: () => number;
	}
}

/** Paths whose query string carries secrets or noise; the access log shows the path only. */
function redactUrl(url: string): string {
	const q = url.indexOf('?');
	return q === -1 ? url : url.slice(0, q) + '?…';
}

/**
 * Builds the whole application — APIs, WebSocket, static client — without listening.
 * `main.ts` listens; tests call this with port 0 and a temporary DATA_DIR.
 */
export async function buildApp(config: Config, deps: Partial<AppDeps> = {}): Promise<FastifyInstance> {
	const app = Fastify({
		logger: {
			level: config.logLevel,
			redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
			serializers: {
				req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
				res: (res) => ({ statusCode: res.statusCode })
			}
		},
		// Behind one reverse proxy in production, so request.ip is the customer's address.
		trustProxy: config.nodeEnv === 'production' ? (_address: string, hop: number) => hop === 0 : false,
		bodyLimit: 1024 * 1024,
		routerOptions: { ignoreTrailingSlash: true }
	});

	app.decorate('config', config);
	app.decorate('clock', deps.clock ?? Date.now);
	installErrorHandler(app);
	await app.register(securityHeaders);
	await app.register(dbPlugin);
	await app.register(authGuard);
	await app.register(mailPlugin);
	await app.register(authRoutes);
	await app.register(healthRoutes);
	await app.register(brandingRoutes);
	await app.register(manifestRoutes);
	await app.register(syncRoutes);
	await app.register(syncStream, deps.stream ?? {});
	await app.register(fileRoutes);
	await app.register(uploadRoutes);
	await app.register(staffStream, deps.stream ?? {});
	await app.register(staffThreadRoutes);
	await app.register(staffCustomerRoutes);
	await app.register(staffInvoiceRoutes);
	await app.register(staffDocumentRoutes, deps.staffDocuments ?? {});
	await app.register(staffBrandingRoutes);
	await app.register(staffAvailabilityRoutes);
	await app.register(staffCalendarRoutes);
	await app.register(auditRoutes);
	await app.register(apiKeyRoutes);
	await app.register(integrationRoutes);
	await app.register(webhookRoutes, { timings: deps.webhooks });
	await app.register(quoteRoutes);
	await app.register(staffQuoteRoutes);
	await app.register(integrationQuoteRoutes);
	await app.register(invoiceRoutes);
	await app.register(accountRoutes);
	await app.register(paymentsPlugin, { ...deps.payments, stripeApi: deps.stripeApi });
	await app.register(bookingPlugin, deps.booking ?? {});
	await app.register(clientPlugin);
	return app;
}
