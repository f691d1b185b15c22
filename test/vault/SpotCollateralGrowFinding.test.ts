import { expect } from "chai";
import { network } from "hardhat";
import { SPOT_COLLATERAL_STRATEGY, vaultStackFixture } from "../../deploy/lib/stack/vaultStack.js";
import { Band, depositFor, price, usdc } from "./helpers.js";

const connection = await network.create();
const { networkHelpers } = connection;
const { time } = networkHelpers;

/**
 * Finding from the hedge bench's replay of 2017-2021 (configuration (c), spot-collateral): from
 * 2018-11-22 20:00 UTC (hour 11,100, ETH at $1,312 on the rescaled path) every Idle rebalance
 * reverted `BandStillBreached(Idle, 0, 9101, 2382)` for the rest of the replay. The books then:
 * NAV $9.57M, idle $1.05M (10.9%, the soft idle band breached), 4,128 ETH posted and shorted at an
 * entry of $2,058, cash equity +$3.1M (the fall's unrealised profit), deployment 56.6%.
 *
 * What the round does: the grow plan withdraws all the cash equity (realising the profit) before
 * the buy, the buy at its planned size passes the slippage bound on the pool and is halved, and
 * the withdrawn cash not spent stays idle: idle ends above where it started and the post-trade
 * check reverts. Nothing changes between hours, so every later round plans and reverts the same
 * way. Here the same books in small: a pool shallow enough that the grow round's buy is halved.
 *
 * Skipped so the suite stays green until the vault's grow round withdraws only what the buy that
 * fills can spend (or the check counts the realised profit); it fails on the current vault with
 * BandStillBreached(Idle, ...).
 */
const shallowFixture = vaultStackFixture(connection, {
  hedgeMode: "spot-collateral",
  liquidityUsdc: usdc(100_000_000),
});

describe("DeltaNeutralVault SpotCollateral finding: a grow round whose buy is halved", function () {
  it.skip("an Idle rebalance after a fall makes progress even when the pool halves the buy (fails today: BandStillBreached)", async function () {
    const s = await networkHelpers.loadFixture(shallowFixture);
    await depositFor(s, s.users[0], usdc(1_000_000));
    // The first deployment is bought in rounds (each halved to the slippage bound), the pool
    // brought back to the oracle between them as an arbitrageur would.
    for (let round = 0; (await s.vault.vaultState()).band !== Band.None && round < 12; round++) {
      await s.setPrice(price(3_000));
      await time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
      await (await s.vault.rebalance()).wait();
    }
    expect((await s.vault.vaultState()).band).to.equal(Band.None);

    // -43%: margin ratio 3,000/1,700 - 10% = 166.5%, inside the 180% soft ceiling; the short's
    // profit (about $410k) sits in cash equity. An $80k deposit breaches the soft idle band.
    await s.setPrice(price(1_700));
    await depositFor(s, s.users[1], usdc(80_000));
    await time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
    await (await s.oracle.updateAnswer(1_700n * 10n ** 8n)).wait();
    const before = await s.vault.vaultState();
    expect(before.band).to.equal(Band.Idle);

    // The round wants about $490k of spot; at the full size the pool's move passes the 50 bps
    // bound, so the buy is halved, while all $410k of profit was already withdrawn to idle.
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(after.idleBps < before.idleBps, `idle ${before.idleBps} -> ${after.idleBps} bps`).to.equal(true);
    expect(after.deploymentBps > before.deploymentBps).to.equal(true);
  });
});
