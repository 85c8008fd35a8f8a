import { expect, test } from 'vitest';
import { fileKey, planEviction, stamp, CACHED_AT_HEADER, CACHED_BYTES_HEADER, type CachedEntry } from '../../client/lib/pwa/file-cache-core.ts';

// The storage-pressure policy of the offline document cache (the browser side is covered by
// test/e2e/pwa.spec.ts; this pins the arithmetic).

const MB = 1_000_000;
const entries: CachedEntry[] = [
	{ url: '/api/files/c', cachedAt: 3000, bytes: 4 * MB },
	{ url: '/api/files/a', cachedAt: 1000, bytes: 2 * MB },
	{ url: '/api/files/b', cachedAt: 2000, bytes: 3 * MB }
];

test('under 80 % of quota, nothing is evicted', () => {
	expect(planEviction(entries, 50 * MB, 100 * MB, 10 * MB)).toEqual({ evict: [], store: true });
	expect(planEviction(entries, 70 * MB, 100 * MB, 10 * MB)).toEqual({ evict: [], store: true });
});

test('over the line, the oldest files go first and only as many as needed', () => {
	// 79 + 2 = 81 > 80: 1 MB to free; the oldest (a, 2 MB) covers it.
	expect(planEviction(entries, 79 * MB, 100 * MB, 2 * MB)).toEqual({ evict: ['/api/files/a'], store: true });
	// 4 MB to free: a (2) + b (3).
	expect(planEviction(entries, 80 * MB, 100 * MB, 4 * MB)).toEqual({ evict: ['/api/files/a', '/api/files/b'], store: true });
});

test('a file that cannot fit even with every cached file gone is not stored, and files still go while usage alone is over', () => {
	// Without the cached 9 MB usage would be 76; 76 + 10 > 80: don't store. Usage alone (85) is
	// 5 MB over: a, b go (5 MB), c stays.
	expect(planEviction(entries, 85 * MB, 100 * MB, 10 * MB)).toEqual({ evict: ['/api/files/a', '/api/files/b'], store: false });
	// Usage alone under the line: nothing is dropped for a file we won't store.
	expect(planEviction(entries, 75 * MB, 100 * MB, 20 * MB)).toEqual({ evict: [], store: false });
});

test('no estimate from the browser: store and rely on QuotaExceededError', () => {
	expect(planEviction(entries, 0, 0, 10 * MB)).toEqual({ evict: [], store: true });
});

test('entries of unknown age (no stamp) are evicted before stamped ones', () => {
	const withUnknown = [...entries, { url: '/api/files/old', cachedAt: 0, bytes: 1 * MB }];
	expect(planEviction(withUnknown, 80 * MB, 100 * MB, 1 * MB).evict).toEqual(['/api/files/old']);
});

test('only same-origin /api/files/ URLs are file keys; the key keeps the query', () => {
	const base = 'https://portal.example.com/documents';
	expect(fileKey('/api/files/abc?inline=1', base)).toBe('/api/files/abc?inline=1');
	expect(fileKey('https://portal.example.com/api/files/abc', base)).toBe('/api/files/abc');
	expect(fileKey('https://evil.example.net/api/files/abc', base)).toBeNull();
	expect(fileKey('/api/branding', base)).toBeNull();
	expect(fileKey('http://[bad', base)).toBeNull();
});

test('a stored copy carries its age and byte size, and keeps the original headers and body', async () => {
	const original = new Response(new Uint8Array([1, 2, 3, 4, 5]), { headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="a.pdf"' } });
	const copy = await stamp(original, 1234);
	expect(copy.headers.get(CACHED_AT_HEADER)).toBe('1234');
	expect(copy.headers.get(CACHED_BYTES_HEADER)).toBe('5');
	expect(copy.headers.get('content-type')).toBe('application/pdf');
	expect(copy.headers.get('content-disposition')).toBe('attachment; filename="a.pdf"');
	expect([...new Uint8Array(await copy.arrayBuffer())]).toEqual([1, 2, 3, 4, 5]);
});
