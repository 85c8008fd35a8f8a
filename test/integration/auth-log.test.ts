import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase } from '../../server/db/client.ts';
import { customers, portalUsers } from '../../server/db/schema.ts';
import { ChangeFeed } from '../../server/sync/changes.ts';
import { Writer } from '../../server/sync/writer.ts';
import { freePort, tempDataDir } from '../helpers/app.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';

let child: ChildProcess | undefined;
let smtp: SmtpCapture | undefined;
const dirs: string[] = [];
afterEach(async () => {
	if (child && child.exitCode === null) {
		child.kill('SIGTERM');
		await new Promise((r) => child!.once('exit', r));
	}
	child = undefined;
	await smtp?.close();
	smtp = undefined;
	for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The code as a number of its own in the log, not a run of digits inside a timestamp. */
function containsCode(log: string, code: string): boolean {
	return new RegExp(`(?<!\\d)${code}(?!\\d)`).test(log);
}

test('the server log never sees a sign-in secret or code, even at trace level', async () => {
	// The real process, logging as it does in production, so what it writes can be read back.
	const dataDir = tempDataDir();
	const clientDir = tempDataDir('porchlight-client-');
	dirs.push(dataDir, clientDir);
	fs.writeFileSync(path.join(clientDir, '200.html'), '<!doctype html><title>shell</title>');
	const store = openDatabase(dataDir);
	new Writer(store, new ChangeFeed(), Date.now).transaction((w) => {
		w.db.insert(customers).values({ id: 'c1', name: 'Jane', seq: w.touch('profile', 'c1', 'c1'), createdAt: w.now, updatedAt: w.now }).run();
		w.db.insert(portalUsers).values({ id: 'u1', customerId: 'c1', email: 'jane@example.com', createdAt: w.now }).run();
	});
	store.sqlite.close();

	smtp = await startSmtpServer();
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	let log = '';
	child = spawn(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], {
		env: {
			PATH: process.env.PATH,
			NODE_ENV: 'test',
			LOG_LEVEL: 'trace',
			SEED_DEMO: 'false',
			HOST: '127.0.0.1',
			PORT: String(port),
			PUBLIC_URL: url,
			DATA_DIR: dataDir,
			CLIENT_DIR: clientDir,
			SMTP_URL: smtp.url
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
	child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
	for (let i = 0; ; i++) {
		const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
		if (ok) break;
		if (i > 300 || child.exitCode !== null) throw new Error(`server did not start:\n${log}`);
		await new Promise((r) => setTimeout(r, 100));
	}

	const headers = { 'content-type': 'application/json', origin: url };
	const post = (route: string, body: unknown) => fetch(`${url}${route}`, { method: 'POST', headers, body: JSON.stringify(body) });

	// Link flow, with a scanner that also puts the token in a query string.
	expect((await post('/api/auth/start', { email: 'jane@example.com' })).status).toBe(200);
	const first = await smtp.waitFor(() => true);
	expect((await fetch(first.link!)).status).toBe(200);
	expect((await fetch(`${url}/auth/confirm?token=${first.token}`)).status).toBe(200);
	expect((await post('/api/auth/redeem-link', { token: first.token })).status).toBe(200);
	expect((await post('/api/auth/redeem-link', { token: first.token })).status).toBe(410);

	// Code flow, with a wrong code first.
	const { attemptId } = await (await post('/api/auth/start', { email: 'jane@example.com' })).json();
	const second = await smtp.waitFor((m) => m !== first);
	const wrong = String((Number(second.code) + 1) % 1_000_000).padStart(6, '0');
	expect((await post('/api/auth/verify-code', { attemptId, code: wrong })).status).toBe(400);
	expect((await post('/api/auth/verify-code', { attemptId, code: second.code })).status).toBe(200);

	child.kill('SIGTERM');
	await new Promise((r) => child!.once('exit', r));

	// The log did record these requests…
	expect(log).toContain('/api/auth/redeem-link');
	expect(log).toContain('/api/auth/verify-code');
	expect(log).toContain('/auth/confirm?…');
	// …but none of the secrets.
	for (const token of [first.token!, second.token!]) expect(log).not.toContain(token);
	for (const code of [first.code!, second.code!, wrong]) expect(containsCode(log, code)).toBe(false);
});
