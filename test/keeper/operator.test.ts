/**
 * The operator's view, end to end: the keeper CLI (`npm run keeper`, a separate process) against a
 * real `hardhat node` process on a free port, with the real vault, venues and Chainlink mock feed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { type NodeProcess, freePort, startHardhatNode } from "../../scripts/local/hardhat-node.js";
import { poolPriceWad } from "../../deploy/lib/uniswap.js";
import { deployVaultStack, type VaultStack } from "../../deploy/lib/stack/vaultStack.js";

/** Hardhat node account #3, which the stack makes the vault's keeper. */
const KEEPER_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const tmp = mkdtempSync(join(tmpdir(), "keeper-operator-"));

interface Deployed {
  stack: VaultStack;
  multicall3: string;
  vault: string;
}

/** The whole stack on the node, 100k USDC deposited and deployed at target. */
async function deployOn(url: string): Promise<Deployed> {
  const connection = await network.create({ network: "localhost", override: { url } });
  const { ethers } = connection;
  const stack = await deployVaultStack(connection);
  const multicall3 = await (await ethers.deployContract("Multicall3")).getAddress();
  const [user] = stack.users;
  await stack.fund(user, 100_000n * 10n ** 6n);
  await (await stack.vault.connect(user)["deposit(uint256,address)"](100_000n * 10n ** 6n, user.address)).wait();
  await (await stack.vault.connect(user).rebalance()).wait(); // all idle: a hard breach anyone may fix
  return { stack, multicall3, vault: await stack.vault.getAddress() };
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await res.json()) as { result: unknown }).result;
}

