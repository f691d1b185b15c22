import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import {
  deployPerpMarket,
  PERP_DEFAULT_PARAMS,
  PERP_DEFAULTS,
  setParameterThroughDelay,
  USDC,
  WAD,
} from "../../deploy/lib/stack/perp.js";
import type { PerpFixtureOptions } from "../../deploy/lib/stack/perp.js";

const { ethers, networkHelpers } = await network.create();

const DAY = 86_400n;
const POOL = PERP_DEFAULTS.poolFunding;
const name = (s: string) => ethers.encodeBytes32String(s);
/** An 8-decimal feed answer for a whole-dollar price. */
const answer = (dollars: bigint) => dollars * 10n ** 8n;

async function withTraders(options: Partial<PerpFixtureOptions> = {}) {
  const deployed = await deployPerpMarket(ethers, options);
  const [, alice, bob, carol, keeper] = await ethers.getSigners();
  const marketAddress = await deployed.market.getAddress();
  for (const trader of [alice, bob, carol]) {
    await deployed.usdc.mint(trader.address, 1_000_000n * USDC);
    await deployed.usdc.connect(trader).approve(marketAddress, ethers.MaxUint256);
  }
  return { ...deployed, alice, bob, carol, keeper, marketAddress };
}

// Funding off: PnL, fee and margin figures do not depend on block timestamps.
// No oracle-edge window: these tests update the feed seconds after a trade on purpose.
const noFunding = { params: { ...PERP_DEFAULT_PARAMS, maxFundingRatePerDay: 0n }, oracleEdgeWindow: 0n };

async function defaultFixture() {
  return withTraders({ oracleEdgeWindow: 0n });
}
async function noFundingFixture() {
  return withTraders(noFunding);
}
async function smallPoolFixture() {
  return withTraders({ ...noFunding, poolFunding: 1_000n * USDC });
}
// A small skew scale and 1%/day so funding is large enough to read: 10 ETH of skew = 1% of scale.
async function fundingFixture() {
  return withTraders({
    params: { ...PERP_DEFAULT_PARAMS, skewScale: 1_000n, maxFundingRatePerDay: 10n ** 16n },
    oracleEdgeWindow: 0n,
  });
}

// The market's oracle-edge window as deployed (15 s).
async function edgeFixture() {
  return withTraders({ params: noFunding.params });
}

async function tinySkewScaleFixture() {
  return withTraders({ ...noFunding, params: { ...noFunding.params, skewScale: 1n } });
}

/** Sets the next block's timestamp and refreshes the feed one second earlier, so it is fresh. */
async function refreshAt(feed: { updateAnswer(a: bigint): Promise<unknown> }, ts: bigint, price: bigint) {
  await networkHelpers.time.setNextBlockTimestamp(ts - 1n);
  await feed.updateAnswer(price);
  await networkHelpers.time.setNextBlockTimestamp(ts);
}

