// Any id: the device renders the document from its local database (no prerendering).
export const prerender = false;
