import { z } from 'zod';
import { APPOINTMENT_STATUSES } from '../schemas/appointment.ts';
import { docIdSchema, instantSchema } from '../schemas/common.ts';

/*
 * The staff console's availability editor (`/api/staff/availability/*`) and its calendar of
 * appointments (`GET /api/staff/booking/appointments`). The booking engine reads the same tables,
 * so every change here shows in the slots customers are offered on their next request.
 * Minutes of the day are wall-clock minutes in the business's time zone; instants are integer
 * milliseconds since the epoch.
 */

const DAY_MS = 86_400_000;

/** Most days one calendar request may cover. */
export const CALENDAR_MAX_DAYS = 62;

/** Most appointments one calendar answer carries (`truncated` says when there were more). */
export const CALENDAR_MAX_APPOINTMENTS = 2000;

/** Longest single stretch of time off, in days. */
export const TIME_OFF_MAX_DAYS = 366;

/** Most postal codes the service area may list. */
export const SERVICE_AREA_MAX_CODES = 2000;

/** Kinds of bookable resource. */
export const RESOURCE_KINDS = ['technician', 'crew'] as const;

const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

// ---------------------------------------------------------------------------------------------
// What the editor shows

/** One stretch of working time on a weekday (0 = Sunday), in minutes after local midnight. */
export const workingHoursSchema = z.strictObject({
	weekday: z.number({ error: 'must be a weekday from 0 (Sunday) to 6 (Saturday)' }).int('must be a whole number').min(0, 'must be 0 (Sunday) to 6 (Saturday)').max(6, 'must be 0 (Sunday) to 6 (Saturday)'),
	startMinute: z.number({ error: 'must be a minute of the day' }).int('must be a whole number').min(0, 'must be 0 (midnight) or later').max(1439, 'must be before midnight'),
	endMinute: z.number({ error: 'must be a minute of the day' }).int('must be a whole number').min(1, 'must be after midnight').max(1440, 'must end by midnight')
});

/** Working hours on one weekday. */
export type WorkingHoursEntry = z.infer<typeof workingHoursSchema>;

/** A technician or crew with their weekly hours. */
export const availabilityResourceSchema = z.object({
	id: z.string(),
	name: z.string(),
	kind: z.enum(RESOURCE_KINDS),
	/** Inactive resources are offered no slots and cannot be booked. */
	active: z.boolean(),
	hours: z.array(workingHoursSchema)
});

/** A resource in the editor. */
export type AvailabilityResource = z.infer<typeof availabilityResourceSchema>;

/** A resource's time away. */
export const timeOffSchema = z.object({
	id: z.string(),
	resourceId: z.string(),
	startsAt: instantSchema,
	endsAt: instantSchema,
	reason: z.string().nullable()
});

/** Time off. */
export type TimeOff = z.infer<typeof timeOffSchema>;

/** Something customers can book, as staff manage it. */
export const serviceTypeSchema = z.object({
	id: z.string(),
	name: z.string(),
	description: z.string(),
	durationMinutes: z.number().int().positive(),
	/** Travel time after the job, during which the resource takes no other job. */
	bufferMinutes: z.number().int().min(0),
	/** Inactive services are not offered to customers; their appointments stay as they are. */
	active: z.boolean(),
	/** Order in the customer's list (lowest first). */
	position: z.number().int(),
	/** Appointments (of any status) that name this service. */
	appointmentCount: z.number().int().min(0)
});

/** A service type. */
export type ServiceType = z.infer<typeof serviceTypeSchema>;

/** Where the business works: listed postal codes, a radius around its base, or both. */
export const serviceAreaSchema = z.object({
	postalCodes: z.array(z.string()),
	baseLat: z.number().nullable(),
	baseLng: z.number().nullable(),
	radiusKm: z.number().nullable()
});

/** The service area. */
export type ServiceArea = z.infer<typeof serviceAreaSchema>;

/**
 * `GET /api/staff/availability` (any staff role): every resource with its hours, time off that
 * has not ended, the service types (inactive ones too) and the service area.
 */
export const availabilityResponseSchema = z.object({
	timeZone: z.string(),
	resources: z.array(availabilityResourceSchema),
	timeOff: z.array(timeOffSchema),
	serviceTypes: z.array(serviceTypeSchema),
	serviceArea: serviceAreaSchema
});

/** The editor's whole picture. */
export type AvailabilityResponse = z.infer<typeof availabilityResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Changes (owner and office)

/** `POST /api/staff/availability/resources`: a new technician or crew, without hours (201 → `AvailabilityResource`). */
export const resourceCreateSchema = z.strictObject({
	name: nameSchema,
	kind: z.enum(RESOURCE_KINDS, { error: 'must be technician or crew' }).default('technician')
});

/** A new resource. */
export type ResourceCreate = z.infer<typeof resourceCreateSchema>;

