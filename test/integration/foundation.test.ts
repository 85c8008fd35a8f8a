import { describe, expect, test, afterEach } from 'vitest';
import { startServer, type TestServer } from '../helpers/app.ts';

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

describe('health and branding', () => {
	test('health reports status, version and database state', async () => {
		server = await startServer();
		const res = await fetch(`${server.url}/api/health`);
		expect(res.status).toBe(200);
		const body = await res.json();
		expect(body.status).toBe('ok');
		expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
		expect(body.database.ok).toBe(true);
		expect(body.database.journalMode).toBe('wal');
		expect(body.database.id).toMatch(/^[0-9a-f-]{36}$/);
	});
});
