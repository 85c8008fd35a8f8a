import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The system Chromium: CHROMIUM_PATH or /usr/bin/chromium. */
export function chromiumPath(): string {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
	const found = candidates.find((p) => fs.existsSync(p));
	if (!found) throw new Error(`Chromium not found (${candidates.join(', ')}). Install it with: apt-get install -y chromium`);
	return found;
}

const ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-dev-shm-usage'
];

/** A browser with a fresh profile directory, removed on close. */
export interface TestBrowser {
	/** A persistent context (own user-data-dir): service workers and IndexedDB behave as on a phone. */
	context: BrowserContext;
	close(): Promise<void>;
}

/**
 * Launches the system Chromium with a fresh user-data-dir. A persistent context is used so
 * service workers, storage persistence and IndexedDB behave as in an installed app.
 */
export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: chromiumPath(),
		args: ARGS,
		headless: true,
		viewport: opts.viewport ?? { width: 390, height: 844 }
	});
	return {
		context,
		async close() {
			await context.close().catch(() => {});
			fs.rmSync(userDataDir, { recursive: true, force: true });
		}
	};
}
