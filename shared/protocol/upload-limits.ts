// No zod here: the device's photo code imports these without pulling the schemas into its bundle.

/** `POST` a photo's bytes here (the raw body, any image Content-Type); the answer is an `UploadResponse`. */
export const UPLOADS_PATH = '/api/files/uploads';

/** Largest photo the server takes, in bytes (413 beyond). Devices resize well below this. */
export const UPLOAD_MAX_BYTES = 8 * 1024 * 1024;

/** Image types the server takes, recognised by their content (magic bytes), not by the header. */
export const UPLOAD_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

/** One of the image types the server takes. */
export type UploadMimeType = (typeof UPLOAD_MIME_TYPES)[number];

/** Most photos one customer message may carry. */
export const MESSAGE_ATTACHMENTS_MAX = 6;

/** Longest side, in pixels, a device resizes a photo to before uploading it. */
export const PHOTO_MAX_SIDE = 1600;

/** Uploads one customer may make per hour (each distinct photo counts; the same bytes again do too). */
export const UPLOADS_PER_HOUR = 120;

/** Where an attachment's file is served: `?thumb=1` for the small preview a thread shows. */
export function attachmentUrl(id: string, options: { thumb?: boolean } = {}): string {
	return `/api/files/attachments/${encodeURIComponent(id)}${options.thumb ? '?thumb=1' : ''}`;
}
