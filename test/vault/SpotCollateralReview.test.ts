import { expect } from "chai";
import { network } from "hardhat";
import {
  DEFAULT_PERP_PARAMS,
  SPOT_COLLATERAL_BANDS,
  SPOT_COLLATERAL_STRATEGY,
  deployVaultStack,
  vaultStackFixture,
} from "../../deploy/lib/stack/vaultStack.js";
import { setParameterThroughDelay } from "../../deploy/lib/stack/perp.js";
import { pushPoolToPrice } from "../../deploy/lib/uniswap.js";
import { Band, Tier, abs, deployed, depositFor, eth, mintIdleFor, price, usdc } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/**
 * Hostile review of the SpotCollateral hedge mode on the real stack (Uniswap V3 spot, PerpMarket
 * taking WETH as collateral at a 10% haircut, 10% initial and 5% maintenance margin, the vault at
 * 1x with a 5% idle buffer unless stated). Tests marked `it.skip` fail on the current code and
 * name the finding; the others pin behaviour found sound.
 */
const spotFixture = vaultStackFixture(connection, { hedgeMode: "spot-collateral" });
type Stack = Awaited<ReturnType<typeof spotFixture>>;

const VIRTUAL_SHARES = 10n ** 6n;

/** (NAV + 1) / (supply + virtual shares) as a fraction, for exact share-price comparisons. */
async function priceFraction(s: Stack) {
  const st = await s.vault.vaultState();
  return { num: st.totalAssets + 1n, den: st.totalSupply + VIRTUAL_SHARES };
}

/** a >= b for fractions a.num / a.den and b.num / b.den. */
const atLeast = (a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }) => a.num * b.den >= b.num * a.den;

async function redeemAll(s: Stack, who: (typeof s.users)[number], shares: bigint) {
  return s.vault.connect(who)["redeem(uint256,address,address)"](shares, who.address, who.address);
}

/** A SpotCollateral stack whose vault prices in USDC through a USDC/USD feed (8 decimals, at $1). */
async function spotDepegStack() {
  const usdcUsd = await ethers.deployContract("MockV3Aggregator", [8, 100_000_000n]);
  const s = await deployVaultStack(connection, {
    hedgeMode: "spot-collateral",
    assetFeed: await usdcUsd.getAddress(),
  });
  return { s, usdcUsd };
}

/** Trades the Uniswap pool to `p` without touching the ETH/USD feed. */
async function pushPool(s: Stack, p: bigint) {
  await pushPoolToPrice(s.admin, s.uniswap.router, s.pool, s.pair, p, {
    fund: async (token, amount) => {
      const t = token === s.addresses.usdc ? s.usdc : s.weth;
      await (await t.mint(s.admin.address, amount)).wait();
    },
  });
}

