import { describe, expect, test } from 'vitest';
import { haversineKm, judgeServiceArea, normalizePostalCode, postalCodeListed, type ServiceArea } from '../../shared/booking/service-area.ts';

const MADISON = { lat: 43.0921, lng: -89.3537 };

describe('haversine', () => {
	test.each([
		['Madison → Milwaukee', MADISON, { lat: 43.0389, lng: -87.9065 }, 117.6],
		['Madison → Chicago Loop', MADISON, { lat: 41.8781, lng: -87.6298 }, 195.0],
		['London → Paris', { lat: 51.5074, lng: -0.1278 }, { lat: 48.8566, lng: 2.3522 }, 343.6],
		['the same point', MADISON, MADISON, 0]
	])('%s is about %s km', (_name, a, b, km) => {
		expect(haversineKm(a.lat, a.lng, b.lat, b.lng)).toBeCloseTo(km, 0);
	});
});

describe('postal codes', () => {
	test.each([
		['53704', ['53704'], true],
		[' 53704 ', ['53704'], true],
		['53704-1234', ['53704'], true],
		['53705', ['53704'], false],
		['537041', ['53704'], false],
		['sw1a 1aa', ['SW1A1AA'], true],
		['SW1A 1AA', ['sw1a 1aa'], true],
		['SW1A 2AA', ['SW1A 1AA'], false],
		['53704', [], false]
	] as const)('%s on %j: %s', (code, list, expected) => {
		expect(postalCodeListed(code, list)).toBe(expected);
	});

	test('normalising removes spaces and upper-cases', () => {
		expect(normalizePostalCode(' ec1a  1bb ')).toBe('EC1A1BB');
	});
});

describe('judgeServiceArea', () => {
	const both: ServiceArea = { postalCodes: ['53704', '53590'], baseLat: MADISON.lat, baseLng: MADISON.lng, radiusKm: 35 };
	const radiusOnly: ServiceArea = { ...both, postalCodes: [] };
	const listOnly: ServiceArea = { postalCodes: ['53704'], baseLat: null, baseLng: null, radiusKm: null };
	const none: ServiceArea = { postalCodes: [], baseLat: null, baseLng: null, radiusKm: null };
	const milwaukee = { postalCode: '53202', lat: 43.0389, lng: -87.9065 };
	const middleton = { postalCode: '53562', lat: 43.0972, lng: -89.5043 };

	test.each([
		['a listed postal code', both, { postalCode: '53704' }, { inside: true, by: 'postal_code' }],
		['listed although past the radius (the list pokes out)', both, { postalCode: '53590', lat: 43.5, lng: -89.0 }, { inside: true, by: 'postal_code' }],
		['inside the radius though not listed', both, middleton, { inside: true, by: 'radius' }],
		['neither listed nor within the radius', both, milwaukee, { inside: false }],
		['a typed postal code that is not listed (no coordinates)', both, { postalCode: '53202' }, { inside: false, distanceKm: null }],
		['radius only, inside', radiusOnly, middleton, { inside: true, by: 'radius' }],
		['radius only, outside', radiusOnly, milwaukee, { inside: false }],
		['radius only and no coordinates: the office judges', radiusOnly, { postalCode: '53202' }, { inside: true, by: 'unknown' }],
		['list only, listed', listOnly, { postalCode: '53704' }, { inside: true, by: 'postal_code' }],
		['list only, not listed, coordinates ignored', listOnly, middleton, { inside: false, distanceKm: null }],
		['no rules at all: everywhere is served', none, milwaukee, { inside: true, by: 'unrestricted' }]
	] as const)('%s', (_name, area, place, expected) => {
		expect(judgeServiceArea(area, place)).toMatchObject(expected);
	});

	test('an outside verdict carries the distance when it was measured', () => {
		const verdict = judgeServiceArea(both, milwaukee);
		expect(verdict.inside).toBe(false);
		if (!verdict.inside) expect(verdict.distanceKm).toBeCloseTo(117.6, 0);
	});
});
