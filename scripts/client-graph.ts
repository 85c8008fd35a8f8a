/*
 * Which of the client build's JavaScript files a customer's device can ever load, and which only
 * the staff console loads. Read from the build's Vite manifest (.svelte-kit/output/client/.vite/
 * manifest.json: every chunk with its static and dynamic imports) and SvelteKit's generated route
 * nodes (a node is the staff console's when its component lives under client/routes/staff/).
 * Used by vite.config.ts to keep the staff console out of the service worker's precache, and by
 * bench/client.ts to count what a customer's device downloads.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ManifestChunk {
	file: string;
	src?: string;
	isEntry?: boolean;
	imports?: string[];
	dynamicImports?: string[];
}

/** JavaScript files of a client build (paths as served, like `_app/immutable/nodes/3.Ab12.js`). */
export interface ClientJs {
	/** Loaded by some screen a customer (or a signed-out visitor) can open, or by the app's start. */
	customer: Set<string>;
	/** Loaded only by the staff console's screens. */
	staffOnly: Set<string>;
}

const NODE = /generated\/client-optimized\/nodes\/\d+\.js$/;

/**
 * Splits the build in `root` (the project root; the build's manifest must be there, as a
 * `vite build` leaves it) into the customer's JavaScript and the staff console's.
 */
export function clientJsByAudience(root: string): ClientJs {
	const manifest = JSON.parse(fs.readFileSync(path.join(root, '.svelte-kit/output/client/.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
	const isStaffNode = (key: string) => NODE.test(key) && /client\/routes\/staff\//.test(fs.readFileSync(path.join(root, key), 'utf8'));

	// Start from the entries (SvelteKit's start and app scripts) and every route node that is
	// not the staff console's, and follow imports of both kinds, never into a staff node.
	const seen = new Set<string>();
	const todo = Object.keys(manifest).filter((k) => manifest[k].isEntry && !isStaffNode(k));
	while (todo.length > 0) {
		const key = todo.pop()!;
		if (seen.has(key) || !manifest[key]) continue;
		seen.add(key);
		for (const next of [...(manifest[key].imports ?? []), ...(manifest[key].dynamicImports ?? [])]) if (!isStaffNode(next)) todo.push(next);
	}
	const js = (keys: Iterable<string>) => new Set([...keys].map((k) => manifest[k].file).filter((f) => f.endsWith('.js')));
	const customer = js(seen);
	const staffOnly = new Set([...js(Object.keys(manifest))].filter((f) => !customer.has(f)));
	return { customer, staffOnly };
}
