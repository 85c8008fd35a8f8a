import http from 'node:http';
import { createHmac } from 'node:crypto';
import { decodePDFRawStream, PDFArray, PDFDocument, PDFRawStream, type PDFPage } from 'pdf-lib';
import type { Quote } from '../../shared/schemas/quote.ts';
import { defaultSelection } from '../../shared/quotes.ts';
import type { TestServer } from './app.ts';
import { call, type Reply } from './staff.ts';
import { pngBytes } from './images.ts';

/*
 * Helpers for the quote tests: a drawn signature, an approval body, the text on a PDF's pages
 * (pdf-lib draws standard-font text as hex strings inside deflated content streams), and a local
 * webhook receiver that checks signatures.
 */

/** A drawn signature as the device sends it: a real PNG as a data URL. */
export function signatureDataUrl(width = 300, height = 100): string {
	return `data:image/png;base64,${pngBytes(width, height, [20, 20, 80]).toString('base64')}`;
}

/** An approval of `quote` as shown, with its default selection unless told otherwise. */
export function approval(quote: Pick<Quote, 'contentHash' | 'items'>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		contentHash: quote.contentHash,
		selection: defaultSelection(quote.items),
		signerName: 'Dana Whitfield',
		signature: signatureDataUrl(),
		consent: true,
		...overrides
	};
}

/** `POST /api/quotes/:id/<action>` as the customer's browser sends it. */
export function answer(server: TestServer, cookie: string, id: string, action: 'approve' | 'decline' | 'request-changes', body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
	return call(server, 'POST', `/api/quotes/${encodeURIComponent(id)}/${action}`, { cookie, body, headers });
}

const WIN_1252 = new TextDecoder('windows-1252');

function pageContentBytes(page: PDFPage): Uint8Array[] {
	const contents = page.node.Contents();
	const streams = contents instanceof PDFArray ? contents.asArray().map((r) => page.doc.context.lookup(r)) : [contents];
	return streams.filter((s): s is PDFRawStream => s instanceof PDFRawStream).map((s) => decodePDFRawStream(s).decode());
}

/** The text drawn on each page, one line per text-showing operator. */
export async function pdfPagesText(bytes: Uint8Array): Promise<string[]> {
	const doc = await PDFDocument.load(bytes, { updateMetadata: false });
	return doc.getPages().map((page) =>
		pageContentBytes(page)
			.map((content) => {
				const ops = Buffer.from(content).toString('latin1');
				return [...ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)].map((m) => WIN_1252.decode(Buffer.from(m[1], 'hex'))).join('\n');
			})
			.join('\n')
	);
}

/** A local webhook receiver that answers 200 and keeps what it got. */
export interface Receiver {
	url: string;
	requests: { headers: http.IncomingHttpHeaders; body: string }[];
	waitFor(n: number, timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startReceiver(): Promise<Receiver> {
	const requests: Receiver['requests'] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as { port: number }).port;
	return {
		url: `http://127.0.0.1:${port}/hooks`,
		requests,
		async waitFor(n, timeoutMs = 10_000) {
			const deadline = Date.now() + timeoutMs;
			while (requests.length < n) {
				if (Date.now() > deadline) throw new Error(`receiver got ${requests.length} of ${n} requests`);
				await new Promise((r) => setTimeout(r, 10));
			}
		},
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}

/** True when `header` is a valid X-Porchlight-Signature of `body` with `secret`. */
export function validSignature(secret: string, header: string | string[] | undefined, body: string): boolean {
	const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
	return m !== null && createHmac('sha256', secret).update(`${m[1]}.${body}`).digest('hex') === m[2];
}
