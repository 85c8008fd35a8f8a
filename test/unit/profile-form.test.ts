import fc from 'fast-check';
import { expect, test } from 'vitest';
import { changesOf, labelOf, validateDraft, type ProfileDraft, type ProfileField } from '../../client/routes/account/profile-form.ts';
import { profileSchema } from '../../shared/schemas/profile.ts';

// The account screen checks drafts by hand so a customer's device never loads zod; these tests
// hold those checks to the shared schema the server validates every push with.

/** What the form showed when it checked drafts with zod: the first issue per field, as a sentence. */
function byZod(draft: ProfileDraft): Partial<Record<ProfileField, string>> {
	const result = profileSchema.pick({ name: true, email: true, phone: true, billing: true }).safeParse(changesOf(draft));
	const errors: Partial<Record<ProfileField, string>> = {};
	if (result.success) return errors;
	for (const issue of result.error.issues) {
		const field = issue.path.map(String).join('.') as ProfileField;
		if (errors[field]) continue;
		const max = /at most (\d+) characters/.exec(issue.message);
		if (/must not be empty/.test(issue.message)) errors[field] = `${labelOf(field)} is required.`;
		else if (/email address/.test(issue.message)) errors[field] = 'Enter an email address like name@example.com.';
		else if (max) errors[field] = `${labelOf(field)} can be at most ${max[1]} characters.`;
		else errors[field] = `unexpected issue: ${issue.message}`;
	}
	return errors;
}

const blank: ProfileDraft = {
	name: 'Dana Whitfield',
	email: '',
	phone: '',
	billing: { name: '', email: '', line1: '', line2: '', city: '', region: '', postalCode: '', country: '' }
};

test('a valid draft has no errors; each broken rule names its field', () => {
	expect(validateDraft(blank)).toEqual({});
	expect(validateDraft({ ...blank, name: '   ' })).toEqual({ name: 'Name is required.' });
	expect(validateDraft({ ...blank, email: 'dana at example.com' })).toEqual({ email: 'Enter an email address like name@example.com.' });
	expect(validateDraft({ ...blank, billing: { ...blank.billing, country: 'USA' } })).toEqual({ 'billing.country': 'Country can be at most 2 characters.' });
	expect(validateDraft({ ...blank, phone: '1'.repeat(41), billing: { ...blank.billing, postalCode: '9'.repeat(21) } })).toEqual({
		phone: 'Phone can be at most 40 characters.',
		'billing.postalCode': 'Postal code can be at most 20 characters.'
	});
});

test('for any draft, the hand checks and the shared zod schema find the same errors', () => {
	// Lengths around every limit, spaces the form trims, and strings that are nearly emails.
	const text = fc.oneof(
		fc.string({ maxLength: 3 }),
		fc.constantFrom('', '  ', ' a ', 'a@b', 'a@@b', 'a b@c', '@b', 'a@', 'x@y.z '),
		fc.tuple(fc.constantFrom(1, 2, 3, 19, 20, 21, 39, 40, 41, 99, 100, 101, 199, 200, 201, 319, 320, 321), fc.constantFrom('a', ' ', '@', 'é')).map(([n, ch]) => ch.repeat(n)),
		fc.tuple(fc.constantFrom(0, 100, 316, 317, 318), fc.constantFrom('', ' ')).map(([n, pad]) => `${pad}${'a'.repeat(n)}a@b.c${pad}`)
	);
	const draft = fc.record({
		name: text,
		email: text,
		phone: text,
		billing: fc.record({ name: text, email: text, line1: text, line2: text, city: text, region: text, postalCode: text, country: text })
	});
	fc.assert(
		fc.property(draft, (d) => {
			expect(validateDraft(d)).toEqual(byZod(d));
		}),
		{ numRuns: 3_000 }
	);
});
