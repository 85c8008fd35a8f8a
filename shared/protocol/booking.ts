import { z } from 'zod';
import { appointmentSchema, PREFERRED_WINDOWS } from '../schemas/appointment.ts';
import { docIdSchema, instantSchema, localDateSchema, textSchema } from '../schemas/common.ts';
import { attemptIdSchema, emailSchema, sessionInfoSchema, signInCodeSchema } from './auth.ts';

/*
 * Booking: live slots, booking online, reschedule and cancel, guest booking with an emailed
 * confirmation, and the staff side (requests to confirm, decline or propose times). Appointments
 * themselves reach devices through the `appointments` collection; these answers carry the same
 * document so a screen can show the result before the next pull.
 */

/** Distance between offered start times, in minutes. */
export const SLOT_MINUTES = 30;

/** Most days one slots request may cover. */
export const SLOTS_MAX_DAYS = 31;

/** Days covered when a slots request gives no `to`. */
export const SLOTS_DEFAULT_DAYS = 14;

/** How long a guest's chosen time is held while they confirm by email, in minutes. */
export const GUEST_HOLD_MINUTES = 30;

/** How many next free slots a 409 answer offers. */
export const NEXT_SLOTS_COUNT = 5;

/** Path of the page the guest confirmation link opens; the secret rides in `#token=`. */
export const GUEST_CONFIRM_PATH = '/book/confirm';

/** A bookable service. */
export const bookableServiceSchema = z.object({
	id: z.string(),
	name: z.string(),
	description: z.string(),
	durationMinutes: z.number().int().positive()
});

/** A bookable service. */
export type BookableService = z.infer<typeof bookableServiceSchema>;

/** `GET /api/booking/services` answer: what can be booked and the business's booking rules. */
export const bookingServicesResponseSchema = z.object({
	services: z.array(bookableServiceSchema),
	timeZone: z.string(),
	/** True: a chosen slot is confirmed at once; false: it is a request the office confirms. */
	instantBooking: z.boolean(),
	leadHours: z.number().int().min(0),
	horizonDays: z.number().int().min(0),
	/** Online cancel and reschedule end this many hours before the start. */
	cancelCutoffHours: z.number().int().min(0),
	slotMinutes: z.number().int().positive()
});

/** A `GET /api/booking/services` answer. */
export type BookingServicesResponse = z.infer<typeof bookingServicesResponseSchema>;

/**
 * `GET /api/booking/slots` query. `address` (a saved service address, signed-in customers) or
 * `postalCode` (guests) is checked against the service area first; `from`/`to` are days in the
 * business's zone, inclusive, at most SLOTS_MAX_DAYS apart (default: today and the next 13 days).
 */
export const slotsQuerySchema = z
	.object({
		service: docIdSchema,
		address: docIdSchema.optional(),
		postalCode: z.string().trim().min(1, 'must not be empty').max(20, 'must be at most 20 characters').optional(),
		from: localDateSchema.optional(),
		to: localDateSchema.optional(),
		/** The signed-in customer's own appointment being moved: its service counts even when no longer offered for new bookings. */
		appointment: docIdSchema.optional()
	})
	.refine((q) => !(q.from && q.to) || q.from <= q.to, { message: 'must not be before from', path: ['to'] });

/** A `GET /api/booking/slots` query. */
export type SlotsQuery = z.infer<typeof slotsQuerySchema>;

/** A free start time. */
export const freeSlotSchema = z.object({
	startsAt: instantSchema,
	/** End of the job. */
	endsAt: instantSchema,
	/** How many technicians or crews are free for it. */
	available: z.number().int().positive()
});

/** A free start time. */
export type FreeSlot = z.infer<typeof freeSlotSchema>;

/** `GET /api/booking/slots` answer. */
export const slotsResponseSchema = z.object({
	timeZone: z.string(),
	from: localDateSchema,
	to: localDateSchema,
	slots: z.array(freeSlotSchema)
});

/** A `GET /api/booking/slots` answer. */
export type SlotsResponse = z.infer<typeof slotsResponseSchema>;

/** `details` of a 409 CONFLICT when the chosen time was taken meanwhile: the next free times. */
export const slotTakenDetailsSchema = z.object({
	reason: z.literal('slot_taken'),
	nextSlots: z.array(freeSlotSchema)
});

/** Details of a slot-taken answer. */
export type SlotTakenDetails = z.infer<typeof slotTakenDetailsSchema>;

/** `details` of a 409 CONFLICT when it is too close to the start to change online. */
export const tooLateDetailsSchema = z.object({
	reason: z.literal('too_late'),
	cancelCutoffHours: z.number().int(),
	/** Always true: offer a one-tap message to the office instead. */
	messageOffice: z.literal(true)
});

