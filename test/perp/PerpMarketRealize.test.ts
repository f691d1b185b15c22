import { expect } from "chai";
import { network } from "hardhat";
import { deployPerpMarket, USDC, WAD } from "../../deploy/lib/stack/perp.js";

const { ethers, networkHelpers } = await network.create();

async function shortInProfit() {
  const { usdc, feed, market } = await deployPerpMarket(ethers, { oracleEdgeWindow: 0n });
  const [, trader] = await ethers.getSigners();
  const margin = 10_000n * USDC;
  await usdc.mint(trader.address, margin);
  await usdc.connect(trader).approve(await market.getAddress(), margin);
  await market.connect(trader).depositMargin(margin);
  await market.connect(trader).modifyPosition(-10n * WAD, 0n); // short 10 ETH at ~3000
  await feed.updateAnswer(2_000_00000000n); // -33%: the short is ~10,000 USDC in profit
  return { usdc, market, trader };
}

describe("PerpMarket: withdrawing unrealised profit", function () {
  it("realises profit into margin at the oracle price when a withdrawal exceeds settled margin", async function () {
    const { usdc, market, trader } = await networkHelpers.loadFixture(shortInProfit);
    const before = await market.positionOf(trader.address);
    expect(before.unrealizedPnl > 9_000n * USDC).to.equal(true);
    const pool = await market.poolBalance();
    const amount = before.margin + 5_000n * USDC; // more than settled margin
    await expect(market.connect(trader).withdrawMargin(amount, trader.address))
      .to.emit(market, "ProfitRealized")
      .withArgs(trader.address, before.unrealizedPnl, 2_000n * WAD);
    const after = await market.positionOf(trader.address);
    // Equity falls by exactly what left; the entry is re-based to the oracle price.
    const equityDelta = before.equity - amount - after.equity;
    expect(equityDelta >= 0n && equityDelta < 10n).to.equal(true);
    expect(after.entryPrice).to.equal(2_000n * WAD);
    expect(after.unrealizedPnl).to.equal(0n);
    expect(after.size).to.equal(before.size);
    // The pool paid the profit (and received the second of funding the lone short pays).
    const poolDelta = (await market.poolBalance()) - (pool - before.unrealizedPnl);
    expect(poolDelta >= 0n && poolDelta < 10n).to.equal(true);
    expect(await usdc.balanceOf(trader.address)).to.equal(amount);
    // Conservation: the market holds exactly margins plus pool.
    expect(await usdc.balanceOf(await market.getAddress())).to.equal(after.margin + (await market.poolBalance()));
  });

  it("still enforces the initial margin after realising", async function () {
    const { market, trader } = await networkHelpers.loadFixture(shortInProfit);
    const before = await market.positionOf(trader.address);
    await expect(
      market.connect(trader).withdrawMargin(BigInt(before.equity), trader.address),
    ).to.be.revertedWithCustomError(market, "WithdrawalBelowInitialMargin");
  });
});

describe("PerpMarket: withdrawing profit inside a round's oracle-edge window", function () {
  async function shortBeforeRound(secondsAhead: number) {
    const { usdc, feed, market } = await deployPerpMarket(ethers);
    const [, trader, liquidator] = await ethers.getSigners();
    const margin = 10_000n * USDC;
    await usdc.mint(trader.address, margin);
    await usdc.connect(trader).approve(await market.getAddress(), margin);
    await market.connect(trader).depositMargin(margin);
    await networkHelpers.time.increase(60);
    await market.connect(trader).modifyPosition(-10n * WAD, 0n); // short 10 ETH at ~3000
    if (secondsAhead > 0) await networkHelpers.time.increase(secondsAhead);
    await feed.updateAnswer(2_400_00000000n); // -20%
    return { market, trader, liquidator };
  }
  /** Opened a minute before the round: outside the window, so nothing it could have seen. */
  const shortAMinuteBeforeRound = () => shortBeforeRound(60);
  /** Opened in the block before the round: seen coming. */
  const shortAheadOfRound = () => shortBeforeRound(0);

  it("realises at the previous answer inside the window and at the new one after it", async function () {
    const { market, trader } = await networkHelpers.loadFixture(shortAMinuteBeforeRound);
    const margin = (await market.positionOf(trader.address)).margin;
    // A short's close buys: inside the window at the higher, pre-round answer, so no profit to take.
    await expect(
      market.connect(trader).withdrawMargin(margin + 100n * USDC, trader.address),
    ).to.be.revertedWithCustomError(market, "WithdrawalBelowInitialMargin");
    await networkHelpers.time.increase(await market.oracleEdgeWindow());
    await expect(market.connect(trader).withdrawMargin(margin + 100n * USDC, trader.address))
      .to.emit(market, "ProfitRealized")
      .withArgs(trader.address, (v: bigint) => v > 5_990n * USDC, 2_400n * WAD);
  });

  it("a short grown just ahead of the round has no profit to take after the window either", async function () {
    const { market, trader } = await networkHelpers.loadFixture(shortAheadOfRound);
    await networkHelpers.time.increase(await market.oracleEdgeWindow());
    // The growth charge moves the short's entry by the round's -600 move (from its 2999.985 fill,
    // the 3000 answer less the premium): the move is not its to keep.
    const view = await market.positionOf(trader.address);
    expect(view.entryPrice).to.equal(2_399_985n * 10n ** 15n);
    expect(view.unrealizedPnl <= 0n).to.equal(true);
    const margin = view.margin;
    await expect(
      market.connect(trader).withdrawMargin(margin + 100n * USDC, trader.address),
    ).to.be.revertedWithCustomError(market, "WithdrawalBelowInitialMargin");
  });
});
