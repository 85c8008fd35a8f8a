import { afterEach, expect, test } from 'vitest';
import { freePort, startServer, type TestServer } from '../helpers/app.ts';
import { startSmtpServer, type SmtpCapture } from '../helpers/smtp.ts';
import { addCustomer, sameSiteHeaders, signIn } from '../helpers/session.ts';
import { getBusiness } from '../../server/branding/service.ts';
import { business } from '../../server/db/schema.ts';

let server: TestServer | undefined;
let smtp: SmtpCapture | undefined;
afterEach(async () => {
	await server?.close();
	await smtp?.close();
	server = undefined;
	smtp = undefined;
});

function start(s: TestServer, email: string) {
	return fetch(`${s.url}/api/auth/start`, { method: 'POST', headers: sameSiteHeaders(s), body: JSON.stringify({ email }) });
}

function brand(s: TestServer, values: Partial<typeof business.$inferInsert>) {
	getBusiness(s.app.store.db, s.app.clock());
	s.app.store.db.update(business).set(values).run();
}

test('the sign-in mail is branded, says what to do, and escapes the business name in HTML', async () => {
	smtp = await startSmtpServer();
	server = await startServer({ smtpUrl: smtp.url });
	brand(server, { name: `Ben & Jerry's <b>Plumbing</b>`, primaryColor: '#0b6e4f', accentColor: '#f2c14e', phone: '555-0100', email: 'office@benjerry.example' });
	addCustomer(server, { email: 'jane@example.com' });
	expect((await start(server, 'jane@example.com')).status).toBe(200);
	const mail = await smtp.waitFor(() => true);

	expect(mail.partTypes).toEqual(['text/plain', 'text/html']);
	expect(mail.from).toContain(`no-reply@127.0.0.1`);
	expect(mail.from).toContain('Ben & Jerry');
	expect(mail.subject).toBe(`${mail.code} is your Ben & Jerry's <b>Plumbing</b> sign-in code`);

	for (const body of [mail.text, mail.html]) {
		expect(body).toContain(mail.code);
		expect(body).toMatch(/type this code in the app/);
		expect(body).toMatch(/expire in 10 minutes/);
		expect(body).toMatch(/ask to sign in\? Ignore this email/);
		expect(body).toContain('555-0100');
	}
	expect(mail.text).toContain(mail.link);
	expect(mail.text).toContain(`Ben & Jerry's <b>Plumbing</b>`);

	expect(mail.html).toContain('Ben &amp; Jerry&#39;s &lt;b&gt;Plumbing&lt;/b&gt;');
	expect(mail.html).not.toContain('<b>Plumbing</b>');
	expect(mail.html).toContain('#0b6e4f');
	expect(mail.html).toContain('#f2c14e');
	expect(mail.html).toContain(`href="${mail.link}"`);
});

test('MAIL_FROM, when set, is the sender', async () => {
	smtp = await startSmtpServer();
	server = await startServer({ smtpUrl: smtp.url, mailFrom: '"Front Desk" <desk@mail.example.com>' });
	addCustomer(server, { email: 'jane@example.com' });
	await start(server, 'jane@example.com');
	const mail = await smtp.waitFor(() => true);
	expect(mail.from).toBe('Front Desk <desk@mail.example.com>');
	expect(mail.envelopeFrom).toBe('desk@mail.example.com');
});

test('a mail server that is down does not change the reply', async () => {
	const deadPort = await freePort();
	server = await startServer({ smtpUrl: `smtp://127.0.0.1:${deadPort}` });
	addCustomer(server, { email: 'jane@example.com' });
	const known = await start(server, 'jane@example.com');
	const unknown = await start(server, 'nobody@example.com');
	expect(known.status).toBe(200);
	expect(unknown.status).toBe(200);
	expect(Object.keys(await known.json())).toEqual(Object.keys(await unknown.json()));
});

test('without SMTP_URL each message is an .eml in DATA_DIR/outbox, and signIn reads it', async () => {
	server = await startServer();
	const { customerId } = addCustomer(server, { email: 'jane@example.com' });
	const { session } = await signIn(server, 'jane@example.com');
	expect(session).toMatchObject({ kind: 'customer', customerId });
	const sent = await server.app.mailer.send({ to: 'someone@example.com', subject: 'Hello', text: 'Plain words', html: '<p>Plain words</p>' });
	expect(sent.outboxFile).toMatch(/outbox[/\\].+\.eml$/);
});
