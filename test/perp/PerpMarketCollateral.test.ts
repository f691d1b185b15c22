import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { deployPerpMarket, PERP_DEFAULT_PARAMS, USDC, WAD } from "../../deploy/lib/stack/perp.js";
import type { PerpFixtureOptions } from "../../deploy/lib/stack/perp.js";
import { withCollateralTraders } from "./collateralTraders.js";

const { ethers, networkHelpers } = await network.create();

/** Base units times a WAD price over this divisor gives USDC units (6 decimals). */
const DIVISOR = 10n ** 30n;
const BPS = 10_000n;
const HAIRCUT = 1_000n; // the market's default, 10%
const name = (s: string) => ethers.encodeBytes32String(s);
const answer = (dollars: bigint) => dollars * 10n ** 8n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
/** Collateral as the margin rules count it: qty * price * (1 - haircut), rounded down. */
const marginValue = (qty: bigint, priceWad: bigint, haircut = HAIRCUT) =>
  (qty * priceWad * (BPS - haircut)) / (DIVISOR * BPS);

// Funding off and no oracle-edge window: figures do not depend on block timestamps.
const base: Partial<PerpFixtureOptions> = {
  params: { ...PERP_DEFAULT_PARAMS, maxFundingRatePerDay: 0n },
  oracleEdgeWindow: 0n,
};

async function collateralFixture(options: Partial<PerpFixtureOptions> = {}) {
  const deployed = await deployPerpMarket(ethers, { ...base, spotCollateral: true, ...options });
  return withCollateralTraders(ethers, deployed);
}
const fixture = () => collateralFixture();
const noBaseFixture = () => deployPerpMarket(ethers, base);

type Fixture = Awaited<ReturnType<typeof collateralFixture>>;

/** Per-token conservation, to the wei: USDC held == pool + signed margins; WETH held == pool's + collateral. */
async function expectConserved(f: Fixture) {
  let usdcBook = await f.market.poolBalance();
  let wethBook = await f.market.poolCollateral();
  let debt = 0n;
  for (const trader of [f.alice, f.bob, f.carol]) {
    const v = await f.market.positionOf(trader.address);
    usdcBook += v.signedMargin;
    wethBook += v.collateral;
    if (v.signedMargin < 0n) debt -= v.signedMargin;
  }
  expect(await f.usdc.balanceOf(f.marketAddress)).to.equal(usdcBook);
  expect(await f.weth.balanceOf(f.marketAddress)).to.equal(wethBook);
  expect(await f.market.totalMarginDebt()).to.equal(debt);
  expect(await f.market.poolCash()).to.equal((await f.market.poolBalance()) - debt);
}

/** Opens a short of `tokens` ETH on `qty` WETH of collateral and no USDC margin. */
async function shortOnCollateral(f: Fixture, qty: bigint, tokens: bigint) {
  await f.market.connect(f.alice).depositCollateral(qty);
  await f.market.connect(f.alice).modifyPosition(-tokens * WAD, 0);
}

