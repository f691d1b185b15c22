import { expect } from "chai";
import {
  HARD_BREACH_BPS,
  SOFT_BREACH_BPS,
  ethers,
  networkHelpers,
  nonceOf,
  proxy,
  rebalancedEvents,
  realStack as stack,
  startKeeper,
  testConfig,
  vaultsFixture,
} from "./helpers/fixture.js";

// The real vault and venues: a shared feed, a Uniswap pool the arbitrageur follows, PerpMarket.
const oneVault = vaultsFixture(1, stack);
const tenVaults = vaultsFixture(10, stack);

describe("keeper end to end (in-process network over HTTP)", function () {
  this.timeout(60_000);

  it("a price move past the soft band: rebalances in the next block", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const k = startKeeper(testConfig(vaults), keeper);
    await k.keeper.init();
    await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
    const breachBlock = BigInt(await ethers.provider.getBlockNumber());
    await k.keeper.once();
    const [{ outcome }] = k.keeper.outcomes;
    expect(outcome.status).to.equal("mined");
    if (outcome.status !== "mined") return;
    expect(outcome.blockNumber).to.equal(breachBlock + 1n);
    expect(await rebalancedEvents(vaults[0])).to.equal(1);
    expect(k.logs.find("rebalance mined")).to.have.length(1);
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.match(/keeper_rebalances_succeeded_total\{vault="v0"\} 1/);
    expect(metrics).to.match(/keeper_gas_used_total\{vault="v0"\} [1-9]/);
  });

  it("a soft breach right after a feed update waits out the venue's edge window, then rebalances", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const cfg = testConfig(vaults);
    cfg.vaults[0].edgeWaitSeconds = 15;
    const k = startKeeper(cfg, keeper);
    await k.keeper.init();
    await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
    await k.keeper.once();
    expect(k.keeper.outcomes).to.have.length(0);
    expect(k.logs.lines.some((l) => l.reason === "oracle-edge")).to.equal(true);
    await networkHelpers.time.increase(15);
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["mined"]);
    expect(await rebalancedEvents(vaults[0])).to.equal(1);
  });

  it("a hard breach is acted on even without the KEEPER role", async function () {
    const { vaults } = await networkHelpers.loadFixture(oneVault);
    const outsider = ethers.Wallet.createRandom();
    await networkHelpers.setBalance(outsider.address, 10n ** 20n);
    const cfg = testConfig(vaults);
    cfg.vaults[0].isKeeper = false;
    const k = startKeeper(cfg, outsider as never);
    await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
    await k.keeper.once();
    expect(k.keeper.outcomes).to.have.length(0); // soft: needs the role
    await stack.movePrice(vaults[0], HARD_BREACH_BPS);
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["mined"]);
  });

  it("within the bands: sends nothing", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const k = startKeeper(testConfig(vaults), keeper);
    await stack.movePrice(vaults[0], 500n); // +5%: margin ratio ≈ 4286 bps, inside 3500..7000
    await k.keeper.once();
    expect(k.keeper.outcomes).to.have.length(0);
    expect(await nonceOf(keeper.address)).to.equal(0);
    expect(await rebalancedEvents(vaults[0])).to.equal(0);
  });

  it("dry run: decides and simulates, never sends", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(oneVault);
    const k = startKeeper(testConfig(vaults), keeper, { dryRun: true });
    await stack.movePrice(vaults[0], HARD_BREACH_BPS);
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["simulated"]);
    expect(k.logs.find(/dry run: simulation passed/)).to.have.length(1);
    expect(await nonceOf(keeper.address)).to.equal(0);
    expect(await rebalancedEvents(vaults[0])).to.equal(0);
  });

  it("two instances on one vault (primary + standby): one rebalance, the standby spends nothing", async function () {
    const { vaults, keeper, second } = await networkHelpers.loadFixture(oneVault);
    const primary = startKeeper(testConfig(vaults), keeper);
    const standby = startKeeper(testConfig(vaults, { instance: { standbyBlocks: 2 } }), second);
    await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
    for (let i = 0; i < 4; i++) {
      await Promise.all([primary.keeper.tick(), standby.keeper.tick()]);
      await Promise.all([primary.keeper.settle(), standby.keeper.settle()]);
      await networkHelpers.mine();
    }
    expect(await rebalancedEvents(vaults[0])).to.equal(1);
    expect(await nonceOf(second.address)).to.equal(0);
    expect(standby.logs.lines.some((l) => l.reason === "standby")).to.equal(true);
  });

  it("two instances deciding on the same block: the late one stops at the simulation (WithinBands)", async function () {
    const { vaults, keeper, second } = await networkHelpers.loadFixture(oneVault);
    const a = startKeeper(testConfig(vaults), keeper);
    const b = startKeeper(testConfig(vaults), second);
    await stack.movePrice(vaults[0], SOFT_BREACH_BPS);
    const block = BigInt(await ethers.provider.getBlockNumber());
    await a.keeper.processBlock(block);
    await a.keeper.settle();
    await b.keeper.processBlock(block); // stale view: still sees the breach
    await b.keeper.settle();
    expect(await rebalancedEvents(vaults[0])).to.equal(1);
    expect(b.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["simulation-reverted"]);
    expect(b.logs.find("simulation: nothing to do (normal)")[0].revert).to.match(/^WithinBands\(/);
    expect(await nonceOf(second.address)).to.equal(0);
  });

  it("reads ten vaults with one Multicall3 eth_call per block", async function () {
    const { vaults, keeper } = await networkHelpers.loadFixture(tenVaults);
    const k = startKeeper(testConfig(vaults), keeper);
    // The first block also reads bands, strategy and venues, looks up the venues' order books
    // (one aggregate3: these synchronous markets have none) and reads again with their orders.
    await k.keeper.tick();
    await networkHelpers.mine();
    proxy.resetCounts();
    await k.keeper.tick();
    expect(proxy.httpRequests).to.equal(2); // eth_blockNumber, then the read
    expect(proxy.calls).to.equal(1 + 1); // eth_blockNumber + one aggregate3: 10 × (vaultState, pendingOrder) and the feed
    expect(k.rpc.stats.httpRequests).to.equal(4 + 2);
  });
});
