import { ApiError, describeError } from '$lib/api/http';

/**
 * Splits an error into the field it blames (the server's 400 `field`, e.g. `lines.0.unitAmount`)
 * and a sentence. The server's message starts with "<field>: " for field errors; that prefix is
 * dropped so the sentence reads under the field.
 */
export function fieldError(err: unknown): { field: string | null; message: string } {
	if (err instanceof ApiError && err.field) {
		const prefix = `${err.field}: `;
		const msg = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
		return { field: err.field, message: msg.charAt(0).toUpperCase() + msg.slice(1) };
	}
	return { field: null, message: describeError(err) };
}
