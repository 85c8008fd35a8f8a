// Builds the client when build/ is missing or older than any client source, so that
// `npm start` on a fresh clone serves the portal without a separate build step.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stamp = path.join(root, 'build', 'index.html');
const sources = ['client', 'shared', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json'];

function newest(p) {
	const full = path.join(root, p);
	if (!fs.existsSync(full)) return 0;
	const st = fs.statSync(full);
	if (!st.isDirectory()) return st.mtimeMs;
	let max = st.mtimeMs;
	for (const e of fs.readdirSync(full)) max = Math.max(max, newest(path.join(p, e)));
	return max;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const changed = Math.max(...sources.map(newest));
if (built === 0 || changed > built) {
	console.log(built === 0 ? 'Building the client (first start)…' : 'Client sources changed: rebuilding…');
	execSync('npx vite build', { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
