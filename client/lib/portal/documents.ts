import type { PortalDocument } from '$shared/schemas/document';

/** A document kind. */
export type DocumentKind = PortalDocument['kind'];

/** The archive's sections, in the order they are shown, with their headings. */
export const DOCUMENT_SECTIONS: { kind: DocumentKind; heading: string; singular: string }[] = [
	{ kind: 'quote', heading: 'Quotes', singular: 'Quote' },
	{ kind: 'contract', heading: 'Contracts', singular: 'Contract' },
	{ kind: 'warranty', heading: 'Warranties', singular: 'Warranty' },
	{ kind: 'certificate_of_insurance', heading: 'Certificates of insurance', singular: 'Certificate of insurance' },
	{ kind: 'other', heading: 'Other', singular: 'Document' }
];

/** "Contract", "Certificate of insurance". */
export function kindLabel(kind: DocumentKind): string {
	return DOCUMENT_SECTIONS.find((s) => s.kind === kind)?.singular ?? 'Document';
}

/** Non-empty sections with their documents, newest (signed or added) first. */
export function groupDocuments(docs: readonly PortalDocument[]): { kind: DocumentKind; heading: string; docs: PortalDocument[] }[] {
	const when = (d: PortalDocument) => d.signedAt ?? d.createdAt;
	return DOCUMENT_SECTIONS.map((s) => ({
		kind: s.kind,
		heading: s.heading,
		docs: docs.filter((d) => d.kind === s.kind).sort((a, b) => when(b) - when(a) || a.title.localeCompare(b.title))
	})).filter((s) => s.docs.length > 0);
}

/**
 * The URL a document's file is viewed and kept offline under. One URL per document, so the
 * offline copy is the one the viewer opens.
 */
export function viewUrl(doc: Pick<PortalDocument, 'id'>): string {
	return `/api/files/${encodeURIComponent(doc.id)}?inline=1`;
}

/** The URL that downloads a document's file (as an attachment). */
export function downloadUrl(doc: Pick<PortalDocument, 'id'>): string {
	return `/api/files/${encodeURIComponent(doc.id)}`;
}

/** Types the server lets the browser show in place; anything else is only ever downloaded. */
const VIEWABLE = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain']);

/** How the app can show a file: in a frame (PDF, text), as an image, or not at all. */
export function viewerOf(mime: string): 'frame' | 'image' | null {
	const m = mime.toLowerCase();
	if (!VIEWABLE.has(m)) return null;
	return m.startsWith('image/') ? 'image' : 'frame';
}

/** "1.2 MB", "340 KB". */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} bytes`;
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
