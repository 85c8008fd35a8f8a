import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PDFDocument } from 'pdf-lib';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { demoAccounts, printSignInHelp } from '../../server/db/seed.ts';
import { filePath } from '../../server/files/store.ts';
import { taxOf } from '../../shared/money.ts';
import { localDateOf, zonedParts } from '../../shared/time.ts';
import { fakeClock, startServer, tempDataDir, type TestServer } from '../helpers/app.ts';

const REPLICATED = ['customers', 'invoices', 'documents', 'messages', 'appointments', 'quotes'] as const;
const COUNTED = [
	...REPLICATED,
	'service_addresses',
	'portal_users',
	'staff_users',
	'resources',
	'weekly_hours',
	'time_off',
	'service_types',
	'invoice_line_items',
	'payments',
	'files',
	'message_threads',
	'service_postal_codes'
];

let server: TestServer | undefined;
let ownDirs: string[] = [];
afterEach(async () => {
	vi.restoreAllMocks();
	await server?.close();
	server = undefined;
	for (const dir of ownDirs) fs.rmSync(dir, { recursive: true, force: true });
	ownDirs = [];
});

function ownDataDir(): string {
	const dir = tempDataDir('porchlight-seed-');
	ownDirs.push(dir);
	return dir;
}

type Row = Record<string, unknown>;
const all = <T = Row>(s: TestServer, sql: string, ...args: unknown[]) => s.app.store.sqlite.prepare(sql).all(...args) as T[];
const one = <T = Row>(s: TestServer, sql: string, ...args: unknown[]) => s.app.store.sqlite.prepare(sql).get(...args) as T;
const counts = (s: TestServer) => Object.fromEntries(COUNTED.map((t) => [t, one<{ n: number }>(s, `SELECT count(*) AS n FROM ${t}`).n]));
const counter = (s: TestServer) => one<{ seq: number }>(s, 'SELECT seq FROM sync_counter WHERE id = 1').seq;

async function seeded(clock = fakeClock()) {
	server = await startServer({ seedDemo: true }, { clock: clock.now });
	return { s: server, now: clock.now() };
}

describe('demo seed: runs once', () => {
	test('a restart on the same data dir seeds nothing more', async () => {
		const dataDir = ownDataDir();
		server = await startServer({ dataDir, seedDemo: true });
		const first = counts(server);
		const seq = counter(server);
		expect(first.customers).toBeGreaterThan(0);
		await server.close();

		server = await startServer({ dataDir, seedDemo: true });
		expect(counts(server)).toEqual(first);
		expect(counter(server)).toBe(seq);
		const branding = await (await fetch(`${server.url}/api/branding`)).json();
		expect(branding.name).toBe('Brightwater Plumbing & Heating');
	});

	test('does not come back after every customer was deleted', async () => {
		const dataDir = ownDataDir();
		server = await startServer({ dataDir, seedDemo: true });
		await server.close();
		server = undefined;

		const raw = new Database(path.join(dataDir, 'porchlight.sqlite'));
		raw.pragma('foreign_keys = OFF');
		for (const t of ['appointments', 'messages', 'message_threads', 'documents', 'payments', 'invoice_line_items', 'invoices', 'portal_users', 'service_addresses', 'customers']) {
			raw.prepare(`DELETE FROM ${t}`).run();
		}
		raw.close();

		server = await startServer({ dataDir, seedDemo: true });
		expect(one<{ n: number }>(server, 'SELECT count(*) AS n FROM customers').n).toBe(0);
		expect(one<{ n: number }>(server, 'SELECT count(*) AS n FROM invoices').n).toBe(0);
	});

	test('leaves a database that already has customers alone', async () => {
		const dataDir = ownDataDir();
		server = await startServer({ dataDir, seedDemo: false });
		const app = server.app;
		// A customer added before the demo could run (e.g. imported through the integration API).
		app.writer.transaction((w) => {
			const id = 'real-customer-1';
			app.store.sqlite
				.prepare(`INSERT INTO customers (id, name, seq, deleted, created_at, updated_at) VALUES (?, 'Real Customer', ?, 0, 1, 1)`)
				.run(id, w.touch('profile', id, id));
		});
		await server.close();

		server = await startServer({ dataDir, seedDemo: true });
		expect(all(server, 'SELECT name FROM customers')).toEqual([{ name: 'Real Customer' }]);
		expect(one(server, `SELECT value FROM meta WHERE key = 'demo_seeded'`)).toBeUndefined();
		expect(one<{ n: number }>(server, 'SELECT count(*) AS n FROM invoices').n).toBe(0);
	});

	test('nothing is seeded when seedDemo is false', async () => {
		server = await startServer({ seedDemo: false });
		for (const [table, n] of Object.entries(counts(server))) expect(n, table).toBe(0);
		expect(counter(server)).toBe(0);
		expect(one(server, `SELECT value FROM meta WHERE key = 'demo_seeded'`)).toBeUndefined();
		expect(fs.existsSync(path.join(server.dataDir, 'files'))).toBe(false);
	});
});

