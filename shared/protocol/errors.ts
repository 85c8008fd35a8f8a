import { z } from 'zod';

/** Every error code the API can answer with, mapped to its HTTP status. */
export const ERROR_STATUS = {
	BAD_REQUEST: 400,
	VALIDATION: 400,
	UNAUTHENTICATED: 401,
	FORBIDDEN: 403,
	CROSS_SITE: 403,
	NOT_FOUND: 404,
	CONFLICT: 409,
	GONE: 410,
	PAYLOAD_TOO_LARGE: 413,
	UNSUPPORTED_MEDIA_TYPE: 415,
	/** The address is outside the business's service area (`details.messageOffice`: offer a message instead). */
	OUTSIDE_SERVICE_AREA: 422,
	RATE_LIMITED: 429,
	INTERNAL: 500,
	UNAVAILABLE: 503
} as const;

/** A machine-readable error code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error response. `field` names the offending input where there is one. */
export const errorBodySchema = z.object({
	code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
	message: z.string(),
	field: z.string().optional(),
	details: z.unknown().optional()
});

/** An error response body. */
export type ErrorBody = z.infer<typeof errorBodySchema>;
