import { expect } from "chai";
import { network } from "hardhat";
import { deployPerpMarket, PERP_DEFAULT_PARAMS, USDC, WAD } from "../../deploy/lib/stack/perp.js";

const { ethers, networkHelpers } = await network.create();

const DIVISOR = 10n ** 30n;
const BPS = 10_000n;
const HAIRCUT = 1_000n;
const answer = (dollars: bigint) => dollars * 10n ** 8n;
const marginValue = (qty: bigint, priceWad: bigint) => (qty * priceWad * (BPS - HAIRCUT)) / (DIVISOR * BPS);

/** A small skew scale and the highest funding rate: a 50-ETH short pays 0.5% of its notional a day. */
async function fundingFixture() {
  const deployed = await deployPerpMarket(ethers, {
    params: { ...PERP_DEFAULT_PARAMS, skewScale: 1_000n, maxFundingRatePerDay: 10n ** 17n },
    oracleEdgeWindow: 0n,
    spotCollateral: true,
  });
  const weth = deployed.weth!;
  const [, alice] = await ethers.getSigners();
  const marketAddress = await deployed.market.getAddress();
  await weth.mint(alice.address, 100n * WAD);
  await weth.connect(alice).approve(marketAddress, ethers.MaxUint256);
  return { ...deployed, weth, alice, marketAddress };
}

describe("Review 2: collateral withdrawals and pending funding", function () {
  it("F1 a collateral withdrawal may not leave settled margin plus pending funding beyond the collateral's cover", async function () {
    const f = await networkHelpers.loadFixture(fundingFixture);
    // Alice shorts 50 ETH on 20 WETH ($54,000 at the haircut) and no USDC: the fee is her debt.
    await f.market.connect(f.alice).depositCollateral(20n * WAD);
    await f.market.connect(f.alice).modifyPosition(-50n * WAD, 0);
    // Twenty days of funding at the heavy side's 0.5% a day, then a fall to $2,000.
    await networkHelpers.time.increase(20 * 86_400);
    await f.feed.updateAnswer(answer(2_000n));
    const v = await f.market.positionOf(f.alice.address);
    expect(v.signedMargin).to.be.lessThan(0n);
    expect(v.accruedFunding).to.be.lessThan(-9_900n * USDC); // about -$10,000 owed
    expect(v.unrealizedPnl).to.be.greaterThan(46_000n * USDC);
    // Keep 0.1 WETH ($180 at the haircut): it covers the $73 fee debt but not the $10,000 of
    // funding, which settles into the same debt at her next action.
    const kept = WAD / 10n;
    const settledAfter = v.signedMargin + v.accruedFunding + marginValue(kept, 2_000n * WAD);
    expect(settledAfter).to.be.lessThan(-9_800n * USDC);
    await expect(
      f.market.connect(f.alice).withdrawCollateral(20n * WAD - kept, f.alice.address),
    ).to.be.revertedWithCustomError(f.market, "WithdrawalBelowInitialMargin");
    // What stays withdrawable keeps the debt after funding covered: 5.6 WETH cover $10,080.
    const keep = (56n * WAD) / 10n;
    expect(v.signedMargin + v.accruedFunding + marginValue(keep, 2_000n * WAD)).to.be.greaterThan(0n);
    await f.market.connect(f.alice).withdrawCollateral(20n * WAD - keep, f.alice.address);
  });

  it("F1 property: whatever quantity leaves, the debt after funding stays covered at the haircut", async function () {
    const f = await networkHelpers.loadFixture(fundingFixture);
    await f.market.connect(f.alice).depositCollateral(20n * WAD);
    await f.market.connect(f.alice).modifyPosition(-50n * WAD, 0);
    await networkHelpers.time.increase(20 * 86_400);
    await f.feed.updateAnswer(answer(2_000n));
    // Deterministic pseudo-random quantities across the whole posted range, each tried alone.
    let seed = 0x2545f491n;
    for (let i = 0; i < 24; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      const qty = (seed % (20n * WAD)) + 1n;
      const snapshot = await networkHelpers.takeSnapshot();
      try {
        await f.market.connect(f.alice).withdrawCollateral(qty, f.alice.address);
      } catch {
        await snapshot.restore();
        continue;
      }
      const v = await f.market.positionOf(f.alice.address);
      expect(v.signedMargin + v.accruedFunding + marginValue(v.collateral, 2_000n * WAD)).to.be.at.least(0n);
      await snapshot.restore();
    }
  });
});
