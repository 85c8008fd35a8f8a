import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/*
 * An in-memory fake of the parts of Stripe's API Porchlight calls, over real HTTP on 127.0.0.1,
 * so the server's own code (stripe-node and all) runs unchanged against it: customers,
 * payment_intents (create with confirm and off_session, retrieve with expand, confirm, cancel),
 * setup_intents, payment_methods (retrieve, attach, detach, list) and charges (retrieve).
 *
 * It keeps Stripe's idempotency rules: a key seen before replays the stored answer (errors too);
 * the same key with other parameters is a 400; the same key while its first request is still
 * running is a 409. A request the fake is holding (see `hold`) has already done its work, like a
 * Stripe request whose answer was lost: when the caller goes away, Stripe still finishes it.
 *
 * Test controls play the customer's side (what Stripe.js and the banks would do): `confirm`,
 * `authenticate`, `settle`, `refund`, `confirmSetup`; each state change records the events
 * Stripe would send, and `deliver` posts events to a webhook URL signed with
 * `stripe.webhooks.generateTestHeaderString`.
 */

/** How a fake payment method behaves when charged, after Stripe's test cards and banks. */
export type FakeMethodBehaviour = 'card_ok' | 'card_declined' | 'card_auth' | 'bank_ok';

type Obj = Record<string, unknown> & { id: string };

interface FakeMethod extends Obj {
	object: 'payment_method';
	type: 'card' | 'us_bank_account';
	customer: string | null;
	card: { brand: string; last4: string; exp_month: number; exp_year: number } | null;
	us_bank_account: { bank_name: string; last4: string; account_type: string } | null;
}

interface FakeIntent extends Obj {
	object: 'payment_intent';
	amount: number;
	amount_received: number;
	currency: string;
	customer: string | null;
	status: string;
	client_secret: string;
	payment_method: string | null;
	payment_method_types: string[];
	metadata: Record<string, string>;
	description: string | null;
	last_payment_error: Record<string, unknown> | null;
	next_action: Record<string, unknown> | null;
	latest_charge: string | null;
	created: number;
	livemode: false;
}

interface FakeSetupIntent extends Obj {
	object: 'setup_intent';
	status: string;
	client_secret: string;
	customer: string | null;
	payment_method: string | null;
	metadata: Record<string, string>;
	usage: string;
}

interface FakeCharge extends Obj {
	object: 'charge';
	amount: number;
	amount_refunded: number;
	refunded: boolean;
	currency: string;
	payment_intent: string;
	status: 'succeeded';
	metadata: Record<string, string>;
}

/** An event Stripe would send. */
export interface FakeEvent {
	id: string;
	object: 'event';
	api_version: string;
	created: number;
	type: string;
	data: { object: Record<string, unknown> };
	livemode: false;
	pending_webhooks: number;
	request: { id: null; idempotency_key: null };
}

/** One request the fake answered (or is holding). */
export interface FakeRequest {
	method: string;
	path: string;
	idempotencyKey: string | null;
	/** True when the answer was a stored one (same key as before). */
	replayed: boolean;
	status: number;
}

class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly body: Record<string, unknown>
	) {
		super(String(body.message));
	}
}

function id(prefix: string): string {
	return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** Stripe's form encoding (`a[b][0]=c`) back into objects and arrays. */
export function parseForm(text: string): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	for (const [rawKey, value] of new URLSearchParams(text)) {
		const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
		if (!m) continue;
		const path = [m[1], ...Array.from(m[2].matchAll(/\[([^\]]*)\]/g), (x) => x[1])];
		let node: Record<string, unknown> = root;
		for (let i = 0; i < path.length - 1; i++) {
			const k = path[i];
			if (typeof node[k] !== 'object' || node[k] === null) node[k] = /^\d*$/.test(path[i + 1]) ? [] : {};
			node = node[k] as Record<string, unknown>;
		}
		const last = path[path.length - 1];
		if (Array.isArray(node) && last === '') (node as unknown[]).push(value);
		else node[last] = value;
	}
	return root;
}

const clone = <T>(v: T): T => structuredClone(v);

