import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { demoAccounts, printSignInHelp } from './db/seed.ts';
import { createSignInLink } from './auth/sign-in.ts';

async function main() {
	let config;
	try {
		config = loadConfig();
	} catch (err) {
		if (err instanceof ConfigError) {
			console.error(err.message);
			process.exit(78); // EX_CONFIG
		}
		throw err;
	}

	const app = await buildApp(config);
	let closing = false;
	const shutdown = async (signal: string) => {
		if (closing) return;
		closing = true;
		app.log.info(`${signal} received, closing`);
		const timer = setTimeout(() => process.exit(1), 10_000);
		timer.unref();
		try {
			await app.close();
			process.exit(0);
		} catch (err) {
			app.log.error({ err }, 'error while closing');
			process.exit(1);
		}
	};
	process.on('SIGTERM', () => void shutdown('SIGTERM'));
	process.on('SIGINT', () => void shutdown('SIGINT'));

	await app.listen({ port: config.port, host: config.host });
	if (config.port === 0 && !process.env.PUBLIC_URL) {
		// An ephemeral port: links and Origin checks follow the port actually bound.
		config.port = (app.server.address() as { port: number }).port;
		config.publicUrl = `http://localhost:${config.port}`;
	}
	const shown = config.publicUrl;
	console.log(`\n  Porchlight is running at ${shown}\n`);
	if (config.nodeEnv !== 'production') {
		await printSignInHelp(app);
		// A ready link for the demo customer, so the first look needs no mailbox at all.
		const link = await createSignInLink(app, demoAccounts().customer, 'customer');
		if (link) console.log(`  Or open this one-time sign-in link (valid for 10 minutes):
  ${link}
`);
	}
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
