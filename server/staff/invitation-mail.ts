import { brandingOf, type getBusiness } from '../branding/service.ts';
import { escapeHtml } from '../auth/sign-in-mail.ts';
import type { OutgoingMail } from '../mail/mailer.ts';
import { SIGN_IN_EXPIRES_IN_SECONDS } from '../../shared/protocol/auth.ts';

interface InvitationInput {
	business: ReturnType<typeof getBusiness>;
	to: string;
	name: string | null;
	/** A one-time sign-in link (expires with every sign-in link). */
	link: string;
	publicUrl: string;
}

/** The portal invitation: what the portal is for, a sign-in link, and how to sign in later. */
export function invitationMail(input: InvitationInput): Omit<OutgoingMail, 'from'> {
	const { business, to, link, publicUrl } = input;
	const brand = brandingOf(business);
	const minutes = Math.round(SIGN_IN_EXPIRES_IN_SECONDS / 60);
	const greeting = input.name ? `Hello ${input.name},` : 'Hello,';
	const what = 'see and pay your invoices, book appointments, read your documents and message us';
	const later = `After that, open ${publicUrl} and sign in with this email address (${to}): we email you a link and a code each time, no password.`;
	const contact = [business.phone, business.email].filter(Boolean).join(' or ');

	const text = [
		greeting,
		'',
		`${business.name} invited you to your customer account, where you can ${what}.`,
		'',
		`Open this link to sign in (it works once, within ${minutes} minutes):`,
		link,
		'',
		later,
		'',
		'On a phone, add the account to your home screen to open it like an app.',
		...(contact ? ['', `Questions? ${contact}.`] : []),
		'',
		`— ${business.name}`
	].join('\n');

	const e = escapeHtml;
	const logo = business.logoFile ? `${publicUrl}/api/branding/logo/${business.logoFile}` : null;
	const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(`Your ${business.name} account`)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d1f23">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${e(brand.colors.primary)};color:${e(brand.colors.onPrimary)};padding:20px 24px;font-size:20px;font-weight:600">
${logo ? `<img src="${e(logo)}" alt="" height="32" style="height:32px;vertical-align:middle;margin-right:8px;border:0">` : ''}${e(business.name)}
</td></tr>
<tr><td style="padding:24px">
<p style="margin:0 0 16px">${e(greeting)}</p>
<p style="margin:0 0 24px">${e(`${business.name} invited you to your customer account, where you can ${what}.`)}</p>
<p style="margin:0 0 24px">
<a href="${e(link)}" style="display:inline-block;background:${e(brand.colors.primary)};color:${e(brand.colors.onPrimary)};text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Open my account</a>
</p>
<p style="margin:0 0 16px;color:#4a4f57">The button works once, within ${minutes} minutes. ${e(later)}</p>
${contact ? `<p style="margin:0 0 16px;color:#4a4f57;font-size:14px">${e(`Questions? ${contact}.`)}</p>` : ''}
<p style="margin:0;color:#6b7078;font-size:12px;word-break:break-all">If the button does not work, copy this address into your browser: ${e(link)}</p>
</td></tr>
<tr><td style="padding:16px 24px;border-top:4px solid ${e(brand.colors.accent)};color:#6b7078;font-size:12px">${e(business.name)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;

	return { to, subject: `Your ${business.name} account is ready`, text, html };
}