/** Details of a too-late answer. */
export type TooLateDetails = z.infer<typeof tooLateDetailsSchema>;

/** `details` of a 422 OUTSIDE_SERVICE_AREA answer. */
export const outsideAreaDetailsSchema = z.object({
	/** Always true: offer a one-tap message to the office instead. */
	messageOffice: z.literal(true),
	phone: z.string(),
	email: z.string()
});

/** Details of an outside-service-area answer. */
export type OutsideAreaDetails = z.infer<typeof outsideAreaDetailsSchema>;

/**
 * `POST /api/booking/appointments` body. `requestId` is made by the device once per booking and
 * becomes the appointment's id, so a retry returns the same appointment instead of a second one.
 */
export const bookRequestSchema = z.object({
	requestId: docIdSchema,
	serviceTypeId: docIdSchema,
	addressId: docIdSchema,
	startsAt: instantSchema,
	notes: textSchema(2000).optional()
});

/** A `POST /api/booking/appointments` body. */
export type BookRequest = z.infer<typeof bookRequestSchema>;

/** An appointment as booking answers carry it: the `appointments` collection's document. */
export const bookedAppointmentSchema = appointmentSchema;

/** Answer of booking, reschedule, cancel and accept: the appointment as it now stands. */
export const appointmentResponseSchema = z.object({ appointment: bookedAppointmentSchema });

/** A booking answer. */
export type AppointmentResponse = z.infer<typeof appointmentResponseSchema>;

/** `POST /api/booking/appointments/:id/reschedule` body: the new start, one of the free slots. */
export const rescheduleRequestSchema = z.object({ startsAt: instantSchema });

/** A reschedule body. */
export type RescheduleRequest = z.infer<typeof rescheduleRequestSchema>;

/** `POST /api/booking/appointments/:id/accept` body: the proposed start the customer takes. */
export const acceptProposalRequestSchema = z.object({ startsAt: instantSchema });

/** An accept-proposal body. */
export type AcceptProposalRequest = z.infer<typeof acceptProposalRequestSchema>;

/** A typed address for a guest booking (no coordinates: the postal code decides the area). */
export const guestAddressSchema = z.object({
	line1: z.string().trim().min(1, 'Enter the street address.').max(200, 'must be at most 200 characters'),
	line2: z.string().trim().max(200, 'must be at most 200 characters').optional(),
	city: z.string().trim().min(1, 'Enter the city.').max(100, 'must be at most 100 characters'),
	region: z.string().trim().min(1, 'Enter the state or region.').max(100, 'must be at most 100 characters'),
	postalCode: z.string().trim().min(1, 'Enter the postal code.').max(20, 'must be at most 20 characters')
});

/** A guest's address. */
export type GuestAddress = z.infer<typeof guestAddressSchema>;

/** `POST /api/booking/guest` body: someone without an account books a slot. */
export const guestBookingRequestSchema = z.object({
	name: z.string().trim().min(1, 'Enter your name.').max(200, 'must be at most 200 characters'),
	email: emailSchema,
	phone: z
		.string()
		.trim()
		.min(7, 'Enter a phone number.')
		.max(40, 'must be at most 40 characters')
		.regex(/^[0-9+()\-.\s]+$/, 'Enter a phone number using digits, spaces and + ( ) - .'),
	address: guestAddressSchema,
	serviceTypeId: docIdSchema,
	startsAt: instantSchema,
	notes: textSchema(2000).optional()
});

/** A `POST /api/booking/guest` body. */
export type GuestBookingRequest = z.infer<typeof guestBookingRequestSchema>;

/**
 * `POST /api/booking/guest` answer (202): the time is held until `holdExpiresAt`; an email with a
 * link and a 6-digit code is on its way.
 */
export const guestBookingResponseSchema = z.object({
	attemptId: attemptIdSchema,
	holdExpiresAt: instantSchema,
	expiresInSeconds: z.number().int().positive(),
	startsAt: instantSchema,
	endsAt: instantSchema
});

/** A `POST /api/booking/guest` answer. */
export type GuestBookingResponse = z.infer<typeof guestBookingResponseSchema>;

/** `POST /api/booking/guest/verify-code` body. */
export const guestVerifyCodeRequestSchema = z.object({ attemptId: attemptIdSchema, code: signInCodeSchema });

/** A guest verify-code body. */
export type GuestVerifyCodeRequest = z.infer<typeof guestVerifyCodeRequestSchema>;

/** `POST /api/booking/guest/redeem-link` body: the secret from the link's `#token=` fragment. */
export const guestRedeemLinkRequestSchema = z.object({
	token: z.string({ error: 'The confirmation link is incomplete.' }).min(20, 'The confirmation link is incomplete.').max(200, 'The confirmation link is not valid.')
});

