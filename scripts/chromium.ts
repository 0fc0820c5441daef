/**
 * Debian's Chromium, driven by playwright-core, for the browser tests, the bench and the
 * screenshots: never a downloaded browser (.ci/run installs the `chromium` package). Running as
 * root, Chromium needs its sandbox off.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** A headless Chromium. */
export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM_PATH, chromiumSandbox: false, headless: true });
