// Type-only imports keep zod off the client's critical path; the server validates anyway.
import type { Device, DevicesResponse } from '$shared/protocol/auth';
import { api } from './http';

export type { Device };

/** The "download my data" archive (ACCOUNT_EXPORT_PATH in shared/protocol/account.ts, kept out of the bundle with its zod schemas). */
export const EXPORT_URL = '/api/account/export';

/** The signed-in devices of the current user, most recently seen first. */
export async function listDevices(): Promise<Device[]> {
	const res = await api<DevicesResponse>('/api/auth/devices', { timeoutMs: 10_000 });
	return res.devices;
}

/** Signs one device out (its session ends at once; its app clears itself on its next request). */
export function revokeDevice(id: string): Promise<void> {
	return api<void>(`/api/auth/devices/${encodeURIComponent(id)}`, { method: 'DELETE', timeoutMs: 10_000 });
}

/** Signs every device of the current user out, this one included. */
export function signOutEverywhere(): Promise<void> {
	return api<void>('/api/auth/sign-out-everywhere', { method: 'POST', timeoutMs: 10_000 });
}

/** "Chrome on Android", "Safari on iPhone", "Firefox on Windows" from a User-Agent string. */
export function describeUserAgent(ua: string | null): string {
	if (!ua) return 'Unknown device';
	const os = /iPhone/.test(ua)
		? 'iPhone'
		: /iPad/.test(ua)
			? 'iPad'
			: /Android/.test(ua)
				? 'Android'
				: /Windows/.test(ua)
					? 'Windows'
					: /Mac OS X|Macintosh/.test(ua)
						? 'Mac'
						: /CrOS/.test(ua)
							? 'ChromeOS'
							: /Linux/.test(ua)
								? 'Linux'
								: null;
	const browser = /Edg\//.test(ua)
		? 'Edge'
		: /OPR\/|Opera/.test(ua)
			? 'Opera'
			: /SamsungBrowser/.test(ua)
				? 'Samsung Internet'
				: /Firefox\/|FxiOS/.test(ua)
					? 'Firefox'
					: /Chrome\/|CriOS|Chromium/.test(ua)
						? 'Chrome'
						: /Safari\//.test(ua)
							? 'Safari'
							: null;
	if (browser && os) return `${browser} on ${os}`;
	return browser ?? os ?? 'Unknown device';
}
