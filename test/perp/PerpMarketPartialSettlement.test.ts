import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { deployPerpMarket, PERP_DEFAULT_PARAMS, USDC, WAD } from "../../deploy/lib/stack/perp.js";

const { ethers, networkHelpers } = await network.create();

const DAY = 86_400;
/** An 8-decimal feed answer for a whole-dollar price. */
const answer = (dollars: bigint) => dollars * 10n ** 8n;

/**
 * A pool short of cash (1,000 USDC against some 18,000 of open claims after a rally) and a losing
 * short that has earned a month of funding from a long skew. Settling part of the short's claim
 * (a small reduction, a withdrawal) must pay what settling it at once would: its funding offsets
 * its own open loss, a receivable of the pool, so the pool's pro-rata cut of winners' profits
 * does not apply to it. Before PoolLib.payableOffsettingFunding each such settlement lost most of the
 * funding (the vault's dust exits paid hundreds of USDC for the whole account's funding).
 */
async function losingShortWithFunding() {
  const deployed = await deployPerpMarket(ethers, {
    // A small skew scale and 1%/day so a month's funding is large enough to read.
    params: { ...PERP_DEFAULT_PARAMS, skewScale: 1_000n, maxFundingRatePerDay: 10n ** 16n },
    oracleEdgeWindow: 0n,
    poolFunding: 1_000n * USDC,
  });
  const { market, usdc, feed } = deployed;
  const [, alice, bob, carol] = await ethers.getSigners();
  for (const trader of [alice, bob, carol]) {
    await usdc.mint(trader.address, 1_000_000n * USDC);
    await usdc.connect(trader).approve(await market.getAddress(), ethers.MaxUint256);
    await market.connect(trader).depositMargin(50_000n * USDC);
  }
  // Two longs of 20 against a short of 10: the long skew pays the short, and after the rally the
  // longs' open profit (24,000 USDC) less the short's loss (6,000) is far past the pool's cash.
  await market.connect(bob).modifyPosition(20n * WAD, ethers.MaxUint256);
  await market.connect(carol).modifyPosition(20n * WAD, ethers.MaxUint256);
  await market.connect(alice).modifyPosition(-10n * WAD, 0n);
  await networkHelpers.time.increase(30 * DAY);
  await feed.updateAnswer(answer(3_600n));
  return { ...deployed, alice, bob };
}

type Market = Awaited<ReturnType<typeof losingShortWithFunding>>["market"];

/** The market's events of one transaction, by name. */
async function eventsOf(market: Market, tx: Promise<ContractTransactionResponse>) {
  const receipt = await (await tx).wait();
  const byName: Record<string, readonly unknown[]> = {};
  for (const log of receipt!.logs) {
    const parsed = market.interface.parseLog(log);
    if (parsed) byName[parsed.name] = parsed.args;
  }
  return byName;
}

describe("PerpMarket: settling part of a losing claim while the pool is short of cash", function () {
  it("a losing short's small buy-back settles its funding in full", async function () {
    const { market, alice } = await networkHelpers.loadFixture(losingShortWithFunding);
    const before = await market.positionOf(alice.address);
    // The precondition: the pool cannot pay every open claim, and the short is a net loser.
    expect(await market.openClaims()).to.be.greaterThan(await market.poolBalance());
    expect(before.unrealizedPnl + before.accruedFunding).to.be.lessThan(0n);
    expect(before.accruedFunding).to.be.greaterThan(50n * USDC);

    const ev = await eventsOf(market, market.connect(alice).modifyPosition(WAD / 1_000n, ethers.MaxUint256));
    expect(ev.ProfitReduced, "the funding was cut").to.equal(undefined);
    const [, funding] = ev.FundingSettled as [string, bigint];
    const [, , fill, , , fee, realizedPnl] = ev.PositionModified as [
      string,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    // The slice's own loss at its fill, nothing more: 0.001 ETH x (entry - fill), a loss rounded up.
    const sliceLoss = ((before.entryPrice - fill) * (WAD / 1_000n)) / 10n ** 30n;
    expect(realizedPnl).to.be.within(sliceLoss - 1n, sliceLoss);
    const after = await market.positionOf(alice.address);
    expect(after.signedMargin - before.signedMargin).to.equal(funding + realizedPnl - fee);
    // Funding accrues for the one second the transaction's block adds; all of it is paid.
    expect(funding).to.be.greaterThanOrEqual(before.accruedFunding);
    expect(funding - before.accruedFunding).to.be.lessThan(USDC / 100n);
  });

  it("a losing short's margin withdrawal settles its funding in full", async function () {
    const { market, alice } = await networkHelpers.loadFixture(losingShortWithFunding);
    const before = await market.positionOf(alice.address);
    const ev = await eventsOf(market, market.connect(alice).withdrawMargin(USDC, alice.address));
    expect(ev.ProfitReduced, "the funding was cut").to.equal(undefined);
    const [, funding] = ev.FundingSettled as [string, bigint];
    expect(funding - before.accruedFunding).to.be.within(0n, USDC / 100n);
    const after = await market.positionOf(alice.address);
    expect(after.signedMargin - before.signedMargin).to.equal(funding - USDC);
  });

  it("a winner that flips keeps nothing open: its profit shares the cash as a close's does", async function () {
    const { market, bob } = await networkHelpers.loadFixture(losingShortWithFunding);
    const close = await eventsOf(market, market.connect(bob).modifyPosition(-20n * WAD, 0n));
    const [, closeOwed, closePaid] = close.ProfitReduced as [string, bigint, bigint];
    const again = await networkHelpers.loadFixture(losingShortWithFunding);
    // Selling 80 into a skew of +30 flips the long to a 60 short at 1% under the oracle: an open
    // "loss" of 2,160 USDC of its own making, which must not shield the realised profit.
    const flip = await eventsOf(again.market, again.market.connect(again.bob).modifyPosition(-80n * WAD, 0n));
    const [, flipOwed, flipPaid] = flip.ProfitReduced as [string, bigint, bigint];
    // Both cut at the pool's rate, cash / open claims (under a tenth here), and neither capped.
    const ratio = (paid: bigint, owed: bigint) => (paid * 10n ** 9n) / owed;
    expect(ratio(closePaid, closeOwed)).to.be.lessThan(10n ** 8n);
    expect(ratio(flipPaid, flipOwed)).to.be.closeTo(ratio(closePaid, closeOwed), 10n ** 4n);
  });

  it("a winner's realised profit is still cut pro rata", async function () {
    const { market, bob } = await networkHelpers.loadFixture(losingShortWithFunding);
    const before = await market.positionOf(bob.address);
    // Half of the long's open profit of some 12,000 USDC, less the funding it owes; half stays open.
    const ev = await eventsOf(market, market.connect(bob).modifyPosition(-10n * WAD, 0n));
    const [, owed, paid] = ev.ProfitReduced as [string, bigint, bigint];
    expect(owed).to.be.greaterThan(5_000n * USDC);
    expect(paid).to.be.lessThan(owed);
    expect(paid).to.be.lessThanOrEqual((await market.poolBalance()) + paid);
    expect(before.unrealizedPnl).to.be.greaterThan(0n);
  });
});
