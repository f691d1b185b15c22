/**
 * Writes the config table of keeper/README.md from the schema (`npm run docs:keeper`), between the
 * markers below; the tests fail when the README and the schema disagree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { configTable } from "./config.js";

export const README = "keeper/README.md";
export const START = "<!-- config-table:start (npm run docs:keeper writes it from keeper/config.ts) -->";
export const END = "<!-- config-table:end -->";

/** The README with its table section replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${README} lacks the config-table markers`);
  return `${readme.slice(0, from + START.length)}\n\n${table}\n\n${readme.slice(to)}`;
}

if (process.argv[1]?.endsWith("config-docs.ts")) {
  writeFileSync(README, withTable(readFileSync(README, "utf8"), configTable()));
  console.log(`${README}: config table written (run prettier to align it)`);
}