async function timestampOf(tx: Promise<{ wait(): Promise<{ blockNumber: number } | null> }>) {
  const receipt = await (await tx).wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

describe("PerpMarket", function () {
  describe("deployment", function () {
    it("stores the collateral, feed and parameters and funds the pool", async function () {
      const { market, usdc, feed, owner } = await networkHelpers.loadFixture(defaultFixture);
      expect(await market.collateral()).to.equal(await usdc.getAddress());
      expect(await market.collateralDecimals()).to.equal(6);
      const f = await market.feed();
      expect(f.aggregator).to.equal(await feed.getAddress());
      expect(f.heartbeat).to.equal(3_600);
      expect(await market.marketParams()).to.deep.equal([
        5n,
        1_000n,
        500n,
        100n,
        10n ** 15n,
        1_000_000n,
        10_000n,
        10_000n,
      ]);
      expect(await market.initialMarginBps()).to.equal(1_000n);
      expect(await market.poolBalance()).to.equal(POOL);
      expect(await usdc.balanceOf(await market.getAddress())).to.equal(POOL);
      expect(await market.owner()).to.equal(owner.address);
    });

    it("rejects a zero collateral or aggregator", async function () {
      const { market, feed, usdc } = await networkHelpers.loadFixture(defaultFixture);
      const p = Object.values(PERP_DEFAULT_PARAMS);
      const feedArg = {
        aggregator: await feed.getAddress(),
        heartbeat: 3600,
        sequencerUptimeFeed: ethers.ZeroAddress,
        sequencerGracePeriod: 0,
      };
      await expect(
        ethers.deployContract("PerpMarket", [ethers.ZeroAddress, feedArg, p, ethers.ZeroAddress, ethers.ZeroAddress]),
      ).to.be.revertedWithCustomError(market, "ZeroAddress");
      await expect(
        ethers.deployContract("PerpMarket", [
          await usdc.getAddress(),
          { ...feedArg, aggregator: ethers.ZeroAddress },
          p,
          ethers.ZeroAddress,
          ethers.ZeroAddress,
        ]),
      ).to.be.revertedWithCustomError(market, "ZeroAddress");
    });

    it("rejects out-of-bound constructor parameters", async function () {
      const { market, feed, usdc } = await networkHelpers.loadFixture(defaultFixture);
      const feedArg = {
        aggregator: await feed.getAddress(),
        heartbeat: 3600,
        sequencerUptimeFeed: ethers.ZeroAddress,
        sequencerGracePeriod: 0,
      };
      const p = Object.values({ ...PERP_DEFAULT_PARAMS, maintenanceMarginBps: 1_000n });
      await expect(
        ethers.deployContract("PerpMarket", [
          await usdc.getAddress(),
          feedArg,
          p,
          ethers.ZeroAddress,
          ethers.ZeroAddress,
        ]),
      )
        .to.be.revertedWithCustomError(market, "ParameterOutOfBounds")
        .withArgs(name("maintenanceMarginBps"), 1_000n, 20n, 999n);
    });
  });

  describe("margin and pool", function () {
    it("deposits, withdraws and funds the pool with events", async function () {
      const { market, usdc, alice, bob } = await networkHelpers.loadFixture(defaultFixture);
      await expect(market.connect(alice).depositMargin(500n * USDC))
        .to.emit(market, "MarginDeposited")
        .withArgs(alice.address, 500n * USDC);
      await expect(market.connect(alice).withdrawMargin(200n * USDC, bob.address))
        .to.emit(market, "MarginWithdrawn")
        .withArgs(alice.address, bob.address, 200n * USDC);
      expect((await market.positionOf(alice.address)).margin).to.equal(300n * USDC);
      expect(await usdc.balanceOf(bob.address)).to.equal(1_000_200n * USDC);
      await expect(market.connect(bob).fundPool(7n * USDC))
        .to.emit(market, "PoolFunded")
        .withArgs(bob.address, 7n * USDC);
      expect(await market.poolBalance()).to.equal(POOL + 7n * USDC);
    });

    it("rejects zero amounts", async function () {
      const { market, alice } = await networkHelpers.loadFixture(defaultFixture);
      await expect(market.connect(alice).depositMargin(0)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.connect(alice).withdrawMargin(0, alice.address)).to.be.revertedWithCustomError(
        market,
        "ZeroAmount",
      );
      await expect(market.connect(alice).fundPool(0)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.connect(alice).modifyPosition(0, 0)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.fillPrice(0)).to.be.revertedWithCustomError(market, "ZeroAmount");
    });

    it("rejects withdrawing more than the margin with no position", async function () {
      const { market, alice } = await networkHelpers.loadFixture(defaultFixture);
      await market.connect(alice).depositMargin(100n * USDC);
      await expect(market.connect(alice).withdrawMargin(100n * USDC + 1n, alice.address))
        .to.be.revertedWithCustomError(market, "WithdrawalBelowInitialMargin")
        .withArgs(-1n, 0n);
    });

    it("keeps equity after a withdrawal at or above the initial margin", async function () {
      const { market, alice } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(3_100n * USDC);
      await market.connect(alice).modifyPosition(-10n * WAD, 0);
      // margin 3_085.000075 (fee 14.999925), unrealised -0.15 at 3000: equity 3_084.850075 USDC.
      // Initial margin: 10% of 30_000 = 3_000 USDC, so 84.850075 USDC is free.
      await expect(market.connect(alice).withdrawMargin(84_850_076n, alice.address))
        .to.be.revertedWithCustomError(market, "WithdrawalBelowInitialMargin")
        .withArgs(2_999_999_999n, 3_000_000_000n);
      await market.connect(alice).withdrawMargin(84_850_075n, alice.address);
      const pos = await market.positionOf(alice.address);
      expect(pos.equity).to.equal(3_000_000_000n);
      expect(pos.marginRatioBps).to.equal(1_000n);
    });
  });

  describe("fills, fees and PnL", function () {
    it("opens a short at the oracle price less half the skew premium, charging the fee", async function () {
      const { market, alice } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      // fill = 3000 * (1 + (0 + -1) / 2 / 1_000_000) = 2999.9985
      const fill = 2_999_998_500_000_000_000_000n;
      expect(await market.fillPrice(-WAD)).to.equal(fill);
      // fee = ceil(2999.9985 USDC * 5 / 10_000) = 1.5 USDC (1_499_999.25 rounded up)
      await expect(market.connect(alice).modifyPosition(-WAD, fill))
        .to.emit(market, "PositionModified")
        .withArgs(alice.address, -WAD, fill, -WAD, fill, 1_500_000n, 0n, 0n);
      const pos = await market.positionOf(alice.address);
      expect(pos.size).to.equal(-WAD);
      expect(pos.entryPrice).to.equal(fill);
      expect(pos.margin).to.equal(9_998_500_000n);
      // At the oracle the short is 0.0015 USDC under water (rounded up against the trader).
      expect(pos.unrealizedPnl).to.equal(-1_500n);
      expect(pos.equity).to.equal(9_998_498_500n);
      expect(await market.poolBalance()).to.equal(POOL + 1_500_000n);
      expect(await market.skew()).to.equal(-WAD);
      expect(await market.openInterest()).to.deep.equal([0n, WAD]);
    });

    it("prices against the existing skew: a short into a long skew fills above the oracle", async function () {
      const { market, alice, bob } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(100_000n * USDC);
      await market.connect(bob).depositMargin(10_000n * USDC);
      await market.connect(alice).modifyPosition(100n * WAD, ethers.MaxUint256);
      // fill = 3000 * (1 + (100 + 90) / 2 / 1_000_000) = 3000.285; fee = 30_002.85 * 5 bps
      const fill = 3_000_285_000_000_000_000_000n;
      expect(await market.fillPrice(-10n * WAD)).to.equal(fill);
      await expect(market.connect(bob).modifyPosition(-10n * WAD, 0))
        .to.emit(market, "PositionModified")
        .withArgs(bob.address, -10n * WAD, fill, -10n * WAD, fill, 15_001_425n, 0n, 0n);
    });

    it("rounds a buy's fill up and a sell's down", async function () {
      const { market, feed } = await networkHelpers.loadFixture(noFundingFixture);
      await feed.updateAnswer(3_000_00000001n); // 3000.00000001
      // premium = 3000.00000001e18 * 1 / 2e24 = 0.0015 wei: a buy rounds up, a sell down.
      expect(await market.fillPrice(1n)).to.equal(3_000_000_000_010_000_000_000n + 1n);
      expect(await market.fillPrice(-1n)).to.equal(3_000_000_000_010_000_000_000n - 1n);
    });

    it("realises PnL, averages the entry and settles into margin and pool", async function () {
      const { market, usdc, feed, alice, marketAddress } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      await market.connect(alice).modifyPosition(-WAD, 0); // entry 2999.9985, fee 1.5
      await feed.updateAnswer(answer(2_500n));
      let pos = await market.positionOf(alice.address);
      // -1 * (2500 - 2999.9985) = +499.9985 USDC
      expect(pos.unrealizedPnl).to.equal(499_998_500n);
      // Closing buys into a -1 skew: fill = 2500 * (1 + (-1 + 0) / 2 / 1e6) = 2499.99875 (exact).
      const fill = 2_499_998_750_000_000_000_000n;
      // realised = 2999.9985 - 2499.99875 = 499.99975 USDC; fee = ceil(1.24999937..) = 1.25 USDC
      await expect(market.connect(alice).modifyPosition(WAD, ethers.MaxUint256))
        .to.emit(market, "PositionModified")
        .withArgs(alice.address, WAD, fill, 0n, 0n, 1_250_000n, 499_999_750n, 0n);
      pos = await market.positionOf(alice.address);
      expect(pos.size).to.equal(0n);
      expect(pos.margin).to.equal(10_497_249_750n);
      expect(pos.marginRatioBps).to.equal(ethers.MaxUint256);
      expect(await market.poolBalance()).to.equal(POOL + 1_500_000n - 499_999_750n + 1_250_000n);
      expect(await usdc.balanceOf(marketAddress)).to.equal(POOL + 10_000n * USDC);
    });

    it("averages the entry of a growing short (rounded down) and keeps it on a partial close", async function () {
      const { market, feed, alice } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      await market.connect(alice).modifyPosition(-WAD, 0); // 2999.9985
      await feed.updateAnswer(answer(3_100n));
      // fill = 3100 * (1 + (-1 - 3) / 2 / 1e6) = 3099.9938
      await market.connect(alice).modifyPosition(-2n * WAD, 0);
      // entry = (2999.9985 + 2 * 3099.9938) / 3 = 3066.662033... -> floor in wei
      const entry = (2_999_998_500_000_000_000_000n + 2n * 3_099_993_800_000_000_000_000n) / 3n;
      expect((await market.positionOf(alice.address)).entryPrice).to.equal(entry);
      await market.connect(alice).modifyPosition(WAD, ethers.MaxUint256);
      const pos = await market.positionOf(alice.address);
      expect(pos.size).to.equal(-2n * WAD);
      expect(pos.entryPrice).to.equal(entry);
    });

    it("flips a position: closes the old side and opens the rest at the fill", async function () {
      const { market, alice } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      await market.connect(alice).modifyPosition(-WAD, 0); // entry 2999.9985, skew -1
      // Buy 2 from skew -1: fill = 3000 * (1 + (-1 + 1) / 2 / 1e6) = 3000
      const fill = 3_000n * WAD;
      // realised on the closed short: 2999.9985 - 3000 = -0.0015 USDC; fee = 6000 * 5 bps = 3
      await expect(market.connect(alice).modifyPosition(2n * WAD, ethers.MaxUint256))
        .to.emit(market, "PositionModified")
        .withArgs(alice.address, 2n * WAD, fill, WAD, fill, 3_000_000n, -1_500n, 0n);
      expect(await market.openInterest()).to.deep.equal([WAD, 0n]);
    });

    it("rejects fills worse than the caller's bound", async function () {
      const { market, alice } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      const sellFill = 2_999_998_500_000_000_000_000n;
      await expect(market.connect(alice).modifyPosition(-WAD, sellFill + 1n))
        .to.be.revertedWithCustomError(market, "FillPriceOutOfBounds")
        .withArgs(sellFill, sellFill + 1n);
      const buyFill = 3_000_001_500_000_000_000_000n;
      await expect(market.connect(alice).modifyPosition(WAD, buyFill - 1n))
        .to.be.revertedWithCustomError(market, "FillPriceOutOfBounds")
        .withArgs(buyFill, buyFill - 1n);
    });

    it("rejects a premium that would take the fill to zero", async function () {
      const { market, alice } = await networkHelpers.loadFixture(tinySkewScaleFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      // Selling 2 tokens against a 1-token scale: premium -100%.
      await expect(market.connect(alice).modifyPosition(-2n * WAD, 0))
        .to.be.revertedWithCustomError(market, "FillPriceNotPositive")
        .withArgs(0n);
    });

    it("requires the initial margin to open and grow, with equity and requirement in the error", async function () {
      const { market, alice } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(3_000n * USDC);
      // Short 10 at 2999.985: margin 3000 - 14.999925, unrealised -0.15 -> equity 2_984.850075
      await expect(market.connect(alice).modifyPosition(-10n * WAD, 0))
        .to.be.revertedWithCustomError(market, "InsufficientMargin")
        .withArgs(2_984_850_075n, 3_000_000_000n);
      await market.connect(alice).modifyPosition(-9n * WAD, 0);
      await expect(market.connect(alice).modifyPosition(-WAD, 0)).to.be.revertedWithCustomError(
        market,
        "InsufficientMargin",
      );
    });

    it("enforces the open-interest cap of the side that grows", async function () {
      const { market, feed, alice, bob } = await networkHelpers.loadFixture(noFundingFixture);
      await setParameterThroughDelay(ethers, market, "maxShortOpenInterest", 5n, feed);
      await market.connect(alice).depositMargin(100_000n * USDC);
      await market.connect(bob).depositMargin(100_000n * USDC);
      await market.connect(alice).modifyPosition(-5n * WAD, 0);
      await expect(market.connect(bob).modifyPosition(-1n, 0))
        .to.be.revertedWithCustomError(market, "OpenInterestCapExceeded")
        .withArgs(false, 5n * WAD + 1n, 5n * WAD);
      // The long side is unaffected, and the short side may always shrink.
      await market.connect(bob).modifyPosition(20n * WAD, ethers.MaxUint256);
      await setParameterThroughDelay(ethers, market, "maxShortOpenInterest", 1n, feed);
      await market.connect(alice).modifyPosition(WAD, ethers.MaxUint256);
      await setParameterThroughDelay(ethers, market, "maxLongOpenInterest", 20n, feed);
      await expect(market.connect(bob).modifyPosition(1n, ethers.MaxUint256))
        .to.be.revertedWithCustomError(market, "OpenInterestCapExceeded")
        .withArgs(true, 20n * WAD + 1n, 20n * WAD);
    });
  });

  describe("funding", function () {
    it("charges the heavy side, flips sign with the skew, and extrapolates in views", async function () {
      const { market, feed, alice, bob } = await networkHelpers.loadFixture(fundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      await market.connect(bob).depositMargin(20_000n * USDC);
      const t0 = await timestampOf(market.connect(alice).modifyPosition(-10n * WAD, 0));
      // skew -10 of a 1_000 scale: rate = -1% of 1%/day = -0.01%/day (WAD)
      expect(await market.fundingRatePerDay()).to.equal(-(10n ** 14n));

      // Half a day later: index -1.5e17 (0.15 USD per ETH), the short owes 10 * 0.15 = 1.5 USDC.
      await refreshAt(feed, t0 + DAY / 2n, answer(3_000n));
      await networkHelpers.mine();
      expect((await market.positionOf(alice.address)).accruedFunding).to.equal(-1_500_000n);

      // One day: index -3e17; bob goes long 30 -> skew +20.
      await refreshAt(feed, t0 + DAY, answer(3_000n));
      await market.connect(bob).modifyPosition(30n * WAD, ethers.MaxUint256);
      expect((await market.fundingIndex())[0]).to.equal(-3n * 10n ** 17n);
      expect((await market.positionOf(alice.address)).accruedFunding).to.equal(-3_000_000n);
      expect(await market.fundingRatePerDay()).to.equal(2n * 10n ** 14n);

      // Second day at +0.02%/day: index +6e17 -> shorts receive 6 USDC, bob's long pays 18.
      await refreshAt(feed, t0 + 2n * DAY, answer(3_000n));
      await networkHelpers.mine();
      expect((await market.positionOf(alice.address)).accruedFunding).to.equal(3_000_000n);
      expect((await market.positionOf(bob.address)).accruedFunding).to.equal(-18_000_000n);

      // Settlement on a trade two seconds later moves exactly that (plus two seconds) into margin.
      const marginBefore = (await market.positionOf(alice.address)).margin;
      const poolBefore = await market.poolBalance();
      await refreshAt(feed, t0 + 2n * DAY + 2n, answer(3_000n));
      // index = -3e17 + 2e14 * 3000e18 * (1 day + 2 s) / (1 day * 1e18), truncated
      const index = -3n * 10n ** 17n + (2n * 10n ** 14n * 3_000n * WAD * (DAY + 2n)) / (DAY * WAD);
      expect(index).to.equal(300_013_888_888_888_888n);
      // alice's index was 0: she receives floor(10 * 0.300013888... USDC) = 3.000138 USDC.
      const funding = 3_000_138n;
      await expect(market.connect(alice).modifyPosition(WAD, ethers.MaxUint256))
        .to.emit(market, "FundingSettled")
        .withArgs(alice.address, funding, index);
      const pos = await market.positionOf(alice.address);
      expect((await market.fundingIndex())[0]).to.equal(index);
      const tx = (await market.queryFilter(market.filters.PositionModified(alice.address))).at(-1)!;
      expect(pos.margin).to.equal(marginBefore + funding + tx.args.realizedPnl - tx.args.fee);
      expect(await market.poolBalance()).to.equal(poolBefore - funding - tx.args.realizedPnl + tx.args.fee);
    });

    it("settles funding on a withdrawal", async function () {
      const { market, feed, alice } = await networkHelpers.loadFixture(fundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      const t0 = await timestampOf(market.connect(alice).modifyPosition(-10n * WAD, 0));
      await refreshAt(feed, t0 + DAY, answer(3_000n));
      await expect(market.connect(alice).withdrawMargin(USDC, alice.address))
        .to.emit(market, "FundingSettled")
        .withArgs(alice.address, -3_000_000n, -3n * 10n ** 17n);
    });

    it("accrues under the old parameters before a funding parameter changes", async function () {
      const { market, feed, alice } = await networkHelpers.loadFixture(fundingFixture);
      await market.setParameter(name("maxFundingRatePerDay"), 0n); // effective in two days
      await market.connect(alice).depositMargin(10_000n * USDC);
      const t0 = await timestampOf(market.connect(alice).modifyPosition(-10n * WAD, 0));
      await refreshAt(feed, t0 + 2n * DAY, answer(3_000n));
      await expect(market.applyParameter(name("maxFundingRatePerDay")))
        .to.emit(market, "FundingAccrued")
        .withArgs(-6n * 10n ** 17n, -(10n ** 14n));
      expect(await market.fundingRatePerDay()).to.equal(0n);
    });
  });

  describe("liquidation", function () {
    // Short 10 at 2999.985 with 3_100 USDC: margin 3_085.000075 after the fee. At 3250 the loss
    // is 2_500.15 USDC (equity 584.850075) and maintenance is 5% of 32_500 = 1_625 USDC.
    async function underwaterFixture() {
      const f = await noFundingFixture();
      await f.market.connect(f.alice).depositMargin(3_100n * USDC);
      await f.market.connect(f.alice).modifyPosition(-10n * WAD, 0);
      await f.feed.updateAnswer(answer(3_250n));
      return f;
    }
    const GAP = 1_625_000_000n - 584_850_075n;

    it("is not liquidatable with equity exactly at maintenance", async function () {
      const { market, alice, keeper } = await networkHelpers.loadFixture(underwaterFixture);
      expect((await market.positionOf(alice.address)).equity).to.equal(584_850_075n);
      await market.connect(alice).depositMargin(GAP);
      expect((await market.positionOf(alice.address)).equity).to.equal(1_625_000_000n);
      expect(await market.isLiquidatable(alice.address)).to.equal(false);
      await expect(market.connect(keeper).liquidate(alice.address))
        .to.be.revertedWithCustomError(market, "NotLiquidatable")
        .withArgs(1_625_000_000n, 1_625_000_000n);
    });

    it("liquidates one wei below maintenance through the close's premium and fee; the reward comes from the account", async function () {
      const { market, usdc, alice, keeper, marketAddress } = await networkHelpers.loadFixture(underwaterFixture);
      await market.connect(alice).depositMargin(GAP - 1n);
      expect(await market.isLiquidatable(alice.address)).to.equal(true);
      const poolBefore = await market.poolBalance();
      // Buying 10 back into skew -10: 3250 * (1 - 5e-6) = 3249.98375. Loss 10 * (3249.98375 -
      // 2999.985) = 2_499.9875, fee 5 bps of 32_499.8375 = 16.249919 (up); margin 4_125.149999
      // leaves 1_608.91258; reward 1% of the closed notional = 324.998375.
      const fill = 3_249_983_750n * 10n ** 12n;
      await expect(market.connect(keeper).liquidate(alice.address))
        .to.emit(market, "Liquidated")
        .withArgs(alice.address, keeper.address, -10n * WAD, fill, 1_608_912_580n, 324_998_375n, 0n)
        .and.to.emit(market, "PositionModified")
        .withArgs(alice.address, 10n * WAD, fill, 0n, 0n, 16_249_919n, -2_499_987_500n, 0n);
      expect(await usdc.balanceOf(keeper.address)).to.equal(324_998_375n);
      const pos = await market.positionOf(alice.address);
      expect(pos.size).to.equal(0n);
      expect(pos.margin).to.equal(1_608_912_580n - 324_998_375n);
      // The pool receives the loss and the fee, nothing less: the reward is the account's.
      expect(await market.poolBalance()).to.equal(poolBefore + 2_499_987_500n + 16_249_919n);
      expect(await market.openInterest()).to.deep.equal([0n, 0n]);
      expect(await usdc.balanceOf(marketAddress)).to.equal(BigInt(await market.poolBalance()) + pos.margin);
    });

    it("still liquidates a sale the premium would price at zero (skew scale below the book)", async function () {
      const { market, feed, alice, bob, keeper } = await networkHelpers.loadFixture(tinySkewScaleFixture);
      await market.connect(alice).depositMargin(2_000n * USDC);
      await market.connect(bob).depositMargin(10_000n * USDC);
      await market.connect(alice).modifyPosition(WAD, ethers.MaxUint256); // long 1 at 4500 (+50%)
      await market.connect(bob).modifyPosition(-2n * WAD, 0); // skew -1 of a 1-token scale
      await feed.updateAnswer(answer(2_600n)); // alice: 2_000 - 1_900 - fee, below 5% of 2_600
      expect(await market.isLiquidatable(alice.address)).to.equal(true);
      // Selling 1 into skew -1: premium -150%, so the fill is floored at one wei.
      await expect(market.connect(keeper).liquidate(alice.address))
        .to.emit(market, "Liquidated")
        .withArgs(alice.address, keeper.address, WAD, 1n, anyValue, 0n, 0n);
      expect(await market.sizeOf(alice.address)).to.equal(0n);
    });

    it("rejects an account with no position", async function () {
      const { market, bob, keeper } = await networkHelpers.loadFixture(noFundingFixture);
      expect(await market.isLiquidatable(bob.address)).to.equal(false);
      await expect(market.connect(keeper).liquidate(bob.address))
        .to.be.revertedWithCustomError(market, "NotLiquidatable")
        .withArgs(0n, 0n);
    });

    it("lets the pool absorb negative equity when it can", async function () {
      const { market, feed, alice, keeper } = await networkHelpers.loadFixture(underwaterFixture);
      await feed.updateAnswer(answer(4_000n));
      // Close at 3999.98: loss 9_999.95 and fee 19.9999 against 3_085.000075 of margin.
      const left = 3_085_000_075n - 9_999_950_000n - 19_999_900n;
      const poolBefore = await market.poolBalance();
      await expect(market.connect(keeper).liquidate(alice.address))
        .to.emit(market, "ShortfallAbsorbed")
        .withArgs(alice.address, -left)
        .and.not.to.emit(market, "BadDebtRecorded");
      expect(await market.poolBalance()).to.equal(poolBefore + 3_085_000_075n);
      expect(await market.badDebt()).to.equal(0n);
      expect((await market.positionOf(alice.address)).margin).to.equal(0n);
    });

    it("records bad debt against pool equity, cuts the open winner pro rata, and never freezes margin", async function () {
      const { market, usdc, feed, alice, bob, carol, keeper, marketAddress } =
        await networkHelpers.loadFixture(smallPoolFixture);
      await market.connect(carol).depositMargin(700n * USDC); // a bystander with no position
      await market.connect(bob).depositMargin(5_000n * USDC);
      await market.connect(alice).depositMargin(3_100n * USDC);
      await market.connect(bob).modifyPosition(10n * WAD, ethers.MaxUint256); // long at 3000.015
      await market.connect(alice).modifyPosition(-10n * WAD, 0); // short at 3000.015
      await feed.updateAnswer(answer(4_000n));
      // The pool holds 1_000 + 2 * 15.000075; bob's open claim is 10 * (4000 - 3000.015).
      const pool = 1_030_000_150n;
      expect(await market.poolBalance()).to.equal(pool);
      expect(await market.openClaims()).to.equal(0n); // alice owes exactly what bob is owed

      // Alice: buying into skew 0 at 4000.02 leaves 3_084.999925 - 10_000.05 - 20.0001 < 0. The pool takes her
      // margin; its equity counting bob's open claim is then short, and that part is bad debt.
      const aliceMargin = 3_084_999_925n;
      const shortfall = 10_000_050_000n + 20_000_100n - aliceMargin;
      const poolAfter = pool + aliceMargin;
      const claim = 9_999_850_000n;
      const uncovered = claim - poolAfter;
      await expect(market.connect(keeper).liquidate(alice.address))
        .to.emit(market, "BadDebtRecorded")
        .withArgs(alice.address, uncovered, uncovered)
        .and.to.emit(market, "ShortfallAbsorbed")
        .withArgs(alice.address, shortfall);
      expect(await market.badDebt()).to.equal(uncovered);
      expect(await market.poolEquity()).to.equal(-uncovered);

      // Bob sells 10 into skew +10 at 4000.02: owed 10_000.05, cut to poolAfter / claim of it,
      // and never more than the pool holds.
      const owed = 10_000_050_000n;
      const proRata = (owed * poolAfter) / claim;
      const paid = proRata < poolAfter ? proRata : poolAfter;
      await expect(market.connect(bob).modifyPosition(-10n * WAD, 0))
        .to.emit(market, "ProfitReduced")
        .withArgs(bob.address, owed, paid);
      expect(await market.poolBalance()).to.be.greaterThanOrEqual(0n);
      // Every margin leaves in full: the bystander's and the winner's.
      await market.connect(carol).withdrawMargin(700n * USDC, carol.address);
      const bobMargin = (await market.positionOf(bob.address)).margin;
      await market.connect(bob).withdrawMargin(bobMargin, bob.address);
      expect(await usdc.balanceOf(marketAddress)).to.equal(await market.poolBalance());
    });
  });

  describe("oracle", function () {
    it("fills inside a round's edge window at the worse of its answer and the previous one", async function () {
      const { market, feed } = await networkHelpers.loadFixture(edgeFixture);
      const within = (fill: bigint, wad: bigint) => expect(fill - wad).to.be.within(-1n, 1n);
      // The feed's first round has no previous one: the latest answer alone, even inside the window.
      within(await market.fillPrice(1n), 3_000n * WAD);
      within(await market.fillPrice(-1n), 3_000n * WAD);
      await feed.updateAnswer(answer(3_030n));
      // A buyer pays the higher answer, a seller gets the lower one.
      within(await market.fillPrice(1n), 3_030n * WAD);
      within(await market.fillPrice(-1n), 3_000n * WAD);
      await feed.updateAnswer(answer(2_970n));
      within(await market.fillPrice(1n), 3_030n * WAD);
      within(await market.fillPrice(-1n), 2_970n * WAD);
      // Counted from the round's own time: after the window both get the latest answer.
      await networkHelpers.time.increase(await market.oracleEdgeWindow());
      within(await market.fillPrice(1n), 2_970n * WAD);
      within(await market.fillPrice(-1n), 2_970n * WAD);
    });

    it("rejects a stale price on trades, withdrawals with a position, and liquidations", async function () {
      const { market, feed, alice, keeper } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      await market.connect(alice).modifyPosition(-WAD, 0);
      const [, , , updatedAt] = await feed.latestRoundData();
      await networkHelpers.time.setNextBlockTimestamp(updatedAt + 3_601n);
      await expect(market.connect(alice).modifyPosition(-WAD, 0))
        .to.be.revertedWithCustomError(market, "OracleStalePrice")
        .withArgs(await feed.getAddress(), updatedAt, 3_600n, updatedAt + 3_601n);
      await expect(market.connect(alice).withdrawMargin(USDC, alice.address)).to.be.revertedWithCustomError(
        market,
        "OracleStalePrice",
      );
      await expect(market.connect(keeper).liquidate(alice.address)).to.be.revertedWithCustomError(
        market,
        "OracleStalePrice",
      );
      // Deposits need no price.
      await market.connect(alice).depositMargin(USDC);
    });

    it("rejects a non-positive price", async function () {
      const { market, feed, alice } = await networkHelpers.loadFixture(noFundingFixture);
      await market.connect(alice).depositMargin(10_000n * USDC);
      await feed.updateAnswer(0n);
      await expect(market.connect(alice).modifyPosition(-WAD, 0))
        .to.be.revertedWithCustomError(market, "OracleNonPositivePrice")
        .withArgs(await feed.getAddress(), 0n);
    });
  });

  describe("parameters", function () {
    const bounds: [string, bigint, bigint][] = [
      ["takerFeeBps", 0n, 100n],
      ["initialMarginBps", 501n, 10_000n],
      ["maintenanceMarginBps", 100n, 999n],
      ["liquidationRewardBps", 0n, 500n],
      ["maxFundingRatePerDay", 0n, 10n ** 17n],
      ["skewScale", 1n, 10n ** 10n],
      ["maxLongOpenInterest", 0n, 10n ** 9n],
      ["maxShortOpenInterest", 0n, 10n ** 9n],
    ];
    for (const [param, min, max] of bounds) {
      it(`bounds ${param} to [${min}, ${max}]`, async function () {
        const { market } = await networkHelpers.loadFixture(defaultFixture);
        await expect(market.setParameter(name(param), max + 1n))
          .to.be.revertedWithCustomError(market, "ParameterOutOfBounds")
          .withArgs(name(param), max + 1n, min, max);
        if (min > 0n) {
          await expect(market.setParameter(name(param), min - 1n))
            .to.be.revertedWithCustomError(market, "ParameterOutOfBounds")
            .withArgs(name(param), min - 1n, min, max);
        }
      });
    }

    it("rejects an unknown name", async function () {
      const { market } = await networkHelpers.loadFixture(defaultFixture);
      await expect(market.setParameter(name("nope"), 1n))
        .to.be.revertedWithCustomError(market, "UnknownParameter")
        .withArgs(name("nope"));
    });

    it("is owner-only, with a two-step ownership transfer", async function () {
      const { market, owner, alice } = await networkHelpers.loadFixture(defaultFixture);
      await expect(market.connect(alice).setParameter(name("takerFeeBps"), 1n))
        .to.be.revertedWithCustomError(market, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
      await market.transferOwnership(alice.address);
      expect(await market.owner()).to.equal(owner.address);
      await market.connect(alice).acceptOwnership();
      await expect(market.connect(alice).setParameter(name("takerFeeBps"), 1n)).to.emit(market, "ParameterProposed");
      await expect(market.setParameter(name("takerFeeBps"), 0n))
        .to.be.revertedWithCustomError(market, "OwnableUnauthorizedAccount")
        .withArgs(owner.address);
    });
  });
});
