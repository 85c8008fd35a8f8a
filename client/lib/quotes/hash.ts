import { quoteContentText, type QuoteContentSource } from '../../../shared/quotes.ts';

/** True where the browser can hash (Web Crypto exists only in secure contexts: https, localhost). */
export function canHash(): boolean {
	return typeof crypto !== 'undefined' && typeof crypto.subtle?.digest === 'function';
}

/** SHA-256 of the UTF-8 bytes of `text`, as lower-case hex (what node:crypto's `digest('hex')` gives). */
export async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
	let hex = '';
	for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
	return hex;
}

/**
 * The hash of a quote as this device shows it. The server signs its own `contentHash`; the two
 * agree exactly when the device shows what the office sent, which is what a signature vouches for.
 */
export function quoteHash(quote: QuoteContentSource): Promise<string> {
	return sha256Hex(quoteContentText(quote));
}
