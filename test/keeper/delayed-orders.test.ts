import { expect } from "chai";
import { Wallet } from "ethers";
import { VaultReader } from "../../keeper/chain/reader.js";
import { formatOnceReport, formatStatusTable } from "../../keeper/status-table.js";
import {
  ORDER_PARAMS,
  cancelVaultOrder,
  deployDelayedVault,
  refreshFeed,
  submitVaultOrder,
} from "./helpers/delayed.js";
import { ethers, multicall3, networkHelpers, nonceOf, proxy, startKeeper, testConfig } from "./helpers/fixture.js";

const WAD = 10n ** 18n;
const SIZE = (5n * WAD) / 2n; // a 2.5 ETH short

async function delayedFixture() {
  const d = await deployDelayedVault();
  const [keeper, second] = [0, 1].map(() => Wallet.createRandom() as unknown as Wallet);
  for (const w of [keeper, second]) {
    await networkHelpers.setBalance(w.address, 10n ** 20n);
    await (await d.vault.setKeeper(w.address, true)).wait();
  }
  return { ...d, keeper, second };
}

/** One block later: the chain's time moves on by `seconds` (at least one). */
async function after(seconds: number) {
  await networkHelpers.time.increase(seconds);
}

/**
 * A keeper on the delayed vault (executing orders when `execute`), started before the vault queues
 * its 2.5 ETH short; returns once the order's minimum delay is over, its round not yet published.
 */
async function orderPastItsDelay(execute: boolean) {
  const d = await networkHelpers.loadFixture(delayedFixture);
  const k = startKeeper(testConfig([await d.vault.getAddress()], { orders: { execute } }), d.keeper);
  await k.keeper.init();
  await submitVaultOrder(d, SIZE);
  await after(Number(ORDER_PARAMS.minDelay));
  return { d, k };
}

