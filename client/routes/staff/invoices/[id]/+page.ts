// Any id: the console loads the invoice from the API (no prerendering).
export const prerender = false;
