import type { FastifyInstance } from 'fastify';
import type { OpenDatabase } from './client.ts';
import type { Writer } from '../sync/writer.ts';

/** Seeds the demo business on an empty database. Returns true when it seeded. */
export async function seedDemoBusiness(_input: { store: OpenDatabase; writer: Writer; dataDir: string; now: number }): Promise<boolean> {
	return false;
}

/** Prints how to sign in as a demo customer and as staff. */
export async function printSignInHelp(_app: FastifyInstance): Promise<void> {}
