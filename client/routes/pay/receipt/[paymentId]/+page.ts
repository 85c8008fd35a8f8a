// Any payment: the screen reads it from the device's database and the server (no prerendering).
export const prerender = false;
