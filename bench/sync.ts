/*
 * Sync benchmark: initial sync into a fresh device, pull throughput, and staff reply → device
 * latency with 1,000 sockets open. Prints tables; asserts nothing about time.
 *
 * The server runs in this process (the real app on 127.0.0.1:0, temp DATA_DIR, silent log); every
 * client — the RxDB device, autocannon, the socket fleet — runs in a child process so it does not
 * compete with the server for this process's event loop.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { COLLECTIONS } from '../shared/protocol/collections.ts';
import type { PullResponse } from '../shared/protocol/pull.ts';
import { resolveSession } from '../server/auth/sessions.ts';
import { pullBody, pullPage } from '../server/sync/routes.ts';
import { startServer } from '../test/helpers/app.ts';
import { runChild } from './helpers/child.ts';
import { pullLoad, type PullLoadInput, type PullLoadResult } from './helpers/pull-load.ts';
import { replyLatency, type ReplyLatencyInput, type ReplyLatencyResult } from './helpers/reply-latency.ts';
import type { InitialSyncInput, InitialSyncResult } from './helpers/rx-device.ts';
import { seedCustomers, seedStaff, type SeededCustomer } from './helpers/seed.ts';
import { fmt, percentile, table } from './helpers/table.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const LOAD_SECONDS = QUICK ? 3 : 10;
const LOAD_CONNECTIONS = 20;
const SOCKETS = QUICK ? 200 : 1000;
const REPLY_SAMPLES = QUICK ? 50 : 200;
const PAGE = 100;
/** The sync engine's default pull page (client/lib/sync/engine.ts). */
const ENGINE_PAGE = 200;

const GOAL_PULLS_PER_S = 3000;
const GOAL_PULL_P99_MS = 50;
const GOAL_REPLY_P50_MS = 30;
const GOAL_REPLY_P99_MS = 100;

/** Median wall time of `fn` in µs over `n` runs (after a warm-up). */
function medianUs(fn: (i: number) => unknown, n: number): number {
	for (let i = 0; i < 50; i++) fn(i);
	const times: number[] = [];
	for (let i = 0; i < n; i++) {
		const t = performance.now();
		fn(i);
		times.push((performance.now() - t) * 1000);
	}
	return percentile(times.sort((a, b) => a - b), 50);
}

function afterOf(path: string): number {
	return Number(new URL(path, 'http://x').searchParams.get('after'));
}

function log(line: string) {
	process.stderr.write(`[bench sync] ${line}\n`);
}

/**
 * Runs a load whose client is another process and measures this process's CPU time (user +
 * system) per request served: what a pull costs the server, however busy the machine is.
 */
async function serverCpu(run: () => Promise<PullLoadResult>): Promise<{ r: PullLoadResult; cpuUs: number }> {
	const before = process.cpuUsage();
	const r = await run();
	const used = process.cpuUsage(before);
	return { r, cpuUs: (used.user + used.system) / Math.max(1, r.total) };
}

/** The `after` of every full page of a collection, so load cycles through real pages. */
async function pagePaths(url: string, cookie: string, collection: string): Promise<{ paths: string[]; head: number }> {
	const paths: string[] = [];
	let after = 0;
	for (let i = 0; i < 10_000; i++) {
		const res = await fetch(`${url}/api/sync/${collection}/pull?after=${after}&limit=${PAGE}`, { headers: { cookie } });
		const page = (await res.json()) as PullResponse;
		if (page.documents.length === PAGE) paths.push(`/api/sync/${collection}/pull?after=${after}&limit=${PAGE}`);
		if (page.documents.length === 0) return { paths, head: after };
		after = page.checkpoint!.seq;
	}
	throw new Error('paging did not end');
}

