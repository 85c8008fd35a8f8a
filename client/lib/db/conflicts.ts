import { deepEqual, type RxConflictHandler, type RxConflictHandlerInput } from 'rxdb';
import type { CollectionName } from '../../../shared/protocol/collections.ts';
import type { DocTypes } from '../../../shared/schemas/index.ts';
import { PROFILE_EDITABLE_FIELDS } from './rx-schemas.ts';

/**
 * The fields a device may change, per collection (the server's write rules allow no others).
 * Only these are merged in a conflict; everything else is the server's.
 */
export const DEVICE_FIELDS: { [C in CollectionName]: readonly (keyof DocTypes[C] & string)[] } = {
	profile: PROFILE_EDITABLE_FIELDS,
	appointments: ['status'],
	messages: [],
	invoices: [],
	documents: [],
	quotes: []
};

const RX_META = new Set(['_meta', '_rev', '_attachments']);

function withoutMeta(doc: object): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(doc)) if (!RX_META.has(k) && v !== undefined) out[k] = v;
	return out;
}

/** Same document content, ignoring RxDB's bookkeeping fields. */
export function sameDoc(a: object, b: object): boolean {
	return deepEqual(withoutMeta(a), withoutMeta(b));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Three-way merge of one value: a side that did not change yields to the one that did; where
 * both changed it differently, the server's value stays (and the caller reports the loss).
 * Objects (the billing address) merge field by field; arrays and scalars are atomic.
 */
export function merge3(base: unknown, mine: unknown, theirs: unknown): unknown {
	if (isPlainObject(base) && isPlainObject(mine) && isPlainObject(theirs)) {
		const out: Record<string, unknown> = { ...theirs };
		for (const key of new Set([...Object.keys(mine), ...Object.keys(theirs)])) out[key] = merge3(base[key], mine[key], theirs[key]);
		return out;
	}
	if (deepEqual(mine, base)) return theirs;
	if (deepEqual(theirs, base)) return mine;
	return theirs;
}

/**
 * RxDB's conflict resolution for a push the server refused as stale (or refused outright while
 * leaving the row as it was, like a cancellation after the cut-off). With a known base, the
 * device's edits to its own fields are merged onto the server's current document; without one,
 * or when the server did not change anything since the base, the server's document wins.
 */
export function resolveConflict<C extends CollectionName>(collection: C, input: RxConflictHandlerInput<DocTypes[C]>): DocTypes[C] & { _deleted: boolean } {
	const { newDocumentState: mine, assumedMasterState: base, realMasterState: theirs } = input;
	const master = theirs as DocTypes[C] & { _deleted: boolean };
	if (!base || master._deleted || (mine as { _deleted?: boolean })._deleted || sameDoc(base, master)) return master;
	const out = { ...master } as Record<string, unknown>;
	for (const field of DEVICE_FIELDS[collection]) {
		out[field] = merge3((base as Record<string, unknown>)[field], (mine as Record<string, unknown>)[field], (master as Record<string, unknown>)[field]);
	}
	return out as unknown as DocTypes[C] & { _deleted: boolean };
}

function changedPaths(base: unknown, mine: unknown, kept: unknown, prefix: string, out: string[]): void {
	if (isPlainObject(base) && isPlainObject(mine) && isPlainObject(kept)) {
		for (const key of new Set([...Object.keys(base), ...Object.keys(mine)])) changedPaths(base[key], mine[key], kept[key], prefix ? `${prefix}.${key}` : key, out);
		return;
	}
	if (!deepEqual(mine, base) && !deepEqual(kept, mine)) out.push(prefix);
}

/**
 * The device's own edits a conflict resolution did not keep (`billing.city`, `status`): these
 * are shown to the user, so nothing they typed disappears silently.
 */
export function lostEdits<C extends CollectionName>(collection: C, input: RxConflictHandlerInput<DocTypes[C]>, output: object): string[] {
	const { newDocumentState: mine, assumedMasterState: base } = input;
	const lost: string[] = [];
	for (const field of DEVICE_FIELDS[collection]) {
		const b = base ? (base as Record<string, unknown>)[field] : undefined;
		changedPaths(b, (mine as Record<string, unknown>)[field], (output as Record<string, unknown>)[field], field, lost);
	}
	return lost;
}

/** The conflict handler of a collection's RxDB collection. */
export function conflictHandlerFor<C extends CollectionName>(collection: C): RxConflictHandler<DocTypes[C]> {
	return {
		isEqual: (a, b) => sameDoc(a, b),
		resolve: async (input) => resolveConflict(collection, input)
	};
}
