import { expect } from "chai";
import { network } from "hardhat";
import { deployPerpMarket, PERP_DEFAULT_PARAMS, USDC, WAD } from "../../deploy/lib/stack/perp.js";
import type { PerpFixtureOptions } from "../../deploy/lib/stack/perp.js";
import { withCollateralTraders } from "./collateralTraders.js";

const { ethers, networkHelpers } = await network.create();

/** Base units times a WAD price over this divisor gives USDC units (6 decimals). */
const DIVISOR = 10n ** 30n;
const BPS = 10_000n;
const DISCOUNT = 100n; // the pool's sale discount, 1%
const answer = (dollars: bigint) => dollars * 10n ** 8n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
/** What a buyer pays for `qty` at a WAD `price`: less the discount, rounded up (the pool's favour). */
const saleCost = (qty: bigint, price: bigint) => ceilDiv(qty * price * (BPS - DISCOUNT), DIVISOR * BPS);

async function seizedFixture(options: Partial<PerpFixtureOptions> = {}) {
  // Funding off and the oracle-edge window off unless a test sets it: figures do not depend on
  // block timestamps. A $10,000 pool, so one winner's claim can exceed its cash.
  const deployed = await deployPerpMarket(ethers, {
    params: { ...PERP_DEFAULT_PARAMS, maxFundingRatePerDay: 0n },
    oracleEdgeWindow: 0n,
    poolFunding: 10_000n * USDC,
    spotCollateral: true,
    ...options,
  });
  return withCollateralTraders(ethers, deployed);
}
type Fixture = Awaited<ReturnType<typeof seizedFixture>>;

/**
 * The review's case. Alice posts 10 WETH and goes long 50 ETH at $3,000 (the spot and the long
 * fall together); Bob shorts 50 ETH on $20,000 of USDC. At $2,640 Alice is liquidated: her
 * ~$18,000 debt is covered by ~6.9 WETH that go to the pool, while Bob's ~$18,000 profit is still
 * open against a pool holding ~$10,000 of USDC.
 */
async function afterSeizure(f: Fixture) {
  await f.market.connect(f.alice).depositCollateral(10n * WAD);
  await f.market.connect(f.alice).modifyPosition(50n * WAD, ethers.MaxUint256);
  await f.market.connect(f.bob).depositMargin(20_000n * USDC);
  await f.market.connect(f.bob).modifyPosition(-50n * WAD, 0);
  await f.feed.updateAnswer(answer(2_640n));
  await f.market.connect(f.keeper).liquidate(f.alice.address);
}
const scenarioFixture = async () => {
  const f = await seizedFixture();
  await afterSeizure(f);
  return f;
};
/** No liquidation yet: the pool holds no seized collateral. */
const emptyPoolFixture = () => seizedFixture();
/** The same case with the market's own 15-second oracle-edge window. */
const windowFixture = async () => {
  const f = await seizedFixture({ oracleEdgeWindow: undefined });
  await afterSeizure(f);
  return f;
};

/** Per-token conservation, to the wei: USDC held == pool + signed margins; WETH held == pool's + collateral. */
async function expectConserved(f: Fixture) {
  let usdcBook = await f.market.poolBalance();
  let wethBook = await f.market.poolCollateral();
  for (const trader of [f.alice, f.bob, f.carol]) {
    const v = await f.market.positionOf(trader.address);
    usdcBook += v.signedMargin;
    wethBook += v.collateral;
  }
  expect(await f.usdc.balanceOf(f.marketAddress)).to.equal(usdcBook);
  expect(await f.weth.balanceOf(f.marketAddress)).to.equal(wethBook);
}

/** What Bob's close of his 50-ETH short is owed at the fill it would get now (before any cut). */
async function bobOwed(f: Fixture) {
  const entry = (await f.market.positionOf(f.bob.address)).entryPrice;
  const fill = await f.market.fillPrice(50n * WAD);
  // The market rounds the closed notional at the entry down and at the fill up, against Bob.
  return (50n * WAD * entry) / DIVISOR - ceilDiv(50n * WAD * fill, DIVISOR);
}

