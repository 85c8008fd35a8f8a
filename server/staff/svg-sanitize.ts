/*
 * An allow-list SVG sanitiser for uploaded logos. The SVG is tokenised (a logo is small, flat XML:
 * no DTD, no entities beyond XML's own), and only known drawing elements and presentation
 * attributes survive; everything else — script, foreignObject, event handlers, links, external
 * references, DOCTYPEs, processing instructions — is dropped, and the result is written out anew
 * from the parsed tokens (never passed through), so what is stored is exactly what was checked.
 */

/** Why an SVG was refused outright (it could not be read safely). */
export class SvgRefused extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SvgRefused';
	}
}

/** The sanitised SVG and a note of each kind of thing removed. */
export interface SanitizedSvg {
	svg: string;
	removed: string[];
}

const ELEMENTS = [
	'svg',
	'g',
	'defs',
	'symbol',
	'use',
	'title',
	'desc',
	'path',
	'rect',
	'circle',
	'ellipse',
	'line',
	'polyline',
	'polygon',
	'text',
	'tspan',
	'textPath',
	'linearGradient',
	'radialGradient',
	'stop',
	'clipPath',
	'mask',
	'pattern',
	'image',
	'style',
	'filter',
	'feBlend',
	'feColorMatrix',
	'feComposite',
	'feDropShadow',
	'feFlood',
	'feGaussianBlur',
	'feMerge',
	'feMergeNode',
	'feOffset'
];

const ATTRIBUTES = [
	'id',
	'class',
	'style',
	'transform',
	'viewBox',
	'preserveAspectRatio',
	'width',
	'height',
	'x',
	'y',
	'x1',
	'x2',
	'y1',
	'y2',
	'cx',
	'cy',
	'r',
	'rx',
	'ry',
	'fx',
	'fy',
	'fr',
	'd',
	'points',
	'pathLength',
	'fill',
	'fill-opacity',
	'fill-rule',
	'stroke',
	'stroke-width',
	'stroke-linecap',
	'stroke-linejoin',
	'stroke-miterlimit',
	'stroke-dasharray',
	'stroke-dashoffset',
	'stroke-opacity',
	'opacity',
	'clip-path',
	'clip-rule',
	'mask',
	'filter',
	'color',
	'display',
	'visibility',
	'overflow',
	'vector-effect',
	'shape-rendering',
	'paint-order',
	'mix-blend-mode',
	'isolation',
	'font-family',
	'font-size',
	'font-weight',
	'font-style',
	'font-variant',
	'text-anchor',
	'dominant-baseline',
	'alignment-baseline',
	'baseline-shift',
	'letter-spacing',
	'word-spacing',
	'text-decoration',
	'textLength',
	'lengthAdjust',
	'dx',
	'dy',
	'rotate',
	'startOffset',
	'offset',
	'stop-color',
	'stop-opacity',
	'gradientUnits',
	'gradientTransform',
	'spreadMethod',
	'patternUnits',
	'patternContentUnits',
	'patternTransform',
	'clipPathUnits',
	'maskUnits',
	'maskContentUnits',
	'filterUnits',
	'primitiveUnits',
	'in',
	'in2',
	'result',
	'stdDeviation',
	'mode',
	'values',
	'type',
	'operator',
	'k1',
	'k2',
	'k3',
	'k4',
	'flood-color',
	'flood-opacity',
	'color-interpolation-filters',
	'href',
	'xlink:href',
	'xmlns',
	'xmlns:xlink',
	'version',
	'xml:space',
	'role',
	'aria-label',
	'aria-hidden',
	'focusable'
];

const byLower = (names: string[]) => new Map(names.map((n) => [n.toLowerCase(), n]));
const ELEMENT_NAMES = byLower(ELEMENTS);
const ATTRIBUTE_NAMES = byLower(ATTRIBUTES);

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** Raster images a logo may embed (never SVG: it could carry its own script). */
const SAFE_DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$/i;

const MAX_DEPTH = 200;
const MAX_ELEMENTS = 50_000;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Resolves XML's five named entities and numeric references; anything else stays literal. */
function decodeEntities(s: string): string {
	return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
		if (ref[0] === '#') {
			const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
			return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '';
		}
		return NAMED[ref] ?? whole;
	});
}