describe('demo seed: content', () => {
	test('a believable business with about twenty customers, staff and availability', async () => {
		const { s, now } = await seeded();
		const biz = one<Row>(s, 'SELECT * FROM business WHERE id = 1');
		expect(biz).toMatchObject({ name: 'Brightwater Plumbing & Heating', time_zone: 'America/Chicago', currency: 'USD' });
		expect(biz.phone).toMatch(/\d{3}.*\d{4}/);
		expect(biz.email).toMatch(/@/);
		expect(JSON.parse(biz.office_hours as string)).toEqual([
			...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: 450, close: 1050 })),
			{ weekday: 6, open: 480, close: 720 }
		]);
		expect(biz.service_radius_km).toBeGreaterThan(0);
		expect(one<{ n: number }>(s, 'SELECT count(*) AS n FROM service_postal_codes').n).toBeGreaterThan(5);

		const customers = all<Row>(s, 'SELECT * FROM customers');
		expect(customers.length).toBeGreaterThanOrEqual(18);
		expect(customers.length).toBeLessThanOrEqual(25);
		for (const c of customers) {
			expect(c.billing_name, String(c.name)).toBeTruthy();
			expect(c.billing_line1, String(c.name)).toBeTruthy();
			expect(c.billing_postal_code, String(c.name)).toMatch(/^\d{5}$/);
		}

		// Every customer has a service address with a postal code and coordinates near the base.
		const addresses = all<{ customer_id: string; postal_code: string; lat: number; lng: number }>(s, 'SELECT * FROM service_addresses');
		expect(new Set(addresses.map((a) => a.customer_id)).size).toBe(customers.length);
		const km = (lat: number, lng: number) => {
			const rad = Math.PI / 180;
			const dLat = (lat - (biz.base_lat as number)) * rad;
			const dLng = (lng - (biz.base_lng as number)) * rad;
			const h = Math.sin(dLat / 2) ** 2 + Math.cos((biz.base_lat as number) * rad) * Math.cos(lat * rad) * Math.sin(dLng / 2) ** 2;
			return 2 * 6371 * Math.asin(Math.sqrt(h));
		};
		for (const a of addresses) {
			expect(a.postal_code).toMatch(/^\d{5}$/);
			expect(km(a.lat, a.lng)).toBeLessThan(biz.service_radius_km as number);
		}

		// One customer may sign in with two addresses.
		const perCustomer = all<{ n: number }>(s, 'SELECT count(*) AS n FROM portal_users GROUP BY customer_id');
		expect(perCustomer.some((r) => r.n === 2)).toBe(true);

		const staff = all<{ role: string; id: string }>(s, 'SELECT * FROM staff_users');
		expect(staff.map((x) => x.role).sort()).toEqual(['office', 'owner', 'technician', 'technician']);
		const resources = all<{ id: string; staff_user_id: string }>(s, 'SELECT * FROM resources');
		expect(resources).toHaveLength(2);
		for (const r of resources) {
			expect(staff.find((x) => x.id === r.staff_user_id)?.role).toBe('technician');
			expect(one<{ n: number }>(s, 'SELECT count(*) AS n FROM weekly_hours WHERE resource_id = ?', r.id).n).toBeGreaterThanOrEqual(5);
		}
		const timeOff = all<{ starts_at: number; ends_at: number }>(s, 'SELECT * FROM time_off');
		expect(timeOff.length).toBeGreaterThan(0);
		for (const t of timeOff) {
			expect(t.starts_at).toBeGreaterThan(now);
			expect(t.ends_at).toBeGreaterThan(t.starts_at);
		}

		const services = all<{ name: string; duration_minutes: number; buffer_minutes: number }>(s, 'SELECT * FROM service_types ORDER BY position');
		expect(services).toEqual(
			expect.arrayContaining([
				{ name: 'Annual boiler service', duration_minutes: 90, buffer_minutes: 30 },
				{ name: 'Drain cleaning', duration_minutes: 60, buffer_minutes: 20 },
				{ name: 'Water heater install', duration_minutes: 240, buffer_minutes: 30 },
				{ name: 'Leak inspection', duration_minutes: 60, buffer_minutes: 15 }
			].map((x) => expect.objectContaining(x)))
		);
	});

	test('invoices in every status, with Dana’s two exactly as promised', async () => {
		const { s, now } = await seeded();
		const invoices = all<Row>(s, 'SELECT * FROM invoices');
		expect(new Set(invoices.map((i) => i.status))).toEqual(new Set(['draft', 'open', 'processing', 'paid', 'void']));

		const dana = one<{ id: string }>(s, `SELECT c.id FROM customers c JOIN portal_users p ON p.customer_id = c.id WHERE p.email = 'dana@example.com'`);
		expect(dana).toBeDefined();
		const open = one<Row>(s, `SELECT * FROM invoices WHERE number = 'INV-04127'`);
		expect(open).toMatchObject({ customer_id: dana.id, title: 'Monthly service', period: 'May', status: 'open', currency: 'USD', total: 43200, amount_paid: 0 });
		const paid = one<Row>(s, `SELECT * FROM invoices WHERE number = 'INV-04098'`);
		expect(paid).toMatchObject({ customer_id: dana.id, title: 'Quarterly contract', period: 'Q1', status: 'paid', currency: 'USD', total: 182000, amount_paid: 182000 });
		expect(paid.paid_at).toBeLessThan(now);
		const card = all<Row>(s, 'SELECT * FROM payments WHERE invoice_id = ?', paid.id);
		expect(card).toEqual([expect.objectContaining({ method: 'card', status: 'succeeded', amount: 182000, currency: 'USD' })]);
		expect(card[0].method_label).toMatch(/•••• \d{4}$/);

		const today = localDateOf(now, 'America/Chicago');
		expect(open.due_date as string >= today).toBe(true);
		const overdue = invoices.filter((i) => i.status === 'open' && (i.due_date as string) < today);
		expect(overdue.length).toBeGreaterThan(0);

		for (const inv of invoices) {
			const label = String(inv.number);
			const lines = all<{ amount: number; quantity_milli: number; unit_amount: number }>(s, 'SELECT * FROM invoice_line_items WHERE invoice_id = ? ORDER BY position', inv.id);
			expect(lines.length, label).toBeGreaterThan(0);
			for (const l of lines) expect(l.amount, label).toBe(Math.round((l.quantity_milli * l.unit_amount) / 1000));
			expect(lines.reduce((a, l) => a + l.amount, 0), label).toBe(inv.subtotal);
			expect(inv.tax, label).toBe(taxOf(inv.subtotal as number, inv.tax_rate_bp as number));
			expect((inv.subtotal as number) + (inv.tax as number), label).toBe(inv.total);
			if (inv.status === 'draft') {
				expect(inv.issued_at, label).toBeNull();
			} else {
				expect(inv.issued_at, label).toBeLessThan(now);
				expect(inv.due_date, label).toMatch(/^\d{4}-\d{2}-\d{2}$/);
			}
			const pays = all<{ amount: number; status: string }>(s, 'SELECT * FROM payments WHERE invoice_id = ?', inv.id);
			const settled = pays.filter((p) => p.status === 'succeeded').reduce((a, p) => a + p.amount, 0);
			expect(settled, label).toBe(inv.amount_paid);
			if (inv.status === 'paid') {
				expect(inv.amount_paid, label).toBe(inv.total);
				expect(inv.paid_at, label).toBeTypeOf('number');
			} else {
				expect(inv.amount_paid, label).toBe(0);
			}
			if (inv.status === 'processing') expect(pays.some((p) => p.status === 'processing'), label).toBe(true);
			if (inv.status === 'void') expect(inv.voided_at, label).toBeTypeOf('number');
		}
	});

	test('documents are real PDFs on disk whose SHA-256 matches', async () => {
		const { s } = await seeded();
		const docs = all<Row>(s, 'SELECT d.*, c.name AS customer_name FROM documents d JOIN customers c ON c.id = d.customer_id');
		expect(new Set(docs.map((d) => d.kind))).toEqual(new Set(['quote', 'contract', 'warranty', 'certificate_of_insurance']));
		expect(docs.some((d) => d.signer_name && d.signed_at)).toBe(true);
		for (const d of docs) {
			const label = String(d.file_name);
			const file = filePath(s.dataDir, d.file_sha256 as string);
			expect(fs.existsSync(file), label).toBe(true);
			const bytes = fs.readFileSync(file);
			expect(bytes.subarray(0, 5).toString('latin1'), label).toBe('%PDF-');
			expect(createHash('sha256').update(bytes).digest('hex'), label).toBe(d.file_sha256);
			expect(bytes.byteLength, label).toBe(d.size);
			expect(d.mime).toBe('application/pdf');
			expect(label).toMatch(/\.pdf$/);
			expect(one(s, 'SELECT * FROM files WHERE sha256 = ?', d.file_sha256), label).toMatchObject({ size: d.size, mime: 'application/pdf' });
			expect(Boolean(d.signer_name), label).toBe(d.signed_at !== null);

			const pdf = await PDFDocument.load(bytes);
			expect(pdf.getPageCount(), label).toBe(1);
			expect(pdf.getAuthor(), label).toBe('Brightwater Plumbing & Heating');
			expect(pdf.getSubject(), label).toContain(d.customer_name as string);
		}
	});

	test('every replicated row has its own seq from the one counter', async () => {
		const { s } = await seeded();
		const seqs = REPLICATED.flatMap((t) => all<{ seq: number | null }>(s, `SELECT seq FROM ${t}`).map((r) => r.seq));
		expect(seqs.every((q) => Number.isInteger(q) && (q as number) > 0)).toBe(true);
		expect(new Set(seqs).size).toBe(seqs.length);
		// The seed was the only writer, so the seqs are exactly 1..N: no change was handed out without a row.
		expect([...seqs].sort((a, b) => a! - b!)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
		expect(counter(s)).toBe(seqs.length);
	});

	test('Dana has a conversation, a coming appointment and a past one; someone else has a request', async () => {
		const { s, now } = await seeded();
		const dana = one<{ id: string }>(s, `SELECT customer_id AS id FROM portal_users WHERE email = 'dana@example.com'`);
		const thread = one<Row>(s, 'SELECT * FROM message_threads WHERE customer_id = ?', dana.id);
		expect(thread).toBeDefined();
		const messages = all<Row>(s, 'SELECT * FROM messages WHERE thread_id = ? ORDER BY sent_at', thread.id);
		expect(messages.length).toBeGreaterThanOrEqual(3);
		expect(new Set(messages.map((m) => m.author_kind))).toEqual(new Set(['customer', 'staff']));
		for (const m of messages) {
			expect(m.customer_id).toBe(dana.id);
			expect(m.sent_at as number).toBeLessThan(now);
		}
		expect(thread.last_message_at).toBe(messages.at(-1)!.sent_at);
		// Every thread's messages belong to that thread's customer.
		expect(one<{ n: number }>(s, 'SELECT count(*) AS n FROM messages m JOIN message_threads t ON t.id = m.thread_id WHERE t.customer_id <> m.customer_id').n).toBe(0);

		const appts = all<Row>(s, 'SELECT a.*, st.duration_minutes FROM appointments a JOIN service_types st ON st.id = a.service_type_id WHERE a.customer_id = ?', dana.id);
		const coming = appts.find((a) => a.status === 'confirmed' && (a.starts_at as number) > now);
		expect(coming).toBeDefined();
		expect(coming!.resource_id).toBeTruthy();
		expect((coming!.ends_at as number) - (coming!.starts_at as number)).toBe((coming!.duration_minutes as number) * 60_000);
		// Booked inside the technician's working hours, in the business's time zone.
		const p = zonedParts(coming!.starts_at as number, 'America/Chicago');
		const startMinute = p.hour * 60 + p.minute;
		const hours = all<{ start_minute: number; end_minute: number }>(s, 'SELECT * FROM weekly_hours WHERE resource_id = ? AND weekday = ?', coming!.resource_id, p.weekday);
		expect(hours.some((h) => h.start_minute <= startMinute && startMinute + (coming!.duration_minutes as number) <= h.end_minute)).toBe(true);
		expect(appts.some((a) => a.status === 'completed' && (a.ends_at as number) < now)).toBe(true);

		const requests = all<Row>(s, `SELECT * FROM appointments WHERE status = 'requested'`);
		expect(requests.length).toBeGreaterThan(0);
		for (const r of requests) {
			expect(r.customer_id).not.toBe(dana.id);
			expect(r.starts_at).toBeNull();
			expect(r.preferred_date as string > localDateOf(now, 'America/Chicago')).toBe(true);
		}
	});
});

