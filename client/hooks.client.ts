import type { ClientInit, HandleClientError } from '@sveltejs/kit';
import { captureConfirmToken } from '$lib/auth/confirm-token';

export const init: ClientInit = () => {
	// First thing, before the router records the URL: take a sign-in secret out of the address bar.
	captureConfirmToken();
};

export const handleError: HandleClientError = ({ error, status }) => {
	if (status !== 404) console.error(error);
	return {
		message: status === 404 ? 'This page does not exist.' : 'Something went wrong while showing this page.'
	};
};