function escapeText(s: string): string {
	return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
	return escapeText(s).replace(/"/g, '&quot;');
}

/** A value as a browser would read it for scheme checks: no whitespace or control characters, lower case. */
function squash(s: string): string {
	// eslint-disable-next-line no-control-regex
	return s.replace(/[\s\x00-\x1f\\]+/g, '').toLowerCase();
}

/** True when CSS (a style attribute or element) references nothing outside the document. */
function safeCss(css: string): boolean {
	const s = squash(css);
	if (s.includes('javascript:') || s.includes('expression(') || s.includes('@import') || s.includes('behavior:') || s.includes('-moz-binding') || s.includes('</')) return false;
	// Every url(...) must point inside the document: url(#id).
	for (const m of s.matchAll(/url\(([^)]*)\)/g)) {
		const target = m[1].replace(/^['"]|['"]$/g, '');
		if (!target.startsWith('#')) return false;
	}
	return !/url\(/.test(s.replace(/url\((['"]?)#[^)]*\)/g, ''));
}

interface Tag {
	name: string;
	attrs: [string, string][];
	selfClosing: boolean;
}

function parseTag(source: string): Tag | null {
	const m = /^<([A-Za-z_][\w.:-]*)/.exec(source);
	if (!m) return null;
	let rest = source.slice(m[0].length);
	const selfClosing = /\/\s*>$/.test(rest);
	rest = rest.replace(/\/?\s*>$/, '');
	const attrs: [string, string][] = [];
	const re = /\s*([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/gy;
	let a: RegExpExecArray | null;
	let last = 0;
	while ((a = re.exec(rest)) !== null) {
		if (a[0] === '') break;
		attrs.push([a[1], decodeEntities(a[2] ?? a[3] ?? a[4] ?? '')]);
		last = re.lastIndex;
	}
	if (rest.slice(last).trim() !== '') throw new SvgRefused('the SVG has a malformed tag');
	return { name: m[1], attrs, selfClosing };
}

/**
 * Sanitises an SVG document. Throws SvgRefused when it is not a readable SVG (not UTF-8, a
 * DOCTYPE or entity declaration, no `<svg>` root, absurd nesting).
 */
export function sanitizeSvg(bytes: Uint8Array): SanitizedSvg {
	let source: string;
	try {
		source = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
	} catch {
		throw new SvgRefused('the SVG is not UTF-8 text');
	}
	// A plain DOCTYPE (editors still write SVG 1.1's) is dropped; one with an internal subset could
	// declare entities, so the file is refused.
	if (/<!ENTITY/i.test(source) || /<!DOCTYPE[^>]*\[/i.test(source)) throw new SvgRefused('SVG files that declare entities are not accepted');

	const removed = new Set<string>();
	const out: string[] = [];
	/** Open elements we kept (canonical names); null marks a dropped subtree. */
	const stack: (string | null)[] = [];
	let dropping = 0;
	let sawRoot = false;
	let rootClosed = false;
	let elements = 0;
	/** Text of a kept <style> element, checked as a whole at its end. */
	let styleBuffer: string[] | null = null;

	const emitText = (text: string) => {
		if (dropping > 0 || !sawRoot || rootClosed) return;
		if (styleBuffer) styleBuffer.push(text);
		else out.push(escapeText(text));
	};

	let i = 0;
	while (i < source.length) {
		const lt = source.indexOf('<', i);
		if (lt === -1) {
			emitText(decodeEntities(source.slice(i)));
			break;
		}
		if (lt > i) emitText(decodeEntities(source.slice(i, lt)));
		if (source.startsWith('<!--', lt)) {
			const end = source.indexOf('-->', lt + 4);
			if (end === -1) throw new SvgRefused('the SVG has an unterminated comment');
			i = end + 3;
			continue;
		}
		if (source.startsWith('<![CDATA[', lt)) {
			const end = source.indexOf(']]>', lt + 9);
			if (end === -1) throw new SvgRefused('the SVG has an unterminated CDATA section');
			emitText(source.slice(lt + 9, end));
			i = end + 3;
			continue;
		}
		if (source.startsWith('<?', lt)) {
			const end = source.indexOf('?>', lt + 2);
			if (end === -1) throw new SvgRefused('the SVG has an unterminated processing instruction');
			if (!/^<\?xml[\s?]/i.test(source.slice(lt, lt + 6))) removed.add('processing instructions');
			i = end + 2;
			continue;
		}
		if (/^<!DOCTYPE\s/i.test(source.slice(lt, lt + 10))) {
			const end = source.indexOf('>', lt);
			if (end === -1) throw new SvgRefused('the SVG has an unterminated DOCTYPE');
			removed.add('the DOCTYPE');
			i = end + 1;
			continue;
		}
		if (source.startsWith('<!', lt)) throw new SvgRefused('the SVG has a declaration that is not accepted');
		// A tag: find its end outside quoted attribute values.
		let j = lt + 1;
		let quote: string | null = null;
		for (; j < source.length; j++) {
			const c = source[j];
			if (quote) {
				if (c === quote) quote = null;
			} else if (c === '"' || c === "'") quote = c;
			else if (c === '>') break;
		}
		if (j >= source.length) throw new SvgRefused('the SVG has an unterminated tag');
		const raw = source.slice(lt, j + 1);
		i = j + 1;

		if (raw.startsWith('</')) {
			const name = raw.slice(2, -1).trim();
			if (stack.length === 0) continue;
			// Close up to the matching element; a stray end tag is ignored.
			const lowered = name.toLowerCase();
			let k = stack.length - 1;
			while (k >= 0 && (stack[k] === null ? false : stack[k]!.toLowerCase() !== lowered)) k--;
			const target = k >= 0 ? k : stack.length - 1;
			if (k < 0 && stack[stack.length - 1] !== null) continue;
			while (stack.length > target) {
				const top = stack.pop()!;
				if (top === null) {
					dropping--;
					continue;
				}
				if (top === 'style' && styleBuffer) {
					const css = styleBuffer.join('');
					styleBuffer = null;
					if (safeCss(css)) out.push(escapeText(css));
					else removed.add('style rules that load or run something');
				}
				out.push(`</${top}>`);
				if (stack.length === 0) rootClosed = true;
			}
			continue;
		}

		const tag = parseTag(raw);
		if (!tag) throw new SvgRefused('the SVG has a malformed tag');
		if (++elements > MAX_ELEMENTS) throw new SvgRefused('the SVG has too many elements');
		if (stack.length >= MAX_DEPTH) throw new SvgRefused('the SVG is nested too deeply');
		const canonical = ELEMENT_NAMES.get(tag.name.toLowerCase());

		if (!sawRoot) {
			if (canonical !== 'svg') throw new SvgRefused('this is not an SVG image (its root element is not <svg>)');
			sawRoot = true;
		} else if (rootClosed) {
			removed.add('content after the SVG');
			if (!tag.selfClosing) {
				stack.push(null);
				dropping++;
			}
			continue;
		}

		if (dropping > 0 || !canonical || styleBuffer) {
			if (dropping === 0) removed.add(`<${tag.name}> elements`);
			if (!tag.selfClosing) {
				stack.push(null);
				dropping++;
			}
			continue;
		}

		const kept: [string, string][] = [];
		for (const [rawName, value] of tag.attrs) {
			const name = ATTRIBUTE_NAMES.get(rawName.toLowerCase());
			if (!name) {
				removed.add(/^on/i.test(rawName) ? 'event handler attributes' : `${rawName} attributes`);
				continue;
			}
			if (name === 'href' || name === 'xlink:href') {
				const v = value.trim();
				if (v.startsWith('#') || (canonical === 'image' && SAFE_DATA_IMAGE.test(v))) kept.push([name, v]);
				else removed.add(squash(v).startsWith('javascript:') ? 'javascript: links' : 'links to other files');
				continue;
			}
			if (name === 'xmlns') {
				if (value !== SVG_NS) removed.add('foreign namespaces');
				continue; // written on the root below
			}
			if (name === 'xmlns:xlink') continue;
			const s = squash(value);
			if (s.includes('javascript:') || s.includes('data:') || (s.includes('url(') && !safeCss(value))) {
				removed.add('references to other files');
				continue;
			}
			if (name === 'style' && !safeCss(value)) {
				removed.add('style rules that load or run something');
				continue;
			}
			kept.push([name, value]);
		}
		if (canonical === 'svg' && stack.length === 0) {
			kept.unshift(['xmlns', SVG_NS]);
			if (kept.some(([n]) => n === 'xlink:href') || /xlink:href/i.test(source)) kept.splice(1, 0, ['xmlns:xlink', XLINK_NS]);
		}
		const attrs = kept.map(([n, v]) => ` ${n}="${escapeAttr(v)}"`).join('');
		if (tag.selfClosing) {
			out.push(`<${canonical}${attrs}/>`);
			if (stack.length === 0) rootClosed = true;
			continue;
		}
		out.push(`<${canonical}${attrs}>`);
		stack.push(canonical);
		if (canonical === 'style') styleBuffer = [];
	}

	if (!sawRoot) throw new SvgRefused('this is not an SVG image (no <svg> element)');
	// Close whatever the file left open.
	while (stack.length > 0) {
		const top = stack.pop()!;
		if (top === null) continue;
		if (top === 'style' && styleBuffer) {
			const css = styleBuffer.join('');
			styleBuffer = null;
			if (safeCss(css)) out.push(escapeText(css));
			else removed.add('style rules that load or run something');
		}
		out.push(`</${top}>`);
	}
	return { svg: out.join(''), removed: [...removed].sort() };
}
