/** "0:42", "2:05" for a number of seconds. */
export function formatCountdown(seconds: number): string {
	const s = Math.max(0, Math.ceil(seconds));
	return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "42 seconds", "3 minutes", "1 hour" for a wait. */
export function formatWait(seconds: number): string {
	const s = Math.max(1, Math.ceil(seconds));
	if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
	const m = Math.ceil(s / 60);
	if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
	const h = Math.ceil(m / 60);
	return `${h} hour${h === 1 ? '' : 's'}`;
}