describe('demo seed: dates relative to the day it runs', () => {
	// DST starts and ends in Chicago, New Year's Eve late evening, a Sunday morning.
	test.each([
		['DST start', Date.UTC(2026, 2, 8, 8, 30)],
		['DST end', Date.UTC(2026, 10, 1, 6, 45)],
		['new year', Date.UTC(2027, 0, 1, 5, 50)],
		['Sunday', Date.UTC(2026, 5, 14, 13, 0)]
	])('%s: history is in the past, bookings ahead, none during time off', async (_name, start) => {
		const { s, now } = await seeded(fakeClock(start));
		const past = all<{ t: number }>(
			s,
			`SELECT sent_at AS t FROM messages
			 UNION ALL SELECT issued_at FROM invoices WHERE issued_at IS NOT NULL
			 UNION ALL SELECT settled_at FROM payments WHERE settled_at IS NOT NULL
			 UNION ALL SELECT signed_at FROM documents WHERE signed_at IS NOT NULL
			 UNION ALL SELECT created_at FROM appointments
			 UNION ALL SELECT ends_at FROM appointments WHERE status = 'completed'`
		);
		for (const { t } of past) expect(t).toBeLessThan(now);
		const confirmed = all<{ starts_at: number; ends_at: number; resource_id: string }>(s, `SELECT * FROM appointments WHERE status = 'confirmed'`);
		expect(confirmed.length).toBeGreaterThan(0);
		const off = all<{ starts_at: number; ends_at: number; resource_id: string }>(s, 'SELECT * FROM time_off');
		for (const a of confirmed) {
			expect(a.starts_at).toBeGreaterThan(now);
			for (const o of off) {
				const overlaps = o.resource_id === a.resource_id && o.starts_at < a.ends_at && a.starts_at < o.ends_at;
				expect(overlaps).toBe(false);
			}
		}
		const dueSoon = one<{ due_date: string }>(s, `SELECT due_date FROM invoices WHERE number = 'INV-04127'`);
		expect(dueSoon.due_date > localDateOf(now, 'America/Chicago')).toBe(true);
	});
});

