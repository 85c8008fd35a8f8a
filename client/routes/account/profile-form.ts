import type { Billing, Profile } from '$shared/schemas/profile';

/** The editable fields as the form holds them: every input is a string. */
export interface ProfileDraft {
	name: string;
	email: string;
	phone: string;
	billing: { [K in keyof Billing]: string };
}

/** Field ids of the form, as the shared schema's issue paths name them (`billing.email`). */
export type ProfileField = 'name' | 'email' | 'phone' | `billing.${keyof Billing}`;

/** The form's starting point: the profile as stored on the device. */
export function draftOf(profile: Profile): ProfileDraft {
	const b = profile.billing;
	return {
		name: profile.name,
		email: profile.email ?? '',
		phone: profile.phone ?? '',
		billing: {
			name: b.name ?? '',
			email: b.email ?? '',
			line1: b.line1 ?? '',
			line2: b.line2 ?? '',
			city: b.city ?? '',
			region: b.region ?? '',
			postalCode: b.postalCode ?? '',
			country: b.country ?? ''
		}
	};
}

/** An empty field is "not set" (null), and surrounding spaces are never meant. */
function valueOf(s: string): string | null {
	const t = s.trim();
	return t === '' ? null : t;
}

/** What the form would store: trimmed, blanks as null, the country code upper-case. */
export function changesOf(draft: ProfileDraft): Pick<Profile, 'name' | 'email' | 'phone' | 'billing'> {
	const b = draft.billing;
	return {
		name: draft.name.trim(),
		email: valueOf(draft.email),
		phone: valueOf(draft.phone),
		billing: {
			name: valueOf(b.name),
			email: valueOf(b.email),
			line1: valueOf(b.line1),
			line2: valueOf(b.line2),
			city: valueOf(b.city),
			region: valueOf(b.region),
			postalCode: valueOf(b.postalCode),
			country: valueOf(b.country)?.toUpperCase() ?? null
		}
	};
}

/** True when the draft would change the stored profile. */
export function isDirty(draft: ProfileDraft, profile: Profile): boolean {
	const next = changesOf(draft);
	return (
		next.name !== profile.name ||
		next.email !== profile.email ||
		next.phone !== profile.phone ||
		(Object.keys(next.billing) as (keyof Billing)[]).some((k) => next.billing[k] !== profile.billing[k])
	);
}

const LABELS: Record<ProfileField, string> = {
	name: 'Name',
	email: 'Email',
	phone: 'Phone',
	'billing.name': 'Billing name',
	'billing.email': 'Billing email',
	'billing.line1': 'Address line 1',
	'billing.line2': 'Address line 2',
	'billing.city': 'City',
	'billing.region': 'State or region',
	'billing.postalCode': 'Postal code',
	'billing.country': 'Country'
};

/** The label of a field, for error summaries. */
export function labelOf(field: ProfileField): string {
	return LABELS[field];
}

/** A schema message as a sentence about the field: "must be an email address" → "Enter an email address". */
function sentence(field: ProfileField, message: string): string {
	const m = message.trim();
	if (/must not be empty/.test(m)) return `${LABELS[field]} is required.`;
	if (/email address/.test(m)) return 'Enter an email address like name@example.com.';
	const max = /at most (\d+) characters/.exec(m);
	if (max) return `${LABELS[field]} can be at most ${max[1]} characters.`;
	return `${LABELS[field]} ${m.replace(/^Invalid input:?\s*/i, '').replace(/\.?$/, '.')}`;
}

/**
 * Checks the draft with the shared profile schema — the very rules the server applies — and
 * returns one message per field. The schema (and zod) load on first use, so the account
 * screen's first paint does not wait for them.
 */
export async function validateDraft(draft: ProfileDraft): Promise<Partial<Record<ProfileField, string>>> {
	const { profileSchema } = await import('$shared/schemas/profile');
	const result = profileSchema.pick({ name: true, email: true, phone: true, billing: true }).safeParse(changesOf(draft));
	const errors: Partial<Record<ProfileField, string>> = {};
	if (result.success) return errors;
	for (const issue of result.error.issues) {
		const field = issue.path.map(String).join('.') as ProfileField;
		if (field in LABELS && !errors[field]) errors[field] = sentence(field, issue.message);
	}
	return errors;
}
