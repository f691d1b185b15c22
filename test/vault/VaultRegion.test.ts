import { expect } from "chai";
import { network } from "hardhat";
import { DEFAULT_STRATEGY, vaultStackFixture } from "../../deploy/lib/stack/vaultStack.js";
import { Band, Tier, abs, deployed, price, usdc } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;
const name = (s: string) => ethers.encodeBytes32String(s);

/** The default stack (rebalances recentre) and one whose rebalances aim half way to the edge. */
const centreFixture = vaultStackFixture(connection);
const regionFixture = vaultStackFixture(connection, { strategy: { ...DEFAULT_STRATEGY, rebalanceTargetBps: 5_000 } });
type Stack = Awaited<ReturnType<typeof centreFixture>>;

/** Moves the price, waits out the keeper's interval and lets the keeper rebalance; returns the
 * state before and after and the spot traded (size units, signed: negative when sold). */
async function keeperRebalanceAt(s: Stack, newPrice: bigint) {
  await s.setPrice(newPrice);
  await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
  await s.oracle.updateAnswer(newPrice / 10n ** 10n);
  const before = await s.vault.vaultState();
  await (await s.vault.connect(s.keeper).rebalance()).wait();
  const after = await s.vault.vaultState();
  return { before, after, spotTraded: after.spotQty - before.spotQty };
}

describe("DeltaNeutralVault: the no-trade region (rebalanceTargetBps)", function () {
  it("is bounded, rejects a no-op, and a new target repositions only after the settle delay", async function () {
    const s = await networkHelpers.loadFixture(centreFixture);
    await expect(s.vault.setStrategy({ ...DEFAULT_STRATEGY, rebalanceTargetBps: 8_001 }))
      .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
      .withArgs(name("rebalanceTargetBps"), 8_001, 0, 8_000);
    await deployed(s);
    // A fall puts the margin band high (a repositioning, not a rescue): it waits for the new target.
    await expect(s.vault.setStrategy({ ...DEFAULT_STRATEGY, rebalanceTargetBps: 8_000 })).to.emit(
      s.vault,
      "StrategyUpdated",
    );
    await expect(s.vault.setStrategy({ ...DEFAULT_STRATEGY, rebalanceTargetBps: 8_000 })).to.be.revertedWithCustomError(
      s.vault,
      "ParameterUnchanged",
    );
    await s.setPrice(price(2_400));
    const st = await s.vault.vaultState();
    expect(st.band).to.equal(Band.MarginHigh);
    await expect(s.vault.connect(s.keeper).rebalance())
      .to.be.revertedWithCustomError(s.vault, "ParametersSettling")
      .withArgs(st.parametersSettledAt);
    await time.increaseTo(st.parametersSettledAt);
    await s.oracle.updateAnswer(2_400_00000000n);
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    // 80% of the way from 50% to the 70% soft ceiling: 66%, less the trade's costs.
    const after = await s.vault.vaultState();
    expect(abs(after.marginRatioBps - 6_600n) <= 30n, `margin ratio ${after.marginRatioBps}`).to.equal(true);
  });

  it("deploys a deposit to buffer + t x idle band: 7.5% idle at t = 50%", async function () {
    const s = await networkHelpers.loadFixture(regionFixture);
    await deployed(s);
    const st = await s.vault.vaultState();
    expect(abs(st.idleBps - 750n) <= 30n, `idle ${st.idleBps}`).to.equal(true);
    expect(abs(st.marginRatioBps - 5_000n) <= 25n, `margin ratio ${st.marginRatioBps}`).to.equal(true);
    expect(st.band).to.equal(Band.None);
  });

  // Spot traded, in bps of NAV. Centre: 63.3% of NAV in spot at target moves 20% to 76.0% or
  // 50.7% and is traded back to 63.3%. Region: its deployment left 7.5% idle, so 61.7% in spot,
  // moved to 74.0% or 49.3%; the rally's rescue sells to 95% / 1.425 = 66.7%, the fall's
  // redeployment buys to 95% / 1.6 = 59.4%.
  for (const [move, at, band, regionRatioBps, centreTradeBps, regionTradeBps] of [
    ["+20% rally", 3_600, Band.MarginLow, 4_250n, 1_267n, 733n],
    ["-20% fall", 2_400, Band.MarginHigh, 6_000n, 1_267n, 1_004n],
  ] as const) {
    it(`${move}: the region trades ${regionTradeBps} bps of NAV (centre ${centreTradeBps}) and lands at ${regionRatioBps} bps`, async function () {
      const centre = await networkHelpers.loadFixture(centreFixture);
      await deployed(centre);
      const region = await networkHelpers.loadFixture(regionFixture);
      await deployed(region);
      const c = await keeperRebalanceAt(centre, price(at));
      const r = await keeperRebalanceAt(region, price(at));
      for (const x of [c, r]) {
        expect(x.before.band).to.equal(band);
        expect(x.before.tier).to.equal(Tier.Soft);
        expect(x.after.band).to.equal(Band.None);
        expect(x.after.deltaBps).to.equal(0n);
      }
      expect(abs(c.after.marginRatioBps - 5_000n) <= 30n, `centre ratio ${c.after.marginRatioBps}`).to.equal(true);
      expect(abs(r.after.marginRatioBps - regionRatioBps) <= 30n, `region ratio ${r.after.marginRatioBps}`).to.equal(
        true,
      );
      const tradedBps = (x: typeof c) =>
        (abs(x.spotTraded) * x.before.price * 10_000n) / 10n ** 30n / x.before.totalAssets;
      expect(abs(tradedBps(c) - centreTradeBps) <= 10n, `centre traded ${tradedBps(c)} bps`).to.equal(true);
      expect(abs(tradedBps(r) - regionTradeBps) <= 10n, `region traded ${tradedBps(r)} bps`).to.equal(true);
    });
  }

  it("a rescue past the hard floor still clears it, to the region's target", async function () {
    const s = await networkHelpers.loadFixture(regionFixture);
    await deployed(s);
    await s.setPrice(price(3_900)); // +30%: the margin ratio falls to about 15%, past the 20% hard floor
    const st = await s.vault.vaultState();
    expect(st.band).to.equal(Band.MarginLow);
    expect(st.tier).to.equal(Tier.Hard);
    await (await s.vault.connect(s.users[3]).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(abs(after.marginRatioBps - 4_250n) <= 30n, `margin ratio ${after.marginRatioBps}`).to.equal(true);
    expect(after.band).to.equal(Band.None);
  });
});
