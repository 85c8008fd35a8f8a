// autocannon ships no types; this covers the part of its API the benchmarks use.
declare module 'autocannon' {
	interface Histogram {
		average: number;
		mean: number;
		stddev: number;
		min: number;
		max: number;
		total: number;
		p50: number;
		p90: number;
		p97_5: number;
		p99: number;
	}
	interface Result {
		requests: Histogram;
		latency: Histogram;
		throughput: Histogram;
		duration: number;
		errors: number;
		timeouts: number;
		non2xx: number;
		'2xx': number;
	}
	interface Options {
		url: string;
		connections?: number;
		duration?: number;
		pipelining?: number;
		headers?: Record<string, string>;
		requests?: { method?: string; path?: string; headers?: Record<string, string> }[];
		timeout?: number;
		overallRate?: number;
	}
	function autocannon(opts: Options): Promise<Result> & { stop(): void };
	export default autocannon;
}
