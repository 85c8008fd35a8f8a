import type { Billing, Profile } from '../../../shared/schemas/profile.ts';

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

/**
 * The rules of shared/schemas/profile.ts for the fields the form edits, by hand: the device
 * checks a draft without loading zod (about 27 KB a customer's device would otherwise download
 * and keep for this one form). test/unit/profile-form.test.ts holds them to the schema, which
 * the server applies to every push anyway (server/sync/push.ts).
 */
const RULES: Record<ProfileField, { max: number; required?: true; email?: true }> = {
	name: { max: 200, required: true },
	email: { max: 320, email: true },
	phone: { max: 40 },
	'billing.name': { max: 200 },
	'billing.email': { max: 320, email: true },
	'billing.line1': { max: 200 },
	'billing.line2': { max: 200 },
	'billing.city': { max: 100 },
	'billing.region': { max: 100 },
	'billing.postalCode': { max: 20 },
	'billing.country': { max: 2 }
};

/** emailSchema's pattern: something@something, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Checks the draft by the shared profile schema's rules — the ones the server applies — and
 * returns one message per field, for the first rule a field breaks in the schema's order.
 */
export function validateDraft(draft: ProfileDraft): Partial<Record<ProfileField, string>> {
	const changes = changesOf(draft);
	const errors: Partial<Record<ProfileField, string>> = {};
	for (const field of Object.keys(RULES) as ProfileField[]) {
		const rule = RULES[field];
		const value = field.startsWith('billing.') ? changes.billing[field.slice(8) as keyof Billing] : changes[field as 'name' | 'email' | 'phone'];
		if (value === null) continue;
		if (value.length > rule.max) errors[field] = `${LABELS[field]} can be at most ${rule.max} characters.`;
		else if (rule.required && value.length === 0) errors[field] = `${LABELS[field]} is required.`;
		else if (rule.email && !EMAIL.test(value)) errors[field] = 'Enter an email address like name@example.com.';
	}
	return errors;
}
