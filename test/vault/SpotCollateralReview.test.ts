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
import { Band, Tier, deployed, depositFor, price, usdc } from "./helpers.js";

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
  // FAILS on the current code: finding 1, with an asset feed the vault values the posted
  // collateral at ETH/USD / USDC/USD while the venue's payableEquity values it at ETH/USD, so any
  // USDC answer under $1 reads as a venue that cannot pay: deposits, unwinds and rebalances revert.
  it.skip("F1 a USDC/USD answer of $0.9999 must not mark the venue impaired (deposit, redeem, rebalance work)", async function () {
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

  it("F1 (figures) the same $0.9999 answer: maxDeposit 0, a redeem past idle reverts VenueImpaired", async function () {
    const { s, usdcUsd } = await networkHelpers.loadFixture(spotDepegStack);
    const { alice, shares } = await deployed(s);
    const before = await s.vault.vaultState();
    await (await usdcUsd.updateAnswer(99_990_000n)).wait();
    await pushPool(s, (price(3_000) * 10n ** 8n) / 99_990_000n);
    const st = await s.vault.vaultState();
    // The books drop to what the venue "pays": the collateral at $3,000 instead of 3,000.30 USDC.
    expect(st.totalAssets < before.totalAssets).to.equal(true);
    expect(await s.vault.maxDeposit(alice.address)).to.equal(0n);
    expect(await s.vault.maxRedeem(alice.address)).to.be.lessThan(shares);
    await expect(redeemAll(s, alice, shares / 2n)).to.be.revertedWithCustomError(s.vault, "VenueImpaired");
    await s.fund(s.users[1], usdc(10_000));
    await expect(
      s.vault.connect(s.users[1])["deposit(uint256,address)"](usdc(10_000), s.users[1].address),
    ).to.be.revertedWithCustomError(s.vault, "VenueImpaired");
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

  // FAILS on the current code: finding 2, below the venue's initial margin (here a 5.3x rally to
  // $16,000: margin ratio 8.73% < IM 10%) the rally round can only put the idle in as margin
  // (8.73% -> 9.72%): maxCollateralOut is 0 while margin equity is under IM x notional, so every
  // later rescue reverts BandStillBreached and the book stays stuck under IM until liquidation;
  // every partial unwind reverts CollateralLocked (the stayers' part of the book is under IM),
  // while maxRedeem and previewRedeem still promise the whole balance.
  it.skip("F2 below the initial margin the hard-tier rescue must lift the book over IM, and a holder can then leave", async function () {
    const { s, bob, bobShares } = await twoHoldersAt(spotFixture, price(16_000));
    const st = await s.vault.vaultState();
    expect(st.tier).to.equal(Tier.Hard);
    for (let round = 0; round < 3; round++) {
      if ((await s.vault.vaultState()).marginRatioBps >= 1_200n) break;
      await (await s.vault.connect(s.users[5]).rebalance()).wait();
    }
    const after = await s.vault.vaultState();
    expect(after.marginRatioBps >= 1_200n, `ratio ${after.marginRatioBps} still under IM`).to.equal(true);
    await (await redeemAll(s, bob, bobShares)).wait();
  });

  it("F2 (figures) at $16,000: one rescue reaches 9.72%, the next reverts; Bob is locked, maxRedeem says all", async function () {
    const { s, bob, bobShares } = await twoHoldersAt(spotFixture, price(16_000));
    const st = await s.vault.vaultState();
    expect(st.band).to.equal(Band.MarginLow);
    expect(st.tier).to.equal(Tier.Hard);
    expect(st.marginRatioBps).to.equal(873n);
    await (await s.vault.connect(s.users[5]).rebalance()).wait();
    const rescued = await s.vault.vaultState();
    expect(rescued.marginRatioBps).to.equal(972n);
    expect(rescued.idle).to.equal(0n);
    await expect(s.vault.connect(s.users[5]).rebalance()).to.be.revertedWithCustomError(s.vault, "BandStillBreached");
    // ERC-4626 says Bob may redeem everything, for at least the preview, and deposits stay open...
    expect(await s.vault.maxRedeem(bob.address)).to.equal(bobShares);
    expect(await s.vault.maxDeposit(bob.address)).to.be.greaterThan(0n);
    expect(await s.vault.previewRedeem(bobShares)).to.be.greaterThan(usdc(170_000));
    // ...but the stayers' part of the book is under IM: the last ~0.97 ETH of Bob's share of the
    // collateral cannot leave.
    await expect(redeemAll(s, bob, bobShares)).to.be.revertedWithCustomError(s.vault, "CollateralLocked");
  });

  it("F2 (figures) the same lock from the venue's own rules: IM raised 10% -> 30% in delayed steps, then ETH at $7,900 (a soft breach)", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    const [alice, bob] = s.users;
    await depositFor(s, alice, usdc(1_000_000));
    const bobShares = await depositFor(s, bob, usdc(200_000));
    await (await s.vault.rebalance()).wait();
    for (const im of [1_500n, 2_000n, 2_500n, 3_000n]) {
      await setParameterThroughDelay(ethers, s.market, "initialMarginBps", im, s.oracle);
    }
    // 3,000 / 5,700 - 10% = 42.6%: inside the bands, and every holder can still leave.
    await s.setPrice(price(5_700));
    await s.vault.connect(bob)["redeem(uint256,address,address)"].staticCall(bobShares, bob.address, bob.address);
    // 3,000 / 7,900 - 10% = 28.0%: a soft breach, above the vault's 25% hard floor, under IM 30%.
    await s.setPrice(price(7_900));
    await networkHelpers.time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
    await (await s.oracle.updateAnswer(price(7_900) / 10n ** 10n)).wait();
    const st = await s.vault.vaultState();
    expect(st.tier).to.equal(Tier.Soft);
    expect(st.marginRatioBps).to.be.lessThan(3_000n);
    // The keeper's round can only put idle in as margin; the next one has nothing left to do.
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    expect((await s.vault.vaultState()).marginRatioBps).to.be.lessThan(3_000n);
    await networkHelpers.time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
    await (await s.oracle.updateAnswer(price(7_900) / 10n ** 10n)).wait();
    await expect(s.vault.connect(s.keeper).rebalance()).to.be.revertedWithCustomError(s.vault, "BandStillBreached");
    expect(await s.vault.maxRedeem(bob.address)).to.equal(bobShares);
    await expect(redeemAll(s, bob, bobShares)).to.be.revertedWithCustomError(s.vault, "CollateralLocked");
  });

  /** A pool 100x deeper ($100B of full-range liquidity), so that large closes stay within slippage. */
  const deepPoolFixture = vaultStackFixture(connection, {
    hedgeMode: "spot-collateral",
    liquidityUsdc: 10n ** 17n,
    perpParams: { ...DEFAULT_PERP_PARAMS, maxFundingRatePerDay: 0n },
  });

  // FAILS on the current code: finding 5, the guardian's close gives up one step too early. At
  // $18,000 (margin ratio 6.65%, not yet liquidatable at 5%) freeing all the collateral takes 9
  // withdraw-sell-repay steps; _freeCollateral reverts at step == MAX_RELEASE_STEPS (8) before
  // looking at `free`, here CollateralLocked(9.55 ETH owed, 9.55 ETH free): the last step would
  // have finished. The emergency unwind fails exactly when the book is nearest liquidation.
  it.skip("F5 the emergency unwind at $18,000 (margin ratio 6.65%) closes the book", async function () {
    const s = await networkHelpers.loadFixture(deepPoolFixture);
    await deployed(s);
    await s.setPrice(price(18_000));
    await (await s.vault.connect(s.guardian).emergencyUnwind()).wait();
    const position = await s.perpVenue.position();
    expect(position.shortSize + position.collateral + position.marginDebt).to.equal(0n);
  });

  it("F5 (figures) at $18,000 the close reverts CollateralLocked with owed == free at the step cap; at $17,000 it takes 8 steps", async function () {
    const s = await networkHelpers.loadFixture(deepPoolFixture);
    await deployed(s);
    const id = await networkHelpers.takeSnapshot();
    await s.setPrice(price(17_000));
    const receipt = await (await s.vault.connect(s.guardian).emergencyUnwind()).wait();
    const steps = receipt!.logs.filter((l) => s.market.interface.parseLog(l)?.name === "CollateralWithdrawn").length;
    expect(steps).to.equal(8);
    await id.restore();
    await s.setPrice(price(18_000));
    const st = await s.vault.vaultState();
    expect(st.marginRatioBps).to.equal(665n);
    expect(await s.market.isLiquidatable(await s.perpVenue.getAddress())).to.equal(false);
    await expect(s.vault.connect(s.guardian).emergencyUnwind())
      .to.be.revertedWithCustomError(s.vault, "CollateralLocked")
      .withArgs(9_553_620_773_228_409_503n, 9_553_620_773_228_409_503n);
  });

  // FAILS on the current code: finding 3, the rescue's target ignores a haircut the venue raised.
  // At 1.5x (allowed: centre 1/1.5 - 10% = 56.7%, soft floor 40%, region 50%) after a +50% rally
  // the book sits at 1.5x; the venue raises the haircut 10% -> 30% in four delayed 5% steps, so
  // the ratio is 66.7% - 30% = 36.7% < 40%: MarginLow. VaultMath.regionMarginRatioBps computes
  // centre - (centre - minSoft) x region with centre = 36.7% < minSoft: arithmetic underflow, the
  // keeper's rescue panics (0x11) on every try; with the region off it aims at the 36.7% centre,
  // under its own soft floor, and cannot clear the band.
  it.skip("F3 after the venue raises the haircut, the rescue at a 1.5x strategy runs and clears the soft floor", async function () {
    const { s } = await raisedHaircutAt15x();
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const st = await s.vault.vaultState();
    expect(st.marginRatioBps >= 4_000n, `ratio ${st.marginRatioBps}`).to.equal(true);
  });

  it("F3 (figures) the rescue panics with an underflow; a 1.5x target is never reached by a grow round", async function () {
    const { s, deployedBps } = await raisedHaircutAt15x();
    // Grow rounds withdraw only positive cash equity, so no margin debt buys more: 1x, not 1.5x.
    expect(deployedBps < 9_600n, `deployment ${deployedBps}`).to.equal(true);
    const st = await s.vault.vaultState();
    expect(st.band).to.equal(Band.MarginLow);
    expect(st.marginRatioBps < 4_000n, `ratio ${st.marginRatioBps}`).to.equal(true);
    await expect(s.vault.connect(s.keeper).rebalance()).to.be.revertedWithPanic(0x11);
  });

  /** A 1.5x SpotCollateral vault after a +50% rally and a haircut raised to 30%. */
  async function raisedHaircutAt15x() {
    const s = await networkHelpers.loadFixture(spotFixture);
    const bands = { ...SPOT_COLLATERAL_BANDS, minMarginRatioSoftBps: 4_000 };
    const strategy = { ...SPOT_COLLATERAL_STRATEGY, targetLeverageBps: 15_000, rebalanceTargetBps: 5_000 };
    await (await s.vault.setBands(bands)).wait();
    await (await s.vault.setStrategy(strategy)).wait();
    await networkHelpers.time.increase(3 * 86_400);
    await (await s.oracle.updateAnswer(price(3_000) / 10n ** 10n)).wait();
    await deployed(s);
    const deployedBps = (await s.vault.vaultState()).deploymentBps;
    await s.setPrice(price(4_500));
    for (const haircut of [1_500n, 2_000n, 2_500n, 3_000n]) {
      await setParameterThroughDelay(ethers, s.market, "collateralHaircutBps", haircut, s.oracle);
    }
    await s.setPrice(price(4_500));
    return { s, deployedBps };
  }

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

  it("sound: a $5M flash deposit forcing a hard-tier Idle round at a 25.3% margin ratio, then redeemed: attacker poorer, stayers whole", async function () {
    const s = await networkHelpers.loadFixture(noFundingFixture);
    const { shares } = await deployed(s);
    await s.setPrice(price(8_500)); // margin ratio 25.3%: hard-adjacent, soft breached
    const attacker = s.users[6];
    const before = await priceFraction(s);
    const stake = usdc(5_000_000);
    const got = await depositFor(s, attacker, stake);
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

  // FAILS on the current code: finding 4 (low), a Delta round whose spot exceeds the NAV target
  // takes the shrink branch, which sells the excess over the target (1.2 WETH) and posts the rest
  // but never grows the short ("a shrink never grows the short"): 18.8 WETH (5.3% of NAV) stays
  // unhedged, still past the 3% hard delta band, until a second round.
  it.skip("F4 one delta rescue re-hedges a WETH donation", async function () {
    const { s } = await donated();
    await (await s.vault.connect(s.users[5]).rebalance()).wait();
    const after = await s.vault.vaultState();
    expect(after.band).to.equal(Band.None);
  });

  it("F4 (figures) the first delta round leaves the donation unshorted; a second round hedges it; holders gain", async function () {
    const { s, start } = await donated();
    await (await s.vault.connect(s.users[5]).rebalance()).wait();
    const first = await s.vault.vaultState();
    expect(first.band).to.equal(Band.Delta);
    expect(first.tier).to.equal(Tier.Hard);
    expect(first.deltaBps > 300n, `delta ${first.deltaBps}`).to.equal(true);
    expect(first.spotQty).to.equal(first.collateralQty);
    await (await s.vault.connect(s.users[5]).rebalance()).wait();
    const second = await s.vault.vaultState();
    expect(second.band).to.equal(Band.None);
    expect(second.shortQty).to.equal(second.collateralQty);
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
