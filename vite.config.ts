import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vite';

const ROOT_LAYOUT = '/client/routes/+layout.svelte';
type ModuleInfoOf = (id: string) => { importers: readonly string[] } | null;
/** Answers per build (the client and the server build see different import graphs). */
const layoutImports = new WeakMap<ModuleInfoOf, Map<string, boolean>>();

/** An app module the root layout imports statically, directly or through others. */
function importedByLayout(id: string, getModuleInfo: ModuleInfoOf, path = new Set<string>()): boolean {
	if (id.includes('/node_modules/') || id.endsWith(ROOT_LAYOUT)) return false;
	let known = layoutImports.get(getModuleInfo);
	if (!known) layoutImports.set(getModuleInfo, (known = new Map()));
	const answer = known.get(id);
	if (answer !== undefined) return answer;
	if (path.has(id)) return false;
	path.add(id);
	const importers = getModuleInfo(id)?.importers ?? [];
	const found = importers.some((i) => i.endsWith(ROOT_LAYOUT) || importedByLayout(i, getModuleInfo, path));
	path.delete(id);
	// A "no" found while cutting an import cycle short is not final.
	if (found || path.size === 0) known.set(id, found);
	return found;
}

export default defineConfig({
	plugins: [
		sveltekit(),
		SvelteKitPWA({
			// Our own worker (client/service-worker.ts, compiled by SvelteKit) so document files get
			// their own cache and eviction policy; Workbox injects the precache list into it.
			strategies: 'injectManifest',
			srcDir: 'client',
			// Emitted as build/sw.js, the name the server serves with no-cache.
			filename: 'sw.js',
			// Absolute, so a first visit on a deep link (/invoices/123) registers /sw.js for the
			// whole origin instead of /invoices/sw.js.
			base: '/',
			scope: '/',
			// The server generates /manifest.webmanifest from the live branding.
			manifest: false,
			// Registered from the app through virtual:pwa-register (see client/lib/pwa).
			injectRegister: false,
			registerType: 'prompt',
			kit: {
				adapterFallback: '200.html',
				// Precache 200.html (written by the adapter after this plugin runs) as the shell
				// for every deep link.
				spa: true,
				trailingSlash: 'never'
			},
			injectManifest: {
				globPatterns: ['client/**/*.{js,css,svg,png,ico,woff2,webmanifest}', 'prerendered/**/*.html'],
				// Server-generated and per-user responses are never part of the build's precache.
				globIgnores: ['**/manifest.webmanifest', '**/service-worker.js', '**/sw.js', '**/workbox-*.js'],
				maximumFileSizeToCacheInBytes: 3 * 1024 * 1024
			},
			devOptions: { enabled: false }
		})
	],
	server: {
		proxy: {
			'/api': { target: 'http://localhost:3000', ws: true },
			'/manifest.webmanifest': 'http://localhost:3000',
			'/icons': 'http://localhost:3000',
			'/apple-touch-icon.png': 'http://localhost:3000'
		}
	},
	build: {
		target: 'es2022',
		// Terser packs the app about 4 % smaller than esbuild's minifier (what every device
		// downloads and precaches), for a few seconds more of build.
		minify: 'terser',
		rollupOptions: {
			output: {
				// Svelte's and SvelteKit's runtime as one file, and the app's modules the root layout
				// imports as another: every screen needs all of them before its first paint, and two
				// requests through the service worker beat thirty small ones (and compress better).
				manualChunks(id, { getModuleInfo }) {
					if (/node_modules\/(svelte|@sveltejs\/kit|esm-env|devalue|clsx)\//.test(id)) return 'framework';
					if (importedByLayout(id, getModuleInfo)) return 'shell';
				}
			}
		}
	}
});
