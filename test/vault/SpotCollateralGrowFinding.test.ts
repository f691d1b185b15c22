import { expect } from "chai";
import { network } from "hardhat";
import { SPOT_COLLATERAL_STRATEGY, vaultStackFixture } from "../../deploy/lib/stack/vaultStack.js";
import { Band, depositFor, mintIdleFor, price, usdc } from "./helpers.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;

/**
 * Findings from the hedge bench's replay of 2017-2021 (configuration (c), spot-collateral): from
 * 2018-11-22 20:00 UTC (hour 11,100, ETH at $1,312 on the rescaled path) every Idle rebalance
 * reverted `BandStillBreached(Idle, 0, 9101, 2382)`, still every hour when the run was stopped
 * thousands of hours later. The books then:
 * NAV $9.57M, idle $1.05M (10.9%, the soft idle band breached), 4,128 ETH posted and shorted at an
 * entry of $2,058, cash equity +$3.1M (the fall's unrealised profit), deployment 56.6%.
 *
 * What the round does: the grow plan withdraws all the cash equity (realising the profit) before
 * the buy, the buy at its planned size passes the slippage bound on the pool and is halved, and
 * the withdrawn cash not spent stays idle: idle ends above where it started and the post-trade
 * check reverts. Nothing changes between hours, so every later round plans and reverts the same
 * way. Here the same books in small: a pool shallow enough that the grow round's buy is halved.
 *
 * The shrink side has the same cause (second test): with the strategy's slippage at 100 bps, from
 * 2020-02-10 20:00 UTC (hour 21,780, ETH at $2,221 after a +78% rally from the entry of $1,251)
 * every Idle round reverted `BandWorsened(Delta, 0, 3284)`: NAV $17.17M, idle 10.1%, 12,583 ETH
 * posted and shorted, deployment 162.7%, margin ratio 45.2%. The round buys the short back for all
 * the collateral it withdraws, the sale is halved, and the unsold half is spot held against no
 * short: a long delta of about a third of NAV.
 *
 * Fixed: a round follows what its spot trade filled, as the CashMargin round sizes the short from
 * the spot received. A partly filled buy returns the unspent withdrawn margin to the venue; a
 * partly filled sale re-posts the unsold spot and the short covers it. Each test failed before
 * (BandStillBreached(Idle, ...), BandWorsened(Delta, ...)). Since, a synchronous round cuts the
 * sale to what the pool takes before the buy-back (SpotCollateralTrading._toSellable), so the
 * short is not bought back and shorted again for the unsold part.
 */
const shallowFixture = vaultStackFixture(connection, {
  hedgeMode: "spot-collateral",
  liquidityUsdc: usdc(100_000_000),
});

/** $1M deposited and deployed at $3,000, in rounds: each buy is halved to the slippage bound. */
async function deployedInRounds(s: Awaited<ReturnType<typeof shallowFixture>>) {
  await depositFor(s, s.users[0], usdc(1_000_000));
  // The pool brought back to the oracle between rounds, as an arbitrageur would.
  for (let round = 0; (await s.vault.vaultState()).band !== Band.None && round < 12; round++) {
    await s.setPrice(price(3_000));
    await time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
    await (await s.vault.rebalance()).wait();
  }
  expect((await s.vault.vaultState()).band).to.equal(Band.None);
}

/** Oracle and pool to `p`, a deposit of `amount` from a second depositor, the keeper's interval passed. */
async function moveAndDeposit(s: Awaited<ReturnType<typeof shallowFixture>>, p: bigint, amount: bigint) {
  await s.setPrice(price(p));
  await mintIdleFor(s, s.users[1], amount);
  await time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
  await (await s.oracle.updateAnswer(p * 10n ** 8n)).wait();
}

describe("DeltaNeutralVault SpotCollateral findings: a round whose spot trade the pool halves", function () {
  it("an Idle rebalance after a fall makes progress even when the pool halves the buy", async function () {
    const s = await networkHelpers.loadFixture(shallowFixture);
    await deployedInRounds(s);
    // -43%: margin ratio 3,000/1,700 - 10% = 166.5%, inside the 180% soft ceiling; the short's
    // profit (about $410k) sits in cash equity. An $80k deposit breaches the soft idle band.
    await moveAndDeposit(s, 1_700n, usdc(80_000));
    const before = await s.vault.vaultState();
    expect(before.band).to.equal(Band.Idle);

    // The round wants about $490k of spot; at the full size the pool's move passes the 50 bps
    // bound, so the buy is halved, while all $410k of profit was already withdrawn to idle.
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(after.idleBps < before.idleBps, `idle ${before.idleBps} -> ${after.idleBps} bps`).to.equal(true);
    expect(after.deploymentBps > before.deploymentBps).to.equal(true);
  });

  it("an Idle rebalance after a rally makes progress even when the pool halves the sale", async function () {
    const s = await networkHelpers.loadFixture(shallowFixture);
    await deployedInRounds(s);
    // +100%: margin ratio 3,000/6,000 - 10% = 40%, above the 37.5% soft floor. A $150k deposit
    // breaches the soft idle band (idle 17% of NAV).
    await moveAndDeposit(s, 6_000n, usdc(150_000));
    const before = await s.vault.vaultState();
    expect(before.band).to.equal(Band.Idle);

    // The round shrinks the book by about 135 ETH ($800k), but the sale at full size passes the
    // 50 bps bound: the round is cut to what the pool takes, and buys back only that much short.
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(after.deltaBps <= 100n && after.deltaBps >= -100n, `delta ${after.deltaBps} bps`).to.equal(true);
    expect(after.idleBps < before.idleBps).to.equal(true);
  });
});
