import { expect, test } from 'vitest';
import { paced, type PaceClock } from '../../client/lib/state/pace.ts';
import { reuseUnchanged, sameContent } from '../../client/lib/state/reuse.ts';

/** A clock whose time moves only when the test says so. */
function fakeClock() {
	let now = 0;
	let nextId = 1;
	const timers = new Map<number, { at: number; fn: () => void }>();
	const clock: PaceClock = {
		now: () => now,
		setTimeout: (fn, ms) => {
			const id = nextId++;
			timers.set(id, { at: now + ms, fn });
			return id;
		},
		clearTimeout: (id) => void timers.delete(id as number)
	};
	/** Moves time forward by `ms`, running timers as they fall due (and work that takes `cost` ms each). */
	function advance(ms: number) {
		const end = now + ms;
		for (;;) {
			const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
			if (!due) break;
			timers.delete(due[0]);
			now = Math.max(now, due[1].at);
			due[1].fn();
		}
		now = end;
	}
	return {
		clock,
		advance,
		spend: (ms: number) => {
			now += ms;
		}
	};
}

test('a value after a quiet spell is delivered at once', () => {
	const t = fakeClock();
	const seen: number[] = [];
	const p = paced<number>((v) => seen.push(v), { clock: t.clock, minGapMs: 16 });
	p.push(1);
	expect(seen).toEqual([1]);
	t.advance(100);
	p.push(2);
	expect(seen).toEqual([1, 2]);
});

test('values in quick succession are held and only the newest is delivered when the gap ends', () => {
	const t = fakeClock();
	const seen: number[] = [];
	const p = paced<number>((v) => seen.push(v), { clock: t.clock, minGapMs: 50 });
	p.push(1);
	p.push(2);
	p.push(3);
	expect(seen).toEqual([1]);
	t.advance(10);
	p.push(4);
	expect(seen).toEqual([1]);
	t.advance(100);
	expect(seen).toEqual([1, 4]);
});

test('the gap grows with what a delivery costs, up to the maximum', () => {
	const t = fakeClock();
	const seen: number[] = [];
	// Each delivery takes 200 ms of work (mapping and rendering a long list).
	const p = paced<number>(
		(v) => {
			seen.push(v);
			t.spend(200);
		},
		{ clock: t.clock, minGapMs: 16, costFactor: 3, maxGapMs: 1_000 }
	);
	p.push(1);
	p.push(2);
	t.advance(500);
	expect(seen).toEqual([1]);
	t.advance(200);
	expect(seen).toEqual([1, 2]);
	// A very costly delivery waits no longer than the maximum gap.
	const q = fakeClock();
	const got: number[] = [];
	const slow = paced<number>(
		(v) => {
			got.push(v);
			q.spend(2_000);
		},
		{ clock: q.clock, maxGapMs: 1_000 }
	);
	slow.push(1);
	slow.push(2);
	q.advance(999);
	expect(got).toEqual([1]);
	q.advance(2);
	expect(got).toEqual([1, 2]);
});

test('stop drops a held value', () => {
	const t = fakeClock();
	const seen: number[] = [];
	const p = paced<number>((v) => seen.push(v), { clock: t.clock, minGapMs: 50 });
	p.push(1);
	p.push(2);
	p.stop();
	t.advance(1_000);
	p.push(3);
	expect(seen).toEqual([1]);
});

test('unchanged rows keep their objects, changed and new rows are the new ones', () => {
	const a = { id: 'a', n: 1, tags: ['x'] };
	const b = { id: 'b', n: 2, nested: { k: null } };
	const previous = [a, b];
	const same = reuseUnchanged(previous, [
		{ id: 'a', n: 1, tags: ['x'] },
		{ id: 'b', n: 2, nested: { k: null } }
	]);
	expect(same).toBe(previous);

	const b2 = { id: 'b', n: 3, nested: { k: null } };
	const c = { id: 'c', n: 4 };
	const next = reuseUnchanged(previous, [{ id: 'a', n: 1, tags: ['x'] }, b2, c]);
	expect(next).not.toBe(previous);
	expect(next[0]).toBe(a);
	expect(next[1]).toBe(b2);
	expect(next[2]).toBe(c);

	// Order changes and removals give a new array even when every object is reused.
	const reordered = reuseUnchanged(previous, [{ id: 'b', n: 2, nested: { k: null } }, { id: 'a', n: 1, tags: ['x'] }]);
	expect(reordered).toEqual([b, a]);
	expect(reordered).not.toBe(previous);
	expect(reordered[0]).toBe(b);
	expect(reuseUnchanged(previous, [{ id: 'a', n: 1, tags: ['x'] }])).toEqual([a]);
	expect(reuseUnchanged(previous, [{ id: 'a', n: 1, tags: ['x'] }])).not.toBe(previous);
});

test('values that are not lists of documents pass through', () => {
	const one = { id: 'p', name: 'Casey' };
	expect(reuseUnchanged(one, { id: 'p', name: 'Casey' })).not.toBe(one);
	expect(reuseUnchanged(null, [1, 2])).toEqual([1, 2]);
	const numbers = [1, 2];
	expect(reuseUnchanged(numbers, [1, 2])).not.toBe(numbers);
});

test('content comparison tells arrays from objects, and missing keys from undefined ones', () => {
	expect(sameContent({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
	expect(sameContent({ a: [1] }, { a: { 0: 1 } })).toBe(false);
	expect(sameContent({ a: undefined }, { b: undefined })).toBe(false);
	expect(sameContent({ a: null }, { a: 0 })).toBe(false);
	expect(sameContent([1, 2], [1, 2, 3])).toBe(false);
});
