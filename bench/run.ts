/*
 * `npm run bench` runs every benchmark in bench/ one after another, each in its own process;
 * `npm run bench -- sync` runs bench/sync.ts only. Benchmarks print their own tables.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const available = fs
	.readdirSync(HERE)
	.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts')
	.map((f) => f.slice(0, -'.ts'.length))
	.sort();

const asked = process.argv.slice(2).map((a) => a.replace(/^bench\//, '').replace(/\.ts$/, ''));
const unknown = asked.filter((a) => !available.includes(a));
if (unknown.length > 0) {
	console.error(`No such benchmark: ${unknown.join(', ')}. Available: ${available.join(', ')}`);
	process.exit(2);
}
const chosen = asked.length > 0 ? asked : available;

function runOne(name: string): Promise<number> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, `${name}.ts`)], { stdio: 'inherit' });
		child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
	});
}

let failed = 0;
for (const name of chosen) {
	console.log(`\n=== bench/${name}.ts ===\n`);
	const started = Date.now();
	const code = await runOne(name);
	console.log(`\n=== bench/${name}.ts ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
	if (code !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
