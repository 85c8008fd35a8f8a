import type { FastifyInstance } from 'fastify';

const TABLES = [
	'customers',
	'service_addresses',
	'invoices',
	'invoice_line_items',
	'payments',
	'documents',
	'message_threads',
	'messages',
	'appointments',
	'sync_counter'
];

/** Every replicated table's rows as text, to prove that a refused request changed nothing. */
export function snapshot(app: FastifyInstance, where?: { customerId: string }): string {
	const out: Record<string, unknown[]> = {};
	for (const t of TABLES) {
		const hasCustomer = t !== 'sync_counter' && t !== 'invoice_line_items';
		let rows: unknown[];
		if (where && t === 'customers') rows = app.store.sqlite.prepare(`SELECT * FROM customers WHERE id = ?`).all(where.customerId);
		else if (where && t === 'invoice_line_items')
			rows = app.store.sqlite.prepare(`SELECT l.* FROM invoice_line_items l JOIN invoices i ON i.id = l.invoice_id WHERE i.customer_id = ? ORDER BY l.rowid`).all(where.customerId);
		else if (where && t === 'sync_counter') continue;
		else if (where && hasCustomer) rows = app.store.sqlite.prepare(`SELECT * FROM ${t} WHERE customer_id = ? ORDER BY rowid`).all(where.customerId);
		else rows = app.store.sqlite.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all();
		out[t] = rows;
	}
	return JSON.stringify(out);
}
