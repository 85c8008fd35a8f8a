// Any id: the device renders the appointment from its local database (no prerendering).
export const prerender = false;