/** The fake Stripe. Start it with `startFakeStripe()`. */
export class FakeStripe {
	readonly keys = {
		secretKey: `sk_test_fake${randomBytes(8).toString('hex')}`,
		publishableKey: `pk_test_fake${randomBytes(8).toString('hex')}`,
		webhookSecret: `whsec_fake${randomBytes(12).toString('hex')}`
	};
	readonly customers = new Map<string, Obj>();
	readonly paymentIntents = new Map<string, FakeIntent>();
	readonly setupIntents = new Map<string, FakeSetupIntent>();
	readonly paymentMethods = new Map<string, FakeMethod>();
	readonly charges = new Map<string, FakeCharge>();
	readonly events: FakeEvent[] = [];
	readonly requests: FakeRequest[] = [];
	/** Milliseconds added before every answer (makes concurrent requests overlap). */
	latencyMs = 0;
	/** Answer the next N requests with a 500 that stripe-node must not retry (Stripe having a bad minute). */
	failNext = 0;

	#behaviours = new Map<string, FakeMethodBehaviour>();
	#idempotency = new Map<string, { fingerprint: string; done: boolean; status: number; body: unknown }>();
	#holds: { match: (method: string, path: string) => boolean; waiting: (() => void)[]; arrived: number; released: boolean; onArrive: (() => void)[] }[] = [];
	#server: http.Server;
	#clock: () => number;
	url = '';
	api = { host: '127.0.0.1', port: 0, protocol: 'http' as const };

	constructor(clock: () => number = Date.now) {
		this.#clock = clock;
		this.#server = http.createServer((req, res) => void this.#handle(req, res));
	}

	async listen(): Promise<void> {
		await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', () => resolve()));
		const { port } = this.#server.address() as AddressInfo;
		this.api = { host: '127.0.0.1', port, protocol: 'http' };
		this.url = `http://127.0.0.1:${port}`;
	}

	async close(): Promise<void> {
		for (const h of this.#holds) for (const w of h.waiting.splice(0)) w();
		this.#server.closeAllConnections();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	/** `config.stripe` for a server that talks to this fake. */
	get config() {
		return { ...this.keys };
	}

	#now(): number {
		return Math.floor(this.#clock() / 1000);
	}

	// ─── test controls ──────────────────────────────────────────────────────────

	/**
	 * Holds answers to matching requests (their work is done at once) until `release()`.
	 * `arrived(n)` resolves once n such requests have come in.
	 */
	hold(method: string, pathPattern: RegExp) {
		const h = { match: (m: string, p: string) => m === method && pathPattern.test(p), waiting: [] as (() => void)[], arrived: 0, released: false, onArrive: [] as (() => void)[] };
		this.#holds.push(h);
		return {
			arrived: (n = 1) =>
				new Promise<void>((resolve) => {
					const check = () => {
						if (h.arrived >= n) {
							resolve();
							return true;
						}
						return false;
					};
					if (!check()) h.onArrive.push(() => void check());
				}),
			release: () => {
				h.released = true;
				this.#holds = this.#holds.filter((x) => x !== h);
				for (const w of h.waiting.splice(0)) w();
			}
		};
	}

	/** A payment method that behaves as asked, optionally attached to a customer (a saved method). */
	createPaymentMethod(behaviour: FakeMethodBehaviour, customer: string | null = null): string {
		const pmId = id('pm');
		const card = behaviour.startsWith('card');
		const last4 = { card_ok: '4242', card_declined: '0002', card_auth: '3155', bank_ok: '6789' }[behaviour];
		this.paymentMethods.set(pmId, {
			id: pmId,
			object: 'payment_method',
			type: card ? 'card' : 'us_bank_account',
			customer,
			card: card ? { brand: 'visa', last4, exp_month: 12, exp_year: 2034 } : null,
			us_bank_account: card ? null : { bank_name: 'STRIPE TEST BANK', last4, account_type: 'checking' },
			created: this.#now(),
			livemode: false
		});
		this.#behaviours.set(pmId, behaviour);
		return pmId;
	}

	/** Records an event about an object as it is now. */
	#emit(type: string, object: Obj): FakeEvent {
		const event: FakeEvent = {
			id: id('evt'),
			object: 'event',
			api_version: '2026-10-28.endive',
			created: this.#now(),
			type,
			data: { object: clone(object) },
			livemode: false,
			pending_webhooks: 1,
			request: { id: null, idempotency_key: null }
		};
		this.events.push(event);
		return event;
	}

	/** Events about one payment intent (its charges included), in the order they happened. */
	eventsFor(intentId: string): FakeEvent[] {
		return this.events.filter((e) => e.data.object.id === intentId || e.data.object.payment_intent === intentId);
	}

	#intent(piId: string): FakeIntent {
		const pi = this.paymentIntents.get(piId);
		if (!pi) throw new ApiError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${piId}'`, param: 'intent' });
		return pi;
	}