describe("PerpMarket: the pool sells seized collateral for cash", function () {
  describe("the review's case: a winner cut while the pool is solvent", function () {
    it("without a sale the winner is cut to the pool's cash although its equity is positive", async function () {
      const f = await networkHelpers.loadFixture(scenarioFixture);
      const seized = await f.market.poolCollateral();
      expect(seized).to.be.closeTo((687n * WAD) / 100n, WAD / 100n); // ~6.87 WETH
      const cash = await f.market.poolCash();
      const claims = await f.market.openClaims();
      expect(cash).to.be.closeTo(10_075n * USDC, 1n * USDC); // the pool's $10,000 plus Bob's fee
      expect(claims).to.be.closeTo(18_000n * USDC, 100n * USDC);
      // Solvent by ~$10,000, almost all of it the seized WETH.
      expect(await f.market.poolEquity()).to.be.closeTo(10_000n * USDC, 300n * USDC);
      const owed = await bobOwed(f);
      const cut = (owed * cash) / claims;
      await expect(f.market.connect(f.bob).modifyPosition(50n * WAD, ethers.MaxUint256))
        .to.emit(f.market, "ProfitReduced")
        .withArgs(f.bob.address, owed, cut < cash ? cut : cash);
    });

    it("after a buyer takes the seized WETH at the oracle less 1%, the winner is paid in full", async function () {
      const f = await networkHelpers.loadFixture(scenarioFixture);
      const seized = await f.market.poolCollateral();
      const price = 2_640n * WAD;
      const cost = saleCost(seized, price);
      const cashBefore = await f.market.poolCash();
      const equityBefore = await f.market.poolEquity();
      const carolUsdc = await f.usdc.balanceOf(f.carol.address);
      await expect(f.market.connect(f.carol).buySeizedCollateral(seized, cost))
        .to.emit(f.market, "SeizedCollateralSold")
        .withArgs(f.carol.address, seized, cost, price);
      expect(await f.weth.balanceOf(f.carol.address)).to.equal(1_000n * WAD + seized);
      expect(await f.usdc.balanceOf(f.carol.address)).to.equal(carolUsdc - cost);
      expect(await f.market.poolCollateral()).to.equal(0n);
      expect(await f.market.poolCash()).to.equal(cashBefore + cost);
      // The pool gave up the discount, and not a unit more (the WETH counted rounded down).
      const wethValue = (seized * price) / DIVISOR;
      expect(await f.market.poolEquity()).to.equal(equityBefore - wethValue + cost);
      expect(wethValue - cost).to.be.closeTo(181n * USDC, 1n * USDC);
      const owed = await bobOwed(f);
      const bobBefore = (await f.market.positionOf(f.bob.address)).margin;
      const fee = ceilDiv(ceilDiv(50n * WAD * (await f.market.fillPrice(50n * WAD)), DIVISOR) * 5n, BPS);
      await expect(f.market.connect(f.bob).modifyPosition(50n * WAD, ethers.MaxUint256)).not.to.emit(
        f.market,
        "ProfitReduced",
      );
      expect((await f.market.positionOf(f.bob.address)).margin).to.equal(bobBefore + owed - fee);
      await expectConserved(f);
    });
  });

  describe("the price", function () {
    it("inside the window after a round a buyer pays the higher of its answer and the previous one's, as a buy fills", async function () {
      const f = await networkHelpers.loadFixture(windowFixture);
      const window = await f.market.oracleEdgeWindow();
      expect(window).to.equal(15n);
      // Right after the $3,000 -> $2,640 round: a buyer who sold the spot elsewhere ahead of it
      // gets the pre-round answer back, so the round trip keeps nothing.
      let [cost, price] = await f.market.seizedCollateralCost(WAD);
      expect([cost, price]).to.deep.equal([saleCost(WAD, 3_000n * WAD), 3_000n * WAD]);
      await expect(f.market.connect(f.carol).buySeizedCollateral(WAD, ethers.MaxUint256))
        .to.emit(f.market, "SeizedCollateralSold")
        .withArgs(f.carol.address, WAD, saleCost(WAD, 3_000n * WAD), 3_000n * WAD);
      // Counted from the feed's own time: after the window, the latest answer alone.
      await networkHelpers.time.increase(window);
      [cost, price] = await f.market.seizedCollateralCost(WAD);
      expect([cost, price]).to.deep.equal([saleCost(WAD, 2_640n * WAD), 2_640n * WAD]);
      // A round up is paid at its own answer at once, and a round down right after it at the
      // answer it replaced.
      await f.feed.updateAnswer(answer(2_700n));
      expect((await f.market.seizedCollateralCost(WAD))[1]).to.equal(2_700n * WAD);
      await networkHelpers.time.increase(window);
      await f.feed.updateAnswer(answer(2_600n));
      expect((await f.market.seizedCollateralCost(WAD))[1]).to.equal(2_700n * WAD);
      await networkHelpers.time.increase(window);
      expect((await f.market.seizedCollateralCost(WAD))[1]).to.equal(2_600n * WAD);
      await expectConserved(f);
    });

    it("rounds up: the smallest quantity costs a unit, and split purchases never cost less than one", async function () {
      const f = await networkHelpers.loadFixture(scenarioFixture);
      const seized = await f.market.poolCollateral();
      const price = 2_640n * WAD;
      expect((await f.market.seizedCollateralCost(1n))[0]).to.equal(1n);
      // Deterministic pseudo-random parts of the seized quantity, bought one by one.
      let seed = 0x5eed5a1en;
      let left = seized;
      let paid = 0n;
      const balanceBefore = await f.market.poolBalance();
      for (let i = 0; i < 12 && left > 0n; i++) {
        seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
        const qty = i === 11 ? left : (seed % left) + 1n;
        const cost = saleCost(qty, price);
        await expect(f.market.connect(f.carol).buySeizedCollateral(qty, cost))
          .to.emit(f.market, "SeizedCollateralSold")
          .withArgs(f.carol.address, qty, cost, price);
        left -= qty;
        paid += cost;
      }
      expect(left).to.equal(0n);
      expect(await f.market.poolCollateral()).to.equal(0n);
      expect(paid).to.be.at.least(saleCost(seized, price));
      expect(await f.market.poolBalance()).to.equal(balanceBefore + paid);
      await expectConserved(f);
    });

    it("a buyer's edge at the oracle is the discount, never more", async function () {
      const f = await networkHelpers.loadFixture(scenarioFixture);
      const seized = await f.market.poolCollateral();
      const before = await f.usdc.balanceOf(f.carol.address);
      await f.market.connect(f.carol).buySeizedCollateral(seized, ethers.MaxUint256);
      const paid = before - (await f.usdc.balanceOf(f.carol.address));
      const value = (seized * 2_640n * WAD) / DIVISOR;
      expect(value - paid).to.be.at.most((value * DISCOUNT) / BPS);
      expect(value - paid).to.be.at.least((value * DISCOUNT) / BPS - 1n);
    });
  });

  describe("bad input", function () {
    it("refuses zero, more than the pool seized, a cost above the bound, and a stale feed", async function () {
      const f = await networkHelpers.loadFixture(scenarioFixture);
      const seized = await f.market.poolCollateral();
      const cost = saleCost(seized, 2_640n * WAD);
      await expect(f.market.connect(f.carol).buySeizedCollateral(0n, ethers.MaxUint256)).to.be.revertedWithCustomError(
        f.market,
        "ZeroAmount",
      );
      await expect(f.market.connect(f.carol).buySeizedCollateral(seized + 1n, ethers.MaxUint256))
        .to.be.revertedWithCustomError(f.market, "SeizedCollateralExceeded")
        .withArgs(seized + 1n, seized);
      await expect(f.market.connect(f.carol).buySeizedCollateral(seized, cost - 1n))
        .to.be.revertedWithCustomError(f.market, "SeizedCollateralCostAboveMax")
        .withArgs(cost, cost - 1n);
      const [, , , updatedAt] = await f.feed.latestRoundData();
      await networkHelpers.time.setNextBlockTimestamp(updatedAt + 3_601n);
      await expect(f.market.connect(f.carol).buySeizedCollateral(seized, ethers.MaxUint256))
        .to.be.revertedWithCustomError(f.market, "OracleStalePrice")
        .withArgs(await f.feed.getAddress(), updatedAt, 3_600n, updatedAt + 3_601n);
      await networkHelpers.time.increase(3_601n);
      await expect(f.market.seizedCollateralCost(seized)).to.be.revertedWithCustomError(f.market, "OracleStalePrice");
      // Nothing moved; a fresh round at the same answer sells at it again.
      expect(await f.market.poolCollateral()).to.equal(seized);
      await f.feed.updateAnswer(answer(2_640n));
      expect((await f.market.seizedCollateralCost(seized))[0]).to.equal(cost);
      await expectConserved(f);
    });

    it("a pool that seized nothing sells nothing; a market without a base token refuses the call", async function () {
      const f = await networkHelpers.loadFixture(emptyPoolFixture);
      await expect(f.market.connect(f.carol).buySeizedCollateral(1n, ethers.MaxUint256))
        .to.be.revertedWithCustomError(f.market, "SeizedCollateralExceeded")
        .withArgs(1n, 0n);
      const plain = await deployPerpMarket(ethers, { oracleEdgeWindow: 0n });
      await expect(plain.market.buySeizedCollateral(1n, ethers.MaxUint256)).to.be.revertedWithCustomError(
        plain.market,
        "SpotCollateralDisabled",
      );
    });
  });
});
