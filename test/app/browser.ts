/**
 * The browser the end-to-end tests drive: Debian's `chromium` (or CHROMIUM_PATH) through
 * playwright-core. Nothing here downloads a browser.
 */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { chromium, type Browser } from "playwright-core";

const NAMES = ["chromium", "chromium-browser"];

/** CHROMIUM_PATH if set, else the first `chromium` on PATH (where .ci/run's apt-get puts it). */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin"];
  for (const name of NAMES) for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** The one line `npm test` prints when it cannot run the browser tests. */
export const SKIP_LINE =
  "SKIPPED the depositor app's browser tests: no Chromium found. Install Debian's (sudo apt-get install chromium) or set CHROMIUM_PATH; .ci/run installs it.";

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
}
