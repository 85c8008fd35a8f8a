import { z } from 'zod';

/** How long a sign-in link and code stay valid, in seconds. */
export const SIGN_IN_EXPIRES_IN_SECONDS = 10 * 60;

/** How long the sign-in screen waits before offering to send another email, in seconds. */
export const SIGN_IN_RESEND_AFTER_SECONDS = 30;

/** Wrong codes an attempt survives; the next try after this many fails whatever the code. */
export const SIGN_IN_MAX_CODE_TRIES = 5;

/** Digits in the emailed sign-in code. */
export const SIGN_IN_CODE_LENGTH = 6;

/** An email address as the server stores it: trimmed, lower-cased, at most 254 characters. */
export const emailSchema = z
	.string({ error: 'Enter your email address.' })
	.trim()
	.toLowerCase()
	.min(1, 'Enter your email address.')
	.max(254, 'An email address is at most 254 characters.')
	.pipe(z.email({ error: 'Enter a valid email address, like name@example.com.' }));

/** A sign-in attempt's id, as `POST /api/auth/start` returned it. */
export const attemptIdSchema = z.uuid({ error: 'Not a sign-in attempt id.' });

/**
 * `POST /api/auth/start` body. `as` only matters for an address that belongs to both a customer
 * and a staff member: the customer account is used unless `as` is `'staff'`.
 */
export const startSignInRequestSchema = z.object({
	email: emailSchema,
	as: z.enum(['customer', 'staff'], { error: "must be 'customer' or 'staff'" }).optional()
});

/** A `POST /api/auth/start` body. */
export type StartSignInRequest = z.infer<typeof startSignInRequestSchema>;

/**
 * `POST /api/auth/start` answer: identical for known and unknown addresses. The email (if the
 * address has an account) carries a link and a code for this attempt.
 */
export const startSignInResponseSchema = z.object({
	attemptId: attemptIdSchema,
	/** Seconds before the screen should offer "send another email". */
	resendAfterSeconds: z.number().int().nonnegative(),
	/** Seconds the link and code stay valid. */
	expiresInSeconds: z.number().int().positive()
});

/** A `POST /api/auth/start` answer. */
export type StartSignInResponse = z.infer<typeof startSignInResponseSchema>;

/** The typed code: six digits; spaces and dashes people type between them are ignored. */
export const signInCodeSchema = z
	.string({ error: 'Enter the 6-digit code from the email.' })
	.transform((s) => s.replace(/[\s-]/g, ''))
	.pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from the email.'));

/** `POST /api/auth/verify-code` body. */
export const verifyCodeRequestSchema = z.object({
	attemptId: attemptIdSchema,
	code: signInCodeSchema
});

/** A `POST /api/auth/verify-code` body. */
export type VerifyCodeRequest = z.infer<typeof verifyCodeRequestSchema>;

/** `details` of the 400 VALIDATION (field `code`) answer to a wrong code. */
export const wrongCodeDetailsSchema = z.object({
	/** Tries this attempt has left; at 0 the next try fails with 410 GONE. */
	triesLeft: z.number().int().nonnegative()
});

/** The details of a wrong-code answer. */
export type WrongCodeDetails = z.infer<typeof wrongCodeDetailsSchema>;

/** `POST /api/auth/redeem-link` body: the secret from the link's `#token=` fragment. */
export const redeemLinkRequestSchema = z.object({
	token: z.string({ error: 'The sign-in link is incomplete.' }).min(20, 'The sign-in link is incomplete.').max(200, 'The sign-in link is not valid.')
});

/** A `POST /api/auth/redeem-link` body. */
export type RedeemLinkRequest = z.infer<typeof redeemLinkRequestSchema>;

/** The staff roles, most privileged first. */
export const staffRoleSchema = z.enum(['owner', 'office', 'technician']);

/** Who a session belongs to, as the client sees it. */
export const sessionInfoSchema = z.discriminatedUnion('kind', [
	z.object({
		kind: z.literal('customer'),
		customerId: z.string(),
		name: z.string(),
		email: z.string(),
		/** The session's public id (not its secret). */
		sessionId: z.string(),
		/** The server database's id; part of the client's replication identifier. */
		databaseId: z.string()
	}),
	z.object({
		kind: z.literal('staff'),
		staffUserId: z.string(),
		name: z.string(),
		email: z.string(),
		role: staffRoleSchema,
		sessionId: z.string(),
		databaseId: z.string()
	})
]);

/** Who a session belongs to. */
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** `GET /api/auth/session` answer: null when signed out. */
export const sessionResponseSchema = z.object({ session: sessionInfoSchema.nullable() });

/** A `GET /api/auth/session` answer. */
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

/** `POST /api/auth/verify-code` and `POST /api/auth/redeem-link` answer (the cookie is set too). */
export const signedInResponseSchema = z.object({ session: sessionInfoSchema });

/** A successful sign-in's answer. */
export type SignedInResponse = z.infer<typeof signedInResponseSchema>;

/** One signed-in device of the current user. Times are milliseconds since the epoch (UTC). */
export const deviceSchema = z.object({
	/** The session's public id; `DELETE /api/auth/devices/:id` signs that device out. */
	id: z.string(),
	/** True for the device making the request. */
	current: z.boolean(),
	userAgent: z.string().nullable(),
	createdAt: z.number().int(),
	lastSeenAt: z.number().int()
});

/** One signed-in device. */
export type Device = z.infer<typeof deviceSchema>;

/** `GET /api/auth/devices` answer, most recently seen first. */
export const devicesResponseSchema = z.object({ devices: z.array(deviceSchema) });

/** A `GET /api/auth/devices` answer. */
export type DevicesResponse = z.infer<typeof devicesResponseSchema>;

/** The path of the link's confirmation page; the secret travels in the fragment as `#token=`. */
export const SIGN_IN_CONFIRM_PATH = '/auth/confirm';
