/** Staff roles, from most to least privileged. */
export type StaffRole = 'owner' | 'office' | 'technician';

/** Who is making a request, as the session cookie says. */
export type Principal =
	| { kind: 'customer'; sessionPublicId: string; customerId: string; portalUserId: string; email: string }
	| { kind: 'staff'; sessionPublicId: string; staffUserId: string; role: StaffRole; email: string; name: string };

declare module 'fastify' {
	interface FastifyRequest {
		/** The signed-in principal, or null. Set by the auth plugin's onRequest hook. */
		principal: Principal | null;
	}
}
