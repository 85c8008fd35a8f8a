/** Parses `#rgb` or `#rrggbb` into 0–255 channels; null when it is not a hex colour. */
export function parseHex(hex: string): [number, number, number] | null {
	const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
	if (!m) return null;
	const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
	return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG relative luminance of a hex colour. */
export function luminance(hex: string): number {
	const rgb = parseHex(hex);
	if (!rgb) throw new RangeError(`not a hex colour: ${hex}`);
	const [r, g, b] = rgb.map((c) => {
		const s = c / 255;
		return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
	});
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio between two hex colours (1–21). */
export function contrastRatio(a: string, b: string): number {
	const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (hi + 0.05) / (lo + 0.05);
}

/** The more readable of near-black and white on a background colour. */
export function readableTextOn(background: string): '#111111' | '#ffffff' {
	return contrastRatio(background, '#111111') >= contrastRatio(background, '#ffffff') ? '#111111' : '#ffffff';
}

/**
 * A version of `color` darkened (or lightened) just enough to reach `ratio` against
 * `background`, so brand colours used as text stay readable.
 */
export function ensureContrast(color: string, background: string, ratio = 4.5): string {
	if (contrastRatio(color, background) >= ratio) return normalizeHex(color);
	const rgb = parseHex(color)!;
	const darken = luminance(background) > 0.5;
	for (let step = 1; step <= 20; step++) {
		const f = darken ? 1 - step / 20 : step / 20;
		const mixed = rgb.map((c) => Math.round(darken ? c * f : c + (255 - c) * f));
		const hex = toHex(mixed as [number, number, number]);
		if (contrastRatio(hex, background) >= ratio) return hex;
	}
	return darken ? '#000000' : '#ffffff';
}

/** `#abc` → `#aabbcc`, lower case. */
export function normalizeHex(hex: string): string {
	const rgb = parseHex(hex);
	if (!rgb) throw new RangeError(`not a hex colour: ${hex}`);
	return toHex(rgb);
}

function toHex(rgb: [number, number, number]): string {
	return '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
}

/**
 * Colours derived from a brand colour so every pairing reaches 4.5:1: `surface` is the brand
 * colour (nudged darker or lighter only when no text colour reads on it), `onSurface` the text
 * on it, and `asText` the brand colour adjusted to read as text on `background`.
 */
export function brandPalette(primary: string, background: string): { surface: string; onSurface: string; asText: string } {
	const onSurface = readableTextOn(primary);
	const surface = contrastRatio(onSurface, primary) >= 4.5 ? normalizeHex(primary) : ensureContrast(primary, onSurface);
	return { surface, onSurface, asText: ensureContrast(primary, background) };
}
