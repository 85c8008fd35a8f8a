// No imports: the words every payment screen shares, also read by unit tests.

/** What every payment screen shows in demo mode (mirrors DEMO_MODE_LABEL without importing zod). */
export const DEMO_MODE_LABEL = 'Demo mode — no real money';

/** The headline of a bank payment on its way. */
export const ACH_PROCESSING_HEADLINE = 'Processing — usually up to 4 business days';

/** Why the Pay button is off without a network. */
export const OFFLINE_PAY_REASON = "You're offline — paying needs a connection";
