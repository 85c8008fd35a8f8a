import { browser } from '$app/environment';
import { readJson, writeJson } from '$lib/state/storage';

/** Chromium's install prompt event (not in TypeScript's DOM types). */
interface BeforeInstallPromptEvent extends Event {
	prompt(): Promise<void>;
	readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform: string }>;
}

const INSTALL_DISMISSED_KEY = 'porchlight.installDismissedAt';
const IOS_HINT_KEY = 'porchlight.iosHintSeen';
/** After "Not now", the install banner stays away this long (the Account screen still offers it). */
const INSTALL_SNOOZE_MS = 30 * 24 * 60 * 60 * 1000;

/** Running as an installed app (home-screen icon), not in a browser tab. */
function isStandalone(): boolean {
	return matchMedia('(display-mode: standalone)').matches || (navigator as Navigator & { standalone?: boolean }).standalone === true;
}

/** Safari on iPhone or iPad, where installing is "Share → Add to Home Screen" and has no prompt. */
function isIosSafari(): boolean {
	const ua = navigator.userAgent;
	const ios = /iPad|iPhone|iPod/.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
	return ios && /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS|OPiOS|GSA\//.test(ua);
}

/**
 * Installing the app on the home screen. On Android and desktop Chromium the browser's
 * `beforeinstallprompt` is held back and offered as "Install app" (`canInstall`, `install()`);
 * on iOS Safari, which has no prompt, a one-time "Share → Add to Home Screen" hint
 * (`showIosHint`). The banner (`bannerVisible`) can be put off; the Account screen can always
 * offer `install()` while `canInstall` is true.
 */
class InstallPrompt {
	/** The browser will show its install dialog on `install()`. */
	canInstall = $state(false);
	/** Running installed, or installed during this visit. */
	installed = $state(false);
	/** Show the iOS "Add to Home Screen" hint (Safari, not installed, not shown before). */
	showIosHint = $state(false);
	/** The user put the install banner off recently. */
	snoozed = $state(false);

	/** Whether the install banner should be on screen. */
	bannerVisible = $derived(this.canInstall && !this.installed && !this.snoozed);

	#event: BeforeInstallPromptEvent | null = null;
	#started = false;

	/** Starts listening for the browser's install events (once). */
	start(): void {
		if (this.#started || !browser) return;
		this.#started = true;
		this.installed = isStandalone();
		const dismissedAt = readJson<number>(INSTALL_DISMISSED_KEY);
		this.snoozed = typeof dismissedAt === 'number' && Date.now() - dismissedAt < INSTALL_SNOOZE_MS;
		this.showIosHint = !this.installed && isIosSafari() && !readJson<boolean>(IOS_HINT_KEY);

		window.addEventListener('beforeinstallprompt', (event) => {
			// Keep the browser's own mini-infobar away: we offer installing at a calmer moment.
			event.preventDefault();
			this.#event = event as BeforeInstallPromptEvent;
			this.canInstall = true;
		});
		window.addEventListener('appinstalled', () => {
			this.installed = true;
			this.canInstall = false;
			this.#event = null;
		});
	}

	/** Shows the browser's install dialog; resolves to whether the user installed. */
	async install(): Promise<boolean> {
		const event = this.#event;
		if (!event) return false;
		// The event can be used once, whatever the answer.
		this.#event = null;
		this.canInstall = false;
		await event.prompt();
		const { outcome } = await event.userChoice;
		if (outcome === 'accepted') this.installed = true;
		return outcome === 'accepted';
	}

	/** "Not now" on the install banner. */
	dismiss(): void {
		this.snoozed = true;
		writeJson(INSTALL_DISMISSED_KEY, Date.now());
	}

	/** The iOS hint was on screen: it is not shown again on later visits. */
	iosHintSeen(): void {
		writeJson(IOS_HINT_KEY, true);
	}

	/** Closes the iOS hint. */
	dismissIosHint(): void {
		this.showIosHint = false;
		writeJson(IOS_HINT_KEY, true);
	}
}

/** The one install state of the app. */
export const installPrompt = new InstallPrompt();