describe("PerpMarket spot collateral", function () {
  describe("deployment", function () {
    it("records the base token and starts the haircut at 10%", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      expect(await f.market.baseToken()).to.equal(await f.weth.getAddress());
      expect(await f.market.collateralHaircutBps()).to.equal(HAIRCUT);
      expect(await f.market.DEFAULT_COLLATERAL_HAIRCUT_BPS()).to.equal(HAIRCUT);
    });

    it("a market without a base token refuses every collateral call with SpotCollateralDisabled", async function () {
      const { market, owner } = await networkHelpers.loadFixture(noBaseFixture);
      expect(await market.baseToken()).to.equal(ethers.ZeroAddress);
      await expect(market.depositCollateral(WAD)).to.be.revertedWithCustomError(market, "SpotCollateralDisabled");
      await expect(market.withdrawCollateral(WAD, owner.address)).to.be.revertedWithCustomError(
        market,
        "SpotCollateralDisabled",
      );
    });

    it("rejects a base token that is the margin token or lacks 18 decimals", async function () {
      const { market, usdc, feed } = await networkHelpers.loadFixture(noBaseFixture);
      const feedArg = {
        aggregator: await feed.getAddress(),
        heartbeat: 3600,
        sequencerUptimeFeed: ethers.ZeroAddress,
        sequencerGracePeriod: 0,
      };
      const p = Object.values(PERP_DEFAULT_PARAMS);
      await expect(
        ethers.deployContract("PerpMarket", [
          await usdc.getAddress(),
          feedArg,
          p,
          await usdc.getAddress(),
          ethers.ZeroAddress,
        ]),
      )
        .to.be.revertedWithCustomError(market, "BaseTokenUnsupported")
        .withArgs(await usdc.getAddress(), 6);
      const wbtc = await ethers.deployContract("TestERC20", ["Wrapped BTC", "WBTC", 8]);
      await expect(
        ethers.deployContract("PerpMarket", [
          await usdc.getAddress(),
          feedArg,
          p,
          await wbtc.getAddress(),
          ethers.ZeroAddress,
        ]),
      )
        .to.be.revertedWithCustomError(market, "BaseTokenUnsupported")
        .withArgs(await wbtc.getAddress(), 8);
    });
  });

  describe("deposit and withdraw", function () {
    it("posts and returns collateral with events, valued at the oracle and at the haircut", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await expect(f.market.connect(f.alice).depositCollateral(2n * WAD))
        .to.emit(f.market, "CollateralDeposited")
        .withArgs(f.alice.address, 2n * WAD);
      const v = await f.market.positionOf(f.alice.address);
      expect(v.collateral).to.equal(2n * WAD);
      expect(v.collateralValue).to.equal(6_000n * USDC); // 2 ETH at $3,000
      expect(v.marginEquity).to.equal(5_400n * USDC); // less 10%
      expect(v.equity).to.equal(0n); // the margin token only
      await expect(f.market.connect(f.alice).withdrawCollateral(WAD / 2n, f.bob.address))
        .to.emit(f.market, "CollateralWithdrawn")
        .withArgs(f.alice.address, f.bob.address, WAD / 2n);
      expect(await f.weth.balanceOf(f.bob.address)).to.equal(1_000n * WAD + WAD / 2n);
      await expect(f.market.connect(f.alice).withdrawCollateral(2n * WAD, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "CollateralWithdrawalExceedsBalance")
        .withArgs(2n * WAD, (3n * WAD) / 2n);
      await expect(f.market.connect(f.alice).depositCollateral(0)).to.be.revertedWithCustomError(
        f.market,
        "ZeroAmount",
      );
      await expect(f.market.connect(f.alice).withdrawCollateral(0, f.alice.address)).to.be.revertedWithCustomError(
        f.market,
        "ZeroAmount",
      );
      await expectConserved(f);
    });

    it("a flat account without a debt moves collateral while the feed is stale", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await f.market.connect(f.alice).depositCollateral(WAD);
      await networkHelpers.time.increase(2 * 86_400); // past the heartbeat
      await f.market.connect(f.alice).depositCollateral(WAD);
      await f.market.connect(f.alice).withdrawCollateral(2n * WAD, f.alice.address);
      expect((await f.market.positionOf(f.alice.address)).collateral).to.equal(0n);
    });

    it("with a position, collateral leaves only while equity at the haircut keeps the initial margin", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await shortOnCollateral(f, 10n * WAD, 5n);
      const v = await f.market.positionOf(f.alice.address);
      const price = 3_000n * WAD;
      const required = ceilDiv(ceilDiv(5n * WAD * price, DIVISOR) * 1_000n, BPS); // 10% of $15,000
      // The fee left a debt ($7.50 plus the premium's rounding); the collateral carries it.
      expect(v.signedMargin).to.be.lessThan(0n);
      expect(v.margin).to.equal(0n);
      // 9 of 10 WETH: 1 WETH at the haircut ($2,700) still covers $1,500 of initial margin.
      await f.market.connect(f.alice).withdrawCollateral(9n * WAD, f.alice.address);
      // 0.5 more would leave $1,350 at the haircut.
      const after = await f.market.positionOf(f.alice.address);
      const equityAfter = after.signedMargin + after.unrealizedPnl + marginValue(WAD / 2n, price);
      await expect(f.market.connect(f.alice).withdrawCollateral(WAD / 2n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "WithdrawalBelowInitialMargin")
        .withArgs(equityAfter, required);
      await expectConserved(f);
    });
  });

  describe("margin rules", function () {
    it("a short opens on collateral alone; one beyond the haircut value is refused", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await f.market.connect(f.alice).depositCollateral(10n * WAD);
      // $27,000 at the haircut covers 10% of at most $270,000; 100 ETH is $300,000.
      await expect(f.market.connect(f.alice).modifyPosition(-100n * WAD, 0))
        .to.be.revertedWithCustomError(f.market, "InsufficientMargin")
        .withArgs(anyValue, 30_000n * USDC);
      await f.market.connect(f.alice).modifyPosition(-10n * WAD, 0);
      const v = await f.market.positionOf(f.alice.address);
      const fee = ceilDiv(ceilDiv(10n * WAD * (await fillOf(f)), DIVISOR) * 5n, BPS);
      expect(v.signedMargin).to.equal(-fee);
      expect(await f.market.totalMarginDebt()).to.equal(fee);
      await expectConserved(f);
    });

    it("a rally pushes the margin into debt on close while the collateral covers it; margin withdrawals never borrow", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await shortOnCollateral(f, 10n * WAD, 10n);
      const cashBefore = await f.market.poolCash();
      await f.feed.updateAnswer(answer(3_600n)); // +20%
      // Equity: -$6,000 of PnL against $32,400 of collateral at the haircut: far above maintenance.
      expect(await f.market.isLiquidatable(f.alice.address)).to.equal(false);
      const v = await f.market.positionOf(f.alice.address);
      expect(v.marginEquity).to.equal(v.equity + marginValue(10n * WAD, 3_600n * WAD));
      await f.market.connect(f.alice).modifyPosition(10n * WAD, ethers.MaxUint256);
      const closed = await f.market.positionOf(f.alice.address);
      expect(closed.size).to.equal(0n);
      expect(closed.signedMargin).to.be.lessThan(-6_000n * USDC);
      const debt = -closed.signedMargin;
      expect(await f.market.totalMarginDebt()).to.equal(debt);
      // A loss settled into a debt moves no cash: the pool's receivable grows with its balance.
      expect(await f.market.poolCash()).to.equal(cashBefore);
      await expect(f.market.connect(f.alice).withdrawMargin(1n, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "WithdrawalBelowInitialMargin")
        .withArgs(closed.signedMargin - 1n, 0n);
      // Collateral above what covers the debt at the haircut leaves: keep 2 WETH ($6,480 > debt).
      await f.market.connect(f.alice).withdrawCollateral(8n * WAD, f.alice.address);
      const settled = closed.signedMargin + marginValue(WAD, 3_600n * WAD);
      await expect(f.market.connect(f.alice).withdrawCollateral(WAD, f.alice.address))
        .to.be.revertedWithCustomError(f.market, "WithdrawalBelowInitialMargin")
        .withArgs(settled, 0n);
      await expectConserved(f);
      // Repaying the debt turns the receivable into cash; then the collateral is free.
      await f.market.connect(f.alice).depositMargin(debt);
      expect(await f.market.totalMarginDebt()).to.equal(0n);
      expect(await f.market.poolCash()).to.equal(cashBefore + debt);
      await f.market.connect(f.alice).withdrawCollateral(2n * WAD, f.alice.address);
      await expectConserved(f);
    });

    it("after a fall the short's profit is withdrawn in USDC while the collateral stays posted", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await shortOnCollateral(f, 10n * WAD, 10n);
      await f.feed.updateAnswer(answer(2_400n)); // -20%
      const v = await f.market.positionOf(f.alice.address);
      expect(v.unrealizedPnl).to.be.greaterThan(5_990n * USDC);
      expect(v.marginRatioBps).to.equal(((v.equity + marginValue(10n * WAD, 2_400n * WAD)) * BPS) / (24_000n * USDC));
      await expect(f.market.connect(f.alice).withdrawMargin(5_000n * USDC, f.alice.address)).to.emit(
        f.market,
        "ProfitRealized",
      );
      expect(await f.usdc.balanceOf(f.alice.address)).to.equal(1_005_000n * USDC);
      expect((await f.market.positionOf(f.alice.address)).collateral).to.equal(10n * WAD);
      await expectConserved(f);
    });
  });

  describe("the pool pays from its cash", function () {
    it("a winner is paid pro rata to the pool's cash, never out of a loser's receivable", async function () {
      // A $1,000 pool; Alice shorts 10 ETH on 10 WETH, Bob goes long 10 ETH on $5,000.
      const f = await collateralFixture({ poolFunding: 1_000n * USDC });
      await shortOnCollateral(f, 10n * WAD, 10n);
      await f.market.connect(f.bob).depositMargin(5_000n * USDC);
      await f.market.connect(f.bob).modifyPosition(10n * WAD, ethers.MaxUint256);
      await f.feed.updateAnswer(answer(3_600n)); // Alice -$6,000, Bob +$6,000
      // Alice's loss settles into a ~$6,000 debt: the pool's balance grows by it, its cash does not.
      await f.market.connect(f.alice).modifyPosition(10n * WAD, ethers.MaxUint256);
      const cash = await f.market.poolCash();
      expect(cash).to.be.lessThan(1_100n * USDC);
      expect(await f.market.poolBalance()).to.be.greaterThan(7_000n * USDC);
      const claims = await f.market.openClaims();
      const fill = await f.market.fillPrice(-10n * WAD);
      const owed =
        (10n * WAD * fill) / DIVISOR -
        (10n * WAD * (await f.market.positionOf(f.bob.address)).entryPrice + DIVISOR - 1n) / DIVISOR;
      // The fill's premium puts what Bob is owed a little above the claim at the oracle: capped at the cash.
      const proRata = (owed * cash) / claims;
      await expect(f.market.connect(f.bob).modifyPosition(-10n * WAD, 0))
        .to.emit(f.market, "ProfitReduced")
        .withArgs(f.bob.address, owed, proRata < cash ? proRata : cash);
      // Every positive margin is still backed by tokens: Bob takes all of his out.
      expect(await f.market.poolCash()).to.be.greaterThanOrEqual(0n);
      const bobMargin = (await f.market.positionOf(f.bob.address)).margin;
      await f.market.connect(f.bob).withdrawMargin(bobMargin, f.bob.address);
      await expectConserved(f);
    });
  });

  describe("liquidation", function () {
    it("seizes collateral for the debt at the oracle (rounded up), pays the reward from the rest, leaves the remainder", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await shortOnCollateral(f, WAD, 8n); // 1 WETH ($2,700 at the haircut) for $2,400 of initial margin
      expect(await f.market.isLiquidatable(f.alice.address)).to.equal(false);
      await f.feed.updateAnswer(answer(3_300n)); // +10%: -$2,400 against $2,970
      expect(await f.market.isLiquidatable(f.alice.address)).to.equal(true);
      const price = 3_300n * WAD;
      const fill = await f.market.fillPrice(8n * WAD);
      const tx = f.market.connect(f.keeper).liquidate(f.alice.address);
      const receipt = await (await tx).wait();
      const parsed = receipt!.logs.map((l) => f.market.interface.parseLog(l)).filter((l) => l !== null);
      const liquidated = parsed.find((l) => l.name === "Liquidated")!;
      const left: bigint = liquidated.args.equity;
      expect(left).to.be.lessThan(0n);
      const debt = -left;
      const seized = ceilDiv(debt * DIVISOR, price);
      const notional = (8n * WAD * fill) / DIVISOR;
      const due = (notional * 100n) / BPS; // 1% of the closed notional
      const rewardQty = (due * DIVISOR) / price;
      await expect(tx)
        .to.emit(f.market, "CollateralLiquidated")
        .withArgs(f.alice.address, f.keeper.address, seized, debt, rewardQty, price);
      // About 0.735 WETH for ~$2,425 of debt, 0.08 WETH of reward; ~0.185 WETH stays Alice's.
      expect(seized).to.be.closeTo((735n * WAD) / 1_000n, WAD / 1_000n);
      expect(await f.market.poolCollateral()).to.equal(seized);
      expect(await f.weth.balanceOf(f.keeper.address)).to.equal(rewardQty);
      expect(await f.usdc.balanceOf(f.keeper.address)).to.equal(0n); // never from the pool
      const v = await f.market.positionOf(f.alice.address);
      expect(v.size).to.equal(0n);
      expect(v.signedMargin).to.equal(0n);
      expect(v.collateral).to.equal(WAD - seized - rewardQty);
      expect(await f.market.totalMarginDebt()).to.equal(0n);
      expect(await f.market.badDebt()).to.equal(0n);
      await expectConserved(f);
    });

    it("a debt beyond the collateral takes all of it and is a shortfall, as today", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await shortOnCollateral(f, WAD, 8n);
      await f.feed.updateAnswer(answer(4_000n)); // a gap: -$8,000 against $4,000 of WETH
      const tx = f.market.connect(f.keeper).liquidate(f.alice.address);
      const receipt = await (await tx).wait();
      const parsed = receipt!.logs.map((l) => f.market.interface.parseLog(l)).filter((l) => l !== null);
      const left: bigint = parsed.find((l) => l.name === "Liquidated")!.args.equity;
      const covered = (WAD * 4_000n * WAD) / DIVISOR;
      await expect(tx)
        .to.emit(f.market, "CollateralLiquidated")
        .withArgs(f.alice.address, f.keeper.address, WAD, covered, 0n, 4_000n * WAD);
      await expect(tx)
        .to.emit(f.market, "ShortfallAbsorbed")
        .withArgs(f.alice.address, -left - covered);
      expect(-left - covered).to.be.greaterThan(4_000n * USDC);
      expect(await f.market.poolCollateral()).to.equal(WAD);
      const v = await f.market.positionOf(f.alice.address);
      expect([v.signedMargin, v.collateral]).to.deep.equal([0n, 0n]);
      await expectConserved(f);
    });

    it("a flat account whose collateral no longer covers its debt is liquidated; the reward is 1% of the debt", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      await shortOnCollateral(f, 10n * WAD, 10n);
      await f.feed.updateAnswer(answer(3_600n));
      await f.market.connect(f.alice).modifyPosition(10n * WAD, ethers.MaxUint256);
      const debt = -(await f.market.positionOf(f.alice.address)).signedMargin;
      await expect(f.market.connect(f.keeper).liquidate(f.alice.address))
        .to.be.revertedWithCustomError(f.market, "NotLiquidatable")
        .withArgs(-debt + marginValue(10n * WAD, 3_600n * WAD), 0n);
      await f.feed.updateAnswer(answer(650n)); // 10 WETH: $5,850 at the haircut < ~$6,033
      expect(await f.market.isLiquidatable(f.alice.address)).to.equal(true);
      const price = 650n * WAD;
      const seized = ceilDiv(debt * DIVISOR, price);
      const rewardQty = (((debt * 100n) / BPS) * DIVISOR) / price;
      await expect(f.market.connect(f.keeper).liquidate(f.alice.address))
        .to.emit(f.market, "CollateralLiquidated")
        .withArgs(f.alice.address, f.keeper.address, seized, debt, rewardQty, price);
      expect((await f.market.positionOf(f.alice.address)).collateral).to.equal(10n * WAD - seized - rewardQty);
      await expectConserved(f);
    });
  });

  describe("the haircut parameter", function () {
    it("changes only through the delay, within bounds and one 5% step; raising it can make an account liquidatable", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const key = name("collateralHaircutBps");
      await expect(f.market.setParameter(key, 50n))
        .to.be.revertedWithCustomError(f.market, "ParameterOutOfBounds")
        .withArgs(key, 50n, 100n, 5_000n);
      await expect(f.market.setParameter(key, 2_000n))
        .to.be.revertedWithCustomError(f.market, "ParameterStepTooLarge")
        .withArgs(key, 2_000n, 1_000n, 1_500n);
      await expect(f.market.connect(f.alice).setParameter(key, 1_500n)).to.be.revertedWithCustomError(
        f.market,
        "OwnableUnauthorizedAccount",
      );
      // Alice's 1 WETH against 8 ETH short at $3,190: safe at 10% (equity ~$1,339 against $1,276
      // of maintenance), not at 15% (~$1,180).
      await shortOnCollateral(f, WAD, 8n);
      await f.feed.updateAnswer(answer(3_190n));
      expect(await f.market.isLiquidatable(f.alice.address)).to.equal(false);
      const tx = await f.market.setParameter(key, 1_500n);
      const at = BigInt((await ethers.provider.getBlock(tx.blockNumber!))!.timestamp) + 2n * 86_400n;
      await expect(tx).to.emit(f.market, "ParameterProposed").withArgs(key, 1_500n, at);
      await expect(f.market.applyParameter(key))
        .to.be.revertedWithCustomError(f.market, "ParameterNotYetEffective")
        .withArgs(key, at);
      await networkHelpers.time.increaseTo(at);
      await expect(f.market.applyParameter(key)).to.emit(f.market, "ParameterSet").withArgs(key, 1_500n);
      await f.feed.updateAnswer(answer(3_190n));
      expect(await f.market.collateralHaircutBps()).to.equal(1_500n);
      expect(await f.market.isLiquidatable(f.alice.address)).to.equal(true);
      // Lowering it loosens, but waits the same delay.
      await f.market.setParameter(key, 100n);
      expect(await f.market.collateralHaircutBps()).to.equal(1_500n);
    });
  });

  describe("hostile: borrowing against collateral through a hedged pair and walking away", function () {
    it("the pool ends no worse than the liquidation rules allow, and the attacker no richer", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const { alice: a, bob: b } = f;
      const equity0 = await f.market.poolEquity();
      // A posts 10 WETH ($30,000) and goes long 50 ETH; B shorts the same on $16,000 of USDC.
      await f.market.connect(a).depositCollateral(10n * WAD);
      await f.market.connect(a).modifyPosition(50n * WAD, ethers.MaxUint256);
      await f.market.connect(b).depositMargin(16_000n * USDC);
      await f.market.connect(b).modifyPosition(-50n * WAD, 0);
      // -10%: A's long loses $15,000 (its collateral loses $3,000 too); B gains $15,000.
      await f.feed.updateAnswer(answer(2_700n));
      await f.market.connect(b).modifyPosition(50n * WAD, ethers.MaxUint256);
      const bMargin = (await f.market.positionOf(b.address)).margin;
      await f.market.connect(b).withdrawMargin(bMargin, b.address);
      await f.market.connect(a).modifyPosition(-50n * WAD, 0);
      const debt = -(await f.market.positionOf(a.address)).signedMargin;
      expect(debt).to.be.greaterThan(15_000n * USDC);
      // A walks away owing ~$15,150 against 10 WETH ($24,300 at the haircut). The pool paid B in
      // cash and holds a receivable for it.
      expect(await f.market.poolEquity()).to.be.greaterThan(equity0); // fees only so far
      // The price slides until the collateral at the haircut no longer covers the debt:
      // 10 * P * 0.9 < debt at P ~ $1,683; a keeper liquidates at $1,680.
      await f.feed.updateAnswer(answer(1_700n));
      expect(await f.market.isLiquidatable(a.address)).to.equal(false);
      await f.feed.updateAnswer(answer(1_680n));
      await f.market.connect(f.keeper).liquidate(a.address);
      // The pool holds WETH worth at least the debt at the oracle: its equity lost nothing.
      const poolWeth = await f.market.poolCollateral();
      expect((poolWeth * 1_680n * WAD) / DIVISOR).to.be.greaterThanOrEqual(debt);
      expect(await f.market.poolEquity()).to.be.greaterThan(equity0);
      expect(await f.market.badDebt()).to.equal(0n);
      // The attacker's two accounts: in $15,000 of B's profit, out of ~9.09 WETH at $1,680
      // plus fees; at the final price they hold less than they put in.
      const usdcOut = (await f.usdc.balanceOf(a.address)) + (await f.usdc.balanceOf(b.address)) - 2_000_000n * USDC;
      const wethLeft = (await f.market.positionOf(a.address)).collateral;
      const wethIn = 10n * WAD;
      const valueChange = usdcOut - ((wethIn - wethLeft) * 1_680n * WAD) / DIVISOR;
      expect(valueChange).to.be.lessThan(0n);
      await expectConserved(f);
    });

    it("a gap past the haircut costs the pool exactly the shortfall, recorded as such", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const { alice: a, bob: b } = f;
      await f.market.connect(a).depositCollateral(10n * WAD);
      await f.market.connect(a).modifyPosition(50n * WAD, ethers.MaxUint256);
      await f.market.connect(b).depositMargin(16_000n * USDC);
      await f.market.connect(b).modifyPosition(-50n * WAD, 0);
      await f.feed.updateAnswer(answer(2_700n));
      await f.market.connect(b).modifyPosition(50n * WAD, ethers.MaxUint256);
      await f.market.connect(a).modifyPosition(-50n * WAD, 0);
      const debt = -(await f.market.positionOf(a.address)).signedMargin;
      const equityBefore = await f.market.poolEquity();
      // One round from $1,700 (covered) to $1,400: 10 WETH fetch $14,000.
      await f.feed.updateAnswer(answer(1_400n));
      const covered = (10n * WAD * 1_400n * WAD) / DIVISOR;
      await expect(f.market.connect(f.keeper).liquidate(a.address))
        .to.emit(f.market, "ShortfallAbsorbed")
        .withArgs(a.address, debt - covered);
      // The pool's equity moved by the shortfall alone (its WETH is valued at the same price).
      expect(await f.market.poolEquity()).to.equal(equityBefore - (debt - covered));
      await expectConserved(f);
    });
  });
});

/** The fill of Alice's last trade, from the market's PositionModified event. */
async function fillOf(f: Fixture): Promise<bigint> {
  const events = await f.market.queryFilter(f.market.filters.PositionModified(f.alice.address));
  return events[events.length - 1].args.fillPrice;
}
