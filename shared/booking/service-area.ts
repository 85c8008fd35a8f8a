/*
 * Where the business works: a list of postal codes, a radius around its base, or both. Pure
 * functions so the device can tell a customer before they try to book.
 */

const EARTH_RADIUS_KM = 6371.0088;

/** The business's service area as stored. Any part may be missing. */
export interface ServiceArea {
	postalCodes: readonly string[];
	baseLat: number | null;
	baseLng: number | null;
	radiusKm: number | null;
}

/** What is known about the place to be served. */
export interface PlaceToServe {
	postalCode: string | null;
	lat?: number | null;
	lng?: number | null;
}

/** Why a place is or is not served. */
export type AreaVerdict =
	| { inside: true; by: 'postal_code' | 'radius' | 'unrestricted' | 'unknown' }
	| { inside: false; distanceKm: number | null };

/** Great-circle distance between two points in kilometres (haversine). */
export function haversineKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
	const rad = Math.PI / 180;
	const dLat = (lat2 - lat1) * rad;
	const dLng = (lng2 - lng1) * rad;
	const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
	return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A postal code as compared: upper case without spaces ("sw1a 1aa" → "SW1A1AA"). */
export function normalizePostalCode(code: string): string {
	return code.replace(/\s+/g, '').toUpperCase();
}

/** Whether `code` is on the list; a ZIP+4 ("53704-1234") matches its five-digit ZIP. */
export function postalCodeListed(code: string, list: readonly string[]): boolean {
	const c = normalizePostalCode(code);
	return list.some((entry) => {
		const e = normalizePostalCode(entry);
		return e !== '' && (c === e || c.startsWith(`${e}-`));
	});
}

/**
 * Decides whether a place is served. The place is inside when any rule that can judge it says so:
 * its postal code is listed, or its coordinates lie within the radius of the base. When the
 * business set no rule, everywhere is inside; when it set rules but none can judge this place (a
 * radius only, and no coordinates — geocoding is out of scope), the place is let through as
 * `unknown` for the office to judge rather than refused on a guess.
 */
export function judgeServiceArea(area: ServiceArea, place: PlaceToServe): AreaVerdict {
	const hasList = area.postalCodes.length > 0;
	const hasRadius = area.baseLat !== null && area.baseLng !== null && area.radiusKm !== null && area.radiusKm > 0;
	if (!hasList && !hasRadius) return { inside: true, by: 'unrestricted' };
	let judged = false;
	if (hasList && place.postalCode) {
		judged = true;
		if (postalCodeListed(place.postalCode, area.postalCodes)) return { inside: true, by: 'postal_code' };
	}
	let distanceKm: number | null = null;
	if (hasRadius && typeof place.lat === 'number' && typeof place.lng === 'number') {
		judged = true;
		distanceKm = haversineKm(area.baseLat!, area.baseLng!, place.lat, place.lng);
		if (distanceKm <= area.radiusKm!) return { inside: true, by: 'radius' };
	}
	return judged ? { inside: false, distanceKm } : { inside: true, by: 'unknown' };
}
