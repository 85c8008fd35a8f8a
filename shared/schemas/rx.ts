import { z } from 'zod';
import { COLLECTIONS, type CollectionName } from '../protocol/collections.ts';
import { docSchemas } from './index.ts';

/**
 * An RxDB JSON schema, typed loosely so `shared/` needs nothing from rxdb. It is structurally
 * what `RxJsonSchema<T>` accepts; the client casts it.
 */
export interface RxJsonSchemaLike {
	title: string;
	version: number;
	primaryKey: 'id';
	type: 'object';
	properties: Record<string, Record<string, unknown>>;
	required: string[];
	indexes?: (string | string[])[];
	additionalProperties?: boolean;
}

/**
 * RxDB schema version of each collection. Bump one when its zod schema changes, and give the
 * client's collection a migration strategy for the new version.
 */
export const RX_SCHEMA_VERSIONS: Record<CollectionName, number> = {
	profile: 0,
	invoices: 0,
	documents: 0,
	messages: 0,
	appointments: 0,
	quotes: 0
};

/** Fields the device queries by, per collection (each must be a required, non-null field). */
export const RX_INDEXES: Record<CollectionName, string[]> = {
	profile: [],
	invoices: [],
	documents: [],
	messages: ['sentAt'],
	appointments: [],
	quotes: []
};

type JsonSchema = Record<string, unknown>;

/**
 * Derives the RxDB JSON schema of a zod object schema: draft-07 JSON schema from zod, then what
 * RxDB asks of it — a primary key with a maxLength, and indexed fields that are bounded (strings
 * with maxLength; numbers with minimum, maximum and multipleOf).
 */
export function toRxSchema(title: string, schema: z.ZodObject, options: { version: number; indexes?: string[] }): RxJsonSchemaLike {
	const json = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'throw' }) as JsonSchema;
	const properties = JSON.parse(JSON.stringify(json.properties)) as Record<string, JsonSchema>;
	const required = [...((json.required as string[] | undefined) ?? [])];
	if (!properties.id || typeof properties.id.maxLength !== 'number') throw new Error(`${title}: the primary key "id" needs a maxLength`);
	if (!required.includes('id')) throw new Error(`${title}: the primary key "id" must be required`);
	const indexes = options.indexes ?? [];
	for (const field of indexes) {
		const prop = properties[field];
		if (!prop) throw new Error(`${title}: indexed field "${field}" does not exist`);
		if (!required.includes(field)) throw new Error(`${title}: indexed field "${field}" must be required`);
		if (prop.type === 'integer' || prop.type === 'number') {
			if (typeof prop.minimum !== 'number' || typeof prop.maximum !== 'number') throw new Error(`${title}: indexed number "${field}" needs minimum and maximum`);
			prop.multipleOf ??= prop.type === 'integer' ? 1 : 0.000001;
		} else if (prop.type === 'string') {
			if (typeof prop.maxLength !== 'number') {
				if (!Array.isArray(prop.enum)) throw new Error(`${title}: indexed string "${field}" needs a maxLength`);
				prop.maxLength = Math.max(...(prop.enum as string[]).map((v) => v.length));
			}
		} else {
			throw new Error(`${title}: indexed field "${field}" must be a string or a number`);
		}
	}
	return {
		title,
		version: options.version,
		primaryKey: 'id',
		type: 'object',
		properties,
		required,
		...(indexes.length > 0 ? { indexes } : {}),
		// RxDB adds its own fields (_deleted, _rev, _meta, _attachments) to `properties`, so a
		// closed top level still accepts them while refusing stray fields such as customerId.
		additionalProperties: false
	};
}

/** The RxDB JSON schema of every replicated collection, derived from the shared zod schemas. */
export const rxSchemas: Record<CollectionName, RxJsonSchemaLike> = Object.fromEntries(
	COLLECTIONS.map((c) => [c, toRxSchema(c, docSchemas[c], { version: RX_SCHEMA_VERSIONS[c], indexes: RX_INDEXES[c] })])
) as Record<CollectionName, RxJsonSchemaLike>;
