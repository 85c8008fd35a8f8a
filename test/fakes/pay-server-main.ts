import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';

/*
 * The server as its own process, pointed at a fake Stripe (FAKE_STRIPE_PORT), so a test can
 * SIGKILL it in the middle of a payment and start it again on the same data. `main.ts` has no
 * way to aim stripe-node elsewhere, and should not.
 */
const config = loadConfig();
const app = await buildApp(config, { stripeApi: { host: '127.0.0.1', port: Number(process.env.FAKE_STRIPE_PORT), protocol: 'http' } });
await app.listen({ port: config.port, host: config.host });