	#succeed(pi: FakeIntent): void {
		const chId = id('ch');
		this.charges.set(chId, { id: chId, object: 'charge', amount: pi.amount, amount_refunded: 0, refunded: false, currency: pi.currency, payment_intent: pi.id, status: 'succeeded', metadata: { ...pi.metadata } });
		Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: chId, last_payment_error: null, next_action: null });
		this.#emit('charge.succeeded', this.charges.get(chId)!);
		this.#emit('payment_intent.succeeded', pi);
	}

	#fail(pi: FakeIntent, error: Record<string, unknown>): void {
		Object.assign(pi, { status: 'requires_payment_method', last_payment_error: { ...error, payment_method: pi.payment_method ? clone(this.paymentMethods.get(pi.payment_method)) : null }, next_action: null });
		this.#emit('payment_intent.payment_failed', pi);
	}

	/** Confirms an intent with a method; returns the card error Stripe would answer, if any. */
	#confirm(pi: FakeIntent, pmId: string, offSession: boolean): Record<string, unknown> | null {
		if (pi.status !== 'requires_payment_method' && pi.status !== 'requires_confirmation') {
			throw new ApiError(400, { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: `This PaymentIntent's status is ${pi.status}.` });
		}
		const behaviour = this.#behaviours.get(pmId);
		if (!behaviour) throw new ApiError(400, { type: 'invalid_request_error', code: 'resource_missing', message: `No such PaymentMethod: '${pmId}'`, param: 'payment_method' });
		pi.payment_method = pmId;
		switch (behaviour) {
			case 'card_ok':
				this.#succeed(pi);
				return null;
			case 'bank_ok':
				Object.assign(pi, { status: 'processing', last_payment_error: null, next_action: null });
				this.#emit('payment_intent.processing', pi);
				return null;
			case 'card_declined': {
				const error = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
				this.#fail(pi, error);
				return error;
			}
			case 'card_auth': {
				if (offSession) {
					const error = { type: 'card_error', code: 'authentication_required', decline_code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' };
					this.#fail(pi, error);
					return error;
				}
				Object.assign(pi, { status: 'requires_action', next_action: { type: 'use_stripe_sdk', use_stripe_sdk: {} }, last_payment_error: null });
				this.#emit('payment_intent.requires_action', pi);
				return null;
			}
		}
	}

	/** What Stripe.js `confirmPayment` does when the customer pays in the Payment Element. */
	confirm(piId: string, behaviourOrMethod: FakeMethodBehaviour | string): FakeIntent {
		const pi = this.#intent(piId);
		const pmId = this.#behaviours.has(behaviourOrMethod) ? behaviourOrMethod : this.createPaymentMethod(behaviourOrMethod as FakeMethodBehaviour);
		this.#confirm(pi, pmId, false);
		return clone(pi);
	}

	/** The customer passing (or failing) 3-D Secure on an intent that requires action. */
	authenticate(piId: string, pass: boolean): FakeIntent {
		const pi = this.#intent(piId);
		if (pi.status !== 'requires_action') throw new Error(`intent ${piId} is ${pi.status}, not requires_action`);
		if (pass) this.#succeed(pi);
		else this.#fail(pi, { type: 'card_error', code: 'payment_intent_authentication_failure', message: 'We are unable to authenticate your payment method.' });
		return clone(pi);
	}

	/** A bank debit clearing, or coming back (insufficient funds) days later. */
	settle(piId: string, succeed: boolean): FakeIntent {
		const pi = this.#intent(piId);
		if (pi.status !== 'processing') throw new Error(`intent ${piId} is ${pi.status}, not processing`);
		if (succeed) this.#succeed(pi);
		else this.#fail(pi, { type: 'invalid_request_error', code: 'insufficient_funds', message: 'The customer’s account has insufficient funds to cover this payment.' });
		return clone(pi);
	}

	/** A refund from the Stripe dashboard (the whole charge unless `amount`). */
	refund(piId: string, amount?: number): FakeCharge {
		const pi = this.#intent(piId);
		const charge = pi.latest_charge ? this.charges.get(pi.latest_charge) : undefined;
		if (!charge) throw new Error(`intent ${piId} has no charge to refund`);
		charge.amount_refunded = Math.min(charge.amount, charge.amount_refunded + (amount ?? charge.amount));
		charge.refunded = charge.amount_refunded >= charge.amount;
		this.#emit('charge.refunded', charge);
		return clone(charge);
	}

	/** What Stripe.js `confirmSetup` does: saves a method of this behaviour to the intent's customer. */
	confirmSetup(setiId: string, behaviour: FakeMethodBehaviour): FakeSetupIntent {
		const si = this.setupIntents.get(setiId);
		if (!si) throw new Error(`no setup intent ${setiId}`);
		const pmId = this.createPaymentMethod(behaviour, si.customer);
		Object.assign(si, { status: 'succeeded', payment_method: pmId });
		this.#emit('setup_intent.succeeded', si);
		return clone(si);
	}

	/** Intents whose metadata names this invoice. */
	intentsForInvoice(invoiceId: string): FakeIntent[] {
		return [...this.paymentIntents.values()].filter((pi) => pi.metadata.porchlight_invoice_id === invoiceId).map(clone);
	}

	/** Money actually taken: intents that succeeded. */
	charged(): FakeIntent[] {
		return [...this.paymentIntents.values()].filter((pi) => pi.status === 'succeeded').map(clone);
	}

	/** The signature header for a payload, as Stripe computes it. */
	sign(payload: string, opts: { timestamp?: number; secret?: string } = {}): string {
		return Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? this.keys.webhookSecret, timestamp: opts.timestamp ?? this.#now() });
	}

	/**
	 * Posts an event to a webhook URL the way Stripe does (pretty-printed JSON, Stripe-Signature
	 * header). `tamper` changes the body after signing; `timestamp` (seconds) signs as of then.
	 */
	async deliver(url: string, event: FakeEvent, opts: { timestamp?: number; secret?: string; tamper?: (payload: string) => string; signature?: string | null } = {}): Promise<Response> {
		const payload = JSON.stringify(event, null, 2);
		const signature = opts.signature === undefined ? this.sign(payload, opts) : opts.signature;
		const body = opts.tamper ? opts.tamper(payload) : payload;
		return fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', ...(signature === null ? {} : { 'stripe-signature': signature }) },
			body
		});
	}

	// ─── the API ────────────────────────────────────────────────────────────────

	async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		const rawBody = Buffer.concat(chunks).toString('utf8');
		const url = new URL(req.url ?? '/', 'http://fake');
		const method = req.method ?? 'GET';
		const path = url.pathname;
		const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
		const record: FakeRequest = { method, path, idempotencyKey: key, replayed: false, status: 0 };
		this.requests.push(record);
		const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
			record.status = status;
			if (res.destroyed) return;
			res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers });
			res.end(JSON.stringify(body));
		};

		if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
		if (req.headers.authorization !== `Bearer ${this.keys.secretKey}`) {
			return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
		}
		if (this.failNext > 0) {
			this.failNext--;
			return send(500, { error: { type: 'api_error', message: 'Something went wrong on Stripe’s end.' } }, { 'stripe-should-retry': 'false' });
		}

		const fingerprint = `${method} ${path} ${rawBody}`;
		if (key && method === 'POST') {
			const seen = this.#idempotency.get(key);
			if (seen && seen.fingerprint !== fingerprint) {
				return send(400, { error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } });
			}
			if (seen && !seen.done) {
				return send(409, { error: { type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this Idempotent Key.' } });
			}
			if (seen) {
				record.replayed = true;
				return send(seen.status, seen.body, { 'idempotent-replayed': 'true' });
			}
		}

		let status = 200;
		let body: unknown;
		try {
			const params = method === 'GET' || method === 'DELETE' ? parseForm(url.search.slice(1)) : parseForm(rawBody);
			body = this.#route(method, path, params);
		} catch (err) {
			if (!(err instanceof ApiError)) throw err;
			status = err.status;
			body = { error: err.body };
		}

		const entry = key && method === 'POST' ? { fingerprint, done: false, status, body } : null;
		if (entry) this.#idempotency.set(key!, entry);
		const hold = this.#holds.find((h) => !h.released && h.match(method, path));
		if (hold) {
			hold.arrived++;
			for (const f of hold.onArrive) f();
			// Like Stripe: the work is done; if the caller hangs up, the request still completes.
			await new Promise<void>((resolve) => {
				hold.waiting.push(resolve);
				res.once('close', () => resolve());
			});
		}
		if (entry) entry.done = true;
		send(status, body);
	}

	#route(method: string, path: string, p: Record<string, unknown>): unknown {
		const parts = path.split('/').filter(Boolean);
		if (parts[0] !== 'v1') throw new ApiError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
		const [, resource, objId, action] = parts;
		const expand = (obj: Obj) => {
			const wanted = Array.isArray(p.expand) ? (p.expand as string[]) : [];
			const out = clone(obj) as Record<string, unknown>;
			if (wanted.includes('payment_method') && typeof out.payment_method === 'string') out.payment_method = clone(this.paymentMethods.get(out.payment_method) ?? null);
			return out;
		};
		const missing = (what: string, ref: string) => new ApiError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}: '${ref}'`, param: 'id' });

		if (resource === 'customers') {
			if (method === 'POST' && !objId) {
				const c: Obj = { id: id('cus'), object: 'customer', name: p.name ?? null, email: p.email ?? null, metadata: p.metadata ?? {}, created: this.#now(), livemode: false };
				this.customers.set(c.id, c);
				return clone(c);
			}
			const c = objId ? this.customers.get(objId) : undefined;
			if (!c) throw missing('customer', objId ?? '');
			if (method === 'GET' && action === 'payment_methods') return this.#listMethods(c.id);
			if (method === 'POST' && !action) {
				Object.assign(c, { ...(p.name !== undefined ? { name: p.name } : {}), ...(p.email !== undefined ? { email: p.email } : {}) });
				return clone(c);
			}
			if (method === 'GET') return clone(c);
		}

		if (resource === 'payment_intents') {
			if (method === 'POST' && !objId) return this.#createIntent(p);
			const pi = this.#intent(objId ?? '');
			if (method === 'GET' && !action) return expand(pi);
			if (method === 'POST' && action === 'confirm') {
				const pmId = typeof p.payment_method === 'string' ? p.payment_method : pi.payment_method;
				if (!pmId) throw new ApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', message: 'You must provide a payment_method.', param: 'payment_method' });
				const error = this.#confirm(pi, pmId, p.off_session === 'true');
				if (error) throw new ApiError(402, { ...error, payment_intent: clone(pi) });
				return expand(pi);
			}
			if (method === 'POST' && action === 'cancel') {
				if (pi.status === 'succeeded' || pi.status === 'processing' || pi.status === 'canceled') {
					throw new ApiError(400, { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.` });
				}
				pi.status = 'canceled';
				this.#emit('payment_intent.canceled', pi);
				return clone(pi);
			}
		}

		if (resource === 'setup_intents') {
			if (method === 'POST' && !objId) {
				if (typeof p.customer === 'string' && !this.customers.has(p.customer)) throw missing('customer', p.customer);
				const si: FakeSetupIntent = {
					id: id('seti'),
					object: 'setup_intent',
					status: 'requires_payment_method',
					client_secret: '',
					customer: (p.customer as string) ?? null,
					payment_method: null,
					metadata: (p.metadata as Record<string, string>) ?? {},
					usage: (p.usage as string) ?? 'off_session',
					payment_method_types: (p.allowed_payment_method_types as string[]) ?? ['card'],
					created: this.#now(),
					livemode: false
				};
				si.client_secret = `${si.id}_secret_${randomBytes(8).toString('hex')}`;
				this.setupIntents.set(si.id, si);
				return clone(si);
			}
			const si = objId ? this.setupIntents.get(objId) : undefined;
			if (!si) throw missing('setup_intent', objId ?? '');
			if (method === 'GET') return clone(si);
		}

		if (resource === 'payment_methods') {
			if (method === 'GET' && !objId) return this.#listMethods(String(p.customer ?? ''));
			const pm = objId ? this.paymentMethods.get(objId) : undefined;
			if (!pm) throw missing('payment_method', objId ?? '');
			if (method === 'GET') return clone(pm);
			if (method === 'POST' && action === 'attach') {
				pm.customer = String(p.customer);
				return clone(pm);
			}
			if (method === 'POST' && action === 'detach') {
				if (!pm.customer) throw new ApiError(400, { type: 'invalid_request_error', message: 'The payment method you provided is not attached to a customer so detachment is impossible.' });
				pm.customer = null;
				return clone(pm);
			}
		}

		if (resource === 'charges' && method === 'GET' && objId) {
			const ch = this.charges.get(objId);
			if (!ch) throw missing('charge', objId);
			return clone(ch);
		}

		throw new ApiError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
	}

	#listMethods(customer: string) {
		return { object: 'list', url: '/v1/payment_methods', has_more: false, data: [...this.paymentMethods.values()].filter((m) => m.customer === customer).map(clone) };
	}

	#createIntent(p: Record<string, unknown>): unknown {
		const amount = Number(p.amount);
		if (!Number.isInteger(amount) || amount < 50) {
			throw new ApiError(400, { type: 'invalid_request_error', code: 'amount_too_small', message: 'Amount must be at least $0.50 usd', param: 'amount' });
		}
		if (typeof p.currency !== 'string') throw new ApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', message: 'Missing required param: currency.', param: 'currency' });
		if (typeof p.customer === 'string' && !this.customers.has(p.customer)) {
			throw new ApiError(400, { type: 'invalid_request_error', code: 'resource_missing', message: `No such customer: '${p.customer}'`, param: 'customer' });
		}
		const piId = id('pi');
		const pi: FakeIntent = {
			id: piId,
			object: 'payment_intent',
			amount,
			amount_received: 0,
			currency: p.currency,
			customer: (p.customer as string) ?? null,
			status: 'requires_payment_method',
			client_secret: `${piId}_secret_${randomBytes(8).toString('hex')}`,
			payment_method: null,
			payment_method_types: (p.allowed_payment_method_types as string[]) ?? (p.payment_method_types as string[]) ?? ['card'],
			metadata: (p.metadata as Record<string, string>) ?? {},
			description: (p.description as string) ?? null,
			last_payment_error: null,
			next_action: null,
			latest_charge: null,
			created: this.#now(),
			livemode: false
		};
		this.paymentIntents.set(piId, pi);
		this.#emit('payment_intent.created', pi);
		if (p.confirm === 'true') {
			const pmId = p.payment_method as string | undefined;
			if (!pmId) throw new ApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', message: 'You must provide a payment_method to confirm.', param: 'payment_method' });
			const error = this.#confirm(pi, pmId, p.off_session === 'true');
			if (error) throw new ApiError(402, { ...error, payment_intent: clone(pi) });
		}
		return clone(pi);
	}
}

/** Starts a fake Stripe on 127.0.0.1:0. `clock` dates its objects and signs its webhooks. */
export async function startFakeStripe(clock: () => number = Date.now): Promise<FakeStripe> {
	const fake = new FakeStripe(clock);
	await fake.listen();
	return fake;
}
