import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

describe('loadConfig', () => {
	test('embedded defaults make an empty environment work', () => {
		const c = loadConfig({}, '/srv/app');
		expect(c).toMatchObject({ nodeEnv: 'development', port: 3000, host: '0.0.0.0', publicUrl: 'http://localhost:3000', seedDemo: true });
		expect(c.dataDir).toBe(path.resolve('/srv/app', 'data'));
		expect(c.stripe).toBeUndefined();
		expect(c.smtpUrl).toBeUndefined();
	});

	test('production does not seed the demo business unless asked', () => {
		expect(loadConfig({ NODE_ENV: 'production' }).seedDemo).toBe(false);
		expect(loadConfig({ NODE_ENV: 'production', SEED_DEMO: 'true' }).seedDemo).toBe(true);
	});

	test('PUBLIC_URL is reduced to its origin', () => {
		expect(loadConfig({ PUBLIC_URL: 'https://account.example.com/' }).publicUrl).toBe('https://account.example.com');
	});

	test('empty optional settings count as unset', () => {
		const c = loadConfig({ SMTP_URL: '', STRIPE_SECRET_KEY: ' ', PUBLIC_URL: '' });
		expect(c.smtpUrl).toBeUndefined();
		expect(c.stripe).toBeUndefined();
	});

	test('Stripe keys come as a set', () => {
		const c = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_a', STRIPE_PUBLISHABLE_KEY: 'pk_test_b', STRIPE_WEBHOOK_SECRET: 'whsec_c' });
		expect(c.stripe).toEqual({ secretKey: 'sk_test_a', publishableKey: 'pk_test_b', webhookSecret: 'whsec_c' });
	});

	test.each([
		[{ PORT: 'abc' }, 'PORT'],
		[{ PORT: '-1' }, 'PORT'],
		[{ PORT: '3.5' }, 'PORT'],
		[{ PUBLIC_URL: 'ftp://x.example' }, 'PUBLIC_URL'],
		[{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
		[{ SEED_DEMO: 'maybe' }, 'SEED_DEMO'],
		[{ SMTP_URL: 'mail.example.com' }, 'SMTP_URL'],
		[{ STRIPE_SECRET_KEY: 'pk_test_wrong', STRIPE_PUBLISHABLE_KEY: 'pk_test_b', STRIPE_WEBHOOK_SECRET: 'whsec_c' }, 'STRIPE_SECRET_KEY'],
		[{ STRIPE_WEBHOOK_SECRET: 'whsec_c' }, 'STRIPE_SECRET_KEY']
	])('%j is refused, naming %s', (env, variable) => {
		let error: unknown;
		try {
			loadConfig(env);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ConfigError);
		expect((error as ConfigError).problems.map((p) => p.variable)).toContain(variable);
		expect((error as ConfigError).message).toContain(variable);
	});
});