describe('sign-in help', () => {
	test('prints the URL, the demo customer, owner and office staff, and where sign-in mail goes', async () => {
		const { s } = await seeded();
		const accounts = demoAccounts();
		expect(one(s, 'SELECT * FROM portal_users WHERE email = ?', accounts.customer)).toBeDefined();
		expect(one(s, 'SELECT role FROM staff_users WHERE email = ?', accounts.owner)).toEqual({ role: 'owner' });
		expect(one(s, 'SELECT role FROM staff_users WHERE email = ?', accounts.office)).toEqual({ role: 'office' });

		const log = vi.spyOn(console, 'log').mockImplementation(() => {});
		await printSignInHelp(s.app);
		const printed = log.mock.calls.map((c) => c.join(' ')).join('\n');
		expect(printed).toContain(s.config.publicUrl);
		expect(printed).toContain('Sign in as a demo customer: dana@example.com');
		expect(printed).toContain(`Sign in as staff: ${accounts.owner} (owner), ${accounts.office} (office)`);
		expect(printed).toContain(`the sign-in email is printed in this log and saved to ${path.join(s.dataDir, 'outbox')}`);
	});

	test('prints nothing for a database without the demo business', async () => {
		server = await startServer({ seedDemo: false });
		const log = vi.spyOn(console, 'log').mockImplementation(() => {});
		await printSignInHelp(server.app);
		expect(log).not.toHaveBeenCalled();
	});
});
