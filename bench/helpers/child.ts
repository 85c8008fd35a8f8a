import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Client-side load (autocannon, a fleet of sockets, an RxDB device) runs in its own Node process
 * so it does not share the server's event loop: on a 2-core machine that is the difference
 * between measuring the server and measuring the load generator.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Runs `bench/helpers/<script>` in a child Node process, sends it `input`, resolves with its one reply. */
export function runChild<TIn, TOut>(script: string, input: TIn, opts: { timeoutMs: number }): Promise<TOut> {
	const child = fork(path.join(HERE, script), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	return new Promise<TOut>((resolve, reject) => {
		let settled = false;
		const finish = (fn: () => void) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			fn();
		};
		const timer = setTimeout(() => {
			finish(() => reject(new Error(`${script} did not finish within ${opts.timeoutMs} ms`)));
			child.kill('SIGKILL');
		}, opts.timeoutMs);
		child.on('message', (m: { ok: true; result: TOut } | { ok: false; error: string }) => {
			finish(() => (m.ok ? resolve(m.result) : reject(new Error(`${script}: ${m.error}`))));
			child.disconnect();
		});
		child.on('exit', (code, signal) => finish(() => reject(new Error(`${script} exited (${signal ?? code}) without a result`))));
		child.on('error', (err) => finish(() => reject(err)));
		child.send(input as object);
	});
}

/** The child side of `runChild`: waits for the input, runs `work`, replies once and exits. */
export function childMain<TIn, TOut>(work: (input: TIn) => Promise<TOut>): void {
	process.once('message', (input: TIn) => {
		work(input).then(
			(result) => process.send!({ ok: true, result }, () => process.exit(0)),
			(err: unknown) => process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1))
		);
	});
}