/** A guest redeem-link body. */
export type GuestRedeemLinkRequest = z.infer<typeof guestRedeemLinkRequestSchema>;

/**
 * Answer of a confirmed guest booking: the booking now belongs to the customer with that email
 * (found or created) and this device is signed in as them (`session` null only when that sign-in
 * address was disabled by the office).
 */
export const guestConfirmedResponseSchema = z.object({
	session: sessionInfoSchema.nullable(),
	appointment: bookedAppointmentSchema
});

/** A confirmed guest booking. */
export type GuestConfirmedResponse = z.infer<typeof guestConfirmedResponseSchema>;

/** A staff-side slot: which resources are free for it. */
export const staffSlotSchema = z.object({
	startsAt: instantSchema,
	endsAt: instantSchema,
	resourceIds: z.array(z.string())
});

/** A staff-side slot. */
export type StaffSlot = z.infer<typeof staffSlotSchema>;

/** `GET /api/staff/booking/slots` answer. */
export const staffSlotsResponseSchema = z.object({
	timeZone: z.string(),
	from: localDateSchema,
	to: localDateSchema,
	slots: z.array(staffSlotSchema)
});

/** A staff slots answer. */
export type StaffSlotsResponse = z.infer<typeof staffSlotsResponseSchema>;

/** A technician or crew. */
export const bookingResourceSchema = z.object({
	id: z.string(),
	name: z.string(),
	kind: z.enum(['technician', 'crew']),
	active: z.boolean()
});

/** `GET /api/staff/booking/resources` answer. */
export const bookingResourcesResponseSchema = z.object({ resources: z.array(bookingResourceSchema) });

/** A staff resources answer. */
export type BookingResourcesResponse = z.infer<typeof bookingResourcesResponseSchema>;

/** One booking request (or proposal awaiting the customer) as the staff console lists it. */
export const staffBookingRequestSchema = z.object({
	id: z.string(),
	status: z.enum(['requested', 'proposed']),
	source: z.enum(['customer', 'staff', 'integration', 'guest']),
	title: z.string(),
	customer: z.object({ id: z.string(), name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }),
	service: z.object({ id: z.string(), name: z.string(), durationMinutes: z.number().int() }).nullable(),
	address: z
		.object({ id: z.string(), line1: z.string(), line2: z.string().nullable(), city: z.string(), region: z.string(), postalCode: z.string() })
		.nullable(),
	/** The chosen time of an online request; null for offline requests (see preferred*). */
	startsAt: instantSchema.nullable(),
	endsAt: instantSchema.nullable(),
	resourceId: z.string().nullable(),
	preferredDate: localDateSchema.nullable(),
	preferredWindow: z.enum(PREFERRED_WINDOWS).nullable(),
	proposals: z.array(z.object({ startsAt: instantSchema, endsAt: instantSchema, resourceId: z.string().nullable() })),
	notes: z.string().nullable(),
	createdAt: instantSchema,
	/** Up to three free slots on the preferred day and window (or from the chosen time on). */
	suggestions: z.array(staffSlotSchema)
});

/** A request in the staff list. */
export type StaffBookingRequest = z.infer<typeof staffBookingRequestSchema>;

/** `GET /api/staff/booking/requests` answer, oldest first. */
export const staffBookingRequestsResponseSchema = z.object({ requests: z.array(staffBookingRequestSchema) });

/** A staff requests answer. */
export type StaffBookingRequestsResponse = z.infer<typeof staffBookingRequestsResponseSchema>;

/**
 * `POST /api/staff/booking/appointments/:id/confirm` body. Without `startsAt` the request's own
 * time is used; without `resourceId` a free resource working then is picked.
 */
export const staffConfirmRequestSchema = z.object({
	startsAt: instantSchema.optional(),
	resourceId: docIdSchema.optional()
});

/** A staff confirm body. */
export type StaffConfirmRequest = z.infer<typeof staffConfirmRequestSchema>;

/** `POST /api/staff/booking/appointments/:id/decline` body; the reason is sent to the customer. */
export const staffDeclineRequestSchema = z.object({
	reason: z.string().trim().min(1, 'Say why, for the customer.').max(1000, 'must be at most 1000 characters')
});

/** A staff decline body. */
export type StaffDeclineRequest = z.infer<typeof staffDeclineRequestSchema>;

/** `POST /api/staff/booking/appointments/:id/propose` body: one to five other times. */
export const staffProposeRequestSchema = z.object({
	options: z
		.array(z.object({ startsAt: instantSchema, resourceId: docIdSchema.optional() }))
		.min(1, 'Propose at least one time.')
		.max(5, 'Propose at most five times.')
});

/** A staff propose body. */
export type StaffProposeRequest = z.infer<typeof staffProposeRequestSchema>;
