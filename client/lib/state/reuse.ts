function isObject(v: unknown): v is Record<string, unknown> {
	return v !== null && typeof v === 'object';
}

/** Same JSON-like value (plain objects, arrays, primitives), compared by content. */
export function sameContent(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (!isObject(a) || !isObject(b)) return false;
	if (Array.isArray(a)) {
		if (!Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!sameContent(a[i], b[i])) return false;
		return true;
	}
	if (Array.isArray(b)) return false;
	const keys = Object.keys(a);
	if (keys.length !== Object.keys(b).length) return false;
	for (const k of keys) if (!(k in b) || !sameContent(a[k], b[k])) return false;
	return true;
}

function idOf(v: unknown): string | undefined {
	return isObject(v) && typeof v.id === 'string' ? v.id : undefined;
}

/**
 * `next`, with every element whose content did not change replaced by the previous object of the
 * same `id` — and `previous` itself when nothing changed at all. A query maps its documents to new
 * objects on every emission; handing the screen the objects it already shows lets a keyed list
 * redraw only the rows that changed (and nothing, when the emission changed nothing shown).
 * Values other than arrays of objects with an `id` pass through unchanged.
 */
export function reuseUnchanged<R>(previous: R, next: R): R {
	if (!Array.isArray(previous) || !Array.isArray(next) || previous.length === 0) return next;
	const before = new Map<string, unknown>();
	for (const item of previous) {
		const id = idOf(item);
		if (id === undefined) return next;
		before.set(id, item);
	}
	let changed = previous.length !== next.length;
	const out = next.map((item, i) => {
		const id = idOf(item);
		const old = id === undefined ? undefined : before.get(id);
		if (old !== undefined && sameContent(old, item)) {
			if (previous[i] !== old) changed = true;
			return old;
		}
		changed = true;
		return item;
	});
	return (changed ? out : previous) as R;
}