describe("DeltaNeutralVault: SpotCollateral hostile review", function () {
  // Finding 1 (fixed: the vault compares in the venue's units). With an asset feed the vault
  // values the posted collateral at ETH/USD / USDC/USD while the venue's payableEquity values it
  // at ETH/USD, so any USDC answer under $1 read as a venue that cannot pay: deposits, unwinds and
  // rebalances reverted.
  it("F1 a USDC/USD answer of $0.9999 must not mark the venue impaired (deposit, redeem, rebalance work)", async function () {
    const { s, usdcUsd } = await networkHelpers.loadFixture(spotDepegStack);
    const { alice, shares } = await deployed(s);
    const before = await s.vault.vaultState();
    expect(before.collateralQty > 0n).to.equal(true);

    await (await usdcUsd.updateAnswer(99_990_000n)).wait(); // USDC at $0.9999
    const inUsdc = (price(3_000) * 10n ** 8n) / 99_990_000n; // 3000.30 USDC per WETH
    await pushPool(s, inUsdc);
    const st = await s.vault.vaultState();
    expect(st.price).to.equal(inUsdc);
    // NAV in USDC: the collateral is worth 0.01% more USDC; it must not fall.
    expect(st.totalAssets >= before.totalAssets, `NAV ${st.totalAssets} < ${before.totalAssets}`).to.equal(true);
    // The venue can pay everything: nothing is impaired.
    expect(await s.vault.maxDeposit(alice.address)).to.be.greaterThan(0n);
    expect(await s.vault.maxRedeem(alice.address)).to.equal(shares);
    await depositFor(s, s.users[1], usdc(10_000));
    await (await redeemAll(s, alice, shares / 2n)).wait();
  });

  /** Alice 1M and Bob 200k deposited, deployed once, then ETH/USD and the pool moved to `p`. */
  async function twoHoldersAt(fixture: typeof spotFixture, p: bigint) {
    const s = await networkHelpers.loadFixture(fixture);
    const [alice, bob] = s.users;
    const aliceShares = await depositFor(s, alice, usdc(1_000_000));
    const bobShares = await depositFor(s, bob, usdc(200_000));
    await (await s.vault.rebalance()).wait();
    await s.setPrice(p);
    return { s, alice, bob, aliceShares, bobShares };
  }

  // Finding 2 (fixed in the rescue; the views remain a known limit). Below the venue's initial
  // margin no collateral can leave at once, and the rally round could only put the idle in as
  // margin, after which every rescue reverted BandStillBreached and every partial unwind
  // CollateralLocked. A rescue round now buys back what the rule held back first (which frees its
  // initial margin) and frees that collateral in withdraw-sell-repay steps.
  it("F2 the venue raises IM 10% -> 30% in delayed steps, ETH at $7,900 (28%, a soft breach): one round lifts the book, Bob leaves", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    const [alice, bob] = s.users;
    await depositFor(s, alice, usdc(1_000_000));
    const bobShares = await depositFor(s, bob, usdc(200_000));
    await (await s.vault.rebalance()).wait();
    for (const im of [1_500n, 2_000n, 2_500n, 3_000n]) {
      await setParameterThroughDelay(ethers, s.market, "initialMarginBps", im, s.oracle);
    }
    // 3,000 / 7,900 - 10% = 28.0%: a soft breach, above the vault's 25% hard floor, under IM 30%.
    await s.setPrice(price(7_900));
    await networkHelpers.time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
    await (await s.oracle.updateAnswer(price(7_900) / 10n ** 10n)).wait();
    const st = await s.vault.vaultState();
    expect(st.tier).to.equal(Tier.Soft);
    expect(st.marginRatioBps).to.be.lessThan(3_000n);
    const receipt = await (await s.vault.connect(s.keeper).rebalance()).wait();
    const steps = receipt!.logs.filter((l) => s.market.interface.parseLog(l)?.name === "CollateralWithdrawn").length;
    expect(steps > 1, `${steps} withdrawals`).to.equal(true);
    const after = await s.vault.vaultState();
    expect(after.band).to.equal(Band.None);
    expect(after.marginRatioBps > 3_000n + 1_000n, `ratio ${after.marginRatioBps}`).to.equal(true);
    expect(after.shortQty).to.equal(after.collateralQty);
    await (await redeemAll(s, bob, bobShares)).wait();
  });

  /** A pool 100x deeper ($100B of full-range liquidity), so that large closes stay within slippage. */
  const deepPoolFixture = vaultStackFixture(connection, {
    hedgeMode: "spot-collateral",
    liquidityUsdc: 10n ** 17n,
    perpParams: { ...DEFAULT_PERP_PARAMS, maxFundingRatePerDay: 0n },
  });

  // At $16,000 (a 5.3x rally nobody rescued on the way: margin ratio 8.73% < IM 10%) the rescue
  // buys back and sells about 2.5x NAV. On the default pool its sales pass the slippage bound and
  // are halved, which leaves delta past its hard band: BandWorsened, nothing changes (and under the
  // 50 bps default cost bound CostTooHigh stops it first). On a pool 100x deeper, with the cost
  // bound at 200 bps (the admin's setting, up to 300), one hard-tier round lifts the book and Bob
  // can leave. Known limit: while the book is under IM, maxRedeem and previewRedeem still promise
  // the whole balance and a partial unwind reverts CollateralLocked.
  it("F2 at $16,000 the rescue lifts the book over IM where the pool can fill it", async function () {
    const shallow = await twoHoldersAt(spotFixture, price(16_000));
    const st = await shallow.s.vault.vaultState();
    expect(st.band).to.equal(Band.MarginLow);
    expect(st.tier).to.equal(Tier.Hard);
    expect(st.marginRatioBps).to.equal(873n);
    expect(await shallow.s.vault.maxRedeem(shallow.bob.address)).to.equal(shallow.bobShares);
    await expect(redeemAll(shallow.s, shallow.bob, shallow.bobShares)).to.be.revertedWithCustomError(
      shallow.s.vault,
      "CollateralLocked",
    );
    await expect(shallow.s.vault.connect(shallow.s.users[5]).rebalance()).to.be.revertedWithCustomError(
      shallow.s.vault,
      "CostTooHigh",
    );

    const { s, bob, bobShares } = await twoHoldersAt(deepPoolFixture, price(16_000));
    await (await s.vault.setStrategy({ ...SPOT_COLLATERAL_STRATEGY, maxRebalanceCostBps: 200 })).wait();
    // While the new strategy settles only a rescue runs, and this is one.
    await (await s.vault.connect(s.users[5]).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(after.marginRatioBps > 1_500n, `ratio ${after.marginRatioBps}`).to.equal(true);
    expect(after.shortQty).to.equal(after.collateralQty);
    await (await redeemAll(s, bob, bobShares)).wait();
  });

  // Finding 5 (fixed: the step cap is 24 and binds only while the rule still holds collateral
  // back). The guardian's close gave up one step too early: at $18,000 (margin ratio 6.65%, not yet
  // liquidatable at 5%) freeing all the collateral takes 9 withdraw-sell-repay steps, and the cap
  // of 8 reverted CollateralLocked(9.55 ETH owed, 9.55 ETH free) although the last step would have
  // finished. The emergency unwind failed exactly when the book was nearest liquidation.
  it("F5 the emergency unwind at $18,000 (margin ratio 6.65%) closes the book", async function () {
    const s = await networkHelpers.loadFixture(deepPoolFixture);
    await deployed(s);
    await s.setPrice(price(18_000));
    await (await s.vault.connect(s.guardian).emergencyUnwind()).wait();
    const position = await s.perpVenue.position();
    expect(position.shortSize + position.collateral + position.marginDebt).to.equal(0n);
  });

  // Finding 3 (fixed): a haircut the venue raised can move the centre (1/L - haircut) under the
  // soft margin floor, and VaultMath.regionMarginRatioBps underflowed (centre - minSoft) there:
  // every rescue panicked. The rescue now aims TARGET_CLEARANCE_BPS inside the floor instead. A
  // SpotCollateral target above 1x is refused: grow rounds never borrow, so it was unreachable.
  it("F3 SpotCollateral targets 1x: a 1.5x strategy is refused", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await expect(s.vault.setStrategy({ ...SPOT_COLLATERAL_STRATEGY, targetLeverageBps: 15_000 }))
      .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("targetLeverageBps"), 15_000, 10_000, 10_000);
  });

  // Soft floor 60% (valid at a 10% haircut: the 90% centre clears it by 5%), region 50%. After
  // +20% (ratio 83.3% - 10% = 73.3%) the venue raises the haircut to 45% in seven delayed steps:
  // ratio 38.3%, the centre 55% is under the 60% floor. The rescue aims at the lifted centre
  // 65%, half way to the floor: 62.5%, and lands above the soft floor.
  it("F3 after the venue raises the haircut past the centre, the rally rescue runs and clears the soft floor", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await (await s.vault.setBands({ ...SPOT_COLLATERAL_BANDS, minMarginRatioSoftBps: 6_000 })).wait();
    await (await s.vault.setStrategy({ ...SPOT_COLLATERAL_STRATEGY, rebalanceTargetBps: 5_000 })).wait();
    await networkHelpers.time.increase(3 * 86_400);
    await (await s.oracle.updateAnswer(price(3_000) / 10n ** 10n)).wait();
    await deployed(s);
    await s.setPrice(price(3_600));
    for (let haircut = 1_500n; haircut <= 4_500n; haircut += 500n) {
      await setParameterThroughDelay(ethers, s.market, "collateralHaircutBps", haircut, s.oracle);
    }
    await s.setPrice(price(3_600));
    const before = await s.vault.vaultState();
    expect(before.band).to.equal(Band.MarginLow);
    expect(abs(before.marginRatioBps - 3_833n) <= 30n, `ratio ${before.marginRatioBps}`).to.equal(true);
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(after.marginRatioBps >= 6_000n && after.marginRatioBps <= 6_300n, `ratio ${after.marginRatioBps}`).to.equal(
      true,
    );
  });

  /** The stack with funding off, so share prices compare exactly across blocks. */
  const noFundingFixture = vaultStackFixture(connection, {
    hedgeMode: "spot-collateral",
    perpParams: { ...DEFAULT_PERP_PARAMS, maxFundingRatePerDay: 0n },
  });

  it("sound: at $8,000 (margin ratio 27.5%) with idle drained, the leaver pays at least what stayers lose, to the wei", async function () {
    const { s, alice, bob, aliceShares, bobShares } = await twoHoldersAt(noFundingFixture, price(8_000));
    const start = await priceFraction(s);
    // Alice takes all the idle first (her claim is the idle plus her share of the positions).
    await (await redeemAll(s, alice, aliceShares / 2n)).wait();
    expect(await s.usdc.balanceOf(await s.vault.getAddress())).to.equal(0n);
    const before = await priceFraction(s);
    expect(atLeast(before, start), "Alice's exit cost the stayers").to.equal(true);
    const preview = await s.vault.previewRedeem(bobShares);
    const balance = await s.usdc.balanceOf(bob.address);
    const receipt = await (await redeemAll(s, bob, bobShares)).wait();
    const paid = (await s.usdc.balanceOf(bob.address)) - balance;
    const steps = receipt!.logs.filter((l) => s.market.interface.parseLog(l)?.name === "CollateralWithdrawn").length;
    expect(paid >= preview, `paid ${paid} < preview ${preview}`).to.equal(true);
    expect(steps).to.equal(2);
    expect(atLeast(await priceFraction(s), before), "Bob's exit cost the stayers").to.equal(true);
    const st = await s.vault.vaultState();
    expect(st.marginRatioBps).to.equal(2_747n);
  });

  it("sound: a $5M flash deposit at a 25.3% margin ratio is deployed in its own transaction at its actual cost; redeemed: attacker poorer, stayers whole", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    await s.setPrice(price(8_500)); // margin ratio 25.3%: hard-adjacent, soft breached
    const attacker = s.users[6];
    const start = await s.vault.vaultState();
    const before = await priceFraction(s);
    const stake = usdc(5_000_000);
    const preview = await s.vault.previewDeposit(stake);
    const fair = await s.vault.convertToShares(stake);
    const got = await depositFor(s, attacker, stake);
    const after = await s.vault.vaultState();
    // Deployed at 1x with the spot as collateral: the book's margin ratio rises toward 90%, the
    // short still equals the spot, and idle keeps only the deposit's buffer share.
    expect(
      after.marginRatioBps > start.marginRatioBps + 2_000n,
      `ratio ${start.marginRatioBps} -> ${after.marginRatioBps}`,
    ).to.equal(true);
    expect(after.shortQty).to.equal(after.spotQty);
    expect(after.idleBps < 1_000n, `idle ${after.idleBps} bps`).to.equal(true);
    // The attacker paid the deployment's actual cost: more shares than the worst-case preview
    // (the 1.425% entry charge), fewer than the deposit's value at the oracle.
    expect(got > preview && got < fair, `${preview} < ${got} < ${fair}`).to.equal(true);
    const paidBps = ((fair - got) * 10_000n) / fair;
    expect(paidBps >= 5n && paidBps < 100n, `paid ${paidBps} bps`).to.equal(true);
    expect(atLeast(await priceFraction(s), before), "the deployment cost the stayers").to.equal(true);
    const balance = await s.usdc.balanceOf(attacker.address);
    await (await redeemAll(s, attacker, got)).wait();
    const back = (await s.usdc.balanceOf(attacker.address)) - balance;
    expect(back < stake, `attacker got ${back} for ${stake}`).to.equal(true);
    expect(atLeast(await priceFraction(s), before), "stayers lost").to.equal(true);
  });

  it("a deposit into a hedged book is deployed in its own transaction: 95% posted and shorted 1:1, its actual cost charged, the holders' share price kept", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    const vault = await s.vault.getAddress();
    const before = await priceFraction(s);
    const start = await s.perpVenue.position();
    const idleBefore = await s.usdc.balanceOf(vault);
    const bob = s.users[1];
    const amount = usdc(500_000);
    const preview = await s.vault.previewDeposit(amount);
    const fair = await s.vault.convertToShares(amount);
    const got = await depositFor(s, bob, amount);
    const end = await s.perpVenue.position();
    // 95% of $500k at $3,000 is 158.33 WETH, bought within the 50 bps bound, posted and shorted.
    const posted = end.collateral - start.collateral;
    expect(posted > eth(15_750) / 100n && posted <= eth(15_834) / 100n, `posted ${posted}`).to.equal(true);
    expect(end.shortSize - start.shortSize).to.equal(posted);
    expect((await s.usdc.balanceOf(vault)) - idleBefore).to.equal(usdc(25_000));
    expect((await s.vault.vaultState()).band).to.equal(Band.None);
    // Charged its actual cost (pool fee and slippage, taker fee), well under the 1.425% entry charge.
    const paidBps = ((fair - got) * 10_000n) / fair;
    expect(got > preview, `${got} <= preview ${preview}`).to.equal(true);
    expect(paidBps >= 5n && paidBps <= 40n, `paid ${paidBps} bps`).to.equal(true);
    expect(atLeast(await priceFraction(s), before), "the deposit cost the holders").to.equal(true);
  });

  it("after a +80% rally a deposit first tops up the short's margin: $285k in at no trading cost, the margin ratio up 16.7 points toward the 90% centre", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    await s.setPrice(price(5_400));
    const start = await s.perpVenue.position();
    const ratioBefore = (await s.vault.vaultState()).marginRatioBps;
    const before = await priceFraction(s);
    const amount = usdc(300_000);
    const fair = await s.vault.convertToShares(amount);
    const got = await depositFor(s, s.users[1], amount);
    const end = await s.perpVenue.position();
    // The shortfall to 90% of the $1.71M notional is about $760k: all 95% of the deposit goes in.
    expect(end.collateral).to.equal(start.collateral);
    expect(end.shortSize).to.equal(start.shortSize);
    expect(end.margin - end.marginDebt - (start.margin - start.marginDebt)).to.equal(usdc(285_000));
    const ratioAfter = (await s.vault.vaultState()).marginRatioBps;
    expect(
      ratioAfter - ratioBefore >= 1_650n && ratioAfter - ratioBefore <= 1_680n,
      `${ratioBefore} -> ${ratioAfter}`,
    ).to.equal(true);
    // Nothing traded, so nothing charged beyond a unit of rounding.
    expect(fair - got <= fair / 1_000_000n, `${got} of ${fair}`).to.equal(true);
    expect(atLeast(await priceFraction(s), before), "the deposit cost the holders").to.equal(true);
  });

  it("a deposit the pool will not fill within its bound (pushed 2% up by a sandwich) stays idle at the full entry charge", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    const start = await s.perpVenue.position();
    await pushPool(s, price(3_060));
    const before = await priceFraction(s);
    const amount = usdc(500_000);
    const preview = await s.vault.previewDeposit(amount);
    const got = await depositFor(s, s.users[1], amount);
    const end = await s.perpVenue.position();
    expect(end.collateral).to.equal(start.collateral);
    expect(end.shortSize).to.equal(start.shortSize);
    // Nothing bought: the deposit pays what an idle deposit pays, but on the margin top-up (the
    // book's fee debt, about $475, repaid at no cost); the idle band deploys the rest.
    expect(got >= preview && got - preview < preview / 5_000n, `${got} vs preview ${preview}`).to.equal(true);
    expect((await s.vault.vaultState()).band).to.equal(Band.Idle);
    expect(atLeast(await priceFraction(s), before), "the deposit cost the holders").to.equal(true);
  });

  it("a deposit whose short the venue refuses (a fill past the bound under a 20,000-ETH short skew) sells its spot back and stays idle at the entry charge", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    const trader = s.users[5];
    const margin = usdc(10_000_000);
    await (await s.usdc.mint(trader.address, margin)).wait();
    await (await s.usdc.connect(trader).approve(await s.market.getAddress(), margin)).wait();
    await (await s.market.connect(trader).depositMargin(margin)).wait();
    await (await s.market.connect(trader).modifyPosition(-eth(20_000), 0n)).wait();
    const start = await s.perpVenue.position();
    const before = await priceFraction(s);
    const amount = usdc(500_000);
    const preview = await s.vault.previewDeposit(amount);
    const got = await depositFor(s, s.users[1], amount);
    const end = await s.perpVenue.position();
    expect(end.shortSize).to.equal(start.shortSize);
    expect(end.collateral).to.equal(start.collateral);
    expect(await s.weth.balanceOf(await s.vault.getAddress())).to.equal(0n);
    // The spot's round trip on the pool is inside the charge: the depositor gets the preview.
    expect(got).to.equal(preview);
    expect(atLeast(await priceFraction(s), before), "the refused deployment cost the holders").to.equal(true);
  });

  it("a dust deposit (842 units, whose 12-unit charge cannot cover its trades' roundings) stays idle at the entry charge; 843 units are deployed (into the margin: the book's fee debt)", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    const start = await s.perpVenue.position();
    const preview = await s.vault.previewDeposit(842n);
    expect(await depositFor(s, s.users[1], 842n)).to.equal(preview);
    expect((await s.perpVenue.position()).collateral).to.equal(start.collateral);
    const fair = await s.vault.convertToShares(843n);
    const got = await depositFor(s, s.users[2], 843n);
    // Deployed as a margin top-up: the book's fee debt absorbs it.
    expect((await s.perpVenue.position()).marginDebt < start.marginDebt).to.equal(true);
    expect(got <= fair).to.equal(true);
  });

  it("sound: a deposit deployed at entry, then a redeem of all the idle it left: the attacker pays its deployment, the holders' share price holds (their idle became hedged positions)", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    const vault = await s.vault.getAddress();
    const attacker = s.users[6];
    const before = await priceFraction(s);
    const stake = usdc(500_000);
    const got = await depositFor(s, attacker, stake);
    // Redeem the shares that idle pays in full: no unwind, no exit cost.
    const idle = await s.usdc.balanceOf(vault);
    const shares = await s.vault.convertToShares(idle);
    const balance = await s.usdc.balanceOf(attacker.address);
    await (await redeemAll(s, attacker, shares)).wait();
    const back = (await s.usdc.balanceOf(attacker.address)) - balance;
    const left = await s.vault.convertToAssets(got - shares);
    // The attacker holds less than it paid: back + what its shares are worth < stake.
    expect(back + left < stake, `${back} + ${left} >= ${stake}`).to.equal(true);
    expect(atLeast(await priceFraction(s), before), "the holders lost").to.equal(true);
    // No rebalance is due: on a venue that fills now a low idle is no breach (exits unwind instead).
    expect((await s.vault.vaultState()).band).to.equal(Band.None);
  });

  it("sound: a $5M flash mint (left idle) forcing a hard-tier Idle round at a 25.3% margin ratio, then redeemed: attacker poorer, stayers whole", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    const { shares } = await deployed(s);
    await s.setPrice(price(8_500)); // margin ratio 25.3%: hard-adjacent, soft breached
    const attacker = s.users[6];
    const before = await priceFraction(s);
    const stake = usdc(5_000_000);
    const got = await mintIdleFor(s, attacker, stake);
    expect((await s.vault.vaultState()).tier).to.equal(Tier.Hard);
    await (await s.vault.connect(attacker).rebalance()).wait();
    // The entry charge (0.95 x 3 x 50 bps = 1.425%) paid for the deployment it triggered.
    expect(atLeast(await priceFraction(s), before), "the deployment cost the stayers").to.equal(true);
    const balance = await s.usdc.balanceOf(attacker.address);
    await (await redeemAll(s, attacker, got)).wait();
    const back = (await s.usdc.balanceOf(attacker.address)) - balance;
    expect(back < stake, `attacker got ${back} for ${stake}`).to.equal(true);
    expect(atLeast(await priceFraction(s), before), "stayers lost").to.equal(true);
    void shares;
  });

  it("sound: the vault's account liquidated at $20,000 (margin ratio 4.3%): the loss is the venue's reward, anyone re-hedges, holders leave", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    const { alice, shares } = await deployed(s);
    await s.setPrice(price(20_000));
    const adapter = await s.perpVenue.getAddress();
    expect(await s.market.isLiquidatable(adapter)).to.equal(true);
    const before = (await s.vault.vaultState()).totalAssets;
    const notional = ((await s.perpVenue.position()).shortSize * price(20_000)) / 10n ** 30n;
    await (await s.market.connect(s.users[7]).liquidate(adapter)).wait();
    const after = await s.vault.vaultState();
    // The short closed, the debt covered from collateral at the oracle, 1% of notional paid out.
    expect(after.shortQty).to.equal(0n);
    expect(after.tier).to.equal(Tier.Hard);
    expect(after.band).to.equal(Band.Delta);
    const lost = before - after.totalAssets;
    expect(lost >= notional / 100n && lost <= (notional * 105n) / 10_000n, `lost ${lost} of ${notional}`).to.equal(
      true,
    );
    await (await s.vault.connect(s.users[5]).rebalance()).wait();
    const rehedged = await s.vault.vaultState();
    expect(rehedged.band).to.equal(Band.None);
    expect(rehedged.shortQty).to.equal(rehedged.collateralQty);
    await (await redeemAll(s, alice, shares / 2n)).wait();
  });

  /** A deployed vault with 20 WETH (6% of NAV) donated to it, and WETH and USDC to its adapter. */
  async function donated() {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    await deployed(s);
    const start = await priceFraction(s);
    await (await s.weth.mint(await s.perpVenue.getAddress(), 10n ** 20n)).wait();
    await (await s.usdc.mint(await s.perpVenue.getAddress(), usdc(50_000))).wait();
    // What the adapter holds outside the market's account is not the vault's: nothing moves.
    const ignored = await priceFraction(s);
    expect(atLeast(ignored, start) && atLeast(start, ignored)).to.equal(true);
    await (await s.weth.mint(await s.vault.getAddress(), 2n * 10n ** 19n)).wait();
    const st = await s.vault.vaultState();
    expect(st.band).to.equal(Band.Delta);
    expect(st.tier).to.equal(Tier.Hard);
    return { s, start };
  }

  // Finding 4 (low, fixed: a shrink shorts the posted spot it does not cover yet). A Delta round
  // whose spot exceeds the NAV target takes the shrink branch, which sells the excess over the
  // target (1.2 WETH) and posts the rest; it never grew the short, so 18.8 WETH (5.3% of NAV)
  // stayed unhedged, past the 3% hard delta band, until a second round.
  it("F4 one delta rescue re-hedges a WETH donation, and the holders keep the gift", async function () {
    const { s, start } = await donated();
    await (await s.vault.connect(s.users[5]).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(after.band).to.equal(Band.None);
    expect(after.shortQty).to.equal(after.collateralQty);
    expect(atLeast(await priceFraction(s), start), "a donation cost the holders").to.equal(true);
  });

  /** Deterministic pseudo-random numbers (mulberry32), so a failing sequence replays. */
  function rng(seed: number) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  for (const seed of [1, 2, 3]) {
    it(`sound (random flows, seed ${seed}): no deposit, redeem or withdraw lowers the others' share price; previews hold`, async function () {
      const s = await networkHelpers.loadFixture(noFundingFixture);
      const next = rng(seed);
      const users = s.users.slice(0, 4);
      await depositFor(s, users[0], usdc(1_000_000));
      await (await s.vault.rebalance()).wait();
      let eth = 3_000;
      const log: string[] = [];
      for (let step = 0; step < 24; step++) {
        const who = users[Math.floor(next() * users.length)];
        const pick = next();
        const before = await priceFraction(s);
        if (pick < 0.25) {
          const amount = usdc(1_000 + Math.floor(next() * 1_500_000));
          await s.fund(who, amount);
          const preview = await s.vault.previewDeposit(amount);
          const got = await s.vault.balanceOf(who.address);
          await (await s.vault.connect(who)["deposit(uint256,address)"](amount, who.address)).wait();
          log.push(`deposit ${amount}`);
          expect(
            (await s.vault.balanceOf(who.address)) - got >= preview,
            `${log.join("; ")}: deposit < preview`,
          ).to.equal(true);
        } else if (pick < 0.5) {
          const held = await s.vault.balanceOf(who.address);
          if (held == 0n) continue;
          const shares = next() < 0.3 ? held : (held * BigInt(1 + Math.floor(next() * 999))) / 1_000n;
          const preview = await s.vault.previewRedeem(shares);
          const balance = await s.usdc.balanceOf(who.address);
          await (await redeemAll(s, who, shares)).wait();
          log.push(`redeem ${shares}`);
          const paid = (await s.usdc.balanceOf(who.address)) - balance;
          expect(paid >= preview, `${log.join("; ")}: paid ${paid} < preview ${preview}`).to.equal(true);
        } else if (pick < 0.65) {
          const max = await s.vault.maxWithdraw(who.address);
          if (max == 0n) continue;
          const assets = (max * BigInt(1 + Math.floor(next() * 999))) / 1_000n;
          const preview = await s.vault.previewWithdraw(assets);
          const held = await s.vault.balanceOf(who.address);
          await (
            await s.vault.connect(who)["withdraw(uint256,address,address)"](assets, who.address, who.address)
          ).wait();
          log.push(`withdraw ${assets}`);
          const burnt = held - (await s.vault.balanceOf(who.address));
          expect(burnt <= preview, `${log.join("; ")}: burnt ${burnt} > preview ${preview}`).to.equal(true);
        } else if (pick < 0.85) {
          eth = Math.max(1_200, Math.min(7_500, Math.round(eth * (0.75 + next() * 0.6))));
          await s.setPrice(price(eth));
          log.push(`price ${eth}`);
          continue;
        } else {
          await networkHelpers.time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
          await (await s.oracle.updateAnswer(price(eth) / 10n ** 10n)).wait();
          const ok = await s.vault
            .connect(s.keeper)
            .rebalance()
            .then((tx) => tx.wait())
            .then(
              () => true,
              () => false,
            );
          log.push(`rebalance ${ok}`);
          continue;
        }
        expect(atLeast(await priceFraction(s), before), `${log.join("; ")}: the others' share price fell`).to.equal(
          true,
        );
      }
    });
  }
});
