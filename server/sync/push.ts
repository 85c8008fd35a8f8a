import type { CollectionName } from '../../shared/protocol/collections.ts';
import { pushBodySchema, RXDB_META_FIELDS, type PushResponse, type PushRow } from '../../shared/protocol/push.ts';
import type { SyncDoc } from '../../shared/schemas/index.ts';
import { parseInput } from '../http/errors.ts';
import { idExists, rowById } from './rows.ts';
import { sameJson } from './same-json.ts';
import { serializeRows } from './serialize.ts';
import { ensureThread } from './threads.ts';
import { visibility } from './visibility.ts';
import { notWritable, WRITE_RULES, type CustomerPrincipal, type RuleContext } from './write-rules.ts';
import type { Writer } from './writer.ts';

function withoutRxMeta(value: unknown): unknown {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
	const copy = { ...(value as Record<string, unknown>) };
	for (const k of RXDB_META_FIELDS) delete copy[k];
	return copy;
}

/** Drops RxDB bookkeeping fields from each row before validation (see RXDB_META_FIELDS). */
function cleanBody(body: unknown): unknown {
	if (!Array.isArray(body)) return body;
	return body.map((row) => {
		if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
		const r = { ...(row as Record<string, unknown>) };
		if ('newDocumentState' in r) r.newDocumentState = withoutRxMeta(r.newDocumentState);
		if ('assumedMasterState' in r) r.assumedMasterState = withoutRxMeta(r.assumedMasterState);
		return r;
	});
}

/**
 * Applies a customer's push to one collection, as one transaction. Each document is judged against
 * the stored row: another customer's id is refused like any id the customer may not write; a
 * stale `assumedMasterState` (or none, for an existing row) yields the stored master state as a
 * conflict and is not applied; everything else must pass the collection's write rules. Any
 * refusal rejects the whole batch with nothing written.
 */
export function applyPush<C extends CollectionName>(writer: Writer, principal: CustomerPrincipal, collection: C, body: unknown): PushResponse<C> {
	const rows = parseInput(pushBodySchema(collection), cleanBody(body)) as PushRow<C>[];
	const view = visibility[collection](principal);
	const rules = WRITE_RULES[collection];
	return writer.transaction((w) => {
		const conflicts: SyncDoc<C>[] = [];
		let threadId: string | undefined;
		rows.forEach((row, index) => {
			const doc = row.newDocumentState;
			const ctx: RuleContext = { w, principal, index, threadId: () => (threadId ??= ensureThread(w, principal.customerId)) };
			const own = rowById(w.db, collection, doc.id, view.scope);
			if (!own) {
				if (idExists(w.db, collection, doc.id)) throw notWritable(index, collection);
				rules.insert(ctx, doc);
				return;
			}
			const [master] = serializeRows(w.db, collection, view, [own]);
			if (!row.assumedMasterState || !sameJson(row.assumedMasterState, master)) {
				conflicts.push(master);
				return;
			}
			if (!view.shows(own)) throw notWritable(index, collection);
			if (rules.update(ctx, own, master, doc) === 'conflict') conflicts.push(master);
		});
		return { conflicts };
	});
}
