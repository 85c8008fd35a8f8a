import type { Branding } from '$shared/schemas/branding';
import { brandPalette, contrastRatio, ensureContrast, luminance, normalizeHex, parseHex, readableTextOn } from '$shared/color';

/** The colours the portal uses before the business's branding is known. */
export const FALLBACK_COLORS: Branding['colors'] = {
	primary: '#1f5fa8',
	accent: '#f2a93b',
	background: '#ffffff',
	onPrimary: '#ffffff',
	primaryText: '#1f5fa8'
};

/** `a` moved towards `b` by `amount` (0–1), channel by channel. */
export function mix(a: string, b: string, amount: number): string {
	const x = parseHex(a);
	const y = parseHex(b);
	if (!x || !y) return a;
	return '#' + x.map((c, i) => Math.round(c + (y[i] - c) * amount).toString(16).padStart(2, '0')).join('');
}

function hexOr(value: string | undefined, fallback: string): string {
	return value && parseHex(value) ? normalizeHex(value) : fallback;
}

/**
 * Every colour the stylesheet uses, derived from the brand colours so each text pairing
 * reaches 4.5:1 (WCAG AA) whatever colours the business picked. Cards sit on a canvas that is
 * the brand background nudged a little towards the primary colour, so white cards still read
 * as cards on a white-branded site.
 */
export function themeVars(colors: Branding['colors'] | undefined): Record<string, string> {
	const c = colors ?? FALLBACK_COLORS;
	const background = hexOr(c.background, '#ffffff');
	const primaryIn = hexOr(c.primary, FALLBACK_COLORS.primary);
	const accent = hexOr(c.accent, FALLBACK_COLORS.accent);
	const dark = luminance(background) < 0.3;

	const surface = dark ? mix(background, '#ffffff', 0.07) : background;
	const canvas = dark ? background : mix(background, primaryIn, 0.045);
	const text = readableTextOn(surface) === '#111111' ? '#14171c' : '#f4f6f8';

	// Text has to read on both the canvas and the cards: check against the lower-contrast one.
	const weaker = contrastRatio(text, canvas) < contrastRatio(text, surface) ? canvas : surface;
	const palette = brandPalette(primaryIn, weaker);
	const onPrimary = contrastRatio(hexOr(c.onPrimary, palette.onSurface), palette.surface) >= 4.5 ? hexOr(c.onPrimary, palette.onSurface) : palette.onSurface;
	const primarySoft = mix(surface, palette.surface, dark ? 0.3 : 0.1);
	// Brand-coloured text also sits on the soft tint (the current nav item, today's hours).
	const primaryText = ensureContrast(ensureContrast(hexOr(c.primaryText, palette.asText), weaker), primarySoft);
	const muted = ensureContrast(mix(text, weaker, 0.38), weaker);
	const accentPalette = brandPalette(accent, weaker);

	return {
		'--brand-primary': palette.surface,
		'--brand-on-primary': onPrimary,
		'--brand-primary-text': primaryText,
		'--brand-primary-soft': primarySoft,
		// Hover moves away from the text colour, so contrast only grows.
		'--brand-primary-hover': mix(palette.surface, onPrimary === '#ffffff' ? '#000000' : '#ffffff', 0.14),
		'--brand-accent': accentPalette.surface,
		'--brand-on-accent': accentPalette.onSurface,
		'--brand-accent-soft': mix(surface, accent, dark ? 0.3 : 0.2),
		'--brand-bg': background,
		'--canvas': canvas,
		'--surface': surface,
		'--surface-raised': dark ? mix(surface, '#ffffff', 0.05) : surface,
		'--text': text,
		'--text-muted': muted,
		'--border': mix(surface, text, dark ? 0.22 : 0.13),
		'--border-strong': ensureContrast(mix(surface, text, 0.45), weaker, 3),
		'--focus': ensureContrast(palette.surface, weaker, 3),
		'--focus-on-primary': onPrimary,
		'--success-text': ensureContrast(dark ? '#5fd08a' : '#17753d', weaker),
		'--success-soft': mix(surface, '#1f9d55', dark ? 0.28 : 0.12),
		'--danger-text': ensureContrast(dark ? '#ff8a80' : '#b3261e', weaker),
		'--danger-soft': mix(surface, '#d93025', dark ? 0.28 : 0.09),
		'--color-scheme': dark ? 'dark' : 'light'
	};
}

/** Initials for a business without a logo: "Harbor Plumbing & Heating" → "HP". */
export function monogram(name: string): string {
	const words = name
		.split(/\s+/)
		.map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
		.filter((w) => w.length > 0);
	if (words.length === 0) return '•';
	const letters = words.length === 1 ? words[0].slice(0, 2) : words[0][0] + words[1][0];
	return letters.toUpperCase();
}
