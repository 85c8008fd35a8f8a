import path from 'node:path';
import { z } from 'zod';

const port = z.coerce
	.number({ error: 'must be a whole number between 0 and 65535' })
	.int('must be a whole number between 0 and 65535')
	.min(0, 'must be a whole number between 0 and 65535')
	.max(65535, 'must be a whole number between 0 and 65535');

const optionalText = z
	.string()
	.trim()
	.transform((v) => (v === '' ? undefined : v))
	.optional();

const envSchema = z
	.object({
		NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
		PORT: port.default(3000),
		HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
		DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
		PUBLIC_URL: optionalText.pipe(
			z
				.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. https://account.example.com' })
				.optional()
		),
		LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }).default('info'),
		SEED_DEMO: z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional(),
		SMTP_URL: optionalText.pipe(z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587' }).optional()),
		MAIL_FROM: optionalText.pipe(z.string().optional()),
		STRIPE_SECRET_KEY: optionalText.pipe(z.string().regex(/^(sk|rk)_(test|live)_/, 'must start with sk_test_, sk_live_, rk_test_ or rk_live_').optional()),
		STRIPE_PUBLISHABLE_KEY: optionalText.pipe(z.string().regex(/^pk_(test|live)_/, 'must start with pk_test_ or pk_live_').optional()),
		STRIPE_WEBHOOK_SECRET: optionalText.pipe(z.string().regex(/^whsec_/, 'must start with whsec_').optional()),
		CLIENT_DIR: z.string().trim().min(1).default('./build')
	})
	.superRefine((env, ctx) => {
		const stripe = ['STRIPE_SECRET_KEY', 'STRIPE_PUBLISHABLE_KEY', 'STRIPE_WEBHOOK_SECRET'] as const;
		const set = stripe.filter((k) => env[k] !== undefined);
		if (set.length > 0 && set.length < stripe.length) {
			for (const k of stripe.filter((k) => env[k] === undefined)) {
				ctx.addIssue({ code: 'custom', path: [k], message: `must be set together with ${set.join(', ')}` });
			}
		}
	});

/** The server's settings, all read from the environment once at start. */
export interface Config {
	nodeEnv: 'development' | 'production' | 'test';
	port: number;
	host: string;
	/** Absolute path holding the SQLite file and uploaded files. */
	dataDir: string;
	/** Origin customers use, without a trailing slash, e.g. https://account.example.com. */
	publicUrl: string;
	logLevel: string;
	seedDemo: boolean;
	smtpUrl?: string;
	mailFrom?: string;
	stripe?: { secretKey: string; publishableKey: string; webhookSecret: string };
	/** Absolute path of the built client (adapter-static output). */
	clientDir: string;
}

/** A setting that failed validation; the message names every bad variable. */
export class ConfigError extends Error {
	constructor(readonly problems: { variable: string; message: string }[]) {
		super(
			'Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')
		);
		this.name = 'ConfigError';
	}
}

/** Parses and validates the environment. Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
	const parsed = envSchema.safeParse(env);
	if (!parsed.success) {
		throw new ConfigError(
			parsed.error.issues.map((i) => {
				const variable = String(i.path[0] ?? 'environment');
				const raw = env[variable];
				return { variable, message: raw === undefined ? i.message : `${i.message} (got ${JSON.stringify(raw)})` };
			})
		);
	}
	const e = parsed.data;
	const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
	return {
		nodeEnv: e.NODE_ENV,
		port: e.PORT,
		host: e.HOST,
		dataDir: path.resolve(cwd, e.DATA_DIR),
		publicUrl: new URL(publicUrl).origin,
		logLevel: e.LOG_LEVEL,
		seedDemo: e.SEED_DEMO === undefined ? e.NODE_ENV !== 'production' : e.SEED_DEMO === 'true' || e.SEED_DEMO === '1',
		smtpUrl: e.SMTP_URL,
		mailFrom: e.MAIL_FROM,
		stripe:
			e.STRIPE_SECRET_KEY && e.STRIPE_PUBLISHABLE_KEY && e.STRIPE_WEBHOOK_SECRET
				? { secretKey: e.STRIPE_SECRET_KEY, publishableKey: e.STRIPE_PUBLISHABLE_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET }
				: undefined,
		clientDir: path.resolve(cwd, e.CLIENT_DIR)
	};
}

/** Settings for tests and tools: defaults plus overrides, no environment read. */
export function testConfig(overrides: Partial<Config> & { dataDir: string }): Config {
	return { ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false' }), ...overrides };
}
