/**
 * The browser the end-to-end tests drive: Debian's `chromium` (or CHROMIUM_PATH) through
 * playwright-core. Nothing here downloads a browser.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** The one line `npm test` prints when it cannot run the browser tests. */
export const SKIP_LINE =
  "SKIPPED the depositor app's browser tests: no Chromium found. Install Debian's (sudo apt-get install chromium) or set CHROMIUM_PATH; .ci/run installs it.";

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
}
