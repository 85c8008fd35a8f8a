import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { openDatabase } from '../../server/db/client.ts';
import { startServer, tempDataDir, type TestServer } from '../helpers/app.ts';

let server: TestServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
	await server?.close();
	server = undefined;
	for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fake client build so static serving is tested without depending on `vite build`. */
function fakeClientBuild(): string {
	const dir = tempDataDir('porchlight-client-');
	dirs.push(dir);
	fs.mkdirSync(path.join(dir, '_app/immutable/entry'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>shell</title><p>index</p>');
	fs.writeFileSync(path.join(dir, '200.html'), '<!doctype html><title>shell</title><p>fallback</p>');
	fs.writeFileSync(path.join(dir, '_app/immutable/entry/app.abc123.js'), 'console.log(1)');
	fs.writeFileSync(path.join(dir, '_app/version.json'), '{"version":"1"}');
	fs.writeFileSync(path.join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
	fs.writeFileSync(path.join(dir, 'manifest.webmanifest'), '{}');
	fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
	return dir;
}

describe('health and branding', () => {
	test('health reports status, version and database state', async () => {
		server = await startServer();
		const res = await fetch(`${server.url}/api/health`);
		expect(res.status).toBe(200);
		expect(res.headers.get('cache-control')).toBe('no-store');
		const body = await res.json();
		expect(body.status).toBe('ok');
		expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
		expect(body.protocolVersion).toBeGreaterThanOrEqual(1);
		expect(body.database).toMatchObject({ ok: true, journalMode: 'wal' });
		expect(body.database.id).toMatch(/^[0-9a-f-]{36}$/);
	});

	test('branding is public and carries readable text colours', async () => {
		server = await startServer();
		const res = await fetch(`${server.url}/api/branding`);
		expect(res.status).toBe(200);
		const body = await res.json();
		expect(typeof body.name).toBe('string');
		expect(body.colors.primary).toMatch(/^#[0-9a-f]{6}$/i);
		expect(['#111111', '#ffffff']).toContain(body.colors.onPrimary);
		expect(body.timeZone).toBe('America/New_York');
		expect(Array.isArray(body.officeHours)).toBe(true);
	});

	test('every response carries the security headers', async () => {
		server = await startServer();
		const res = await fetch(`${server.url}/api/branding`);
		expect(res.headers.get('referrer-policy')).toBe('no-referrer');
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
	});

	test('unknown API paths answer a JSON 404 with a code', async () => {
		server = await startServer();
		const res = await fetch(`${server.url}/api/nope`, { method: 'POST' });
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
	});

	test('malformed JSON is a 400 with a code, not a 500', async () => {
		server = await startServer();
		const res = await fetch(`${server.url}/api/health`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
		expect(res.status).toBeGreaterThanOrEqual(400);
		expect(res.status).toBeLessThan(500);
	});
});

describe('database', () => {
	test('migrations apply to an empty database and again to a migrated one, keeping the database id and data', async () => {
		const dir = tempDataDir();
		dirs.push(dir);
		const first = openDatabase(dir);
		const id = first.databaseId;
		first.sqlite.prepare(`INSERT INTO meta (key, value) VALUES ('probe', 'kept')`).run();
		expect(first.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
		expect(first.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
		expect(first.sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
		expect(Number(first.sqlite.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
		first.sqlite.close();

		const second = openDatabase(dir);
		expect(second.databaseId).toBe(id);
		expect(second.sqlite.prepare(`SELECT value FROM meta WHERE key = 'probe'`).get()).toEqual({ value: 'kept' });
		const applied = second.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
		const files = fs.readdirSync('server/db/migrations').filter((f) => f.endsWith('.sql'));
		expect(applied.n).toBe(files.length);
		second.sqlite.close();
	});

	test('a fresh database gets a new id, so devices never reuse a stale checkpoint', () => {
		const a = tempDataDir();
		const b = tempDataDir();
		dirs.push(a, b);
		const da = openDatabase(a);
		const db = openDatabase(b);
		expect(da.databaseId).not.toBe(db.databaseId);
		da.sqlite.close();
		db.sqlite.close();
	});

	test('the seq counter is strictly increasing across writer transactions', async () => {
		server = await startServer();
		const seqs: number[] = [];
		for (let i = 0; i < 5; i++) {
			server.app.writer.transaction((w) => {
				seqs.push(w.touch('messages', 'c1', `m${i}`));
				seqs.push(w.touch('messages', 'c1', `m${i}b`));
			});
		}
		expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
		expect(new Set(seqs).size).toBe(seqs.length);
		expect(server.app.writer.currentSeq()).toBe(seqs.at(-1));
	});

	test('a failed writer transaction hands out no seq and publishes nothing', async () => {
		server = await startServer();
		const heard: unknown[] = [];
		server.app.changes.subscribe((c) => heard.push(...c));
		const before = server.app.writer.currentSeq();
		expect(() =>
			server!.app.writer.transaction((w) => {
				w.touch('messages', 'c1', 'x');
				throw new Error('boom');
			})
		).toThrow('boom');
		expect(server.app.writer.currentSeq()).toBe(before);
		expect(heard).toEqual([]);
	});
});

describe('serving the client', () => {
	test('hashed assets are immutable; the shell, service worker and manifest are no-cache', async () => {
		server = await startServer({ clientDir: fakeClientBuild() });
		const immutable = await fetch(`${server.url}/_app/immutable/entry/app.abc123.js`);
		expect(immutable.status).toBe(200);
		expect(immutable.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
		for (const p of ['/', '/index.html', '/sw.js', '/manifest.webmanifest']) {
			const res = await fetch(`${server.url}${p}`);
			expect(res.status, p).toBe(200);
			expect(res.headers.get('cache-control'), p).toBe('no-cache');
		}
	});

	test('deep links get the SPA fallback; missing assets and API paths do not', async () => {
		server = await startServer({ clientDir: fakeClientBuild() });
		for (const p of ['/invoices', '/invoices/INV-04127', '/auth/confirm', '/staff/inbox']) {
			const res = await fetch(`${server.url}${p}`);
			expect(res.status, p).toBe(200);
			expect(res.headers.get('content-type')).toContain('text/html');
			expect(res.headers.get('cache-control')).toBe('no-cache');
			expect(await res.text()).toContain('fallback');
		}
		expect((await fetch(`${server.url}/_app/immutable/entry/missing.js`)).status).toBe(404);
		expect((await fetch(`${server.url}/logo-missing.png`)).status).toBe(404);
		const api = await fetch(`${server.url}/api/missing`);
		expect(api.status).toBe(404);
		expect(api.headers.get('content-type')).toContain('application/json');
	});

	test('path traversal never escapes the client build', async () => {
		server = await startServer({ clientDir: fakeClientBuild() });
		const res = await fetch(`${server.url}/..%2f..%2fpackage.json`);
		expect(res.status === 404 || (res.status === 200 && !(await res.text()).includes('"name": "porchlight"'))).toBe(true);
	});
});

describe('start-up configuration', () => {
	function runMain(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
		return new Promise((resolve) => {
			const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
				env: { PATH: process.env.PATH ?? '', ...env },
				stdio: ['ignore', 'pipe', 'pipe']
			});
			let output = '';
			child.stdout.on('data', (d) => (output += d));
			child.stderr.on('data', (d) => (output += d));
			const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
			child.on('exit', (code) => {
				clearTimeout(timer);
				resolve({ code, output });
			});
		});
	}

	test.each([
		['PORT', 'eighty', 'PORT'],
		['PORT', '70000', 'PORT'],
		['PUBLIC_URL', 'not a url', 'PUBLIC_URL'],
		['NODE_ENV', 'staging', 'NODE_ENV'],
		['SMTP_URL', 'http://mail.example.com', 'SMTP_URL'],
		['STRIPE_SECRET_KEY', 'sk_test_123', 'STRIPE_PUBLISHABLE_KEY']
	])('%s=%s stops start-up with a message naming %s', async (name, value, named) => {
		const dir = tempDataDir();
		dirs.push(dir);
		const { code, output } = await runMain({ [name]: value, DATA_DIR: dir, LOG_LEVEL: 'silent' });
		expect(code).not.toBe(0);
		expect(output).toContain(named);
		expect(output).toContain('Invalid configuration');
		// nothing was created for a server that refused to start
		expect(fs.readdirSync(dir)).toEqual([]);
	});

	test('SIGTERM closes the server gracefully', async () => {
		const dir = tempDataDir();
		dirs.push(dir);
		const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
			env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, NODE_ENV: 'test', SEED_DEMO: 'false' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (d) => (output += d));
		child.stderr.on('data', (d) => (output += d));
		await new Promise<void>((resolve, reject) => {
			const t = setTimeout(() => reject(new Error('server did not start: ' + output)), 20_000);
			const check = setInterval(() => {
				if (output.includes('Porchlight is running')) {
					clearInterval(check);
					clearTimeout(t);
					resolve();
				}
			}, 50);
		});
		child.kill('SIGTERM');
		const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
		expect(code).toBe(0);
		// the database was closed cleanly: it opens and checkpoints
		const db = new Database(path.join(dir, 'porchlight.sqlite'));
		expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
		db.close();
	});
});
