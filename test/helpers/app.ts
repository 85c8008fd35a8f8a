import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../server/app.ts';
import { testConfig, type Config } from '../../server/config.ts';

/** A running server on port 0 with its own temp DATA_DIR. */
export interface TestServer {
	app: FastifyInstance;
	/** e.g. http://127.0.0.1:43127 */
	url: string;
	dataDir: string;
	config: Config;
	/** Closes the server; removes the data dir unless `keepData`. */
	close(opts?: { keepData?: boolean }): Promise<void>;
}

/** A fresh temp directory for one test's data. */
export function tempDataDir(prefix = 'porchlight-test-'): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Builds and starts the real app on 127.0.0.1:0 with a temp DATA_DIR. PUBLIC_URL is set to the
 * listening address unless overridden, so Origin checks and links match.
 */
export async function startServer(
	overrides: Partial<Config> = {},
	deps: Partial<AppDeps> = {}
): Promise<TestServer> {
	const dataDir = overrides.dataDir ?? tempDataDir();
	const clientDir = overrides.clientDir ?? path.resolve('build');
	const config = testConfig({ dataDir, clientDir, host: '127.0.0.1', port: 0, ...overrides });
	const app = await buildApp(config, deps);
	await app.listen({ host: config.host, port: config.port });
	const port = (app.server.address() as { port: number }).port;
	const url = `http://127.0.0.1:${port}`;
	// Links and Origin checks are read from the config at request time: point them here.
	if (!overrides.publicUrl) config.publicUrl = url;
	config.port = port;
	return {
		app,
		url,
		dataDir,
		config,
		async close(opts = {}) {
			// A test that never read a streamed response body leaves its connection busy, and a
			// graceful close would wait on it forever: after a grace period, cut what is left.
			const closing = app.close();
			const timer = setTimeout(() => app.server.closeAllConnections(), 3000);
			try {
				await closing;
			} finally {
				clearTimeout(timer);
			}
			if (!opts.keepData && !overrides.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
	const net = await import('node:net');
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
	});
}

/** A controllable clock for expiry tests. */
export function fakeClock(start = Date.UTC(2026, 4, 12, 15, 0, 0)) {
	let now = start;
	return {
		now: () => now,
		advance(ms: number) {
			now += ms;
		},
		set(ms: number) {
			now = ms;
		}
	};
}
