import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA, type SvelteKitPWAOptions } from '@vite-pwa/sveltekit';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { clientJsByAudience } from './scripts/client-graph.ts';

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

/** Workbox's injectManifest options; the staff console's files are taken out of its list below. */
const injectManifest: NonNullable<SvelteKitPWAOptions['injectManifest']> = {
	globPatterns: ['client/**/*.{js,css,svg,png,ico,woff2,webmanifest}', 'prerendered/**/*.html'],
	// Server-generated and per-user responses are never part of the build's precache.
	globIgnores: ['**/manifest.webmanifest', '**/service-worker.js', '**/sw.js', '**/workbox-*.js'],
	maximumFileSizeToCacheInBytes: 3 * 1024 * 1024
};

/**
 * Keeps the staff console's JavaScript (the files only its screens load) out of the service
 * worker's precache, so a customer's device never downloads it; staff screens load from the
 * network like any website (the console is not meant to work offline). The files are told apart
 * by the build's own import graph (scripts/client-graph.ts). Their CSS is tiny and stays.
 */
function staffOutOfPrecache(): Plugin {
	let root = process.cwd();
	const dropStaff: NonNullable<typeof injectManifest.manifestTransforms>[number] = (entries) => {
		const { staffOnly } = clientJsByAudience(root);
		return { manifest: entries.filter((e) => !staffOnly.has(e.url)), warnings: [] };
	};
	return {
		name: 'porchlight:staff-out-of-precache',
		apply: 'build',
		configResolved(config) {
			root = config.root;
		},
		buildStart() {
			// @vite-pwa/sveltekit puts its own transform (build paths → URLs) there while the
			// config resolves, and only when none is given: ours runs after it.
			const transforms = injectManifest.manifestTransforms;
			if (!transforms) throw new Error('@vite-pwa/sveltekit set no manifestTransforms: the staff console would be precached');
			if (!transforms.includes(dropStaff)) transforms.push(dropStaff);
		}
	};
}

/**
 * The broadcast-channel package (RxDB's link between tabs) falls back to IndexedDB or
 * localStorage polling where the browser has no BroadcastChannel. Every browser the app runs in
 * has one (it already needs structuredClone, Safari 15.4+ like BroadcastChannel and Web Locks),
 * so those fallbacks become stubs that say "not usable": about 1.5 KB (gzip) less for every device.
 */
function withoutBroadcastFallbacks(): Plugin {
	const STUB = '\0porchlight:broadcast-channel-fallback';
	return {
		name: 'porchlight:broadcast-channel-without-fallbacks',
		apply: 'build',
		enforce: 'pre',
		resolveId(source, importer) {
			if (importer && /broadcast-channel\/dist\/esbrowser\/method-chooser\.js$/.test(importer) && /^\.\/methods\/(indexed-db|localstorage|simulate)\.js$/.test(source)) return STUB;
		},
		load(id) {
			if (id !== STUB) return;
			const stub = (type: string) => `{ type: '${type}', canBeUsed: () => false, averageResponseTime: () => 0 }`;
			return `export const IndexedDBMethod = ${stub('idb')};\nexport const LocalstorageMethod = ${stub('localstorage')};\nexport const SimulateMethod = ${stub('simulate')};\n`;
		}
	};
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
			injectManifest,
			devOptions: { enabled: false }
		}),
		staffOutOfPrecache(),
		withoutBroadcastFallbacks()
	],
	resolve: {
		// rxjs's ES2015 build instead of its ES5 one (no tslib helpers, shorter classes): RxDB
		// and the sync engine are written against the same API either way.
		conditions: ['es2015', ...defaultClientConditions]
	},
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
		// The output is ES modules: top-level names can be mangled and dropped when unused.
		terserOptions: { module: true, toplevel: true, compress: { passes: 2 } },
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
