// Any id: the device renders the quote from its local database (no prerendering).
export const prerender = false;
