import type { RxDocument } from 'rxdb';
import type { PorchlightDatabase } from '$lib/db/database';
import { live, type Live } from '$lib/state/live.svelte';
import type { Appointment } from '$shared/schemas/appointment';
import type { PortalDocument } from '$shared/schemas/document';
import type { Invoice } from '$shared/schemas/invoice';
import type { Message } from '$shared/schemas/message';
import type { Profile } from '$shared/schemas/profile';

/*
 * The portal screens' reads of the local database, as `live()` values (see
 * lib/state/live.svelte.ts): create them inside a `$derived` on `sync.db`, read `.current`.
 * A customer's collections are small (dozens to hundreds of documents), so screens take the
 * whole collection and sort and filter in memory; `null` means "not read yet".
 */

function plain<T>(docs: RxDocument<T>[]): T[] {
	return docs.map((d) => d.toJSON() as T);
}

/** Every invoice on the device. */
export function liveInvoices(db: PorchlightDatabase): Live<RxDocument<Invoice>[], Invoice[] | null> {
	return live(db.invoices.find().$, null, plain);
}

/** One invoice by id (null while reading; undefined when there is none). */
export function liveInvoice(db: PorchlightDatabase, id: string): Live<RxDocument<Invoice> | null, Invoice | null | undefined> {
	return live(db.invoices.findOne(id).$, null, (d) => (d ? (d.toJSON() as Invoice) : undefined));
}

/** Every document on the device. */
export function liveDocuments(db: PorchlightDatabase): Live<RxDocument<PortalDocument>[], PortalDocument[] | null> {
	return live(db.documents.find().$, null, plain);
}

/** One document by id (null while reading; undefined when there is none). */
export function liveDocument(db: PorchlightDatabase, id: string): Live<RxDocument<PortalDocument> | null, PortalDocument | null | undefined> {
	return live(db.documents.findOne(id).$, null, (d) => (d ? (d.toJSON() as PortalDocument) : undefined));
}

/** Every appointment and booking request on the device. */
export function liveAppointments(db: PorchlightDatabase): Live<RxDocument<Appointment>[], Appointment[] | null> {
	return live(db.appointments.find().$, null, plain);
}

/** The conversation with the office, newest first. */
export function liveMessages(db: PorchlightDatabase): Live<RxDocument<Message>[], Message[] | null> {
	return live(db.messages.find().$, null, (docs) => plain(docs).sort((a, b) => b.sentAt - a.sentAt || b.id.localeCompare(a.id)));
}

/** The customer's own record (null while reading; undefined before the first sync brings it). */
export function liveProfile(db: PorchlightDatabase): Live<RxDocument<Profile>[], Profile | null | undefined> {
	// One document per device (id = customer id), whatever its id: no need to know it here.
	return live(db.profile.find().$, null, (docs) => (docs[0] ? (docs[0].toJSON() as Profile) : undefined));
}
