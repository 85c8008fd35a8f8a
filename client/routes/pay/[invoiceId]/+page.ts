// Any invoice: the screen reads it from the device's database (no prerendering).
export const prerender = false;
