/**
 * `npm run mutate`: a small mutation runner for the maths libraries. For each mutation in
 * scripts/mutations.ts it changes one line of the library, runs that library's tests, restores
 * the file and records whether the tests caught the bug (killed) or not (survived). A mutation
 * whose text is not found once in the file is skipped and said so; one that does not compile is
 * reported as invalid. Prints one row per mutation and the totals; exits 1 if any survived.
 *
 *   npm run mutate                     # every mutation
 *   npm run mutate -- VM-03 OL-07      # only these
 *   npm run mutate -- --list           # list them without running anything
 *   npm run mutate -- --tests test/vault/VaultMath.t.sol VM-01   # against other tests instead
 *
 * The file is restored after every run, on errors and on Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MUTATIONS, TARGETS, type Mutation } from "./mutations.js";

const ROOT = join(import.meta.dirname, "..");
type Outcome = "killed" | "survived" | "skipped" | "invalid";

interface Row {
  mutation: Mutation;
  outcome: Outcome;
  note: string;
  seconds: number;
}

/** Original contents of the files being mutated, to restore on any exit. */
const originals = new Map<string, string>();
/** The test run in progress, stopped on Ctrl-C. */
let running: ChildProcess | undefined;

function restoreAll() {
  for (const [path, text] of originals) writeFileSync(path, text);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    running?.kill(signal);
    restoreAll();
    console.error(
      `\nStopped by ${signal}; ${[...originals.keys()].join(", ")} restored; run \`npx hardhat build\` before testing again`,
    );
    process.exit(130);
  });
}

/** `--tests a,b`: run these test files instead of the configured ones (to compare suites). */
let testsOverride: string[] | undefined;

function testsFor(file: string): string[] {
  if (testsOverride !== undefined) return testsOverride;
  const target = TARGETS.find((t) => t.file === file);
  if (target === undefined) throw new Error(`no tests configured for ${file} (scripts/mutations.ts TARGETS)`);
  return target.tests;
}

function hardhat(args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn("npx", ["hardhat", ...args], { cwd: ROOT });
    running = child;
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      running = undefined;
      resolve({ ok: code === 0, output });
    });
  });
}

/**
 * Builds `file` as a root of its own, then runs `tests` (Solidity files in the Solidity runner,
 * the rest in mocha). The build matters for a library with public functions: tests link its
 * deployed artifact, which a test-only compilation would leave as it was before the mutation.
 */
async function runTests(file: string, tests: string[]): Promise<{ ok: boolean; compiled: boolean; output: string }> {
  const build = await hardhat(["build", "--quiet", "--no-tests", "--no-typechain", file]);
  if (!build.ok) return { ...build, compiled: false };
  const groups: [string, string[]][] = [
    ["solidity", tests.filter((t) => t.endsWith(".sol"))],
    ["mocha", tests.filter((t) => !t.endsWith(".sol"))],
  ];
  let output = build.output;
  for (const [runner, files] of groups) {
    if (files.length === 0) continue;
    const run = await hardhat(["test", runner, ...files]);
    output += run.output;
    // A test file that no longer compiles against the mutated library is not a kill either.
    if (!run.ok) return { ok: false, compiled: !/HHE910|Compilation failed/.test(run.output), output };
  }
  return { ok: true, compiled: true, output };
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

async function mutateOnce(m: Mutation): Promise<Row> {
  const path = join(ROOT, m.file);
  const original = originals.get(path) ?? readFileSync(path, "utf8");
  originals.set(path, original);
  const found = occurrences(original, m.from);
  if (found !== 1) {
    const note = found === 0 ? "text not found (the code changed)" : `text found ${found} times (ambiguous)`;
    return { mutation: m, outcome: "skipped", note, seconds: 0 };
  }
  const started = Date.now();
  writeFileSync(path, original.replace(m.from, m.to));
  try {
    const { ok, compiled, output } = await runTests(m.file, testsFor(m.file));
    const seconds = (Date.now() - started) / 1000;
    if (ok) return { mutation: m, outcome: "survived", note: "every test passed", seconds };
    if (!compiled) return { mutation: m, outcome: "invalid", note: "does not compile", seconds };
    const failing = output.match(/(\d+) failing/);
    return { mutation: m, outcome: "killed", note: failing ? `${failing[1]} failing` : "tests failed", seconds };
  } finally {
    writeFileSync(path, original);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--tests");
  if (at !== -1) {
    testsOverride = (args[at + 1] ?? "").split(",").filter((t) => t !== "");
    args.splice(at, 2);
  }
  if (args.includes("--list")) {
    for (const m of MUTATIONS) console.log(`${m.id}  ${m.file}  ${m.why}\n        ${m.from}\n     -> ${m.to}`);
    return 0;
  }
  const unknown = args.filter((a) => !MUTATIONS.some((m) => m.id === a));
  if (unknown.length > 0) {
    console.error(`Unknown mutation id(s): ${unknown.join(", ")} (npm run mutate -- --list)`);
    return 2;
  }
  const chosen = args.length > 0 ? MUTATIONS.filter((m) => args.includes(m.id)) : MUTATIONS;

  // The tests must pass on the unmutated code, or every mutation would look killed.
  for (const file of new Set(chosen.map((m) => m.file))) {
    const baseline = await runTests(file, testsFor(file));
    if (!baseline.ok) {
      console.error(`Baseline tests for ${file} fail without any mutation:\n${baseline.output}`);
      return 2;
    }
  }

  const rows: Row[] = [];
  try {
    for (const m of chosen) {
      const row = await mutateOnce(m);
      rows.push(row);
      console.log(`${row.mutation.id.padEnd(6)} ${row.outcome.padEnd(8)} ${row.note} (${row.seconds.toFixed(1)} s)`);
    }
  } finally {
    restoreAll();
    // Leave no mutated library artifact behind for the next test run to link against.
    for (const file of new Set(chosen.map((m) => m.file))) await hardhat(["build", "--quiet", "--no-tests", file]);
  }

  console.log("\n| id | file | mutation | result |\n| --- | --- | --- | --- |");
  for (const r of rows) {
    const file = r.mutation.file.split("/").pop();
    console.log(`| ${r.mutation.id} | ${file} | ${r.mutation.why} | ${r.outcome}: ${r.note} |`);
  }
  const count = (o: Outcome) => rows.filter((r) => r.outcome === o).length;
  const tried = count("killed") + count("survived");
  console.log(
    `\nTotal: ${count("killed")} killed, ${count("survived")} survived of ${tried} applied` +
      ` (${count("skipped")} skipped, ${count("invalid")} invalid)`,
  );
  return count("survived") > 0 ? 1 : 0;
}

process.exitCode = await main();