describe("keeper and the venue's delayed orders (real vault, PerpMarket in delayed mode)", function () {
  this.timeout(90_000);

  it("reads the venue's pending order and its book in the batched read", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const submittedAt = await submitVaultOrder(d, SIZE);
    await after(3);
    const k = startKeeper(testConfig([await d.vault.getAddress()]), d.keeper);
    const reader = new VaultReader(k.rpc, multicall3, [await d.vault.getAddress()], d.keeper.address, 256);
    const block = BigInt(await ethers.provider.getBlockNumber());
    const withParams = await reader.read(block, { withParams: true, feeds: [] });
    const venue = withParams.vaults[0].perpVenue as string;
    expect(venue).to.equal(await d.adapter.getAddress());
    const books = await reader.readOrderBooks([venue], block);
    expect(books.get(venue)).to.deep.equal({
      address: await d.book.getAddress(),
      minDelay: ORDER_PARAMS.minDelay,
      maxDelay: ORDER_PARAMS.maxDelay,
      feed: await d.oracle.getAddress(),
    });
    const read = await reader.read(block, { withParams: false, feeds: [], venues: [venue] });
    expect(read.vaults[0].order).to.deep.equal({
      pending: true,
      size: SIZE,
      increasesShort: true,
      submittedAt,
      expiresAt: submittedAt + ORDER_PARAMS.maxDelay,
      acceptablePrice: (await d.book.orderOf(venue)).acceptablePrice,
      executionFee: ORDER_PARAMS.executionFee,
    });

    // The keeper: the same, as its age, phase and gauges; the rebalance waits and says why.
    await k.keeper.init();
    proxy.resetCounts();
    await k.keeper.tick();
    expect(proxy.httpRequests).to.equal(2); // eth_blockNumber, then one aggregate3 with the order in it
    const [status] = k.keeper.status();
    expect(status.order).to.equal("short +2.5, 3s, executable in 2s");
    expect(read.vaults[0].round?.submittedAt).to.equal(0n); // a raw order: the vault holds no round
    expect(status.round).to.equal("none");
    expect(status.decision).to.include({ action: "skip", reason: "order-pending" });
    if (status.decision?.action === "skip") expect(status.decision.detail).to.match(/VenueOrderPending/);
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.match(/keeper_vault_pending_order\{vault="v0"\} 1/);
    expect(metrics).to.match(/keeper_vault_pending_order_age_seconds\{vault="v0"\} 3/);
    expect(metrics).to.match(/keeper_vault_pending_order_max_delay_seconds\{vault="v0"\} 10800/);
    const table = formatStatusTable(k.keeper.status(), k.keeper.lastBlockNumber, k.keeper.lastBlockTimestamp);
    expect(table).to.match(/venue order/);
    expect(table).to.match(/short \+2\.5, 3s, executable in 2s/);
    expect(table).to.match(/skip \(order-pending\)/);
  });

  it("the failure counters the alerts watch with increase() start at 0: a vault's first failure is an increase", async function () {
    // Prometheus' increase() cannot see a series born at 1 (no sample before it): without the
    // zeros, KeeperOrderExecutionFailed and KeeperRebalanceFailed would miss each first failure.
    const k = startKeeper(testConfig([Wallet.createRandom().address]), Wallet.createRandom() as unknown as Wallet);
    const metrics = await k.metrics.registry.metrics();
    for (const failure of ["reverted", "nonce-taken", "timeout", "send-failed"]) {
      expect(metrics).to.include(`keeper_orders_executed_total{vault="v0",result="${failure}"} 0`);
      expect(metrics).to.include(`keeper_rebalances_failed_total{vault="v0",reason="${failure}"} 0`);
    }
  });

  it("executes a due order once: not in its delay, not before the round, not twice; earns the fee", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const k = startKeeper(testConfig([await d.vault.getAddress()], { orders: { execute: true } }), d.keeper);
    await k.keeper.init();
    await submitVaultOrder(d, SIZE);
    await k.keeper.once(); // inside the minimum delay
    expect(k.keeper.status()[0].order).to.match(/executable in \d+s$/);
    await after(Number(ORDER_PARAMS.minDelay));
    await k.keeper.once(); // delay over, but no round since the submission
    expect(k.keeper.status()[0].order).to.match(/awaits the feed's next round$/);
    expect(k.keeper.outcomes).to.have.length(0);
    expect(await nonceOf(d.keeper.address)).to.equal(0);

    await refreshFeed(); // the first round after the submission
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => [o.action, o.outcome.status])).to.deep.equal([["execute-order", "mined"]]);
    const executed = await d.book.queryFilter(d.book.filters.OrderExecuted());
    expect(executed).to.have.length(1);
    expect(executed[0].args.executor).to.equal(d.keeper.address);
    expect(executed[0].args.account).to.equal(await d.adapter.getAddress());
    expect(await d.usdc.balanceOf(d.keeper.address)).to.equal(ORDER_PARAMS.executionFee);
    expect(-(await d.market.sizeOf(await d.adapter.getAddress()))).to.equal(SIZE);
    expect(k.logs.find("venue order executed")[0]).to.include({ result: "filled" });

    let metrics = await k.metrics.registry.metrics();
    expect(metrics).to.match(/keeper_orders_executed_total\{vault="v0",result="filled"\} 1/);
    expect(metrics).to.match(/keeper_order_fees_earned_total\{vault="v0"\} 1000000/);

    // The next block: the order is gone; the vault, free again, holds no round: the keeper's
    // rebalance (the deposit's idle breach) runs the vault's first phase, which queues its own order.
    await networkHelpers.mine();
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => [o.action, o.outcome.status]).slice(1)).to.deep.equal([["rebalance", "mined"]]);
    metrics = await k.metrics.registry.metrics();
    expect(metrics).to.match(/keeper_vault_pending_order\{vault="v0"\} 0/);
    expect(metrics).not.to.match(/keeper_vault_pending_order_age_seconds\{/);
    // Later blocks: the new order waits its delay; the executed one is never tried again.
    await networkHelpers.mine();
    await k.keeper.once();
    expect(k.keeper.outcomes.filter((o) => o.action === "execute-order")).to.have.length(1);
    expect(k.keeper.outcomes).to.have.length(2);
    expect(await nonceOf(d.keeper.address)).to.equal(2);
    expect(k.keeper.status()[0].order).to.match(/executable in \d+s$/);
    expect(k.keeper.status()[0].round).to.match(/^pending \d+s, .*, awaiting fill$/);
  });

  it("an order whose round fills outside its bound: executed all the same, the book cancels it and pays the fee", async function () {
    const { d, k } = await orderPastItsDelay(true); // a sell accepting at least 1% under the oracle
    await refreshFeed(-200n); // the round it waits for is 2% lower
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => [o.action, o.outcome.status])).to.deep.equal([["execute-order", "mined"]]);
    const [cancelled] = await d.book.queryFilter(d.book.filters.OrderCancelled());
    expect(cancelled.args.reason).to.equal(1n); // PriceOutOfBounds
    expect(cancelled.args.feeTo).to.equal(d.keeper.address);
    expect(await d.market.sizeOf(await d.adapter.getAddress())).to.equal(0n);
    expect(await d.usdc.balanceOf(d.keeper.address)).to.equal(ORDER_PARAMS.executionFee);
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.match(/keeper_orders_executed_total\{vault="v0",result="price-out-of-bounds"\} 1/);
    expect(metrics).to.match(/keeper_order_fees_earned_total\{vault="v0"\} 1000000/);
  });

  it("a stale view of an executed order: the second keeper stops at the simulation (NoPendingOrder)", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const other = d.second;
    const cfg = testConfig([await d.vault.getAddress()], { orders: { execute: true } });
    const a = startKeeper(cfg, d.keeper);
    const b = startKeeper(cfg, other);
    await Promise.all([a.keeper.init(), b.keeper.init()]);
    await submitVaultOrder(d, SIZE);
    await after(Number(ORDER_PARAMS.minDelay));
    await refreshFeed();
    const block = BigInt(await ethers.provider.getBlockNumber());
    await a.keeper.processBlock(block);
    await a.keeper.settle();
    await b.keeper.processBlock(block); // still sees the order
    await b.keeper.settle();
    expect(await d.book.queryFilter(d.book.filters.OrderExecuted())).to.have.length(1);
    expect(b.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["simulation-reverted"]);
    expect(b.logs.find("simulation: nothing to do (normal)")[0].revert).to.match(/^NoPendingOrder\(/);
    expect(await nonceOf(other.address)).to.equal(0);
  });

  it("front-run by another executor in the same block: the reverted execution is a lost race, not a failure", async function () {
    const { d, k } = await orderPastItsDelay(true);
    await refreshFeed();
    const venue = await d.adapter.getAddress();
    await ethers.provider.send("evm_setAutomine", [false]);
    try {
      await k.keeper.processBlock(BigInt(await ethers.provider.getBlockNumber()));
      while ((await ethers.provider.getTransactionCount(d.keeper.address, "pending")) === 0)
        await new Promise((r) => setTimeout(r, 10));
      // The competitor sees the keeper's transaction and outbids it: 100 gwei of tip against 1.
      const gwei = 10n ** 9n;
      const competitor = d.second.connect(ethers.provider);
      await d.book.connect(competitor).executeOrder(venue, {
        gasLimit: 500_000n, // an estimate would run after the keeper's pending transaction
        maxPriorityFeePerGas: 100n * gwei,
        maxFeePerGas: 600n * gwei,
      });
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    await k.keeper.settle();
    const [executed] = await d.book.queryFilter(d.book.filters.OrderExecuted());
    expect(executed.args.executor).to.equal(d.second.address);
    expect(k.keeper.outcomes.map((o) => [o.action, o.outcome.status])).to.deep.equal([["execute-order", "reverted"]]);
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.include('keeper_orders_executed_total{vault="v0",result="lost-race"} 1');
    expect(metrics).to.include('keeper_orders_executed_total{vault="v0",result="reverted"} 0'); // no alert
    expect(k.logs.find(/another executor took the venue's order first/)).to.have.length(1);
    const once = formatOnceReport(k.keeper.status(), k.keeper.outcomes, k.keeper.lastBlockNumber);
    expect(once).to.match(/-> lost the race: another executor took the order first; mined but reverted in block/);
    expect(once).not.to.match(/FAILED/);
  });

  it("an order the book refuses at its round (its fill lacks margin): status, streak gauge and alert say so", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const k = startKeeper(testConfig([await d.vault.getAddress()], { orders: { execute: true } }), d.keeper);
    await k.keeper.init();
    await submitVaultOrder(d, 25n * WAD, 10n * 10n ** 6n); // a 25 ETH short on $10 of margin
    await after(Number(ORDER_PARAMS.minDelay));
    await refreshFeed(); // its round
    for (let i = 0; i < 3; i++) {
      await k.keeper.once();
      await networkHelpers.mine();
    }
    expect(
      k.keeper.outcomes.map((o) => o.outcome.status === "simulation-reverted" && o.outcome.revert.name),
    ).to.deep.equal(["InsufficientMargin", "InsufficientMargin", "InsufficientMargin"]);
    expect(k.keeper.status()[0].order).to.match(
      /, executable, but executeOrder reverts InsufficientMargin \(3 in a row\)$/,
    );
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.include('keeper_order_simulation_reverts_consecutive{vault="v0",error="InsufficientMargin"} 3');

    // The next round: it missed its round; the streak ends with the order's chance.
    await refreshFeed();
    await k.keeper.once();
    expect(k.keeper.status()[0].order).to.match(/missed its round, expires in \d+s$/);
    expect(await k.metrics.registry.metrics()).not.to.include("keeper_order_simulation_reverts_consecutive{");
  });

  it("a chain replaced while the book refused the order: the streak gauge goes with the old chain", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const k = startKeeper(testConfig([await d.vault.getAddress()], { orders: { execute: true } }), d.keeper);
    await k.keeper.init();
    const beforeTheOrder = await networkHelpers.takeSnapshot();
    await submitVaultOrder(d, 25n * WAD, 10n * 10n ** 6n);
    await after(Number(ORDER_PARAMS.minDelay));
    await refreshFeed();
    for (let i = 0; i < 3; i++) {
      await k.keeper.once();
      await networkHelpers.mine();
    }
    const streak = 'keeper_order_simulation_reverts_consecutive{vault="v0",error="InsufficientMargin"} 3';
    expect(await k.metrics.registry.metrics()).to.include(streak);
    await beforeTheOrder.restore(); // the node went back: no order on this chain
    await k.keeper.once();
    expect(k.logs.find(/chain replaced/)).to.have.length(1);
    expect(k.keeper.status()[0].order).to.equal(undefined);
    expect(await k.metrics.registry.metrics()).not.to.include("keeper_order_simulation_reverts_consecutive{");
  });

  it("a chain replaced during a rebalance revert streak: its gauge goes with the old chain too", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const k = startKeeper(testConfig([await d.vault.getAddress()]), d.keeper);
    await k.keeper.init();
    const before = await networkHelpers.takeSnapshot();
    // The deposit's idle breach, with the feed 5% under the pool: the first phase cannot buy its spot
    // within the oracle bound, so each rebalance simulation reverts.
    await refreshFeed(-500n);
    for (let i = 0; i < 3; i++) {
      await networkHelpers.mine();
      await k.keeper.once();
    }
    const error = /keeper_simulation_reverts_consecutive\{vault="v0",error="(\w+)"\} 3/.exec(
      await k.metrics.registry.metrics(),
    )?.[1];
    expect(error).to.be.a("string");
    const streak = `keeper_simulation_reverts_consecutive{vault="v0",error="${error}"} 3`;
    expect(await k.metrics.registry.metrics()).to.include(streak);
    await before.restore();
    const guardian = (await ethers.getSigners())[4]; // the stack's guardian
    await (await d.vault.connect(guardian).pause()).wait(); // the new chain: a paused vault, nothing simulated
    await k.keeper.once();
    expect(k.logs.find(/chain replaced/)).to.have.length(1);
    expect(k.keeper.status()[0].decision).to.include({ action: "skip", reason: "paused" });
    expect(await k.metrics.registry.metrics()).not.to.include("keeper_simulation_reverts_consecutive{");
  });

  it("dry run: simulates the execution, sends nothing", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const cfg = testConfig([await d.vault.getAddress()], { orders: { execute: true } });
    const k = startKeeper(cfg, d.keeper, { dryRun: true });
    await k.keeper.init();
    await submitVaultOrder(d, SIZE);
    await after(Number(ORDER_PARAMS.minDelay));
    await refreshFeed();
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => [o.action, o.outcome.status])).to.deep.equal([["execute-order", "simulated"]]);
    expect(k.logs.find("dry run: simulation passed, would send executeOrder()")).to.have.length(1);
    expect(await nonceOf(d.keeper.address)).to.equal(0);
    expect(await d.book.hasPendingOrder(await d.adapter.getAddress())).to.equal(true);
  });

  it("opt-in: with orders.execute off a due order is reported, not executed", async function () {
    const { d, k } = await orderPastItsDelay(false);
    await refreshFeed();
    await k.keeper.once();
    expect(k.keeper.status()[0].order).to.match(/, executable$/);
    expect(k.keeper.outcomes).to.have.length(0);
    expect(await d.book.hasPendingOrder(await d.adapter.getAddress())).to.equal(true);
  });

  it("with orders.execute off, an order whose round passed unexecuted reads as missed, not executable", async function () {
    const { d, k } = await orderPastItsDelay(false);
    await refreshFeed(); // its round: nobody executes it
    await k.keeper.once();
    expect(k.keeper.status()[0].order).to.match(/, executable$/);
    expect(await k.metrics.registry.metrics()).to.include('keeper_vault_pending_order_unexecutable{vault="v0"} 0');
    await refreshFeed(); // the next round: the book now refuses it (LaterRoundThanFirst)
    await k.keeper.once();
    await expect(d.book.executeOrder.staticCall(await d.adapter.getAddress())).to.be.revertedWithCustomError(
      d.book,
      "LaterRoundThanFirst",
    );
    expect(k.keeper.status()[0].order).to.match(/missed its round, expires in \d+s$/);
    expect(k.logs.find("the venue's pending order").map((l) => l.phase)).to.deep.equal(["executable", "missed-round"]);
    expect(k.keeper.outcomes).to.have.length(0); // nothing simulated or sent
    // The vault cannot rebalance until the order expires: KeeperVenueOrderMissedRound says so.
    expect(await k.metrics.registry.metrics()).to.include('keeper_vault_pending_order_unexecutable{vault="v0"} 1');
  });

  it("an expired order is reported, never executed; the vault's cancel clears it", async function () {
    const d = await networkHelpers.loadFixture(delayedFixture);
    const k = startKeeper(testConfig([await d.vault.getAddress()], { orders: { execute: true } }), d.keeper);
    await k.keeper.init();
    await submitVaultOrder(d, SIZE);
    await after(Number(ORDER_PARAMS.maxDelay) + 60);
    await refreshFeed(); // a round after the submission exists, but the order is past its expiry
    await k.keeper.once();
    expect(k.keeper.outcomes).to.have.length(0);
    expect(await nonceOf(d.keeper.address)).to.equal(0);
    expect(k.keeper.status()[0].order).to.match(/EXPIRED \d+s ago, the vault's settleRound\(\) takes it back$/);
    expect(k.logs.find(/order expired unexecuted/)).to.have.length(1);
    const metrics = await k.metrics.registry.metrics();
    const age = Number(/keeper_vault_pending_order_age_seconds\{vault="v0"\} (\d+)/.exec(metrics)?.[1]);
    expect(age).to.be.greaterThan(Number(ORDER_PARAMS.maxDelay)); // the alert's condition

    await cancelVaultOrder(d);
    await k.keeper.once();
    expect(k.keeper.status()[0].order).to.equal(undefined);
    expect(await k.metrics.registry.metrics()).to.match(/keeper_vault_pending_order\{vault="v0"\} 0/);
  });

  it("an order that missed its round: one simulation finds it, then it is left to expire", async function () {
    const { d, k } = await orderPastItsDelay(true);
    await refreshFeed();
    await refreshFeed(); // a second round: the first one passed unexecuted
    await k.keeper.once();
    expect(k.keeper.outcomes.map((o) => o.outcome.status)).to.deep.equal(["simulation-reverted"]);
    expect(k.logs.find(/can no longer execute/)).to.have.length(1);
    await networkHelpers.mine();
    await k.keeper.once();
    expect(k.keeper.outcomes).to.have.length(1); // not simulated again
    expect(k.keeper.status()[0].order).to.match(/missed its round, expires in \d+s$/);
    expect(await k.metrics.registry.metrics()).to.match(
      /keeper_order_simulation_reverts_total\{vault="v0",error="LaterRoundThanFirst"\} 1/,
    );
    expect(await nonceOf(d.keeper.address)).to.equal(0);
  });
});
