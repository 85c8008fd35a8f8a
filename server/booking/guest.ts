import { randomInt, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { appointments, customers, loginAttempts, portalUsers, serviceAddresses, serviceTypes } from '../db/schema.ts';
import { AppError } from '../http/errors.ts';
import { getBusiness } from '../branding/service.ts';
import { defaultSender } from '../mail/mailer.ts';
import { createSession, hashSecret, newSecret } from '../auth/sessions.ts';
import { hashCode, type SignInMeta } from '../auth/sign-in.ts';
import { normalizePostalCode } from '../../shared/booking/service-area.ts';
import { windowOf } from '../../shared/booking/slots.ts';
import { SIGN_IN_CODE_LENGTH, SIGN_IN_MAX_CODE_TRIES } from '../../shared/protocol/auth.ts';
import { GUEST_CONFIRM_PATH, GUEST_HOLD_MINUTES, type GuestBookingRequest, type GuestBookingResponse } from '../../shared/protocol/booking.ts';
import { localDateOf } from '../../shared/time.ts';
import { announceNewAppointment, appointmentById, requireServed, requireSlot, type AppointmentRow } from './appointments.ts';
import { BookingCalendar, type GuestHoldPayload } from './calendar.ts';
import { bookingMail, describeTime } from './mail.ts';

/*
 * Guest booking: someone without an account picks a slot and gives name, email, phone and
 * address. The slot is held by a `guest_booking` login attempt (the same table, hashing and
 * single-use consumption as sign-in) whose payload is the booking; the availability engine counts
 * unexpired holds as taken. Confirming with the emailed link or code consumes the attempt, finds
 * or creates the customer by email, books the slot for them and signs the device in. An
 * unconfirmed hold simply expires: the slot is free again and nothing else was stored.
 */

/** The link in the guest's email: the secret rides in the fragment, which browsers never send. */
export function guestConfirmLink(publicUrl: string, secret: string): string {
	return `${publicUrl}${GUEST_CONFIRM_PATH}#token=${secret}`;
}

/** Holds the chosen slot and mails the link and code. Returns what the screen shows while waiting. */
export function startGuestBooking(app: FastifyInstance, body: GuestBookingRequest, meta: { ip?: string; holdMinutes: number }): GuestBookingResponse {
	const attemptId = randomUUID();
	const secret = newSecret(32);
	const code = String(randomInt(0, 10 ** SIGN_IN_CODE_LENGTH)).padStart(SIGN_IN_CODE_LENGTH, '0');
	const held = app.writer.transaction((w) => {
		const calendar = new BookingCalendar(w.db, w.now);
		const service = calendar.service(body.serviceTypeId);
		if (!service) throw new AppError('VALIDATION', 'serviceTypeId: is not a service you can book', { field: 'serviceTypeId' });
		requireServed(calendar.settings, { postalCode: body.address.postalCode }, 'address.postalCode');
		const slot = requireSlot(calendar, service, body.startsAt);
		const resourceId = calendar.pickResource(slot);
		const payload: GuestHoldPayload = {
			name: body.name,
			email: body.email,
			phone: body.phone,
			address: body.address,
			serviceTypeId: service.id,
			startsAt: slot.startsAt,
			endsAt: slot.endsAt,
			blockEnd: slot.endsAt + service.bufferMinutes * 60_000,
			resourceId,
			...(body.notes?.trim() ? { notes: body.notes.trim() } : {})
		};
		const expiresAt = w.now + meta.holdMinutes * 60_000;
		w.db.insert(loginAttempts)
			.values({
				id: attemptId,
				email: body.email,
				userKind: null,
				secretHash: hashSecret(secret),
				codeHash: hashCode(attemptId, code),
				createdAt: w.now,
				expiresAt,
				ip: meta.ip ?? null,
				purpose: 'guest_booking',
				payload
			})
			.run();
		return { service, slot, expiresAt, now: w.now };
	});

	const business = getBusiness(app.store.db, held.now);
	const when = describeTime(held.slot.startsAt, business.timeZone);
	const contact = [business.phone, business.email].filter(Boolean).join(' or ');
	const mail = bookingMail({
		business,
		publicUrl: app.config.publicUrl,
		to: body.email,
		subject: `${code} confirms your booking with ${business.name}`,
		heading: 'Confirm your booking',
		lines: [`We're holding ${when} for you: ${held.service.name}.`, `Confirm within ${meta.holdMinutes} minutes to keep this time.`],
		button: { label: 'Confirm booking', url: guestConfirmLink(app.config.publicUrl, secret) },
		code: { intro: 'Or type this code in the app:', value: code },
		footer: [
			'Confirming also signs you in to your account with us, so you can see and change this booking.',
			`Didn't book anything? Ignore this email: the time is released if nobody confirms.${contact ? ` Questions: ${contact}.` : ''}`
		]
	});
	const from = app.config.mailFrom ?? defaultSender(business.name, app.config.publicUrl);
	setImmediate(() => {
		app.mailer.send({ ...mail, from }).catch((err: unknown) => app.log.error({ err, attemptId }, 'guest booking mail was not sent'));
	});
	return {
		attemptId,
		holdExpiresAt: held.expiresAt,
		expiresInSeconds: meta.holdMinutes * 60,
		startsAt: held.slot.startsAt,
		endsAt: held.slot.endsAt
	};
}

interface ConsumedHold {
	id: string;
	email: string;
	payload: string;
}

// As in sign-in, every redeemable condition is in the UPDATE's WHERE: of concurrent confirms,
// exactly one consumes the hold.
const LIVE = `purpose = 'guest_booking' AND consumed_at IS NULL AND expires_at > @now AND failed_codes < ${SIGN_IN_MAX_CODE_TRIES}`;

/** A confirmed guest booking: the appointment and, unless that sign-in address is disabled, a new session. */
export interface GuestConfirmed {
	appointment: AppointmentRow;
	session: { token: string; portalUserId: string; customerId: string } | null;
}

function gone(via: 'code' | 'link'): AppError {
	return new AppError(
		'GONE',
		via === 'code'
			? 'This code has expired or was already used. If the booking was not confirmed, the time was released: please book again.'
			: 'This confirmation link has expired or was already used. If the booking was not confirmed, the time was released: please book again.'
	);
}

/** Confirms with the emailed code. Wrong code: 400 (field `code`, `details.triesLeft`); dead attempt: 410. */
export function confirmGuestByCode(app: FastifyInstance, attemptId: string, code: string, meta: SignInMeta): GuestConfirmed {
	const confirmed = confirm(app, meta, (now) =>
		app.store.sqlite
			.prepare<{ now: number; id: string; hash: string }, ConsumedHold>(
				`UPDATE login_attempts SET consumed_at = @now WHERE id = @id AND code_hash = @hash AND ${LIVE} RETURNING id, email, payload`
			)
			.get({ now, id: attemptId, hash: hashCode(attemptId, code) })
	);
	if (confirmed) return confirmed;
	const row = app.store.sqlite
		.prepare<{ now: number; id: string }, { failed_codes: number }>(
			`UPDATE login_attempts SET failed_codes = failed_codes + 1
			 WHERE id = @id AND purpose = 'guest_booking' AND consumed_at IS NULL AND expires_at > @now AND failed_codes < ${SIGN_IN_MAX_CODE_TRIES}
			 RETURNING failed_codes`
		)
		.get({ now: app.clock(), id: attemptId });
	if (!row) throw gone('code');
	const triesLeft = SIGN_IN_MAX_CODE_TRIES - row.failed_codes;
	throw new AppError(
		'VALIDATION',
		triesLeft > 0
			? `That code is not right. ${triesLeft === 1 ? '1 try' : `${triesLeft} tries`} left.`
			: 'That code is not right, and that was the last try. Please book again.',
		{ field: 'code', details: { triesLeft } }
	);
}

/** Confirms with the secret from the emailed link. Bad, expired or used secrets are 410 GONE. */
export function confirmGuestByLink(app: FastifyInstance, secret: string, meta: SignInMeta): GuestConfirmed {
	const confirmed = confirm(app, meta, (now) =>
		app.store.sqlite
			.prepare<{ now: number; hash: string }, ConsumedHold>(`UPDATE login_attempts SET consumed_at = @now WHERE secret_hash = @hash AND ${LIVE} RETURNING id, email, payload`)
			.get({ now, hash: hashSecret(secret) })
	);
	if (!confirmed) throw gone('link');
	return confirmed;
}

function sameAddress(a: { line1: string; postalCode: string }, b: { line1: string; postalCode: string }): boolean {
	const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
	return norm(a.line1) === norm(b.line1) && normalizePostalCode(a.postalCode) === normalizePostalCode(b.postalCode);
}

/**
 * Consumes the hold and books it, in one write transaction: the customer is found by the sign-in
 * address (any case) or created with it; the typed address is added to them unless they already
 * have it; the held time is booked with the held resource (or another free one). If, rarely, no
 * one is free any more (staff booked over the hold), the booking is kept as a request for that
 * day and window, which the request handling answers like any other — it is never dropped.
 */
function confirm(app: FastifyInstance, meta: SignInMeta, consume: (now: number) => ConsumedHold | undefined): GuestConfirmed | null {
	return app.writer.transaction((w) => {
		const hold = consume(w.now);
		if (!hold) return null;
		const p = JSON.parse(hold.payload) as GuestHoldPayload;
		const email = hold.email;

		const user = w.db.select().from(portalUsers).where(sql`lower(${portalUsers.email}) = ${email}`).get();
		let customerId: string;
		let portalUserId: string;
		let disabled = false;
		if (user) {
			customerId = user.customerId;
			portalUserId = user.id;
			disabled = user.disabled;
		} else {
			customerId = randomUUID();
			portalUserId = randomUUID();
			w.db.insert(customers)
				.values({ id: customerId, name: p.name, email, phone: p.phone, seq: w.touch('profile', customerId, customerId), createdAt: w.now, updatedAt: w.now })
				.run();
			w.db.insert(portalUsers).values({ id: portalUserId, customerId, email, name: p.name, createdAt: w.now }).run();
		}

		const known = w.db
			.select()
			.from(serviceAddresses)
			.where(and(eq(serviceAddresses.customerId, customerId), eq(serviceAddresses.deleted, false)))
			.all()
			.find((a) => sameAddress(a, p.address));
		let addressId = known?.id;
		if (!addressId) {
			addressId = randomUUID();
			w.db.insert(serviceAddresses)
				.values({
					id: addressId,
					customerId,
					label: 'Home',
					line1: p.address.line1,
					line2: p.address.line2 ?? null,
					city: p.address.city,
					region: p.address.region,
					postalCode: p.address.postalCode,
					createdAt: w.now
				})
				.run();
			// The new address is part of the profile document: existing devices re-pull it.
			if (user) w.bump('profile', customerId, customerId);
		}

		const calendar = new BookingCalendar(w.db, w.now);
		const service = w.db.select().from(serviceTypes).where(eq(serviceTypes.id, p.serviceTypeId)).get();
		const free = service ? calendar.resourcesFreeAt(service, p.startsAt).filter((r) => r.working) : [];
		const resourceId = free.find((r) => r.id === p.resourceId)?.id ?? free[0]?.id ?? null;
		const id = randomUUID();
		const timed = resourceId !== null && p.startsAt > w.now;
		w.db.insert(appointments)
			.values({
				id,
				customerId,
				serviceTypeId: p.serviceTypeId,
				title: service?.name ?? 'Booking',
				addressId,
				resourceId: timed ? resourceId : null,
				status: timed && calendar.settings.instantBooking ? 'confirmed' : 'requested',
				startsAt: timed ? p.startsAt : null,
				endsAt: timed ? p.endsAt : null,
				preferredDate: timed ? null : localDateOf(p.startsAt, calendar.settings.timeZone),
				preferredWindow: timed ? null : windowOf(p.startsAt, calendar.settings.timeZone),
				proposals: [],
				notes: p.notes ?? null,
				source: 'guest',
				seq: w.touch('appointments', customerId, id),
				createdAt: w.now,
				updatedAt: w.now
			})
			.run();

		let session: GuestConfirmed['session'] = null;
		if (!disabled) {
			const { token } = createSession(w.db, { kind: 'customer', portalUserId, customerId }, { now: w.now, userAgent: meta.userAgent, ip: meta.ip });
			w.db.update(portalUsers).set({ lastSignInAt: w.now }).where(eq(portalUsers.id, portalUserId)).run();
			session = { token, portalUserId, customerId };
		}
		const appointment = appointmentById(w.db, id)!;
		announceNewAppointment(w, id, appointment.status);
		return { appointment, session };
	});
}

/** Drops guest holds older than a day: long expired, and their payload is personal data. */
export function sweepGuestHolds(app: FastifyInstance): void {
	app.store.db
		.delete(loginAttempts)
		.where(and(eq(loginAttempts.purpose, 'guest_booking'), sql`${loginAttempts.createdAt} < ${app.clock() - 86_400_000}`))
		.run();
}

/** The hold length used when the app is not told otherwise. */
export const DEFAULT_HOLD_MINUTES = GUEST_HOLD_MINUTES;
