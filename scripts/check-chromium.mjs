// The end-to-end suite drives the system's Chromium; say how to install it when it is missing.
import fs from 'node:fs';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
const found = candidates.find((p) => fs.existsSync(p));
if (!found) {
	console.error(
		`Chromium not found (looked at ${candidates.join(', ')}).\n` +
			'Install it with:  apt-get install -y chromium\n' +
			'or point CHROMIUM_PATH at a Chromium or Chrome binary.'
	);
	process.exit(1);
}
