/** Deep equality of two JSON values, ignoring key order (stored and pushed documents are compared so). */
export function sameJson(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
	if (Array.isArray(a)) {
		if (!Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
		return true;
	}
	if (Array.isArray(b)) return false;
	const ak = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
	const bk = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
	if (ak.length !== bk.length) return false;
	for (const k of ak) {
		if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
		if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
	}
	return true;
}
