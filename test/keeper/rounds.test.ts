/**
 * The keeper and the vault's two-phase rounds, on a real vault over a real PerpMarket in delayed
 * mode: the keeper's rebalance submits the round, the order fills (the keeper's execution or a
 * stranger's) or expires, and the keeper settles it with `settleRound()`; meanwhile it never
 * rebalances, and `status` and /metrics show the round.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { formatOnceReport, formatStatusTable } from "../../keeper/status-table.js";
import { ORDER_PARAMS, deployDelayedVault, refreshFeed, submitVaultRound } from "./helpers/delayed.js";
import { ethers, networkHelpers, nonceOf, proxy, startKeeper, testConfig } from "./helpers/fixture.js";

async function roundsFixture() {
  const d = await deployDelayedVault();
  const [keeper, second] = [0, 1].map(() => Wallet.createRandom() as unknown as Wallet);
  for (const w of [keeper, second]) {
    await networkHelpers.setBalance(w.address, 10n ** 20n);
    await (await d.vault.setKeeper(w.address, true)).wait();
  }
  return { ...d, keeper, second };
}

const metric = (text: string, name: string) => Number(new RegExp(`${name}\\{vault="v0"\\} (\\S+)`).exec(text)?.[1]);
const actions = (k: { keeper: { outcomes: { action: string; outcome: { status: string } }[] } }) =>
  k.keeper.outcomes.map((o) => [o.action, o.outcome.status]);

/** The keeper under test and a vault whose round (the deposit's idle breach) another keeper submitted. */
async function pendingRound(over: Record<string, unknown> = {}, deps = {}) {
  const d = await networkHelpers.loadFixture(roundsFixture);
  const k = startKeeper(testConfig([await d.vault.getAddress()], over), d.keeper, deps);
  await k.keeper.init();
  const round = await submitVaultRound(d, d.second);
  expect(round.submittedAt).to.be.greaterThan(0n);
  return { d, k, round };
}

/** A stranger executes the round's order at its round (the feed's first after the submission). */
async function executeAsStranger(d: Awaited<ReturnType<typeof roundsFixture>>) {
  await networkHelpers.time.increase(Number(ORDER_PARAMS.minDelay));
  await refreshFeed();
  const [, , , , , , stranger] = await ethers.getSigners();
  await (await d.book.connect(stranger).executeOrder(await d.adapter.getAddress())).wait();
}