/** `PATCH /api/staff/availability/resources/:id`: rename, change kind, take off or back on the schedule. */
export const resourcePatchSchema = z.strictObject({
	name: nameSchema.optional(),
	kind: z.enum(RESOURCE_KINDS, { error: 'must be technician or crew' }).optional(),
	active: z.boolean({ error: 'must be true or false' }).optional()
});

/** A resource edit. */
export type ResourcePatch = z.infer<typeof resourcePatchSchema>;

/**
 * `PUT /api/staff/availability/hours`: a resource's whole week, replacing what it had (an empty
 * list: not bookable on any day). Each entry must end after it starts; entries on the same weekday
 * must not overlap (touching is fine: 8:00–12:00 and 12:00–16:00). 200 → `AvailabilityResource`.
 */
export const hoursUpdateSchema = z
	.strictObject({
		resourceId: docIdSchema,
		hours: z.array(workingHoursSchema).max(50, 'must have at most 50 entries')
	})
	.superRefine((v, ctx) => {
		v.hours.forEach((h, i) => {
			if (h.endMinute <= h.startMinute) ctx.addIssue({ code: 'custom', message: 'must be after the start', path: ['hours', i, 'endMinute'] });
		});
		v.hours.forEach((h, i) => {
			if (h.endMinute <= h.startMinute) return;
			const clash = v.hours.findIndex((o, j) => j < i && o.weekday === h.weekday && o.endMinute > o.startMinute && o.startMinute < h.endMinute && h.startMinute < o.endMinute);
			if (clash !== -1) ctx.addIssue({ code: 'custom', message: `overlaps hours.${clash} on the same day`, path: ['hours', i, 'startMinute'] });
		});
	});

/** A week of hours for one resource. */
export type HoursUpdate = z.infer<typeof hoursUpdateSchema>;

/**
 * `POST /api/staff/availability/time-off`: time away for a resource (201 → `TimeOffCreated`).
 * No job is offered that overlaps it; appointments already booked then are listed in the answer
 * (they are not moved).
 */
export const timeOffCreateSchema = z
	.strictObject({
		resourceId: docIdSchema,
		startsAt: instantSchema,
		endsAt: instantSchema,
		reason: z
			.string()
			.trim()
			.max(200, 'must be at most 200 characters')
			.transform((v) => (v === '' ? null : v))
			.nullable()
			.default(null)
	})
	.superRefine((v, ctx) => {
		if (v.endsAt <= v.startsAt) ctx.addIssue({ code: 'custom', message: 'must be after startsAt', path: ['endsAt'] });
		else if (v.endsAt - v.startsAt > TIME_OFF_MAX_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', message: `must be at most ${TIME_OFF_MAX_DAYS} days after startsAt`, path: ['endsAt'] });
	});

/** New time off. */
export type TimeOffCreate = z.infer<typeof timeOffCreateSchema>;

/** An appointment that falls in new time off: the office may want to move it. */
export const overlappingAppointmentSchema = z.object({
	id: z.string(),
	title: z.string(),
	startsAt: instantSchema,
	endsAt: instantSchema,
	customerName: z.string()
});

/** An appointment in the way. */
export type OverlappingAppointment = z.infer<typeof overlappingAppointmentSchema>;

/** Answer of adding time off. */
export const timeOffCreatedSchema = z.object({
	timeOff: timeOffSchema,
	/** Appointments of that resource already booked in this time (still booked). */
	overlapping: z.array(overlappingAppointmentSchema)
});

/** Added time off. */
export type TimeOffCreated = z.infer<typeof timeOffCreatedSchema>;

const durationSchema = z
	.number({ error: 'must be a number of minutes' })
	.int('must be a whole number of minutes')
	.min(1, 'must be more than 0 minutes')
	.max(1440, 'must be at most 1440 minutes (a day)');
const bufferSchema = z.number({ error: 'must be a number of minutes' }).int('must be a whole number of minutes').min(0, 'must be 0 or more').max(480, 'must be at most 480 minutes');
const descriptionSchema = z.string().trim().max(1000, 'must be at most 1000 characters');
const positionSchema = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(10_000, 'must be at most 10000');

/** `POST /api/staff/availability/services`: a new service type (201 → `ServiceType`). */
export const serviceTypeCreateSchema = z.strictObject({
	name: nameSchema,
	description: descriptionSchema.default(''),
	durationMinutes: durationSchema,
	bufferMinutes: bufferSchema.default(0),
	active: z.boolean({ error: 'must be true or false' }).default(true),
	/** Defaults to after the last one. */
	position: positionSchema.optional()
});

/** A new service type. */
export type ServiceTypeCreate = z.infer<typeof serviceTypeCreateSchema>;

/** `PATCH /api/staff/availability/services/:id`: omitted fields stay (200 → `ServiceType`). */
export const serviceTypePatchSchema = z.strictObject({
	name: nameSchema.optional(),
	description: descriptionSchema.optional(),
	durationMinutes: durationSchema.optional(),
	bufferMinutes: bufferSchema.optional(),
	active: z.boolean({ error: 'must be true or false' }).optional(),
	position: positionSchema.optional()
});

/** A service type edit. */
export type ServiceTypePatch = z.infer<typeof serviceTypePatchSchema>;

/**
 * Answer of `DELETE /api/staff/availability/services/:id`. A service no appointment (nor a guest's
 * hold) names is deleted; one that is named is only deactivated, so those appointments keep their
 * service, length and buffer, and customers are no longer offered it.
 */
export const serviceTypeDeletedSchema = z.discriminatedUnion('outcome', [
	z.object({ outcome: z.literal('deleted'), id: z.string() }),
	z.object({ outcome: z.literal('deactivated'), id: z.string(), serviceType: serviceTypeSchema })
]);

/** What removing a service type did. */
export type ServiceTypeDeleted = z.infer<typeof serviceTypeDeletedSchema>;

/**
 * A postal code as staff type it: letters, digits, spaces and hyphens, 3 to 10 characters,
 * starting and ending with a letter or digit. Kept upper case with single spaces.
 */
export const postalCodeSchema = z
	.string({ error: 'must be a postal code like 53704' })
	.trim()
	.regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]$/, 'must be a postal code like 53704 (letters, digits, spaces and - only)')
	.transform((v) => v.replace(/\s+/g, ' ').toUpperCase());

