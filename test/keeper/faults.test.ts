import { expect } from "chai";
import { Wallet } from "ethers";
import { vaultInterface } from "../../keeper/chain/abi.js";
import { RpcProxy } from "./helpers/rpc-proxy.js";
import {
  HARD_BREACH_BPS,
  SOFT_BREACH_BPS,
  type TestKeeper,
  connection,
  ethers,
  networkHelpers,
  nonceOf,
  rebalancedEvents,
  rpcUrl,
  stack,
  startKeeper,
  testConfig,
  vaultsFixture,
} from "./helpers/fixture.js";

const oneVault = vaultsFixture(1);

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setAutomine(on: boolean): Promise<void> {
  await connection.provider.request({ method: "evm_setAutomine", params: [on] });
}

/** Starts a keeper, breaches the soft band with automine off, and waits until it has sent. */
async function sendWithAutomineOff(vaults: string[], keeper: Parameters<typeof startKeeper>[1]) {
  const k = startKeeper(testConfig(vaults), keeper);
  await setAutomine(false);
  await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
  await networkHelpers.mine();
  await k.keeper.tick();
  await until("sent", () => k.logs.find("rebalance sent").length === 1);
  return k;
}

describe("keeper faults", function () {
  this.timeout(60_000);

  const brokenProxies: RpcProxy[] = [];

  afterEach(async function () {
    await setAutomine(true);
  });

  after(async function () {
    await Promise.all(brokenProxies.map((p) => p.stop()));
  });

  for (const [name, makeUrl] of [
    ["refuses connections", async () => "http://127.0.0.1:1/v2/SECRET-IN-PATH"],
    [
      "answers HTTP 500",
      async () => {
        const broken = new RpcProxy(connection.provider);
        brokenProxies.push(broken);
        broken.mode = "http500";
        return broken.start();
      },
    ],
  ] as const) {
    it(`the first RPC ${name}: fails over to the next and rebalances`, async function () {
      const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
      const k = startKeeper(testConfig(vaults, { rpc: { urls: [await makeUrl(), rpcUrl], timeoutMs: 2_000 } }), keeper);
      await k.keeper.init();
      await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
      await k.keeper.once();
      expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["mined"]);
      const line = k.logs.find("rpc endpoint failed, failing over")[0];
      expect(line.endpoint).to.match(/^#0 http:\/\/127\.0\.0\.1:\d+/);
      expect(k.logs.text).to.not.include("SECRET-IN-PATH");
      // The dead endpoint is skipped during its cooldown: one failover, not one per call.
      expect(k.rpc.stats.failovers).to.equal(1);
    });
  }

  it("a transaction stuck under a low fee is replaced (same nonce, +12.5%) and mined once", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const k = await sendWithAutomineOff(vaults, keeper);
    const sent = k.logs.find("rebalance sent")[0];
    const firstCap = BigInt(sent.maxFeePerGas as string);
    // Blocks whose base fee is above the first transaction's cap: it cannot be included.
    await until("replaced", async () => {
      await networkHelpers.setNextBlockBaseFeePerGas(firstCap + 1n);
      await networkHelpers.mine();
      return k.logs.find("stuck transaction replaced with higher fees").length > 0;
    });
    const replaced = k.logs.find("stuck transaction replaced with higher fees")[0];
    expect(BigInt(replaced.maxFeePerGas as string) * 1000n).to.be.gte(firstCap * 1125n);
    await networkHelpers.setNextBlockBaseFeePerGas(firstCap + 1n);
    await networkHelpers.mine();
    await k.keeper.settle();
    const [{ outcome }] = k.keeper.outcomes;
    expect(outcome.status).to.equal("mined");
    if (outcome.status === "mined") expect(outcome.replacements).to.be.gte(1);
    expect(await ethers.provider.getTransactionReceipt(sent.hash as string)).to.equal(null);
    expect(await nonceOf(keeper.address)).to.equal(1);
    expect(await rebalancedEvents(vaults[0])).to.equal(1);
  });

  it("a nonce taken by another sender: the decision is abandoned, re-decided, rebalanced once", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const k = await sendWithAutomineOff(vaults, keeper);
    // Another process with the same key takes nonce 0 with higher fees.
    const other = keeper.connect(ethers.provider);
    await other.sendTransaction({
      to: keeper.address,
      value: 0n,
      nonce: 0,
      maxFeePerGas: 400n * 10n ** 9n,
      maxPriorityFeePerGas: 100n * 10n ** 9n,
    });
    await networkHelpers.mine();
    await k.keeper.settle();
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["nonce-taken"]);
    expect(k.logs.find(/nonce taken by another sender/)).to.have.length(1);
    // Next block: still breached, a fresh decision with the next nonce.
    await k.keeper.tick();
    await until("second send", () => k.logs.find("rebalance sent").length === 2);
    await networkHelpers.mine();
    await k.keeper.settle();
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["nonce-taken", "mined"]);
    expect(await rebalancedEvents(vaults[0])).to.equal(1);
    expect(await nonceOf(keeper.address)).to.equal(2);
  });

  it("a reverting vault: the decoded error is logged, nothing is sent, other vaults still served", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(vaultsFixture(2));
    const noCode = Wallet.createRandom().address;
    const cfg = testConfig([...vaults, noCode]);
    const k = startKeeper(cfg, keeper);
    const costTooHigh = vaultInterface.encodeErrorResult("CostTooHigh", [1_000n, 900n, 30n]);
    await stack.forceRevert?.(vaults[0], costTooHigh);
    await stack.movePrice(vaults[0], HARD_BREACH_BPS);
    await stack.movePrice(vaults[1], HARD_BREACH_BPS);
    // v0's simulation fails, so the key moves on to v1 in the same block (order rotates by block).
    await k.keeper.once();
    await k.keeper.once();
    const line = k.logs.find("simulation reverted; not sending")[0];
    expect(line.vault).to.equal("v0");
    expect(line.revert).to.equal("CostTooHigh(1000, 900, 30)");
    const unreadable = k.logs.find("vault unreadable; skipped until it reads again");
    expect(unreadable.map((l) => l.vault)).to.deep.equal(["v2"]); // once, not every block
    expect(unreadable[0].err).to.match(/failed: empty answer \(no contract at this address\?\)/);
    expect(line.revertData).to.equal(costTooHigh); // the full data, never truncated
    expect(await rebalancedEvents(vaults[0])).to.equal(0);
    expect(await rebalancedEvents(vaults[1])).to.equal(1);
    expect(await nonceOf(keeper.address)).to.equal(1);
    expect(await k.metrics.registry.metrics()).to.match(
      /keeper_simulation_reverts_total\{vault="v0",error="CostTooHigh"\} [1-9]/,
    );
  });

  it("a rebalance that leaves the band breached: re-decided and sent again on the next block until clear", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(vaultsFixture(1));
    const k = startKeeper(testConfig(vaults), keeper);
    const vault = await ethers.getContractAt("KeeperTestVault", vaults[0]);
    await (await vault.setPartialSteps(2)).wait();
    await stack.movePrice(vaults[0], HARD_BREACH_BPS);
    for (let i = 0; i < 4; i++) await k.keeper.once(); // each once() reads the block the last rebalance mined
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["mined", "mined", "mined"]);
    expect(await rebalancedEvents(vaults[0])).to.equal(3);
    expect((await vault.vaultState()).tier).to.equal(0n);
  });

  it("a paused vault: skipped without a simulation", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const vault = await ethers.getContractAt("KeeperTestVault", vaults[0]);
    await vault.setPaused(true);
    await stack.movePrice(vaults[0], HARD_BREACH_BPS);
    const k = startKeeper(testConfig(vaults), keeper);
    await k.keeper.once();
    expect(k.keeper.outcomes).to.have.length(0);
    expect(k.logs.lines.some((l) => l.reason === "paused")).to.equal(true);
  });

  it("graceful stop waits for the in-flight transaction", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const k: TestKeeper = startKeeper(testConfig(vaults), keeper);
    await setAutomine(false);
    await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
    await networkHelpers.mine();
    const loop = k.keeper.run();
    await until("sent", () => k.logs.find("rebalance sent").length === 1);
    let stopped = false;
    const stop = k.keeper.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(stopped).to.equal(false);
    await networkHelpers.mine();
    await stop;
    await loop;
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["mined"]);
  });
});
