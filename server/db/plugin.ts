import fp from 'fastify-plugin';
import { openDatabase, type OpenDatabase } from './client.ts';
import { ChangeFeed } from '../sync/changes.ts';
import { Writer } from '../sync/writer.ts';
import { seedDemoBusiness } from './seed.ts';

declare module 'fastify' {
	interface FastifyInstance {
		/** The open SQLite database (drizzle + raw handle + database id). */
		store: OpenDatabase;
		/** Committed changes to replicated rows, for the sync stream. */
		changes: ChangeFeed;
		/** The one write helper for replicated rows. */
		writer: Writer;
	}
}

/** Opens the database, applies migrations, seeds the demo business when asked, closes on shutdown. */
export const dbPlugin = fp(
	async (app) => {
		const store = openDatabase(app.config.dataDir);
		const changes = new ChangeFeed();
		const writer = new Writer(store, changes, app.clock, (err) => app.log.error({ err }, 'building stored sync documents failed'));
		app.decorate('store', store);
		app.decorate('changes', changes);
		app.decorate('writer', writer);
		if (app.config.seedDemo) {
			const seeded = await seedDemoBusiness({ store, writer, dataDir: app.config.dataDir, now: app.clock() });
			if (seeded) app.log.info('seeded the demo business');
		}
		app.addHook('onClose', async () => {
			store.sqlite.close();
		});
	},
	{ name: 'porchlight-db', decorators: { fastify: ['config', 'clock'] } }
);
