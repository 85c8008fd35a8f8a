import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { getBusiness } from '../../server/branding/service.ts';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { StaffStreamMessage } from '../../shared/protocol/staff.ts';
import type { TestServer } from './app.ts';

/*
 * Helpers for the staff console and integration API tests: JSON calls with a cookie or an API
 * key, the staff socket, a real PDF, and the list of every registered route.
 */

/** An HTTP answer with its parsed body. */
export interface Reply<T = any> {
	status: number;
	body: T;
	text: string;
	headers: Headers;
}

async function reply(res: Response): Promise<Reply> {
	const text = await res.text();
	let body: unknown = undefined;
	try {
		body = text ? JSON.parse(text) : undefined;
	} catch {
		body = text;
	}
	return { status: res.status, body, text, headers: res.headers };
}

/** A same-site call as the console makes it: JSON body, session cookie, the portal's Origin. */
export async function call(
	server: TestServer,
	method: string,
	path: string,
	opts: { cookie?: string; body?: unknown; raw?: Uint8Array | string; contentType?: string; headers?: Record<string, string> } = {}
): Promise<Reply> {
	const headers: Record<string, string> = { origin: server.config.publicUrl, ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers };
	let body: BodyInit | undefined;
	if (opts.raw !== undefined) {
		body = typeof opts.raw === 'string' ? opts.raw : new Uint8Array(opts.raw);
		headers['content-type'] = opts.contentType ?? 'application/octet-stream';
	} else if (opts.body !== undefined) {
		body = JSON.stringify(opts.body);
		headers['content-type'] = 'application/json';
	}
	return reply(await fetch(`${server.url}${path}`, { method, headers, body }));
}

/** A call to `/api/v1` with a bearer key (no cookie, no Origin: another server). */
export async function v1(server: TestServer, key: string | null, method: string, path: string, body?: unknown): Promise<Reply> {
	const headers: Record<string, string> = {};
	if (key !== null) headers.authorization = `Bearer ${key}`;
	if (body !== undefined) headers['content-type'] = 'application/json';
	return reply(await fetch(`${server.url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
}

/** A real one-page PDF (pdf-lib), with `text` on it. */
export async function makePdf(text = 'Service agreement'): Promise<Uint8Array> {
	const doc = await PDFDocument.create();
	const page = doc.addPage([300, 200]);
	page.drawText(text, { x: 20, y: 100, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
	return doc.save();
}

/** Every route the app registered, as `METHOD /path` (from Fastify's own route tree). */
export function listRoutes(app: FastifyInstance): { method: string; url: string }[] {
	const tree = app.printRoutes({ commonPrefix: false });
	const routes: { method: string; url: string }[] = [];
	const prefixes: string[] = [];
	for (const line of tree.split('\n')) {
		const m = /^((?:│   |    )*)(?:├── |└── )(.*)$/.exec(line);
		if (!m) continue;
		const depth = m[1].length / 4;
		const rest = m[2];
		const methods = /^(.*?) \(([A-Z, ]+)\)$/.exec(rest);
		const segment = methods ? methods[1] : rest;
		const url = (depth > 0 ? prefixes[depth - 1] : '') + segment;
		prefixes[depth] = url;
		prefixes.length = depth + 1;
		if (methods) for (const method of methods[2].split(',').map((s) => s.trim())) routes.push({ method, url });
	}
	return routes;
}

/** The staff socket with the messages it received. */
export interface StaffSocket {
	ws: WebSocket;
	messages: StaffStreamMessage[];
	next(match: (m: StaffStreamMessage) => boolean, timeoutMs?: number): Promise<StaffStreamMessage>;
	closed: Promise<{ code: number }>;
	close(): void;
}

/** Opens `/api/staff/stream`; rejects with `statusCode` when the upgrade is refused. */
export function openStaffStream(server: TestServer, cookie: string): Promise<StaffSocket> {
	const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/staff/stream`, { headers: { cookie, origin: server.config.publicUrl } });
	const messages: StaffStreamMessage[] = [];
	const waiters: { match: (m: StaffStreamMessage) => boolean; resolve: (m: StaffStreamMessage) => void }[] = [];
	ws.on('message', (data) => {
		const m = JSON.parse(data.toString()) as StaffStreamMessage;
		messages.push(m);
		for (const w of [...waiters]) {
			if (w.match(m)) {
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(m);
			}
		}
	});
	const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
	return new Promise((resolve, reject) => {
		ws.once('unexpected-response', (req, res) => {
			req.destroy();
			res.destroy();
			reject(Object.assign(new Error(`staff stream refused: ${res.statusCode}`), { statusCode: res.statusCode }));
		});
		ws.once('error', reject);
		ws.once('open', () =>
			resolve({
				ws,
				messages,
				closed,
				close: () => ws.close(),
				next(match, timeoutMs = 5000) {
					const found = messages.find(match);
					if (found) return Promise.resolve(found);
					return new Promise((res, rej) => {
						const timer = setTimeout(() => rej(new Error('timed out waiting for a staff stream message')), timeoutMs);
						waiters.push({
							match,
							resolve: (m) => {
								clearTimeout(timer);
								res(m);
							}
						});
					});
				}
			})
		);
	});
}

/** Tables that change on reads (session touches, rate limits) and say nothing about stored data. */
const VOLATILE = new Set(['sessions', 'rate_limits', 'login_attempts', '__drizzle_migrations']);

/** Every table's rows (and the files on disk) as text, to prove a refused request changed nothing. */
export function dbState(srv: TestServer): string {
	// The business row is created with defaults on first read: make it exist on both sides.
	getBusiness(srv.app.store.db, srv.app.clock());
	const sqlite = srv.app.store.sqlite;
	const tables = (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[])
		.map((t) => t.name)
		.filter((t) => !VOLATILE.has(t));
	const out: Record<string, unknown> = {};
	for (const t of tables) out[t] = sqlite.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
	out.files_on_disk = filesOnDisk(srv.dataDir);
	return JSON.stringify(out);
}

function filesOnDisk(dataDir: string): string[] {
	const root = path.join(dataDir, 'files');
	if (!fs.existsSync(root)) return [];
	return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}
