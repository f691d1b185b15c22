/**
 * `npm run demo -- --mode <name>`: a good mode runs a few hours of the main job (in-process chain,
 * real contracts and keeper) and names the mode in its report and chart; a bad one exits
 * non-zero with a message naming the choices.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../deploy/lib/deployStack.js";

const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CLI = join(ROOT, "demo", "main.ts");

function run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [CLI, ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("Demo: npm run demo -- --mode", function () {
  this.timeout(240_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dnv-demo-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses an unknown mode with exit code 2 and the choices", async function () {
    const { status, stderr, stdout } = await run("--mode", "spot", "--hours", "2", "--out", dir);
    expect(status).to.equal(2);
    expect(stderr).to.contain('--mode must be one of cash-margin, spot-collateral, got "spot"');
    expect(stdout).to.equal("");
  });

  it("runs six hours in spot-collateral mode: the report names the mode and the path, the chart its panels", async function () {
    const { status, stdout, stderr } = await run("--mode", "spot-collateral", "--hours", "6", "--out", dir, "--quiet");
    expect(status, stderr).to.equal(0);
    expect(stdout).to.match(/hedge mode +spot-collateral \(the spot posted at the venue as the short's collateral/);
    expect(stdout).to.match(/dates run +\d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d UTC, 6 hours/);
    expect(stdout).to.match(/hedged notional \/ NAV +average 0\.9/); // 95% of NAV deployed, 1x
    expect(stdout).to.match(/residual \(not explained by the parts\) +[+-]0\.000 bps/);
    const chart = readdirSync(dir).find((f) => f.startsWith("demo-spot-collateral-"));
    expect(chart, readdirSync(dir).join(", ")).to.not.equal(undefined);
    const svg = readFileSync(join(dir, chart!), "utf8");
    expect(svg).to.contain("Hedged notional / NAV");
    expect(svg).to.contain("soft floor 37.5%"); // the mode's bands, read from the vault
    expect(svg).to.contain("| rebalance: idle");
  });
});
