import { SMTPServer } from 'smtp-server';

/** A message as a test reads it: headers, decoded text and HTML parts, and what sign-in mail carries. */
export interface ParsedMail {
	/** Lower-cased header names; repeated headers keep the first value. */
	headers: Record<string, string>;
	subject: string;
	from: string;
	to: string;
	/** Content types of the leaf parts, e.g. ['text/plain', 'text/html']. */
	partTypes: string[];
	text: string;
	html: string;
	/** The sign-in link (`…/auth/confirm#token=…`), when the mail has one. */
	link?: string;
	/** The secret from the link's fragment. */
	token?: string;
	/** The 6-digit sign-in code, when the mail has one. */
	code?: string;
}

/** A message the test SMTP server received, with its envelope. */
export interface CapturedMail extends ParsedMail {
	raw: string;
	envelopeFrom: string;
	envelopeTo: string[];
}

/** A real SMTP server on 127.0.0.1 that keeps every message it receives. */
export interface SmtpCapture {
	port: number;
	/** Pass as `smtpUrl` to startServer. */
	url: string;
	messages: CapturedMail[];
	/** Resolves with the first message (already received or arriving) that matches. */
	waitFor(match: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
	close(): Promise<void>;
}

/**
 * Starts `smtp-server` on 127.0.0.1 port 0 (STARTTLS off: its built-in certificate has expired;
 * no auth needed). `delayMs` holds each message's final reply back, like a slow mail provider.
 */
export async function startSmtpServer(opts: { delayMs?: number } = {}): Promise<SmtpCapture> {
	const messages: CapturedMail[] = [];
	const waiters = new Set<() => void>();
	const server = new SMTPServer({
		disabledCommands: ['STARTTLS'],
		authOptional: true,
		logger: false,
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('end', () => {
				const raw = Buffer.concat(chunks).toString('utf8');
				const finish = () => {
					messages.push({
						...parseMail(raw),
						raw,
						envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
						envelopeTo: session.envelope.rcptTo.map((r) => r.address)
					});
					for (const w of waiters) w();
					callback();
				};
				if (opts.delayMs) setTimeout(finish, opts.delayMs);
				else finish();
			});
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const port = (server.server.address() as { port: number }).port;
	return {
		port,
		url: `smtp://127.0.0.1:${port}`,
		messages,
		waitFor(match, timeoutMs = 5000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = messages.find(match);
					if (!found) return false;
					waiters.delete(check);
					clearTimeout(timer);
					resolve(found);
					return true;
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`));
				}, timeoutMs);
				if (!check()) waiters.add(check);
			});
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

/** Parses a raw RFC 5322 message enough for tests: headers, multipart, quoted-printable, base64. */
export function parseMail(raw: string): ParsedMail {
	const root = parsePart(raw.replace(/\r\n/g, '\n'));
	const leaves: MimePart[] = [];
	const walk = (p: MimePart) => (p.children.length ? p.children.forEach(walk) : leaves.push(p));
	walk(root);
	const text = leaves.find((p) => p.type === 'text/plain')?.body ?? '';
	const html = leaves.find((p) => p.type === 'text/html')?.body ?? '';
	const link = /(https?:\/\/[^\s"<>]+\/auth\/confirm#token=([A-Za-z0-9_-]+))/.exec(text);
	const code = /code in the app:\s*(\d{6})\b/.exec(text);
	return {
		headers: root.headers,
		subject: decodeWords(root.headers.subject ?? ''),
		from: decodeWords(root.headers.from ?? ''),
		to: decodeWords(root.headers.to ?? ''),
		partTypes: leaves.map((p) => p.type),
		text,
		html,
		link: link?.[1],
		token: link?.[2],
		code: code?.[1]
	};
}

interface MimePart {
	headers: Record<string, string>;
	type: string;
	body: string;
	children: MimePart[];
}

function parsePart(source: string): MimePart {
	const split = source.indexOf('\n\n');
	const head = split === -1 ? source : source.slice(0, split);
	const body = split === -1 ? '' : source.slice(split + 2);
	const headers: Record<string, string> = {};
	for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		headers[name] ??= line.slice(colon + 1).trim();
	}
	const contentType = headers['content-type'] ?? 'text/plain';
	const type = contentType.split(';')[0].trim().toLowerCase();
	if (type.startsWith('multipart/')) {
		const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
		if (!boundary) return { headers, type, body, children: [] };
		const sections = body.split(`--${boundary}`).slice(1);
		const children = sections.filter((s) => !s.startsWith('--')).map((s) => parsePart(s.replace(/^\n/, '')));
		return { headers, type, body: '', children };
	}
	const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
	return { headers, type, body: decodeBody(body, encoding), children: [] };
}

function decodeBody(body: string, encoding: string): string {
	if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
	return body;
}

/** Quoted-printable: soft line breaks (`=` at line end) vanish, `=XX` are bytes. */
export function decodeQuotedPrintable(s: string): string {
	const joined = s.replace(/=\r?\n/g, '');
	const bytes: number[] = [];
	for (let i = 0; i < joined.length; i++) {
		const c = joined[i];
		if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
			bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(...Buffer.from(c, 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in headers. */
function decodeWords(s: string): string {
	return s
		.replace(/\?=\s+=\?/g, '?==?')
		.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset, enc: string, data: string) =>
			enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' '))
		);
}
