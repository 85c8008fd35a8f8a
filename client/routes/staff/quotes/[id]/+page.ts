// Any id: the console loads the quote from the API (no prerendering).
export const prerender = false;
