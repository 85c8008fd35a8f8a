import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '../../shared/protocol/errors.ts';

/** A known failure: carries a code from the catalogue and a message safe to show. */
export class AppError extends Error {
	readonly status: number;
	constructor(
		readonly code: ErrorCode,
		message: string,
		readonly options: { field?: string; details?: unknown; headers?: Record<string, string> } = {}
	) {
		super(message);
		this.name = 'AppError';
		this.status = ERROR_STATUS[code];
	}
	get field() {
		return this.options.field;
	}
}

/** Turns the first zod issue into a VALIDATION error naming the field. */
export function validationError(error: ZodError, prefix?: string): AppError {
	const issue = error.issues[0];
	const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || undefined;
	const message = field ? `${field}: ${issue.message}` : issue.message;
	return new AppError('VALIDATION', message, {
		field,
		details: error.issues.slice(0, 10).map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }))
	});
}

/** Parses input with a zod schema, throwing a VALIDATION AppError that names the field. */
export function parseInput<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } }, value: unknown, prefix?: string): T {
	const result = schema.safeParse(value);
	if (!result.success) throw validationError(result.error, prefix);
	return result.data;
}

/** The one error handler: known errors map to their status, anything else is INTERNAL. */
export function installErrorHandler(app: FastifyInstance): void {
	app.setErrorHandler((err: FastifyError | AppError | ZodError | Error, request, reply) => {
		let status: number;
		let body: ErrorBody;
		if (err instanceof AppError) {
			status = err.status;
			body = { code: err.code, message: err.message, field: err.field, details: err.options.details };
			if (err.options.headers) reply.headers(err.options.headers);
		} else if (err instanceof ZodError) {
			const appErr = validationError(err);
			status = appErr.status;
			body = { code: appErr.code, message: appErr.message, field: appErr.field, details: appErr.options.details };
		} else if ('validation' in err && err.validation) {
			status = 400;
			const first = err.validation[0];
			const field = (first?.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || (first?.params as { missingProperty?: string })?.missingProperty;
			body = { code: 'VALIDATION', message: err.message, field: field || undefined };
		} else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
			// Fastify's own client errors (bad JSON, body too large, unsupported media type).
			status = err.statusCode;
			const code: ErrorCode =
				status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 404 ? 'NOT_FOUND' : status === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST';
			body = { code, message: err.message };
		} else {
			request.log.error({ err }, 'unhandled error');
			status = 500;
			body = { code: 'INTERNAL', message: 'Something went wrong on our side. Please try again.' };
		}
		if (status >= 500 && !(err instanceof AppError)) {
			// already logged above
		} else if (status >= 500) {
			request.log.error({ err }, 'server error');
		}
		reply.status(status).send(body);
	});

}
