import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A static SPA: the shell is prerendered, every other route falls back to 200.html
		// and renders on the device from the local database.
		adapter: adapter({ pages: 'build', assets: 'build', fallback: '200.html', strict: true }),
		files: {
			src: 'client',
			routes: 'client/routes',
			lib: 'client/lib',
			appTemplate: 'client/app.html',
			errorTemplate: 'client/error.html',
			hooks: { client: 'client/hooks.client', server: 'client/hooks.server', universal: 'client/hooks' },
			serviceWorker: 'client/service-worker',
			params: 'client/params',
			assets: 'static'
		},
		alias: { $shared: 'shared' },
		serviceWorker: { register: false },
		appDir: '_app'
	}
};

export default config;