describe("keeper and the vault's two-phase rounds (real vault, PerpMarket in delayed mode)", function () {
  this.timeout(120_000);

  it("rebalances into a round, executes its order, settles it at the next block: Rebalanced, round cleared", async function () {
    const d = await networkHelpers.loadFixture(roundsFixture);
    const k = startKeeper(testConfig([await d.vault.getAddress()], { orders: { execute: true } }), d.keeper);
    await k.keeper.init();
    await k.keeper.once(); // the deposit's idle breach: the first phase submits the order
    expect(actions(k)).to.deep.equal([["rebalance", "mined"]]);
    const round = await d.vault.pendingRound();
    expect(round.submittedAt).to.be.greaterThan(0n);
    expect(await d.vault.queryFilter(d.vault.filters.RoundSubmitted())).to.have.length(1);

    await networkHelpers.mine();
    proxy.resetCounts();
    await k.keeper.once(); // inside the order's minimum delay: nothing to send
    expect(proxy.httpRequests).to.equal(2); // eth_blockNumber, then one aggregate3 with the round in it
    expect(actions(k)).to.have.length(1);
    const [status] = k.keeper.status();
    expect(status.round).to.match(/^pending \d+s, Idle Hard, increase, awaiting fill$/);
    expect(status.decision).to.include({ action: "skip", reason: "round-pending" });

    await networkHelpers.time.increase(Number(ORDER_PARAMS.minDelay));
    await refreshFeed(); // the order's round
    await k.keeper.once();
    expect(actions(k).slice(1)).to.deep.equal([["execute-order", "mined"]]);
    expect(k.keeper.status()[0].round).to.match(/awaiting fill$/); // as read before the execution

    await networkHelpers.mine();
    await k.keeper.once(); // the order is gone: settle
    expect(actions(k).slice(2)).to.deep.equal([["settle-round", "mined"]]);
    expect((await d.vault.pendingRound()).submittedAt).to.equal(0n);
    const [settled] = await d.vault.queryFilter(d.vault.filters.RoundSettled());
    expect(settled.args.caller).to.equal(d.keeper.address);
    expect(settled.args.orderFilled).to.equal(true);
    const [rebalanced] = await d.vault.queryFilter(d.vault.filters.Rebalanced());
    expect(rebalanced.args.caller).to.equal(d.keeper.address);
    expect(rebalanced.args.shortQty).to.equal(round.shortTarget);
    expect(k.logs.find("vault round settled")[0]).to.include({ result: "filled" });

    await networkHelpers.mine();
    await k.keeper.once();
    expect(k.keeper.status()[0].round).to.equal("none");
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.include('keeper_rounds_settled_total{vault="v0",result="filled"} 1');
    expect(metrics).to.include('keeper_vault_round_pending{vault="v0"} 0');
    expect(metrics).not.to.match(/keeper_vault_round_age_seconds\{/);
    const once = formatOnceReport(k.keeper.status(), k.keeper.outcomes.slice(2, 3), k.keeper.lastBlockNumber);
    expect(once).to.match(/-> settled the vault's round in block \d+/);
  });

  it("never rebalances while the round is pending, even on a hard breach; status and metrics show the round", async function () {
    // A standby keeper with the dry run: every candidate is simulated, nothing is sent, so the
    // outcomes list all the keeper would do (a rebalance too, if it decided one).
    const { d, k } = await pendingRound({ orders: { execute: false } }, { dryRun: true });
    await executeAsStranger(d); // the order filled; the round awaits settleRound()
    await refreshFeed(3_000n); // +30%: the margin-low band breaches at the hard tier
    await k.keeper.once();
    const [status] = k.keeper.status();
    expect(status.state?.tier).to.equal(2); // Hard
    expect(status.decision).to.include({ action: "skip", reason: "round-pending" });
    expect(status.round).to.match(/^pending \d+s, Idle Hard, increase, settleable \(order left the book\)$/);
    expect(actions(k)).to.deep.equal([["settle-round", "simulated"]]);
    expect(await nonceOf(d.keeper.address)).to.equal(0);
    const metrics = await k.metrics.registry.metrics();
    expect(metric(metrics, "keeper_vault_round_pending")).to.equal(1);
    expect(metric(metrics, "keeper_vault_round_settleable")).to.equal(1);
    expect(metric(metrics, "keeper_vault_round_age_seconds")).to.be.greaterThan(Number(ORDER_PARAMS.minDelay) - 1);
    expect(metric(metrics, "keeper_vault_round_max_delay_seconds")).to.equal(Number(ORDER_PARAMS.maxDelay));
    const table = formatStatusTable(k.keeper.status(), k.keeper.lastBlockNumber, k.keeper.lastBlockTimestamp);
    expect(table).to.match(/vault round/);
    expect(table).to.match(/pending \d+s, Idle Hard, increase, settleable/);
    expect(table).to.match(/skip \(round-pending\)/);
  });

  it("with orders.execute off: waits for any executor, then settles", async function () {
    const { d, k } = await pendingRound({ orders: { execute: false } });
    await networkHelpers.time.increase(Number(ORDER_PARAMS.minDelay));
    await refreshFeed(); // the order is executable, but this keeper does not execute orders
    await k.keeper.once();
    expect(k.keeper.outcomes).to.have.length(0);
    expect(k.keeper.status()[0].round).to.match(/awaiting fill$/);
    const [, , , , , , stranger] = await ethers.getSigners();
    await (await d.book.connect(stranger).executeOrder(await d.adapter.getAddress())).wait();
    await k.keeper.once();
    expect(actions(k)).to.deep.equal([["settle-round", "mined"]]);
    expect((await d.vault.pendingRound()).submittedAt).to.equal(0n);
    expect(await d.vault.queryFilter(d.vault.filters.Rebalanced())).to.have.length(1);
  });

  it("an expired round: reported as such, settled by the keeper, the order taken back and its fee refunded", async function () {
    const { d, k } = await pendingRound({ orders: { execute: true } });
    const vaultAddress = await d.vault.getAddress();
    await networkHelpers.time.increase(Number(ORDER_PARAMS.maxDelay) + 60); // nobody executed it
    await refreshFeed();
    // Another keeper's view at this block (a dry run: it simulates, sends nothing): expired, settleable.
    const watcher = startKeeper(testConfig([vaultAddress]), d.second, { dryRun: true });
    await watcher.keeper.init();
    await watcher.keeper.once();
    expect(watcher.keeper.status()[0].round).to.match(/order expired \d+s ago, settleable \(fee refunded\)$/);
    const age = await watcher.metrics.registry.metrics();
    expect(metric(age, "keeper_vault_round_age_seconds")).to.be.greaterThan(
      metric(age, "keeper_vault_round_max_delay_seconds"),
    );

    const navBefore = await d.vault.totalAssets();
    await k.keeper.once();
    expect(actions(k)).to.deep.equal([["settle-round", "mined"]]); // an expired order is never executed
    const [settled] = await d.vault.queryFilter(d.vault.filters.RoundSettled());
    expect(settled.args.caller).to.equal(d.keeper.address);
    expect(settled.args.orderFilled).to.equal(false);
    expect(settled.args.expiredOrderCancelled).to.equal(true);
    // The book took the order back and refunded its escrowed fee to the vault's venue account.
    const [cancelled] = await d.book.queryFilter(d.book.filters.OrderCancelled());
    expect(cancelled.args.reason).to.equal(0n); // Expired
    expect(cancelled.args.feeTo).to.equal(await d.adapter.getAddress());
    expect(cancelled.args.executionFee).to.equal(ORDER_PARAMS.executionFee);
    expect(await d.book.hasPendingOrder(await d.adapter.getAddress())).to.equal(false);
    // The vault wrote the fee off at submission (paid to an executor on a fill): the refund is NAV again.
    expect(await d.vault.totalAssets()).to.equal(navBefore + ORDER_PARAMS.executionFee);
    expect(await d.vault.queryFilter(d.vault.filters.Rebalanced())).to.have.length(0);
    expect(await k.metrics.registry.metrics()).to.include(
      'keeper_rounds_settled_total{vault="v0",result="expired-cancelled"} 1',
    );
  });

  it("another account settled first: a stale view stops at the simulation, counted as a lost race", async function () {
    const { d, k } = await pendingRound({ orders: { execute: false } });
    await executeAsStranger(d);
    const block = BigInt(await ethers.provider.getBlockNumber());
    await (await d.vault.connect(d.second.connect(ethers.provider)).settleRound()).wait(); // someone else
    await k.keeper.processBlock(block); // the keeper still sees the round pending
    await k.keeper.settle();
    expect(actions(k)).to.deep.equal([["settle-round", "simulation-reverted"]]);
    expect(k.keeper.outcomes[0].lostRace).to.equal(true);
    expect(await nonceOf(d.keeper.address)).to.equal(0);
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.include('keeper_rounds_settled_total{vault="v0",result="lost-race"} 1');
    expect(metrics).to.include('keeper_rounds_settled_total{vault="v0",result="failed"} 0');
    const once = formatOnceReport(k.keeper.status(), k.keeper.outcomes, k.keeper.lastBlockNumber);
    expect(once).to.match(/lost the race: another account settled the round first; simulation reverted NoPendingRound/);
  });

  it("front-run in the same block: the mined, reverted settleRound is a lost race, not a failure", async function () {
    const { d, k } = await pendingRound({ orders: { execute: false } });
    await executeAsStranger(d);
    await ethers.provider.send("evm_setAutomine", [false]);
    try {
      await k.keeper.processBlock(BigInt(await ethers.provider.getBlockNumber()));
      while ((await ethers.provider.getTransactionCount(d.keeper.address, "pending")) === 0)
        await new Promise((r) => setTimeout(r, 10));
      const gwei = 10n ** 9n;
      await d.vault.connect(d.second.connect(ethers.provider)).settleRound({
        gasLimit: 3_000_000n, // an estimate would run after the keeper's pending transaction
        maxPriorityFeePerGas: 100n * gwei,
        maxFeePerGas: 600n * gwei,
      });
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    await k.keeper.settle();
    const [settled] = await d.vault.queryFilter(d.vault.filters.RoundSettled());
    expect(settled.args.caller).to.equal(d.second.address);
    expect(actions(k)).to.deep.equal([["settle-round", "reverted"]]);
    const metrics = await k.metrics.registry.metrics();
    expect(metrics).to.include('keeper_rounds_settled_total{vault="v0",result="lost-race"} 1');
    expect(metrics).to.include('keeper_rounds_settled_total{vault="v0",result="failed"} 0'); // no alert
    expect(k.logs.find(/another account settled the round first/)).to.have.length(1);
  });

  it("the guardian's emergency close on a paused vault: the keeper executes its order and settles it (no role, while paused)", async function () {
    const { d, k } = await pendingRound({ orders: { execute: true } });
    await executeAsStranger(d);
    await (await d.vault.connect(d.second.connect(ethers.provider)).settleRound()).wait(); // the book is hedged
    const guardian = (await ethers.getSigners())[4]; // the stack's guardian
    await (await d.vault.connect(guardian).emergencyUnwind()).wait(); // pauses, submits the close
    expect((await d.vault.pendingRound()).emergencyClose).to.equal(true);
    await networkHelpers.time.increase(Number(ORDER_PARAMS.minDelay));
    await refreshFeed();
    await k.keeper.once();
    expect(k.keeper.status()[0].round).to.match(/^pending \d+s, emergency close, decrease, awaiting fill$/);
    expect(k.keeper.status()[0].decision).to.include({ action: "skip", reason: "paused" });
    await networkHelpers.mine();
    await k.keeper.once();
    expect(actions(k)).to.deep.equal([
      ["execute-order", "mined"],
      ["settle-round", "mined"],
    ]);
    expect((await d.vault.pendingRound()).submittedAt).to.equal(0n);
    expect(await d.market.sizeOf(await d.adapter.getAddress())).to.equal(0n);
    expect((await d.vault.vaultState()).paused).to.equal(true);
  });
});
