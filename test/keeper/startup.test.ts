import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { vaultInterface } from "../../keeper/chain/abi.js";
import { runCli } from "./helpers/cli.js";
import {
  HARD_BREACH_BPS,
  multicall3,
  networkHelpers,
  nonceOf,
  proxy,
  rpcUrl,
  stack,
  startKeeper,
  testConfig,
  vaultsFixture,
} from "./helpers/fixture.js";

const tmp = mkdtempSync(join(tmpdir(), "keeper-startup-"));

function configFile(vaults: string[], over: Record<string, unknown> = {}): string {
  const file = join(tmp, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      chainId: 31337,
      multicall3,
      rpc: { urls: [rpcUrl], startupRetrySeconds: 0 },
      gas: { maxFeePerGas: "500 gwei" },
      metrics: { enabled: false },
      vaults: vaults.map((address, i) => ({ name: `v${i}`, address })),
      ...over,
    }),
  );
  return file;
}

const jsonLines = (out: string) =>
  out
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("keeper start-up checks, exit codes and RPC outages", function () {
  this.timeout(60_000);

  it("a key without the KEEPER role: once exits 1 before sending anything, naming the vault", async function () {
    const { vaults } = await networkHelpers.loadFixture(vaultsFixture(1));
    const outsider = Wallet.createRandom();
    await networkHelpers.setBalance(outsider.address, 10n ** 20n);
    const { code, out } = await runCli(["once", "--config", configFile(vaults)], {
      KEEPER_PRIVATE_KEY: outsider.privateKey,
    });
    expect(code).to.equal(1);
    expect(out).to.match(/v0: key 0x[0-9a-fA-F]{40} lacks the KEEPER role/);
    expect(await nonceOf(outsider.address)).to.equal(0);
  });

  it("an unfunded key: once exits 1 naming its balance and the minimum", async function () {
    const broke = Wallet.createRandom();
    const vaults = await stack.deployVaults(1, [broke.address]);
    const { code, out } = await runCli(["once", "--config", configFile(vaults)], {
      KEEPER_PRIVATE_KEY: broke.privateKey,
    });
    expect(code).to.equal(1);
    expect(out).to.match(/holds 0 wei, below gas\.minBalance 10000000000000000 wei/);
  });

  it("addresses that are not vaults: exits 1, one line per address", async function () {
    const eoa = Wallet.createRandom().address;
    const { code, out } = await runCli(["status", "--config", configFile([multicall3, eoa])], {});
    expect(code).to.equal(1);
    expect(out).to.match(/v1: no contract at 0x/);
    const again = await runCli(["status", "--config", configFile([multicall3])], {});
    expect(again.code).to.equal(1);
    expect(again.out).to.match(/v0: 0x[0-9a-fA-F]{40} is not a delta-neutral vault/);
  });

  it("status needs no key; fatal lines are JSON log lines like every other", async function () {
    const { vaults } = await networkHelpers.loadFixture(vaultsFixture(1));
    const ok = await runCli(["status", "--config", configFile(vaults)], { KEEPER_PRIVATE_KEY: "" });
    expect(ok.code).to.equal(0);
    expect(ok.out).to.match(/v0\s+threshold\s+None\s+None/);
    const bad = await runCli(["once", "--config", configFile(vaults, { chainId: 1 })], {});
    expect(bad.code).to.equal(1);
    const lines = jsonLines(bad.out); // throws on a plain-text line
    expect(lines.at(-1)).to.deep.include({ level: 60, msg: "invalid configuration; not starting" });
  });

  it("without --config it reads the shipped local config and says what it needs", async function () {
    if (existsSync("keeper/keeper.config.json") || existsSync("deploy/addresses/localhost.json")) this.skip();
    const { code, out } = await runCli(["status"], { KEEPER_CONFIG: "" });
    expect(code).to.equal(1);
    expect(out).to.match(/keeper\.config\.local\.json/);
    expect(out).to.match(/cannot read deploy\/addresses\/localhost\.json \(run the deploy script first\)/);
  });

  it("once: a simulation reverting for an abnormal reason exits 2 and says so", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(vaultsFixture(1));
    await stack.forceRevert?.(vaults[0], vaultInterface.encodeErrorResult("CostTooHigh", [1_000n, 900n, 30n]));
    await stack.movePrice(vaults[0], HARD_BREACH_BPS);
    const { code, out } = await runCli(["once", "--config", configFile(vaults)], {
      KEEPER_PRIVATE_KEY: keeper.privateKey,
    });
    expect(code).to.equal(2);
    expect(out).to.match(
      /v0: REBALANCE \(MarginLow Hard\) -> NOT SENT: simulation reverted CostTooHigh\(1000, 900, 30\)/,
    );
    expect(await nonceOf(keeper.address)).to.equal(0);
  });

  it("an RPC outage: the pause doubles up to rpc.maxBackoffMs, one line per attempt, then recovers", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(vaultsFixture(1));
    const pauses: number[] = [];
    const k = startKeeper(
      testConfig(vaults, { rpc: { urls: [rpcUrl], cooldownMs: 60_000, maxBackoffMs: 200 } }),
      keeper,
      {
        sleep: async (ms) => {
          pauses.push(ms);
          if (pauses.length === 7) proxy.mode = "ok";
          if (pauses.length === 9) await k.keeper.stop();
        },
      },
    );
    proxy.mode = "http500";
    try {
      await k.keeper.run();
    } finally {
      proxy.mode = "ok";
    }
    expect(pauses.slice(0, 7)).to.deep.equal([20, 40, 80, 160, 200, 200, 200]);
    expect(k.logs.find("cannot read the chain; backing off")).to.have.length(7);
    expect(k.logs.find("rpc endpoint failed, failing over")).to.have.length(1); // the endpoint stays down: no repeats
    expect(k.logs.find("chain readable again")).to.have.length(1);
  });

  it("start-up retries an unreachable RPC with backoff before giving up", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(vaultsFixture(1));
    let tries = 0;
    const k = startKeeper(
      testConfig(vaults, { rpc: { urls: [rpcUrl], cooldownMs: 0, startupRetrySeconds: 60 } }),
      keeper,
      {
        sleep: async () => {
          if (++tries === 3) proxy.mode = "ok";
        },
      },
    );
    proxy.mode = "http500";
    try {
      await k.keeper.init();
    } finally {
      proxy.mode = "ok";
    }
    expect(k.logs.find("RPC unreachable at start-up; retrying")).to.have.length(3);
  });
});
