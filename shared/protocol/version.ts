/**
 * The wire protocol's version. Bump it with a one-line history entry on every change.
 *
 * History:
 * 1 — health, branding, error bodies.
 * 2 — sync: collection schemas, pull/push per collection, change stream (hello, changed, heartbeat, bye).
 */
export const PROTOCOL_VERSION = 2;
