import { z } from 'zod';
import { docIdSchema, instantSchema, localDateSchema, textSchema } from './common.ts';

/** Lifecycle of an appointment; `requested` is a customer's booking request. */
export const APPOINTMENT_STATUSES = ['requested', 'proposed', 'confirmed', 'declined', 'cancelled', 'completed'] as const;

/** Part of a day a booking request prefers. */
export const PREFERRED_WINDOWS = ['morning', 'afternoon', 'any'] as const;

/** A time the office proposed for a request. */
export const appointmentProposalSchema = z.strictObject({
	startsAt: instantSchema,
	endsAt: instantSchema
});

/** A proposed time. */
export type AppointmentProposal = z.infer<typeof appointmentProposalSchema>;

/**
 * An appointment or booking request (`appointments` collection). A device may insert a request
 * (status `requested`, no time yet) and cancel its own appointments; the office does the rest.
 */
export const appointmentSchema = z.strictObject({
	id: docIdSchema,
	serviceTypeId: docIdSchema.nullable(),
	title: textSchema(200),
	/** One of the profile's service addresses. */
	addressId: docIdSchema.nullable(),
	/** The technician or crew, once assigned. */
	resourceName: textSchema(200).nullable(),
	status: z.enum(APPOINTMENT_STATUSES),
	startsAt: instantSchema.nullable(),
	endsAt: instantSchema.nullable(),
	preferredDate: localDateSchema.nullable(),
	preferredWindow: z.enum(PREFERRED_WINDOWS).nullable(),
	proposals: z.array(appointmentProposalSchema).max(20),
	notes: textSchema(2000).nullable(),
	createdAt: instantSchema,
	/** Server-owned version marker: strictly increasing per document. */
	updatedAt: instantSchema
});

/** An `appointments` document. */
export type Appointment = z.infer<typeof appointmentSchema>;
