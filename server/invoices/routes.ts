import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { invoiceDisplayStatus } from '../../shared/invoice-display.ts';
import { docIdSchema } from '../../shared/schemas/common.ts';
import { localDateOf } from '../../shared/time.ts';
import { brandingOf, getBusiness } from '../branding/service.ts';
import { customers } from '../db/schema.ts';
import { contentDisposition } from '../files/routes.ts';
import { AppError } from '../http/errors.ts';
import { rowById } from '../sync/rows.ts';
import { serializeRows } from '../sync/serialize.ts';
import { visibility } from '../sync/visibility.ts';
import { renderInvoicePdf, type InvoiceRecipient } from './pdf.ts';

/** Who an invoice is addressed to: the billing details where set, else the customer's own. */
function recipientOf(row: typeof customers.$inferSelect): InvoiceRecipient {
	const city = [row.billingCity, [row.billingRegion, row.billingPostalCode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
	return {
		name: row.billingName || row.name,
		email: row.billingEmail || row.email,
		addressLines: [row.billingLine1, row.billingLine2, city].filter((l): l is string => !!l)
	};
}

/** A file name safe in any browser's save dialog. */
function pdfFileName(number: string): string {
	return `${number.replace(/[^A-Za-z0-9._-]+/g, '-') || 'invoice'}.pdf`;
}

const plugin: FastifyPluginAsync = async (app) => {
	app.get('/api/invoices/:id/pdf', { config: { access: 'signedIn' } }, async (request, reply) => {
		const notFound = new AppError('NOT_FOUND', 'There is no such invoice.');
		const id = docIdSchema.safeParse((request.params as { id: string }).id);
		if (!id.success) throw notFound;
		const db = app.store.db;
		// The sync visibility rule: another customer's invoice (or a draft) is exactly a missing one.
		const view = visibility.invoices(request.principal!);
		const row = rowById(db, 'invoices', id.data, view.scope);
		if (!row || !view.shows(row)) throw notFound;
		const [invoice] = serializeRows(db, 'invoices', view, [row]);
		const customer = db.select().from(customers).where(eq(customers.id, row.customerId)).get();
		if (!customer) throw notFound;

		const now = app.clock();
		const business = brandingOf(getBusiness(db, now));
		const { _deleted, ...doc } = invoice;
		let today: string;
		try {
			today = localDateOf(now, business.timeZone);
		} catch {
			today = localDateOf(now, 'UTC');
		}
		const bytes = await renderInvoicePdf({
			invoice: doc,
			status: invoiceDisplayStatus(doc, today),
			business,
			recipient: recipientOf(customer),
			now
		});
		reply.header('Content-Type', 'application/pdf');
		reply.header('Content-Disposition', contentDisposition('attachment', pdfFileName(doc.number)));
		reply.header('X-Content-Type-Options', 'nosniff');
		// Rendered per request from live data (a payment changes it): never reused without asking.
		reply.header('Cache-Control', 'private, no-cache');
		return reply.send(Buffer.from(bytes));
	});
};

/** `GET /api/invoices/:id/pdf`: an invoice as a PDF, for whoever may see the invoice. */
export const invoiceRoutes = fp(plugin, { name: 'porchlight-invoice-routes', dependencies: ['porchlight-db', 'porchlight-auth-guard'] });
