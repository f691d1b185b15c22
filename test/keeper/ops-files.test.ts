import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Metrics } from "../../keeper/ops/metrics.js";

const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;

/** Runs a tool; passes only with exit 0 and nothing on stderr (systemd-analyze warns there with rc 0). */
function clean(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: "utf8" });
  expect(r.status, `${tool} ${args.join(" ")}\n${r.stdout}${r.stderr}`).to.equal(0);
  expect(r.stderr.trim(), `${tool} warned`).to.equal("");
  return r.stdout;
}

describe("keeper ops files", function () {
  this.timeout(30_000);

  it("every series the alert rules read is one the keeper exports", async function () {
    const rules = readFileSync("keeper/ops/alerts.yml", "utf8");
    const used = new Set([...rules.matchAll(/\b(keeper_[a-z_]+)\b/g)].map((m) => m[1]));
    const exported = (await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name);
    for (const name of used) expect(exported, name).to.include(name);
  });

  it("the README's keystore one-liner writes a git-ignored file", function () {
    expect(readFileSync("keeper/README.md", "utf8")).to.include("writeFileSync('keeper/keystore.json'");
    for (const path of ["keeper/keystore.json", "ops/owner.keystore.json"])
      expect(spawnSync("git", ["check-ignore", "-q", path]).status, path).to.equal(0);
  });

  it("the alert rules pass promtool check and their unit tests", function () {
    if (!has("promtool")) {
      console.log("      (skipped: promtool not installed; Debian: apt-get install prometheus)");
      this.skip();
    }
    expect(clean("promtool", ["check", "rules", "keeper/ops/alerts.yml"])).to.match(/SUCCESS: \d+ rules found/);
    expect(clean("promtool", ["test", "rules", "keeper/ops/alerts.test.yml"])).to.match(/SUCCESS/);
  });

  it("the systemd unit passes systemd-analyze verify (paths pointed at this checkout)", function () {
    if (!has("systemd-analyze")) {
      console.log("      (skipped: systemd-analyze not installed)");
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "keeper-unit-"));
    const env = join(dir, "env");
    writeFileSync(env, "KEEPER_KEYSTORE_PASSWORD=unused\n");
    const unit = readFileSync("keeper/ops/delta-neutral-keeper.service", "utf8")
      .replaceAll("/opt/delta-neutral-vault", process.cwd())
      .replaceAll("/etc/delta-neutral-keeper/env", env);
    expect(unit).to.match(/^Restart=on-failure$/m);
    expect(unit).to.match(/^KillSignal=SIGTERM$/m);
    const path = join(dir, "delta-neutral-keeper.service");
    writeFileSync(path, unit);
    clean("systemd-analyze", ["verify", path]);
    // The command it starts is the keeper's own CLI (no npm or shell to swallow the signal).
    const exec = /^ExecStart=(\S+) (.*)$/m.exec(unit);
    expect(exec?.[1]).to.equal(join(process.cwd(), "node_modules/.bin/node"));
    expect(
      execFileSync(exec?.[1] as string, ["--import", "tsx", "keeper/cli.ts", "--help"], { encoding: "utf8" }),
    ).to.match(/Commands:/);
  });
});
