import type { getBusiness } from '../branding/service.ts';
import { brandingOf } from '../branding/service.ts';
import type { OutgoingMail } from '../mail/mailer.ts';
import { SIGN_IN_EXPIRES_IN_SECONDS } from '../../shared/protocol/auth.ts';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
	return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

interface SignInMailInput {
	business: ReturnType<typeof getBusiness>;
	to: string;
	link: string;
	code: string;
	/** Staff sign in to the console; the wording says so. */
	kind: 'customer' | 'staff';
	publicUrl: string;
}

/** The sign-in email: link and code, branded, in text and HTML. */
export function signInMail(input: SignInMailInput): Omit<OutgoingMail, 'from'> {
	const { business, to, link, code, kind } = input;
	const brand = brandingOf(business);
	const minutes = Math.round(SIGN_IN_EXPIRES_IN_SECONDS / 60);
	const place = kind === 'staff' ? `the ${business.name} staff console` : `your ${business.name} account`;
	const contact = [business.phone, business.email].filter(Boolean).join(' or ');
	const notYou =
		"Didn't ask to sign in? Ignore this email: nobody can sign in without this link or code, and nothing about your account changes." +
		(contact ? ` If these emails keep arriving, tell us at ${contact}.` : '');

	const text = [
		`Sign in to ${place}`,
		'',
		'Open this link to sign in:',
		link,
		'',
		`Or type this code in the app: ${code}`,
		'',
		`The link and the code work once and expire in ${minutes} minutes.`,
		'',
		notYou,
		'',
		`— ${business.name}`
	].join('\n');

	const e = escapeHtml;
	const logo = business.logoFile ? `${input.publicUrl}/api/branding/logo/${business.logoFile}` : null;
	const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(`Sign in to ${place}`)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d1f23">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${e(brand.colors.primary)};color:${e(brand.colors.onPrimary)};padding:20px 24px;font-size:20px;font-weight:600">
${logo ? `<img src="${e(logo)}" alt="" height="32" style="height:32px;vertical-align:middle;margin-right:8px;border:0">` : ''}${e(business.name)}
</td></tr>
<tr><td style="padding:24px">
<h1 style="font-size:20px;margin:0 0 16px">${e(`Sign in to ${place}`)}</h1>
<p style="margin:0 0 24px">
<a href="${e(link)}" style="display:inline-block;background:${e(brand.colors.primary)};color:${e(brand.colors.onPrimary)};text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Sign in</a>
</p>
<p style="margin:0 0 8px">Or type this code in the app:</p>
<p style="margin:0 0 24px;font-size:28px;font-weight:700;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace">${e(code)}</p>
<p style="margin:0 0 16px;color:#4a4f57">The link and the code work once and expire in ${minutes} minutes.</p>
<p style="margin:0 0 16px;color:#4a4f57;font-size:14px">${e(notYou)}</p>
<p style="margin:0;color:#6b7078;font-size:12px;word-break:break-all">If the button does not work, copy this address into your browser: ${e(link)}</p>
</td></tr>
<tr><td style="padding:16px 24px;border-top:4px solid ${e(brand.colors.accent)};color:#6b7078;font-size:12px">${e(business.name)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;

	return { to, subject: `${code} is your ${business.name} sign-in code`, text, html };
}
