import autocannon from 'autocannon';

/** One autocannon run of pull requests. */
export interface PullLoadInput {
	url: string;
	cookie: string;
	/** Request paths, cycled through by every connection (the pages of a collection). */
	paths: string[];
	connections: number;
	durationS: number;
	/** Requests per second across all connections; unset: as fast as the server answers. */
	overallRate?: number;
}

/** What autocannon measured. */
export interface PullLoadResult {
	requestsPerS: number;
	p50: number;
	p99: number;
	max: number;
	total: number;
	non2xx: number;
	errors: number;
	mbPerS: number;
}

/** Hammers the pull endpoint with `connections` keep-alive connections for `durationS` seconds. */
export async function pullLoad(input: PullLoadInput): Promise<PullLoadResult> {
	const result = await autocannon({
		url: input.url,
		connections: input.connections,
		duration: input.durationS,
		headers: { cookie: input.cookie },
		requests: input.paths.map((path) => ({ method: 'GET', path })),
		...(input.overallRate ? { overallRate: input.overallRate } : {})
	});
	return {
		requestsPerS: result.requests.total / (result.duration || input.durationS),
		p50: result.latency.p50,
		p99: result.latency.p99,
		max: result.latency.max,
		total: result.requests.total,
		non2xx: result.non2xx,
		errors: result.errors + result.timeouts,
		mbPerS: result.throughput.average / 1e6
	};
}
