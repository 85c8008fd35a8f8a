import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import { createSession, sessionCookieName } from '../../server/auth/sessions.ts';
import { openDatabase } from '../../server/db/client.ts';
import * as s from '../../server/db/schema.ts';
import { ChangeFeed } from '../../server/sync/changes.ts';
import { Writer } from '../../server/sync/writer.ts';
import { testConfig } from '../../server/config.ts';
import { freePort, tempDataDir } from '../helpers/app.ts';

const children: ChildProcess[] = [];
let dataDir: string | undefined;
afterEach(() => {
	for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	dataDir = undefined;
});

/** Starts `server/main.ts` as its own process (node + tsx, so a SIGKILL hits the server itself). */
async function startProcess(dir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('server/main.ts')], {
		env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATA_DIR: dir, NODE_ENV: 'test', SEED_DEMO: 'false', LOG_LEVEL: 'silent' },
		stdio: ['ignore', 'ignore', 'pipe']
	});
	children.push(child);
	let stderr = '';
	child.stderr!.on('data', (d) => (stderr += d));
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
		try {
			if ((await fetch(`${url}/api/health`)).ok) return { child, url };
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`server did not start: ${stderr}`);
}

test('SIGKILL during pushes, restart on the same data: every acknowledged write is there', async () => {
	dataDir = tempDataDir();
	// A customer and a session made straight in the database before the server first starts.
	const store = openDatabase(dataDir);
	const writer = new Writer(store, new ChangeFeed(), Date.now);
	const customerId = randomUUID();
	const portalUserId = randomUUID();
	writer.transaction((w) => {
		w.db.insert(s.customers).values({ id: customerId, name: 'Kill Test', seq: w.touch('profile', customerId, customerId), createdAt: w.now, updatedAt: w.now }).run();
	});
	store.db.insert(s.portalUsers).values({ id: portalUserId, customerId, email: 'kill@example.com', createdAt: Date.now() }).run();
	const { token } = createSession(store.db, { kind: 'customer', portalUserId, customerId }, { now: Date.now() });
	store.sqlite.close();

	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const cookie = `${sessionCookieName(testConfig({ dataDir, publicUrl: url }))}=${token}`;
	const first = await startProcess(dataDir, port);

	const acknowledged: string[] = [];
	let killed = false;
	async function pusher(lane: number) {
		for (let i = 0; !killed; i++) {
			const rows = Array.from({ length: 1 + (i % 3) }, (_, j) => ({
				newDocumentState: { id: randomUUID(), authorKind: 'customer', authorName: '', body: `lane ${lane} #${i}.${j}`, attachments: [], sentAt: Date.now(), createdAt: 0, updatedAt: 0, _deleted: false }
			}));
			try {
				const res = await fetch(`${first.url}/api/sync/messages/push`, {
					method: 'POST',
					headers: { cookie, 'content-type': 'application/json', origin: url },
					body: JSON.stringify(rows)
				});
				const body = await res.json();
				if (res.status === 200 && body.conflicts.length === 0) acknowledged.push(...rows.map((r) => r.newDocumentState.id));
				else if (!killed) throw new Error(`push refused: ${res.status} ${JSON.stringify(body)}`);
			} catch (err) {
				if (!killed) throw err;
			}
		}
	}
	const lanes = [0, 1, 2, 3].map(pusher);
	while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 5));
	first.child.kill('SIGKILL');
	killed = true;
	await Promise.all(lanes);
	await new Promise<void>((r) => (first.child.exitCode !== null || first.child.signalCode !== null ? r() : first.child.once('exit', () => r())));
	expect(first.child.signalCode).toBe('SIGKILL');

	const second = await startProcess(dataDir, port);
	const stored = new Set<string>();
	let after = 0;
	for (;;) {
		const res = await fetch(`${second.url}/api/sync/messages/pull?after=${after}&limit=1000`, { headers: { cookie } });
		expect(res.status).toBe(200);
		const page = await res.json();
		if (page.documents.length === 0) break;
		for (const d of page.documents) stored.add(d.id);
		after = page.checkpoint.seq;
	}
	const missing = acknowledged.filter((id) => !stored.has(id));
	expect(missing).toEqual([]);
	expect(acknowledged.length).toBeGreaterThanOrEqual(300);
	second.child.kill('SIGTERM');
	await new Promise((r) => second.child.once('exit', r));

	const reopened = openDatabase(dataDir);
	expect(reopened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
	reopened.sqlite.close();
}, 120_000);