/**
 * `PUT /api/staff/availability/service-area`: the whole service area, replacing what it was. A
 * radius needs the base's latitude and longitude; with no codes and no radius every address is
 * served. Duplicate codes are kept once. 200 → `ServiceArea`.
 */
export const serviceAreaUpdateSchema = z
	.strictObject({
		postalCodes: z.array(postalCodeSchema).max(SERVICE_AREA_MAX_CODES, `must list at most ${SERVICE_AREA_MAX_CODES} codes`),
		baseLat: z.number({ error: 'must be a latitude' }).min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90').nullable(),
		baseLng: z.number({ error: 'must be a longitude' }).min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180').nullable(),
		radiusKm: z.number({ error: 'must be a distance in km' }).positive('must be more than 0 km').max(1000, 'must be at most 1000 km').nullable()
	})
	.superRefine((v, ctx) => {
		if ((v.baseLat === null) !== (v.baseLng === null)) {
			ctx.addIssue({ code: 'custom', message: 'give both latitude and longitude of the base, or neither', path: [v.baseLat === null ? 'baseLat' : 'baseLng'] });
		} else if (v.radiusKm !== null && v.baseLat === null) {
			ctx.addIssue({ code: 'custom', message: 'a radius needs the base’s latitude and longitude', path: ['baseLat'] });
		}
	});

/** A service area update. */
export type ServiceAreaUpdate = z.infer<typeof serviceAreaUpdateSchema>;

// ---------------------------------------------------------------------------------------------
// The calendar (any staff role)

/**
 * `GET /api/staff/booking/appointments?from=&to=&resourceId=`: appointments with a time that
 * overlaps `[from, to)` (at most CALENDAR_MAX_DAYS), optionally of one resource only.
 */
export const calendarQuerySchema = z
	.strictObject({
		from: z.coerce.number({ error: 'must be an instant in milliseconds' }).pipe(instantSchema),
		to: z.coerce.number({ error: 'must be an instant in milliseconds' }).pipe(instantSchema),
		resourceId: docIdSchema.optional()
	})
	.superRefine((q, ctx) => {
		if (q.to <= q.from) ctx.addIssue({ code: 'custom', message: 'must be after from', path: ['to'] });
		else if (q.to - q.from > CALENDAR_MAX_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', message: `must be at most ${CALENDAR_MAX_DAYS} days after from`, path: ['to'] });
	});

/** A calendar query. */
export type CalendarQuery = z.infer<typeof calendarQuerySchema>;

/** One appointment on the staff calendar. */
export const calendarAppointmentSchema = z.object({
	id: z.string(),
	title: z.string(),
	status: z.enum(APPOINTMENT_STATUSES),
	startsAt: instantSchema,
	endsAt: instantSchema,
	customer: z.object({ id: z.string(), name: z.string() }),
	service: z.object({ id: z.string(), name: z.string() }).nullable(),
	resource: z.object({ id: z.string(), name: z.string() }).nullable(),
	address: z.object({ line1: z.string(), city: z.string(), postalCode: z.string() }).nullable(),
	notes: z.string().nullable()
});

/** A calendar entry. */
export type CalendarAppointment = z.infer<typeof calendarAppointmentSchema>;

/** Answer of the calendar: appointments in start order, and the time off in the range. */
export const calendarResponseSchema = z.object({
	timeZone: z.string(),
	from: instantSchema,
	to: instantSchema,
	appointments: z.array(calendarAppointmentSchema),
	timeOff: z.array(timeOffSchema.extend({ resourceName: z.string() })),
	/** True when the range held more than CALENDAR_MAX_APPOINTMENTS: ask for a shorter one. */
	truncated: z.boolean()
});

/** A calendar answer. */
export type CalendarResponse = z.infer<typeof calendarResponseSchema>;
