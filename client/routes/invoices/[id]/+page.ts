// Any id: the device renders the invoice from its local database (no prerendering).
export const prerender = false;
