import type { FastifyInstance } from 'fastify';
import { scheduleAutopay } from '../payments/scheduler.ts';

/**
 * Run after an invoice is issued (console or integration API): schedules its autopay charge when
 * the customer is enrolled. The payments plugin also schedules on every invoice change; calling
 * it here as well is harmless (one job per invoice and due date) and keeps issuing explicit.
 */
export function afterInvoiceIssued(app: FastifyInstance, invoiceId: string): void {
	try {
		scheduleAutopay(app, invoiceId);
	} catch (err) {
		app.log.error({ err, invoiceId }, 'could not schedule autopay for an issued invoice');
	}
}
