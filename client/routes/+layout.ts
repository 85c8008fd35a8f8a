// A static SPA: the device renders every screen from its local database.
export const ssr = false;
export const prerender = true;
export const trailingSlash = 'never';
