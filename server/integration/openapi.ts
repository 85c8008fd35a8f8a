import { z } from 'zod';
import { errorBodySchema } from '../../shared/protocol/errors.ts';
import {
	externalIdSchema,
	v1AppointmentSchema,
	v1AppointmentUpsertSchema,
	v1CustomerSchema,
	v1CustomerUpsertSchema,
	v1DocumentSchema,
	v1DocumentUpsertSchema,
	v1InvoiceSchema,
	v1InvoiceUpsertSchema,
	v1QuoteSchema,
	v1QuoteUpsertSchema,
	v1UpsertResultSchema,
	webhookEnvelopeSchema,
	WEBHOOK_EVENTS,
	WEBHOOK_SIGNATURE_HEADER
} from '../../shared/protocol/integration.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.ts';

/*
 * The OpenAPI 3.1 description of `/api/v1`, generated from the very zod schemas the routes
 * validate with (zod 4's JSON Schema output is draft 2020-12, which OpenAPI 3.1 uses as is), so
 * the document cannot drift from the server.
 */

type JsonSchema = Record<string, unknown>;

const RESOURCES = [
	{ path: 'customers', name: 'Customer', tag: 'Customers', upsert: v1CustomerUpsertSchema, data: v1CustomerSchema, what: 'a customer' },
	{ path: 'invoices', name: 'Invoice', tag: 'Invoices', upsert: v1InvoiceUpsertSchema, data: v1InvoiceSchema, what: 'an invoice with its lines' },
	{ path: 'documents', name: 'Document', tag: 'Documents', upsert: v1DocumentUpsertSchema, data: v1DocumentSchema, what: 'a PDF document' },
	{ path: 'appointments', name: 'Appointment', tag: 'Appointments', upsert: v1AppointmentUpsertSchema, data: v1AppointmentSchema, what: 'an appointment' },
	{ path: 'quotes', name: 'Quote', tag: 'Quotes', upsert: v1QuoteUpsertSchema, data: v1QuoteSchema, what: 'a quote with its lines, options and choices' }
] as const;

/** A schema as a standalone JSON Schema (its `$schema` is the document's `jsonSchemaDialect`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
	const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
	delete out.$schema;
	return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function errorResponse(description: string) {
	return { description, content: { 'application/json': { schema: ref('Error') } } };
}

let cached: { key: string; doc: JsonSchema } | null = null;

/** The OpenAPI document for a portal at `publicUrl`. */
export function openApiDocument(publicUrl: string, businessName: string): JsonSchema {
	const key = `${publicUrl}\n${businessName}`;
	if (cached?.key === key) return cached.doc;

	const schemas: Record<string, JsonSchema> = { Error: jsonSchema(errorBodySchema, 'output'), WebhookEnvelope: jsonSchema(webhookEnvelopeSchema, 'output') };
	const paths: Record<string, unknown> = {};
	const externalIdParam = {
		name: 'externalId',
		in: 'path',
		required: true,
		description: "Your system's id of the record.",
		schema: jsonSchema(externalIdSchema, 'input')
	};
	for (const r of RESOURCES) {
		schemas[`${r.name}Upsert`] = jsonSchema(r.upsert, 'input');
		schemas[r.name] = jsonSchema(r.data, 'output');
		schemas[`${r.name}Result`] = jsonSchema(v1UpsertResultSchema(z.object({})), 'output');
		(schemas[`${r.name}Result`] as { properties: Record<string, unknown> }).properties.data = ref(r.name);
		paths[`/${r.path}/{externalId}`] = {
			parameters: [externalIdParam],
			get: {
				operationId: `get${r.name}`,
				tags: [r.tag],
				summary: `Read ${r.what} by your id`,
				responses: {
					200: { description: 'Found.', content: { 'application/json': { schema: { type: 'object', properties: { data: ref(r.name) }, required: ['data'] } } } },
					401: errorResponse('No API key, or an unknown or revoked one.'),
					404: errorResponse('No such record.')
				}
			},
			put: {
				operationId: `upsert${r.name}`,
				tags: [r.tag],
				summary: `Create or update ${r.what} by your id`,
				description:
					'Idempotent: the same body twice leaves one record, and a body that changes nothing writes nothing (`changed: false`). Customers see the change in their portal at once.',
				requestBody: { required: true, content: { 'application/json': { schema: ref(`${r.name}Upsert`) } } },
				responses: {
					200: { description: 'Updated, or already so.', content: { 'application/json': { schema: ref(`${r.name}Result`) } } },
					201: { description: 'Created.', content: { 'application/json': { schema: ref(`${r.name}Result`) } } },
					400: errorResponse('Invalid input; `field` names the offending field and nothing was changed.'),
					401: errorResponse('No API key, or an unknown or revoked one.'),
					409: errorResponse('The change conflicts with the record here (e.g. a paid invoice or an approved quote cannot change).'),
					...(r.path === 'documents' ? { 413: errorResponse('The PDF is larger than 20 MB.'), 415: errorResponse('The file is not a PDF.') } : {})
				}
			}
		};
	}

	const doc: JsonSchema = {
		openapi: '3.1.0',
		jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
		info: {
			title: `${businessName} — Porchlight integration API`,
			version: String(PROTOCOL_VERSION),
			description: [
				'Feed the customer portal from your other systems (invoicing, quoting, job management).',
				'Authenticate with an API key created by the owner in the staff console: `Authorization: Bearer pl_live_…`.',
				'Records are addressed by your own ids; every PUT is an idempotent upsert. Money is in integer minor units (cents); instants are ISO 8601.',
				`Outgoing webhooks (configured in the console) POST a \`WebhookEnvelope\` for the events ${WEBHOOK_EVENTS.join(', ')}, signed in the \`${WEBHOOK_SIGNATURE_HEADER}\` header as \`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>\`; failed deliveries are retried with exponential backoff.`,
				'This document is public; every operation in it needs a key.'
			].join('\n\n')
		},
		servers: [{ url: `${publicUrl}/api/v1` }],
		security: [{ apiKey: [] }],
		tags: RESOURCES.map((r) => ({ name: r.tag })),
		paths,
		components: {
			schemas,
			securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`pl_live_…`).' } }
		}
	};
	cached = { key, doc };
	return doc;
}
