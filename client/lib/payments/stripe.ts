import type { Appearance, Stripe, StripeElements, StripePaymentElement } from '@stripe/stripe-js';

/*
 * Stripe.js, loaded only when a payment screen needs it (never in demo mode). Card and bank
 * details are typed into Stripe's own iframe and go straight to Stripe: our code only ever holds
 * the client secret and the results (PCI SAQ A).
 */

let loading: { key: string; stripe: Promise<Stripe> } | null = null;

/**
 * Stripe.js for a publishable key. The pure loader adds js.stripe.com's script only when asked,
 * and uses `window.Stripe` as it is when the page already has one.
 */
export function getStripe(publishableKey: string): Promise<Stripe> {
	if (loading?.key === publishableKey) return loading.stripe;
	const stripe = import('@stripe/stripe-js/pure')
		.then(({ loadStripe }) => loadStripe(publishableKey))
		.then((s) => {
			if (!s) throw new Error('Stripe.js is not available in this browser.');
			return s;
		});
	loading = { key: publishableKey, stripe };
	// A failed load (offline, blocked) can be tried again later.
	stripe.catch(() => {
		if (loading?.stripe === stripe) loading = null;
	});
	return stripe;
}

/** Stripe's form styled like the app: the brand colour and the app's corners and font. */
function appearance(): Appearance {
	const css = getComputedStyle(document.documentElement);
	const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
	return {
		theme: 'stripe',
		variables: {
			colorPrimary: v('--brand-primary', '#1f5fa8'),
			colorText: v('--text', '#14171c'),
			colorDanger: v('--danger-text', '#b3261e'),
			colorBackground: v('--surface', '#ffffff'),
			borderRadius: '10px',
			fontSizeBase: '16px',
			spacingUnit: '4px'
		}
	};
}

/** Stripe's Payment Element, mounted in one of our elements. */
export interface MountedPaymentElement {
	stripe: Stripe;
	elements: StripeElements;
	element: StripePaymentElement;
	/** Removes the form (leaving the screen, or a new client secret). */
	destroy(): void;
}

/**
 * Mounts the Payment Element (card and US bank account, as the intent allows) for a
 * PaymentIntent's or SetupIntent's client secret. `onReady` fires once the form can be used.
 */
export async function mountPaymentElement(
	target: HTMLElement,
	publishableKey: string,
	clientSecret: string,
	handlers: { onReady?: () => void; onLoadError?: (message: string) => void } = {}
): Promise<MountedPaymentElement> {
	const stripe = await getStripe(publishableKey);
	const elements = stripe.elements({ clientSecret, appearance: appearance() });
	const element = elements.create('payment', { layout: 'tabs' });
	element.on('ready', () => handlers.onReady?.());
	element.on('loaderror', (event) => handlers.onLoadError?.(event.error.message ?? 'The payment form could not load.'));
	element.mount(target);
	return {
		stripe,
		elements,
		element,
		destroy() {
			element.destroy();
		}
	};
}
