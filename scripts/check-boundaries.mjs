// Enforces the layering: shared/ imports nothing from client/ or server/ and no Node or
// SvelteKit modules; client/ never imports server/ code or Node built-ins.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function files(dir) {
	const out = [];
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) out.push(...files(p));
		else if (/\.(ts|js|svelte|mjs)$/.test(e.name)) out.push(p);
	}
	return out;
}

const rules = [
	{
		area: 'shared',
		forbid: (spec, resolved) =>
			spec.startsWith('node:') || spec.startsWith('$app') || spec.startsWith('$lib') || /^(fs|path|crypto|os)$/.test(spec)
				? 'Node or SvelteKit module'
				: resolved && !resolved.startsWith(path.join(root, 'shared'))
					? 'code outside shared/'
					: null
	},
	{
		area: 'client',
		forbid: (spec, resolved) =>
			spec.startsWith('node:') ? 'Node built-in' : resolved && resolved.startsWith(path.join(root, 'server')) ? 'server code' : null
	}
];

let problems = 0;
for (const { area, forbid } of rules) {
	for (const file of files(path.join(root, area))) {
		const text = fs.readFileSync(file, 'utf8');
		for (const m of text.matchAll(IMPORT)) {
			const spec = m[1] ?? m[2] ?? m[3];
			const resolved = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : null;
			const why = forbid(spec, resolved);
			if (why) {
				problems++;
				console.error(`${path.relative(root, file)}: imports ${spec} (${why})`);
			}
		}
	}
}
if (problems) {
	console.error(`\n${problems} import(s) cross a boundary.`);
	process.exit(1);
}
console.log('import boundaries: ok');