function writeConfig(d: Deployed, url: string, metricsPort: number): string {
  const file = join(tmp, `keeper-${metricsPort}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      chainId: 31337,
      multicall3: d.multicall3,
      rpc: { urls: [url], timeoutMs: 1_000, cooldownMs: 0, startupRetrySeconds: 0, maxBackoffMs: 500 },
      gas: { maxFeePerGas: "500 gwei", receiptTimeoutMs: 20_000 },
      loop: { pollIntervalMs: 100 },
      metrics: { enabled: true, host: "127.0.0.1", port: metricsPort, maxPollAgeSeconds: 2 },
      vaults: [{ name: "v0", address: d.vault }],
    }),
  );
  return file;
}

/** `npm run keeper -- <args>` as an operator types it; its JSON log lines are collected. */
class KeeperProcess {
  readonly lines: Record<string, unknown>[] = [];
  out = "";
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    this.child = spawn("npm", ["run", "-s", "keeper", "--", ...args], {
      env: { ...process.env, KEEPER_PRIVATE_KEY: KEEPER_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer) => {
      this.out += chunk.toString();
      for (const line of chunk.toString().split("\n")) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a table or report line
        }
      }
    };
    this.child.stdout?.on("data", collect);
    this.child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }
  async waitFor(msg: string | RegExp, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find((l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg))));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no log line ${String(msg)} in:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `npm run <args>` to the end. */
function runNpm(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "-s", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("exit", (code) => resolve({ code, out }));
  });
}

async function runToEnd(args: string[]): Promise<{ code: number | null; out: string }> {
  const k = new KeeperProcess(args);
  return { code: await k.exited, out: k.out };
}

/** Every live process whose parent chain leads to `root` (read from /proc). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  for (const pid of parentOf.keys()) {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p))
      if (p === root) {
        out.push(pid);
        break;
      }
  }
  return out;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function healthz(port: number): Promise<{ status: number; body: { problems: string[] } }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: res.status, body: (await res.json()) as { problems: string[] } };
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const healthzBecomes = (port: number, status: number) =>
  eventually(
    () => healthz(port),
    (r) => r.status === status,
    10_000,
  );

describe("keeper CLI against a real hardhat node process", function () {
  this.timeout(240_000);
  let node: NodeProcess;
  let d: Deployed;

  before(async function () {
    node = await startHardhatNode();
    d = await deployOn(node.url);
  });
  after(async function () {
    await node?.stop();
  });

  it("npm run local: deposit, move and refresh the feed, trade the pool, mine", async function () {
    const snapshot = await rpc(node.url, "evm_snapshot");
    try {
      const s = d.stack;
      const file = join(tmp, "addresses.json");
      writeFileSync(
        file,
        JSON.stringify({
          vault: d.vault,
          oracle: await s.oracle.getAddress(),
          usdc: await s.usdc.getAddress(),
          weth: await s.weth.getAddress(),
          pool: await s.pool.getAddress(),
          router: await s.uniswap.router.getAddress(),
        }),
      );
      const local = (...args: string[]) => runNpm(["local", "--", "--rpc", node.url, "--addresses", file, ...args]);
      const [, account1] = (await rpc(node.url, "eth_accounts")) as string[]; // the walkthrough acts as #1
      const feedAnswer = async () => (await s.oracle.latestRoundData())[1];
      const poolPrice = async () => poolPriceWad(s.pool, s.pair);

      const shown = await local("show");
      expect(shown.code).to.equal(0);
      expect(shown.out).to.match(/feed\s+\$3000\.00, updated \d+s ago/);

      const before = await s.vault.balanceOf(account1);
      expect((await local("deposit", "1000")).out).to.match(/deposited 1000 USDC from 0x/);
      expect((await s.vault.balanceOf(account1)) > before).to.equal(true);

      const start = await feedAnswer();
      expect((await local("price", "+10%")).code).to.equal(0);
      expect(await feedAnswer()).to.equal((start * 11_000n) / 10_000n);
      const target = (start * 11_000n * 10n ** 10n) / 10_000n;
      expect(Math.abs(Number(await poolPrice()) / Number(target) - 1)).to.be.lessThan(0.001);
      expect((await local("price", "-5%")).code).to.equal(0);
      expect(await feedAnswer()).to.equal((((start * 11_000n) / 10_000n) * 9_500n) / 10_000n);

      const block = await s.oracle.runner?.provider?.getBlock("latest");
      expect((await local("mine", "3", "--seconds", "100")).out).to.match(/mined 3 block\(s\) after advancing 100s/);
      const after = await s.oracle.runner?.provider?.getBlock("latest");
      expect((after?.number ?? 0) - (block?.number ?? 0)).to.equal(3);
      expect((after?.timestamp ?? 0) - (block?.timestamp ?? 0)).to.be.at.least(100);

      expect((await local("refresh")).code).to.equal(0);
      const [, , , updatedAt] = await s.oracle.latestRoundData();
      expect(Number(updatedAt)).to.equal((await s.oracle.runner?.provider?.getBlock("latest"))?.timestamp);

      const poolBefore = await poolPrice();
      expect((await local("trade", "sell", "1")).code).to.equal(0);
      expect((await poolPrice()) < poolBefore).to.equal(true);

      const bad = await local("price", "lots");
      expect(bad.code).to.equal(1);
      expect(bad.out).to.match(/price <\+p%\|-p%\|usd>/);
    } finally {
      await rpc(node.url, "evm_revert", [snapshot]);
    }
  });

  it("a stale oracle: once and status exit 2 naming OracleStalePrice, /healthz 503, metrics show the age", async function () {
    const snapshot = await rpc(node.url, "evm_snapshot");
    try {
      await rpc(node.url, "evm_increaseTime", [3_601]);
      await rpc(node.url, "evm_mine");
      const port = await freePort();
      const config = writeConfig(d, node.url, port);

      const once = await runToEnd(["once", "--config", config]);
      expect(once.code).to.equal(2);
      expect(once.out).to.match(/"msg":"vault unreadable; skipped until it reads again"/);
      expect(once.out).to.match(/OracleStalePrice\(0x[0-9a-fA-F]{40}, \d+, 3600, \d+\)/);
      const status = await runToEnd(["status", "--config", config]);
      expect(status.code).to.equal(2);
      expect(status.out).to.match(/v0\s+threshold\s+\?.*error: vaultState\(\) failed: OracleStalePrice\(/);

      const run = new KeeperProcess(["run", "--config", config]);
      try {
        await run.waitFor("serving /metrics and /healthz");
        // /healthz is 503 before the first read too ("not been read yet"): wait for the vault's own problem.
        const stale = /vault v0 unreadable: vaultState\(\) failed: OracleStalePrice\(/;
        const h = await eventually(
          () => healthz(port),
          (r) => r.status === 503 && stale.test((r.body.problems ?? []).join("\n")),
          10_000,
        );
        expect(h.body.problems.join("\n")).to.match(stale);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).to.match(/keeper_vault_readable\{vault="v0"\} 0/);
        expect(metrics).to.match(/keeper_vault_read_failures_total\{vault="v0",error="OracleStalePrice"\} [1-9]/);
        const age = Number(/keeper_vault_oracle_age_seconds\{vault="v0"\} (\d+)/.exec(metrics)?.[1]);
        expect(age).to.be.greaterThan(3_600);
        expect(metrics).to.not.match(/keeper_vault_delta_bps\{vault="v0"\}/); // no frozen values
        // The operator refreshes the feed: healthy again.
        const [, answer] = await d.stack.oracle.latestRoundData();
        await (await d.stack.oracle.updateAnswer(answer)).wait();
        await healthzBecomes(port, 200);
      } finally {
        run.child.kill("SIGTERM");
        await run.exited;
      }
    } finally {
      await rpc(node.url, "evm_revert", [snapshot]);
    }
  });

  it("SIGTERM to `npm run keeper -- run` stops every process it started, cleanly", async function () {
    const port = await freePort();
    const run = new KeeperProcess(["run", "--config", writeConfig(d, node.url, port)]);
    await run.waitFor("serving /metrics and /healthz");
    const tree = descendants(run.child.pid as number);
    expect(tree.length).to.be.greaterThan(0);
    run.child.kill("SIGTERM"); // the npm process, as systemd or a terminal would
    expect(await run.exited).to.not.equal(null);
    await eventually(
      async () => tree.filter(alive),
      (left) => left.length === 0,
      10_000,
    );
    expect(run.lines.some((l) => l.msg === "keeper stopped")).to.equal(true);
  });

  it("/healthz: 200 on an idle automine node, 503 within seconds of the RPC dying; after a node restart a hard breach below the old height is rebalanced", async function () {
    const port = await freePort();
    const config = writeConfig(d, node.url, port);
    await rpc(node.url, "hardhat_mine", ["0x12c"]); // 300 blocks: the old chain is taller than the new one will be
    const run = new KeeperProcess(["run", "--config", config]);
    try {
      await run.waitFor("serving /metrics and /healthz");
      await healthzBecomes(port, 200);
      await new Promise((r) => setTimeout(r, 3_000)); // longer than maxPollAgeSeconds, no new block
      expect((await healthz(port)).status).to.equal(200);

      const stoppedAt = Date.now();
      await node.stop();
      await healthzBecomes(port, 503);
      const downMs = Date.now() - stoppedAt;
      expect(downMs).to.be.lessThan(6_000); // maxPollAgeSeconds 2 + one RPC timeout

      node = await startHardhatNode(node.port); // a fresh chain at the same URL
      d = await deployOn(node.url); // same deployer and nonces: same addresses
      expect(BigInt((await rpc(node.url, "eth_blockNumber")) as string)).to.be.lessThan(300n);
      const [, answer] = await d.stack.oracle.latestRoundData();
      await d.stack.setPrice(((answer * 13_000n) / 10_000n) * 10n ** 10n); // +30%: hard margin-low breach
      await run.waitFor("rebalance mined", 30_000);
      expect(run.lines.some((l) => l.msg === "chain replaced (reset, restart or reorg); starting over")).to.equal(true);
      const events = await d.stack.vault.queryFilter(d.stack.vault.filters.Rebalanced());
      expect(events.map((e) => e.args.caller)).to.include(d.stack.keeper.address);
      await healthzBecomes(port, 200);
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
  });
});
