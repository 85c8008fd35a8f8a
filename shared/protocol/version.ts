/**
 * The wire protocol's version. Bump it with a one-line history entry on every change.
 *
 * History:
 * 1 — health, branding, error bodies.
 */
export const PROTOCOL_VERSION = 1;
