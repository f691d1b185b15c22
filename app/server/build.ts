/** Builds the page with Vite (app/vite.config.ts) into `outDir`. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function buildApp(outDir = join(APP_DIR, "dist")): Promise<string> {
  await build({ configFile: join(APP_DIR, "vite.config.ts"), build: { outDir, emptyOutDir: true }, logLevel: "warn" });
  return outDir;
}
