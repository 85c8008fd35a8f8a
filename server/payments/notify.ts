import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { DEMO_MODE_LABEL } from '../../shared/protocol/payments.ts';
import { formatMoney } from '../../shared/money.ts';
import { escapeHtml } from '../auth/sign-in-mail.ts';
import { brandingOf, getBusiness } from '../branding/service.ts';
import type { Db } from '../db/client.ts';
import { customers, invoices, messages, messageThreads, payments, portalUsers } from '../db/schema.ts';
import { ensureThread } from '../sync/threads.ts';
import type { WriteContext } from '../sync/writer.ts';

type PaymentRow = typeof payments.$inferSelect;
type InvoiceRow = typeof invoices.$inferSelect;

/** Where mail about money goes: the billing address, else the customer's, else a sign-in address. */
export function customerEmail(db: Db, customerId: string): string | null {
	const c = db.select({ billingEmail: customers.billingEmail, email: customers.email }).from(customers).where(eq(customers.id, customerId)).get();
	if (c?.billingEmail) return c.billingEmail;
	if (c?.email) return c.email;
	const user = db
		.select({ email: portalUsers.email })
		.from(portalUsers)
		.where(eq(portalUsers.customerId, customerId))
		.orderBy(asc(portalUsers.createdAt))
		.get();
	return user?.email ?? null;
}

/** A note from the system in the customer's conversation with the office; devices hear it live. */
export function postSystemMessage(w: WriteContext, customerId: string, authorName: string, body: string): string {
	const threadId = ensureThread(w, customerId);
	const id = randomUUID();
	w.db.insert(messages)
		.values({
			id,
			threadId,
			customerId,
			authorKind: 'system',
			authorName,
			body,
			attachments: [],
			sentAt: w.now,
			seq: w.touch('messages', customerId, id),
			deleted: false,
			createdAt: w.now,
			updatedAt: w.now
		})
		.run();
	w.db.update(messageThreads).set({ lastMessageAt: w.now }).where(eq(messageThreads.id, threadId)).run();
	return id;
}

/** A link that opens the invoice in the app. */
export function invoiceLink(app: FastifyInstance, invoiceId: string): string {
	return `${app.config.publicUrl}/invoices/${encodeURIComponent(invoiceId)}`;
}

function mailHtml(businessName: string, colors: { primary: string; onPrimary: string }, title: string, paragraphs: string[], link?: { href: string; label: string }): string {
	const e = escapeHtml;
	return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(title)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d1f23">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0"><tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${e(colors.primary)};color:${e(colors.onPrimary)};padding:20px 24px;font-size:20px;font-weight:600">${e(businessName)}</td></tr>
<tr><td style="padding:24px">
<h1 style="font-size:20px;margin:0 0 16px">${e(title)}</h1>
${paragraphs.map((p) => `<p style="margin:0 0 12px;line-height:1.5">${e(p)}</p>`).join('\n')}
${link ? `<p style="margin:20px 0"><a href="${e(link.href)}" style="display:inline-block;background:${e(colors.primary)};color:${e(colors.onPrimary)};padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">${e(link.label)}</a></p>` : ''}
</td></tr></table></td></tr></table>
</body></html>`;
}

/** Sends after commit; a mail failure is logged, never undoes the payment. */
function mailAfterCommit(app: FastifyInstance, w: WriteContext, to: string | null, subject: string, paragraphs: string[], link?: { href: string; label: string }): void {
	if (!to) return;
	w.afterCommit(() => {
		const business = getBusiness(app.store.db, app.clock());
		const brand = brandingOf(business);
		const text = [...paragraphs, ...(link ? [`${link.label}: ${link.href}`] : []), `— ${business.name}`].join('\n\n');
		app.mailer
			.send({ to, subject, text, html: mailHtml(business.name, brand.colors, subject, paragraphs, link) })
			.catch((err: unknown) => app.log.error({ err: err instanceof Error ? err.message : String(err), subject }, 'payment mail could not be sent'));
	});
}

function demoNote(demo: boolean): string[] {
	return demo ? [`${DEMO_MODE_LABEL}: this payment was simulated and no money moved.`] : [];
}

/** Receipt email after a payment succeeded. */
export function queueReceipt(app: FastifyInstance, w: WriteContext, payment: PaymentRow, invoice: InvoiceRow): void {
	const amount = formatMoney(payment.amount, payment.currency);
	const demo = payment.provider === 'demo';
	mailAfterCommit(
		app,
		w,
		customerEmail(w.db, payment.customerId),
		`${demo ? '[Demo] ' : ''}Receipt${payment.receiptNumber ? ` ${payment.receiptNumber}` : ''} — ${amount} for invoice ${invoice.number}`,
		[
			`Thank you. We received ${amount} for invoice ${invoice.number} (${invoice.title}).`,
			`Paid with ${payment.methodLabel ?? 'your payment method'}${payment.receiptNumber ? `; receipt number ${payment.receiptNumber}` : ''}.`,
			...demoNote(demo)
		],
		{ href: invoiceLink(app, invoice.id), label: 'View the receipt' }
	);
}

/** Why a payment did not go through, in the words the customer reads. */
export type FailureReason = 'bank_returned' | 'autopay_declined' | 'autopay_authentication';

/**
 * Tells the customer a payment failed after they left the screen (a bank debit returned days
 * later, an autopay charge): a system message in their conversation and an email, both with a
 * link to pay in the app.
 */
export function queueFailureNotice(app: FastifyInstance, w: WriteContext, payment: PaymentRow, invoice: InvoiceRow, reason: FailureReason): void {
	const business = getBusiness(w.db, w.now);
	const amount = formatMoney(payment.amount, payment.currency);
	const method = payment.methodLabel ?? 'your payment method';
	const link = invoiceLink(app, invoice.id);
	const detail = payment.failureMessage ? ` (${payment.failureMessage.replace(/\s*\(Demo mode[^)]*\)\s*$/, '')})` : '';
	const demo = payment.provider === 'demo';
	let subject: string;
	let lines: string[];
	if (reason === 'bank_returned') {
		subject = `Your bank payment for invoice ${invoice.number} did not go through`;
		lines = [
			`Your bank returned the payment of ${amount} from ${method} for invoice ${invoice.number}${detail}.`,
			'The invoice is open again. You can pay it in the app with a card or another bank account.'
		];
	} else if (reason === 'autopay_authentication') {
		subject = `Action needed: confirm your payment for invoice ${invoice.number}`;
		lines = [
			`Autopay tried to charge ${amount} to ${method} for invoice ${invoice.number}, but your bank needs you to confirm the payment.`,
			'Nothing was charged, and autopay will not try again for this invoice. Please pay it in the app.'
		];
	} else {
		subject = `Autopay could not pay invoice ${invoice.number}`;
		lines = [
			`Autopay tried to charge ${amount} to ${method} for invoice ${invoice.number}, but it was declined${detail}.`,
			'Nothing was charged, and autopay will not try again for this invoice. Please pay it in the app.'
		];
	}
	lines.push(...demoNote(demo));
	postSystemMessage(w, payment.customerId, business.name, [...lines, `Pay invoice ${invoice.number}: ${link}`].join('\n\n'));
	mailAfterCommit(app, w, customerEmail(w.db, payment.customerId), `${demo ? '[Demo] ' : ''}${subject}`, lines, { href: link, label: `Pay invoice ${invoice.number}` });
}
