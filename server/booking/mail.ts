import type { getBusiness } from '../branding/service.ts';
import { brandingOf } from '../branding/service.ts';
import { escapeHtml } from '../auth/sign-in-mail.ts';
import type { OutgoingMail } from '../mail/mailer.ts';

type Business = ReturnType<typeof getBusiness>;

/** "Tuesday, May 19 at 9:00 AM" in the business's zone: how a time reads in mail. */
export function describeTime(instant: number, timeZone: string): string {
	const day = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', month: 'long', day: 'numeric' }).format(instant);
	const time = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(instant);
	return `${day} at ${time}`;
}

interface BookingMailInput {
	business: Business;
	publicUrl: string;
	to: string;
	subject: string;
	heading: string;
	/** Paragraphs before the button. */
	lines: string[];
	button?: { label: string; url: string };
	/** A code shown large, with the words that introduce it. */
	code?: { intro: string; value: string };
	/** Paragraphs after the button, in smaller type. */
	footer: string[];
}

/** A branded booking email in text and HTML, in the same frame as the sign-in mail. */
export function bookingMail(input: BookingMailInput): Omit<OutgoingMail, 'from'> {
	const { business } = input;
	const brand = brandingOf(business);
	const text = [
		input.heading,
		'',
		...input.lines.flatMap((l) => [l, '']),
		...(input.button ? [`${input.button.label}:`, input.button.url, ''] : []),
		...(input.code ? [`${input.code.intro} ${input.code.value}`, ''] : []),
		...input.footer.flatMap((l) => [l, '']),
		`— ${business.name}`
	].join('\n');
	const e = escapeHtml;
	const logo = business.logoFile ? `${input.publicUrl}/api/branding/logo/${business.logoFile}` : null;
	const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${e(input.subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d1f23">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:8px;overflow:hidden">
<tr><td style="background:${e(brand.colors.primary)};color:${e(brand.colors.onPrimary)};padding:20px 24px;font-size:20px;font-weight:600">
${logo ? `<img src="${e(logo)}" alt="" height="32" style="height:32px;vertical-align:middle;margin-right:8px;border:0">` : ''}${e(business.name)}
</td></tr>
<tr><td style="padding:24px">
<h1 style="font-size:20px;margin:0 0 16px">${e(input.heading)}</h1>
${input.lines.map((l) => `<p style="margin:0 0 16px">${e(l)}</p>`).join('\n')}
${
	input.button
		? `<p style="margin:8px 0 24px"><a href="${e(input.button.url)}" style="display:inline-block;background:${e(brand.colors.primary)};color:${e(brand.colors.onPrimary)};text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">${e(input.button.label)}</a></p>`
		: ''
}
${
	input.code
		? `<p style="margin:0 0 8px">${e(input.code.intro)}</p><p style="margin:0 0 24px;font-size:28px;font-weight:700;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace">${e(input.code.value)}</p>`
		: ''
}
${input.footer.map((l) => `<p style="margin:0 0 16px;color:#4a4f57;font-size:14px">${e(l)}</p>`).join('\n')}
</td></tr>
<tr><td style="padding:16px 24px;border-top:4px solid ${e(brand.colors.accent)};color:#6b7078;font-size:12px">${e(business.name)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;
	return { to: input.to, subject: input.subject, text, html };
}
