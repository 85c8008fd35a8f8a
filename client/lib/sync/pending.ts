import {
	getAssumedMasterState,
	getChangedDocumentsSince,
	getLastCheckpointDoc,
	writeDocToDocState
} from 'rxdb';
import type { RxReplicationState } from 'rxdb/plugins/replication';

/**
 * Ids of local documents the server has not acknowledged yet, read from the replication's own
 * bookkeeping: every document changed in the fork since the upstream checkpoint whose content
 * differs from the last state the server acknowledged (RxDB's "assumed master state"). The
 * same rule RxDB uses to decide what to push, so the count is exactly the outbox, and it
 * survives restarts because both live in the database. Null before the replication started.
 */
export async function unacknowledgedIds(replication: RxReplicationState<any, any>): Promise<Set<string> | null> {
	const state = replication.internalReplicationState;
	if (!state || replication.isStopped()) return null;
	const primaryPath = state.primaryPath as string;
	let checkpoint = await getLastCheckpointDoc(state, 'up');
	const ids = new Set<string>();
	for (;;) {
		const { documents, checkpoint: next } = await getChangedDocumentsSince(state.input.forkInstance, 500, checkpoint);
		if (documents.length === 0) break;
		const assumed = await getAssumedMasterState(
			state,
			documents.map((d) => (d as unknown as Record<string, string>)[primaryPath])
		);
		for (const doc of documents) {
			const id = (doc as unknown as Record<string, string>)[primaryPath];
			const master = assumed[id];
			const local = writeDocToDocState(doc, state.hasAttachments, false);
			if (!master || !state.input.conflictHandler.isEqual(master.docData, local, 'porchlight-pending')) ids.add(id);
		}
		if (documents.length < 500) break;
		checkpoint = next;
	}
	return ids;
}
