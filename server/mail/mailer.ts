import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import nodemailer, { type Transporter } from 'nodemailer';
import { getBusiness } from '../branding/service.ts';

/** A mail address with a display name; nodemailer quotes the name as needed. */
export interface MailAddress {
	name: string;
	address: string;
}

/** One outgoing message. Send both parts: clients that block HTML still get the text. */
export interface OutgoingMail {
	to: string;
	subject: string;
	text: string;
	html?: string;
	/** Defaults to MAIL_FROM, or the business's name at no-reply@<host of PUBLIC_URL>. */
	from?: string | MailAddress;
}

/** What a sent message became: the SMTP server's reply, or the .eml file written to the outbox. */
export interface SentMail {
	messageId: string;
	/** Set when there is no SMTP_URL and the message went to `DATA_DIR/outbox/`. */
	outboxFile?: string;
}

interface MailerOptions {
	smtpUrl?: string;
	outboxDir: string;
	defaultFrom: () => string | MailAddress;
	log: FastifyBaseLogger;
	clock: () => number;
}

/**
 * Sends mail through SMTP when SMTP_URL is set; otherwise writes each message as an .eml file to
 * `DATA_DIR/outbox/` and logs its text, so a fresh install can sign in without a mail server.
 */
export class Mailer {
	readonly mode: 'smtp' | 'outbox';
	readonly outboxDir: string;
	#transport: Transporter;
	#pending = new Set<Promise<unknown>>();
	#closed = false;
	#options: MailerOptions;

	constructor(options: MailerOptions) {
		this.#options = options;
		this.outboxDir = options.outboxDir;
		if (options.smtpUrl) {
			this.mode = 'smtp';
			this.#transport = nodemailer.createTransport(options.smtpUrl);
		} else {
			this.mode = 'outbox';
			this.#transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
		}
	}

	/** Sends one message. Rejects when delivery fails; callers that send after replying log it. */
	send(mail: OutgoingMail): Promise<SentMail> {
		// After close the data directory may be gone; writing would recreate it.
		if (this.#closed) return Promise.reject(new Error('the mailer is closed'));
		const done = this.#send(mail);
		this.#pending.add(done);
		const forget = () => this.#pending.delete(done);
		done.then(forget, forget);
		return done;
	}

	async #send(mail: OutgoingMail): Promise<SentMail> {
		const message = { from: mail.from ?? this.#options.defaultFrom(), to: mail.to, subject: mail.subject, text: mail.text, html: mail.html };
		const info = await this.#transport.sendMail(message);
		if (this.mode === 'smtp') return { messageId: info.messageId };

		fs.mkdirSync(this.outboxDir, { recursive: true });
		// Sortable by time; the random part keeps two messages in the same millisecond apart.
		const stamp = new Date(this.#options.clock()).toISOString().replace(/[:.]/g, '-');
		const file = path.join(this.outboxDir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
		await fs.promises.writeFile(file, info.message as Buffer, { mode: 0o600 });
		this.#options.log.info({ to: mail.to, subject: mail.subject, file }, `mail saved to the outbox (no SMTP_URL set):\n${mail.text}`);
		return { messageId: info.messageId, outboxFile: file };
	}

	/** Waits for messages still being sent, then closes the SMTP connection. */
	async close(): Promise<void> {
		this.#closed = true;
		await Promise.allSettled([...this.#pending]);
		this.#transport.close();
	}
}

declare module 'fastify' {
	interface FastifyInstance {
		/** Outgoing mail: SMTP when SMTP_URL is set, otherwise `DATA_DIR/outbox/` and the log. */
		mailer: Mailer;
	}
}

/** The sender when MAIL_FROM is not set: `"<business name>" <no-reply@<host of PUBLIC_URL>>`. */
export function defaultSender(businessName: string, publicUrl: string): MailAddress {
	return { name: businessName, address: `no-reply@${new URL(publicUrl).hostname}` };
}

const plugin: FastifyPluginAsync = async (app) => {
	const mailer = new Mailer({
		smtpUrl: app.config.smtpUrl,
		outboxDir: path.join(app.config.dataDir, 'outbox'),
		defaultFrom: () => app.config.mailFrom ?? defaultSender(getBusiness(app.store.db, app.clock()).name, app.config.publicUrl),
		log: app.log,
		clock: app.clock
	});
	app.decorate('mailer', mailer);
	// Registered after the database's own onClose hook, so it runs first (hooks run in reverse):
	// mail still being composed can read the business name.
	app.addHook('onClose', async () => {
		await mailer.close();
	});
};

/** Decorates `app.mailer`. */
export const mailPlugin = fp(plugin, { name: 'porchlight-mail', dependencies: ['porchlight-db'] });
