import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { portalUsers } from '../../server/db/schema.ts';
import type { TestServer } from './app.ts';
import type { TestBrowser } from './browser.ts';
import { cookieFor } from './session.ts';

/*
 * Shared setup for the Chromium specs of the customer's portal: a private copy of the client
 * build, a session for the demo customer in the browser, a switch that takes the device offline,
 * and an accessibility scan.
 */

/**
 * Copies build/ to a temp dir, so a concurrent rebuild cannot change the client mid-test.
 * `required` is a file the spec cannot run without (sw.js when it needs the service worker).
 * Remove the copy with `removeClientBuild`.
 */
export function copyClientBuild(required: 'index.html' | 'sw.js' = 'index.html'): string {
	const built = path.resolve('build');
	if (!fs.existsSync(path.join(built, required))) throw new Error(`build/${required} is missing: run \`npx vite build\` first`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-client-'));
	fs.cpSync(built, dir, { recursive: true });
	return dir;
}

/** Removes a copy made by `copyClientBuild` (nothing when it was never made). */
export function removeClientBuild(dir: string | undefined): void {
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Puts a `name=value` session cookie (as `cookieFor` or `signIn` return it) into the browser. */
export async function addSessionCookie(server: TestServer, browser: TestBrowser, cookie: string): Promise<void> {
	const [name, value] = cookie.split(/=(.*)/s);
	await browser.context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
}

/**
 * Signs the demo customer (dana@example.com) in on this browser by making a session directly:
 * signing in itself is tested elsewhere. Returns her ids.
 */
export async function signInAsDemoCustomer(
	server: TestServer,
	browser: TestBrowser,
	meta: { userAgent?: string } = {}
): Promise<{ customerId: string; portalUserId: string }> {
	const user = server.app.store.db.select().from(portalUsers).where(eq(portalUsers.email, 'dana@example.com')).get()!;
	await addSessionCookie(server, browser, cookieFor(server, { kind: 'customer', customerId: user.customerId, portalUserId: user.id }, meta));
	return { customerId: user.customerId, portalUserId: user.id };
}

/**
 * Returns a switch for the device's network: Chromium's offline mode (navigator.onLine, the
 * online/offline events, failed requests) plus a gate on the server that drops API connections.
 * The gate is there because a request the page makes through its service worker while Chromium
 * restarts that worker (a reload) can slip past the offline emulation.
 */
export function networkSwitch(server: TestServer, browser: TestBrowser): (online: boolean) => Promise<void> {
	let apiReachable = true;
	const http = server.app.server;
	for (const event of ['request', 'upgrade'] as const) {
		const handlers = http.listeners(event) as ((req: { url?: string; socket: { destroy(): void } }, ...rest: unknown[]) => void)[];
		http.removeAllListeners(event);
		http.on(event, (req: { url?: string; socket: { destroy(): void } }, ...rest: unknown[]) => {
			if (!apiReachable && req.url?.startsWith('/api/')) return req.socket.destroy();
			for (const h of handlers) h(req, ...rest);
		});
	}
	return async (online) => {
		apiReachable = online;
		await browser.context.setOffline(!online);
	};
}

let axeSource: string | undefined;

/** Serious and critical axe-core violations on the page (WCAG 2.x A and AA rules). */
export async function axeViolations(p: Page): Promise<string[]> {
	axeSource ??= fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
	await p.evaluate(axeSource);
	const result = await p.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
		return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
	});
	return result.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
