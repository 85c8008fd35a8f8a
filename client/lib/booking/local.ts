import type { RxDocument } from 'rxdb';
import type { PorchlightDatabase } from '$lib/db/database';
import { live, type Live } from '$lib/state/live.svelte';
import type { Appointment } from '$shared/schemas/appointment';
import { newRequestDoc, type NewRequest } from './appointments';

// The booking screens' reads and writes of the device's database. Writes made here are pushed by
// the sync engine whenever there is a connection (also after the app was closed), and the
// server's answer comes back the same way.

/** One appointment by id (null while reading; undefined when the device has none). */
export function liveAppointment(db: PorchlightDatabase, id: string): Live<RxDocument<Appointment> | null, Appointment | null | undefined> {
	return live(db.appointments.findOne(id).$, null, (d) => (d ? (d.toJSON() as Appointment) : undefined));
}

/** Saves a request for a visit (preferred day and window, no time) in the device's outbox. */
export async function saveRequest(db: PorchlightDatabase, input: NewRequest): Promise<Appointment> {
	const doc = newRequestDoc(input);
	await db.appointments.insert(doc);
	return doc;
}

/**
 * Cancels on the device, for when there is no connection: the change waits in the outbox. The
 * server applies the same rules as online (inside the cutoff it keeps the appointment and the
 * device gets it back as it was).
 */
export async function cancelOnDevice(db: PorchlightDatabase, id: string): Promise<void> {
	const doc = await db.appointments.findOne(id).exec();
	if (!doc) throw new Error('This appointment is not on this device.');
	await doc.incrementalPatch({ status: 'cancelled' });
}
