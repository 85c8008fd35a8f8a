// Any id: the console loads the customer from the API (no prerendering).
export const prerender = false;
