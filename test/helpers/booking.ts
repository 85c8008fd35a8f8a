import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { getBusiness } from '../../server/branding/service.ts';
import * as s from '../../server/db/schema.ts';
import { zonedTimeToUtc } from '../../shared/time.ts';
import type { TestServer } from './app.ts';
import type { Answer } from './sync.ts';

/*
 * A bookable business for booking tests: Chicago time, instant booking, resources with weekly
 * hours, service types, a service area. Times in tests are written as local wall-clock times
 * through `at(date, 'HH:MM')`.
 */

/** Tuesday 2026-05-12, 10:00 in Chicago (15:00Z): the fake clock's default start. */
export const TUESDAY_10AM = Date.UTC(2026, 4, 12, 15, 0, 0);

/** The zone booking tests use. */
export const ZONE = 'America/Chicago';

/** The instant of a wall-clock time in the test business's zone. */
export function at(date: string, hhmm: string, timeZone = ZONE): number {
	return zonedTimeToUtc(date, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)), timeZone);
}

/** Booking rules to set on the business row. */
export interface BusinessRules {
	timeZone?: string;
	instantBooking?: boolean;
	bookingLeadHours?: number;
	bookingHorizonDays?: number;
	cancelCutoffHours?: number;
	baseLat?: number | null;
	baseLng?: number | null;
	serviceRadiusKm?: number | null;
	postalCodes?: string[];
}

/** Sets the business's booking rules (defaults: Chicago, instant, no lead, 60 days, 24 h cutoff, postal code 62701). */
export function setRules(app: FastifyInstance, rules: BusinessRules = {}): void {
	const db = app.store.db;
	getBusiness(db, app.clock());
	db.update(s.business)
		.set({
			name: 'Test Plumbing',
			phone: '(555) 010-0000',
			email: 'office@plumbing.test',
			timeZone: rules.timeZone ?? ZONE,
			instantBooking: rules.instantBooking ?? true,
			bookingLeadHours: rules.bookingLeadHours ?? 0,
			bookingHorizonDays: rules.bookingHorizonDays ?? 60,
			cancelCutoffHours: rules.cancelCutoffHours ?? 24,
			baseLat: rules.baseLat ?? null,
			baseLng: rules.baseLng ?? null,
			serviceRadiusKm: rules.serviceRadiusKm ?? null
		})
		.where(eq(s.business.id, 1))
		.run();
	db.delete(s.servicePostalCodes).run();
	for (const postalCode of rules.postalCodes ?? ['62701']) db.insert(s.servicePostalCodes).values({ postalCode }).run();
}

/** A resource working the given weekdays between two wall-clock times (default Mon–Fri 8:00–12:00). */
export function addResource(app: FastifyInstance, opts: { name?: string; weekdays?: number[]; from?: string; to?: string; id?: string } = {}): string {
	const id = opts.id ?? randomUUID();
	const db = app.store.db;
	db.insert(s.resources).values({ id, name: opts.name ?? `Tech ${id.slice(0, 4)}`, kind: 'technician', createdAt: app.clock() }).run();
	const m = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
	for (const weekday of opts.weekdays ?? [1, 2, 3, 4, 5]) {
		db.insert(s.weeklyHours).values({ id: randomUUID(), resourceId: id, weekday, startMinute: m(opts.from ?? '08:00'), endMinute: m(opts.to ?? '12:00') }).run();
	}
	return id;
}

/** Time off for a resource. */
export function addTimeOff(app: FastifyInstance, resourceId: string, startsAt: number, endsAt: number): void {
	app.store.db.insert(s.timeOff).values({ id: randomUUID(), resourceId, startsAt, endsAt }).run();
}

/** A bookable service (default one hour, no buffer). */
export function addService(app: FastifyInstance, opts: { name?: string; durationMinutes?: number; bufferMinutes?: number; active?: boolean } = {}): string {
	const id = randomUUID();
	app.store.db
		.insert(s.serviceTypes)
		.values({ id, name: opts.name ?? 'Drain cleaning', durationMinutes: opts.durationMinutes ?? 60, bufferMinutes: opts.bufferMinutes ?? 0, active: opts.active ?? true })
		.run();
	return id;
}

/** Another service address for a customer. */
export function addAddress(app: FastifyInstance, customerId: string, opts: { postalCode?: string; lat?: number; lng?: number } = {}): string {
	const id = randomUUID();
	app.store.db
		.insert(s.serviceAddresses)
		.values({ id, customerId, line1: '9 Far Rd', city: 'Elsewhere', region: 'WI', postalCode: opts.postalCode ?? '99999', lat: opts.lat ?? null, lng: opts.lng ?? null, createdAt: app.clock() })
		.run();
	return id;
}

/** An HTTP call from the portal's own origin, answered with status, parsed body and text. */
export async function call(server: TestServer, method: string, path: string, opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer & { headers: Headers }> {
	const headers: Record<string, string> = { origin: server.config.publicUrl, ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers };
	if (opts.body !== undefined) headers['content-type'] = 'application/json';
	const res = await fetch(`${server.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
	const text = await res.text();
	let body: unknown;
	try {
		body = text ? JSON.parse(text) : undefined;
	} catch {
		body = text;
	}
	return { status: res.status, body, text, headers: res.headers };
}

/** `GET /api/booking/slots` with a query. */
export function getSlots(server: TestServer, query: Record<string, string>, cookie?: string) {
	return call(server, 'GET', `/api/booking/slots?${new URLSearchParams(query)}`, { cookie });
}

/** The appointment rows of a customer, straight from the database. */
export function appointmentsOf(app: FastifyInstance, customerId: string) {
	return app.store.db.select().from(s.appointments).where(eq(s.appointments.customerId, customerId)).all();
}