// Other work on the machine skews every figure here: record how busy it was before we started.
const loadBefore = os.loadavg();
const server = await startServer();
const { app, url } = server;
const out: string[] = [];
try {
	// ---- seed ----------------------------------------------------------------------------------
	const t = performance.now();
	const [small, large] = seedCustomers(app, [{ docs: 1_000 }, { docs: 10_000 }]);
	const fleet: SeededCustomer[] = seedCustomers(app, Array.from({ length: SOCKETS }, () => ({ docs: 10 })));
	const staffCookie = seedStaff(app);
	const seedMs = performance.now() - t;
	log(`seeded ${fmt(small.total + large.total + fleet.length * 10)} documents for ${2 + fleet.length} customers in ${fmt(seedMs)} ms`);

	// ---- a. initial sync -----------------------------------------------------------------------
	const syncRows: (string | number)[][] = [];
	const initial: Record<string, InitialSyncResult> = {};
	for (const [label, customer, client, batchSize] of [
		['1k', small, 'engine', ENGINE_PAGE],
		['10k', large, 'engine', ENGINE_PAGE],
		['10k', large, 'engine', 1000],
		['10k', large, 'replication', ENGINE_PAGE]
	] as const) {
		log(`initial sync ${label}, ${client}, pages of ${batchSize}`);
		const r = await runChild<InitialSyncInput, InitialSyncResult>(
			'rx-device.ts',
			{ url, cookie: customer.cookie, customerId: customer.customerId, databaseId: app.store.databaseId, client, batchSize },
			{ timeoutMs: 300_000 }
		);
		if (r.documents !== customer.total) throw new Error(`initial sync ${label}: the device has ${r.documents} documents, the server ${customer.total}`);
		initial[`${label}/${client}/${batchSize}`] = r;
		syncRows.push([
			`${label} (${COLLECTIONS.map((c) => r.perCollection[c]).join('/')})`,
			client === 'engine' ? 'client/lib/sync engine' : 'bare replicateRxCollection',
			batchSize,
			r.pulls,
			fmt(r.ms),
			fmt(r.documents / (r.ms / 1000)),
			fmt(r.fetchMs)
		]);
	}

	// ---- b. pull throughput --------------------------------------------------------------------
	const invoicePages = await pagePaths(url, large.cookie, 'invoices');
	const messagePages = await pagePaths(url, large.cookie, 'messages');
	const load = (paths: string[]): PullLoadInput => ({ url, cookie: large.cookie, paths, connections: LOAD_CONNECTIONS, durationS: LOAD_SECONDS });
	// The same pages without HTTP: what one pull costs the server's thread, and the ceiling that sets.
	const principal = resolveSession(app.store.db, large.cookie.slice(large.cookie.indexOf('=') + 1), app.clock());
	if (!principal) throw new Error('the bench session does not resolve');
	const workRows: (string | number)[][] = [];
	for (const [label, collection, afters] of [
		['invoices, 100/page', 'invoices', invoicePages.paths.map(afterOf)],
		['messages, 100/page', 'messages', messagePages.paths.map(afterOf)],
		['messages, nothing new', 'messages', [messagePages.head]]
	] as const) {
		const session = () => resolveSession(app.store.db, large.cookie.slice(large.cookie.indexOf('=') + 1), app.clock());
		const stored = (i: number) => pullBody(app.store.db, principal, collection, afters[i % afters.length], PAGE);
		const serialized = (i: number) => JSON.stringify(pullPage(app.store.db, principal, collection, afters[i % afters.length], PAGE));
		if (!stored(0).equals(Buffer.from(serialized(0)))) throw new Error(`${label}: the stored page differs from the serialized one`);
		const sessionUs = medianUs(session, 2000);
		const storedUs = medianUs(stored, 2000);
		const serializedUs = medianUs(serialized, collection === 'invoices' ? 300 : 1000);
		workRows.push([label, fmt(sessionUs, 1), fmt(storedUs, 0), fmt(serializedUs, 0), fmt(1e6 / (sessionUs + storedUs))]);
	}

	log('pull load: warm-up');
	await runChild<PullLoadInput, PullLoadResult>('pull-load-child.ts', { ...load(invoicePages.paths), durationS: 2 }, { timeoutMs: 60_000 });
	const loadRuns: { label: string; where: string; r: PullLoadResult; cpuUs?: number }[] = [];
	for (const [label, paths] of [
		[`invoices, ${PAGE}/page (line items + payments embedded)`, invoicePages.paths],
		[`messages, ${PAGE}/page`, messagePages.paths],
		['messages, nothing new (0 documents)', [`/api/sync/messages/pull?after=${messagePages.head}&limit=${PAGE}`]]
	] as const) {
		log(`pull load: ${label}, separate process`);
		loadRuns.push({ label, where: 'separate process', ...(await serverCpu(() => runChild<PullLoadInput, PullLoadResult>('pull-load-child.ts', load([...paths]), { timeoutMs: 120_000 }))) });
	}
	// Saturated, latency is just the queue (connections ÷ throughput); at half the measured rate it shows the server's own.
	const halfRate = Math.max(10, Math.round(loadRuns[0].r.requestsPerS / 2));
	log(`pull load: invoices at ${halfRate} req/s, separate process`);
	loadRuns.push({
		label: `invoices, 100/page, fixed ${fmt(halfRate)} req/s (half the above), 5 connections`,
		where: 'separate process',
		// Few connections, so the paced requests do not leave in bursts of 20 that queue behind each other.
		...(await serverCpu(() => runChild<PullLoadInput, PullLoadResult>('pull-load-child.ts', { ...load(invoicePages.paths), connections: 5, overallRate: halfRate }, { timeoutMs: 120_000 })))
	});
	log('pull load: invoices, same process');
	loadRuns.push({ label: loadRuns[0].label, where: 'same process', r: await pullLoad(load(invoicePages.paths)) });

	// ---- c. staff reply → device ----------------------------------------------------------------
	const replyInput: ReplyLatencyInput = {
		url,
		origin: server.config.publicUrl,
		staffCookie,
		devices: fleet.map((c) => ({ cookie: c.cookie, threadId: c.threadId })),
		samples: REPLY_SAMPLES
	};
	const replyRuns: { where: string; r: ReplyLatencyResult; maxOpen: number }[] = [];
	for (const where of ['separate process', 'same process'] as const) {
		log(`reply latency with ${SOCKETS} sockets, ${where}`);
		let maxOpen = 0;
		const sampler = setInterval(() => (maxOpen = Math.max(maxOpen, app.syncStream.connections())), 50);
		try {
			const r =
				where === 'separate process'
					? await runChild<ReplyLatencyInput, ReplyLatencyResult>('reply-latency-child.ts', replyInput, { timeoutMs: 300_000 })
					: await replyLatency(replyInput);
			replyRuns.push({ where, r, maxOpen });
		} finally {
			clearInterval(sampler);
		}
		// Let the server see the fleet's sockets close before the next run opens its own.
		for (let i = 0; i < 100 && app.syncStream.connections() > 0; i++) await new Promise((r) => setTimeout(r, 50));
	}

	// ---- report --------------------------------------------------------------------------------
	const cpus = os.cpus();
	out.push(
		`Porchlight sync benchmark — ${new Date().toISOString()}`,
		`machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, ${os.type()} ${os.release()}, node ${process.version}`,
		`load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}; after: ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`,
		`server: real app in the bench process on 127.0.0.1, SQLite WAL in a temp dir, log level silent; clients in child processes unless marked "same process"`,
		`seed: 1 customer with 1,000 documents, 1 with 10,000, ${fmt(fleet.length)} with 10 each (${fmt(seedMs)} ms through the write helper)`,
		'',
		'a. Initial sync into a fresh device: RxDB 17 on Dexie over fake-indexeddb, no validation wrapper, separate process;',
		'   all five collections pulling in parallel; timed from opening the empty database until every collection is in sync',
		table(['documents (profile/invoices/documents/messages/appointments)', 'client', 'page', 'pulls', 'total ms', 'docs/s', 'ms waiting on HTTP*'], syncRows),
		'   * summed over the five collections pulling in parallel',
		'',
		`b. Pull throughput: autocannon, ${LOAD_CONNECTIONS} connections, ${LOAD_SECONDS} s, session cookie, cycling through every full page of the 10k customer`,
		table(
			['pull', 'load generator', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'MB/s', 'non-2xx', 'errors', 'server CPU µs/req*'],
			loadRuns.map(({ label, where, r, cpuUs }) => [
				label,
				where,
				fmt(r.requestsPerS),
				fmt(r.p50, 1),
				fmt(r.p99, 1),
				fmt(r.max),
				fmt(r.mbPerS, 1),
				r.non2xx,
				r.errors,
				cpuUs === undefined ? '-' : fmt(cpuUs)
			])
		),
		'   * CPU time (user + system) of the server process per request served, HTTP and kernel included: what a pull costs',
		'     the server whatever else runs on the machine; 1,000,000 ÷ it is the rate one dedicated core would sustain',
		'',
		'   Server work per pull without HTTP (median): session lookup, then the response body from the stored documents',
		'   (what the route sends), and for comparison the page serialized from its rows (the path for rows whose stored',
		'   document is being rebuilt); the ceiling is one thread doing only session lookup + stored page',
		table(['pull', 'session µs', 'stored page µs', 'serialized page µs', 'ceiling req/s'], workRows),
		'',
		`c. Staff reply → device: ${REPLY_SAMPLES} replies, each to a different customer's device, while ${fmt(SOCKETS)} customer sockets are open`,
		'   (timed from just before the staff POST until the device has pulled the reply after its `changed` message)',
		table(
			['sockets side', 'sockets open', 'connect all ms', 'device p50', 'device p99', 'changed p50', 'changed p99', 'POST 201 p50', 'stray changed'],
			replyRuns.map(({ where, r, maxOpen }) => [
				where,
				fmt(maxOpen),
				fmt(r.openMs),
				fmt(percentile(r.deviceMs, 50), 1),
				fmt(percentile(r.deviceMs, 99), 1),
				fmt(percentile(r.changedMs, 50), 1),
				fmt(percentile(r.changedMs, 99), 1),
				fmt(percentile(r.postMs, 50), 1),
				r.strayChanged
			])
		),
		''
	);

	const headlineLoad = loadRuns[0].r;
	const headlineReply = replyRuns[0].r;
	const docsPerS = (r: InitialSyncResult) => r.documents / (r.ms / 1000);
	const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
	out.push(
		'Goals (headline figures: clients in a separate process)',
		table(
			['goal', 'target', 'measured', ''],
			[
				['pulls/s, 100-document pages (invoices)', `≥ ${fmt(GOAL_PULLS_PER_S)}`, fmt(headlineLoad.requestsPerS), verdict(headlineLoad.requestsPerS >= GOAL_PULLS_PER_S)],
				['pull p99', `≤ ${GOAL_PULL_P99_MS} ms`, `${fmt(headlineLoad.p99, 1)} ms`, verdict(headlineLoad.p99 <= GOAL_PULL_P99_MS)],
				[`reply → device p50, ${fmt(SOCKETS)} sockets`, `≤ ${GOAL_REPLY_P50_MS} ms`, `${fmt(percentile(headlineReply.deviceMs, 50), 1)} ms`, verdict(percentile(headlineReply.deviceMs, 50) <= GOAL_REPLY_P50_MS)],
				[`reply → device p99, ${fmt(SOCKETS)} sockets`, `≤ ${GOAL_REPLY_P99_MS} ms`, `${fmt(percentile(headlineReply.deviceMs, 99), 1)} ms`, verdict(percentile(headlineReply.deviceMs, 99) <= GOAL_REPLY_P99_MS)],
				['initial sync 1k (engine), docs/s', 'reported', fmt(docsPerS(initial[`1k/engine/${ENGINE_PAGE}`])), ''],
				['initial sync 10k (engine), docs/s', 'reported', fmt(docsPerS(initial[`10k/engine/${ENGINE_PAGE}`])), '']
			]
		)
	);
	if (QUICK) out.push('', 'BENCH_QUICK=1: shortened run (fewer sockets and samples, shorter load); not the figures to quote.');
	console.log(out.join('\n'));
} finally {
	await server.close();
}
process.exit(0);
