import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { PullResponse } from '../../shared/protocol/pull.ts';
import type { StreamServerMessage } from '../../shared/protocol/stream.ts';

/** One reply-latency run: a fleet of connected devices and the staff session that replies. */
export interface ReplyLatencyInput {
	url: string;
	origin: string;
	staffCookie: string;
	devices: { cookie: string; threadId: string }[];
	/** Replies to time, each to a different device. */
	samples: number;
}

/** Milliseconds per sample, sorted ascending. */
export interface ReplyLatencyResult {
	sockets: number;
	openMs: number;
	/** Staff POST → the device holds the message (pulled after its `changed`). */
	deviceMs: number[];
	/** Staff POST → the device's socket heard `changed`. */
	changedMs: number[];
	/** Staff POST → 201. */
	postMs: number[];
	/** `changed` messages that reached a device nobody replied to (must be 0). */
	strayChanged: number;
}

interface Device {
	ws: WebSocket;
	cookie: string;
	threadId: string;
	checkpoint: number;
	onChanged: ((m: StreamServerMessage) => void) | null;
	changedCount: number;
}

function open(url: string, origin: string, cookie: string, threadId: string): Promise<Device> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/sync/stream`, { headers: { cookie, origin } });
		const device: Device = { ws, cookie, threadId, checkpoint: 0, onChanged: null, changedCount: 0 };
		const timer = setTimeout(() => reject(new Error('no hello within 10 s')), 10_000);
		ws.on('message', (data) => {
			const m = JSON.parse(String(data)) as StreamServerMessage;
			if (m.type === 'hello') {
				clearTimeout(timer);
				resolve(device);
			} else if (m.type === 'changed') {
				device.changedCount++;
				device.onChanged?.(m);
			}
		});
		ws.once('unexpected-response', (_req, res) => reject(new Error(`stream refused: ${res.statusCode}`)));
		ws.once('error', reject);
	});
}

async function pullMessages(url: string, device: Device): Promise<PullResponse<'messages'>> {
	const res = await fetch(`${url}/api/sync/messages/pull?after=${device.checkpoint}&limit=100`, { headers: { cookie: device.cookie } });
	if (res.status !== 200) throw new Error(`pull answered ${res.status}`);
	const page = (await res.json()) as PullResponse<'messages'>;
	if (page.checkpoint) device.checkpoint = page.checkpoint.seq;
	return page;
}

/** Pulls until the device is at the head of its messages. */
async function catchUp(url: string, device: Device): Promise<void> {
	for (let i = 0; i < 1000; i++) if ((await pullMessages(url, device)).documents.length === 0) return;
	throw new Error('catch-up did not end');
}

/**
 * Connects every device's socket, then replies as staff to one device at a time and times how
 * long until that device, told by its socket, has pulled the reply — the way a phone with the
 * portal open sees a reply arrive.
 */
export async function replyLatency(input: ReplyLatencyInput): Promise<ReplyLatencyResult> {
	const { url, origin, staffCookie } = input;
	const t0 = performance.now();
	const devices: Device[] = [];
	for (let i = 0; i < input.devices.length; i += 100) {
		devices.push(...(await Promise.all(input.devices.slice(i, i + 100).map((d) => open(url, origin, d.cookie, d.threadId)))));
	}
	const openMs = performance.now() - t0;

	const measured = Array.from({ length: input.samples }, (_, i) => devices[Math.floor((i * devices.length) / input.samples)]);
	for (const d of new Set(measured)) await catchUp(url, d);
	const before = devices.map((d) => d.changedCount);

	const deviceMs: number[] = [];
	const changedMs: number[] = [];
	const postMs: number[] = [];
	for (const [i, device] of measured.entries()) {
		const body = `Your technician is on the way (${i}-${Math.random().toString(36).slice(2)}).`;
		const start = performance.now();
		const changed = new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`reply ${i}: no changed within 5 s`)), 5000);
			device.onChanged = (m) => {
				if (m.type !== 'changed' || !m.collections.includes('messages')) return;
				clearTimeout(timer);
				device.onChanged = null;
				resolve(performance.now());
			};
		});
		const posted = fetch(`${url}/api/staff/threads/${device.threadId}/messages`, {
			method: 'POST',
			headers: { cookie: staffCookie, origin, 'content-type': 'application/json' },
			body: JSON.stringify({ body })
		}).then(async (res) => {
			if (res.status !== 201) throw new Error(`staff reply answered ${res.status}: ${await res.text()}`);
			await res.arrayBuffer();
			return performance.now();
		});
		const heard = await changed;
		let arrived = false;
		for (let p = 0; p < 10 && !arrived; p++) arrived = (await pullMessages(url, device)).documents.some((d) => d.body === body);
		if (!arrived) throw new Error(`reply ${i}: the device's pull did not return the reply`);
		const done = performance.now();
		postMs.push((await posted) - start);
		changedMs.push(heard - start);
		deviceMs.push(done - start);
		device.changedCount--; // expected
	}

	const strayChanged = devices.reduce((n, d, i) => n + d.changedCount - before[i], 0);
	for (const d of devices) d.ws.close();
	const sort = (a: number[]) => a.sort((x, y) => x - y);
	return { sockets: devices.length, openMs, deviceMs: sort(deviceMs), changedMs: sort(changedMs), postMs: sort(postMs), strayChanged };
}
