import { expect } from "chai";
import { network } from "hardhat";
import {
  DEFAULT_PERP_PARAMS,
  SPOT_COLLATERAL_BANDS,
  SPOT_COLLATERAL_STRATEGY,
  deployVaultOn,
  vaultStackFixture,
} from "../../deploy/lib/stack/vaultStack.js";
import { setParameterThroughDelay } from "../../deploy/lib/stack/perp.js";
import { Band, Tier, abs, deployed, depositFor, eth, openLong, price, usdc } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const { time } = networkHelpers;

/**
 * The SpotCollateral hedge mode on the real stack (Uniswap V3 spot, PerpMarket with WETH as
 * collateral at a 10% haircut, 10% initial and 5% maintenance margin): $1M deposited at $3,000,
 * 5% kept idle, the rest bought as WETH, posted and shorted 1x. Bands SPOT_COLLATERAL_BANDS:
 * margin ratio 37.5%..180% soft (hedged notional about 2x..0.5x of NAV), 25%..300% hard.
 */
const spotFixture = vaultStackFixture(connection, { hedgeMode: "spot-collateral" });
type Stack = Awaited<ReturnType<typeof spotFixture>>;

/** NAV, share price and the books, for comparisons across a move. */
async function books(s: Stack) {
  const st = await s.vault.vaultState();
  const position = await s.perpVenue.position();
  return { st, position, spotHeld: await s.weth.balanceOf(await s.vault.getAddress()) };
}

/** Moves oracle and pool, then refreshes the feed so that the keeper's interval has passed. */
async function moveTo(s: Stack, p: bigint) {
  await s.setPrice(p);
  await time.increase(SPOT_COLLATERAL_STRATEGY.minRebalanceInterval);
  await (await s.oracle.updateAnswer(p / 10n ** 10n)).wait();
}

const bps = (x: bigint, of: bigint) => (x * 10_000n) / of;

describe("DeltaNeutralVault: SpotCollateral hedge mode", function () {
  it("needs a venue that takes the spot token as collateral", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    expect(await s.vault.hedgeMode()).to.equal(1n);
    const plainMarket = await ethers.deployContract("PerpMarket", [
      s.addresses.usdc,
      {
        aggregator: s.addresses.oracle,
        heartbeat: 3_600,
        sequencerUptimeFeed: ethers.ZeroAddress,
        sequencerGracePeriod: 0,
      },
      DEFAULT_PERP_PARAMS,
      ethers.ZeroAddress, // no base collateral
      ethers.ZeroAddress, // synchronous: no order book
    ]);
    const adapter = await ethers.deployContract("PerpMarketAdapter", [await plainMarket.getAddress()]);
    const refused = await deployVaultOn(connection, s, {
      perpVenue: await adapter.getAddress(),
      hedgeMode: "spot-collateral",
      bands: SPOT_COLLATERAL_BANDS,
      strategy: SPOT_COLLATERAL_STRATEGY,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused?.message).to.include("VenueTakesNoSpotCollateral");
  });

  it("deploys a deposit as posted spot shorted 1:1, margin ratio 1 - haircut, a debt of the fee only", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    const { st, position, spotHeld } = await books(s);
    expect(spotHeld).to.equal(0n);
    expect(position.collateral).to.equal(st.collateralQty);
    expect(st.spotQty).to.equal(st.collateralQty);
    expect(position.shortSize).to.equal(position.collateral);
    // The short's taker fee (5 bps of the notional) is the only debt: no USDC margin was posted.
    const notional = (position.shortSize * price(3_000)) / 10n ** 30n;
    expect(position.marginDebt <= (notional * 5n) / 10_000n + 1n, `debt ${position.marginDebt}`).to.equal(true);
    expect(position.marginDebt > 0n).to.equal(true);
    // 95% of NAV hedged (the 5% buffer idle), at 90% margin ratio less the trades' costs.
    expect(abs(st.deploymentBps - 9_500n) <= 10n, `deployment ${st.deploymentBps}`).to.equal(true);
    expect(abs(st.marginRatioBps - 9_000n) <= 15n, `margin ratio ${st.marginRatioBps}`).to.equal(true);
    expect(st.band).to.equal(Band.None);
    // What the deposit paid for its deployment stays within the entry charge it was priced at.
    expect(st.totalAssets >= usdc(1_000_000) - usdc(1_000_000) / 100n, `NAV ${st.totalAssets}`).to.equal(true);
  });

  it("NAV does not move with price: +50% and -40% leave it within funding and rounding", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    const start = (await books(s)).st.totalAssets;
    for (const p of [price(4_500), price(1_800)]) {
      await s.setPrice(p);
      const { st, position } = await books(s);
      expect(abs(st.totalAssets - start) <= start / 10_000n, `NAV ${st.totalAssets} at ${p}`).to.equal(true);
      // The margin ratio drifts as entry / price less the haircut: 56.7% at +50%, 156.7% at -40%.
      const expected = (3_000n * 10_000n * 10n ** 18n) / p - 1_000n;
      expect(abs(st.marginRatioBps - expected) <= 20n, `ratio ${st.marginRatioBps} vs ${expected}`).to.equal(true);
      expect(st.band).to.equal(Band.None);
      // The short's loss or profit stays unrealised until a trade settles it.
      expect(position.unrealizedPnl < 0n).to.equal(p > price(3_000));
    }
  });

  it("+120%: the rally side breaches, the keeper sells collateral to repay the debt, NAV kept", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    const start = (await books(s)).st;
    await moveTo(s, price(6_600));
    const before = await books(s);
    expect(before.st.band).to.equal(Band.MarginLow);
    expect(before.st.tier).to.equal(Tier.Soft);
    expect(abs(before.st.totalAssets - start.totalAssets) <= start.totalAssets / 5_000n).to.equal(true);
    await expect(s.vault.connect(s.users[5]).rebalance()).to.be.revertedWithCustomError(s.vault, "RebalanceNotAllowed");
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const after = await books(s);
    // The short and the collateral came down together; the sale repaid part of the debt.
    expect(after.position.shortSize < before.position.shortSize).to.equal(true);
    expect(after.position.shortSize).to.equal(after.position.collateral);
    expect(after.position.marginDebt < before.position.marginDebt).to.equal(true);
    expect(after.st.marginRatioBps > before.st.marginRatioBps).to.equal(true);
    expect(abs(after.st.deltaBps) <= 10n, `delta ${after.st.deltaBps}`).to.equal(true);
    // The round cost the trades' slippage and fees only (within the rebalance cost bound).
    const cost = before.st.totalAssets - after.st.totalAssets;
    expect(cost >= 0n && bps(cost, before.st.totalAssets) <= 50n, `cost ${cost}`).to.equal(true);
  });

  it("-50%: the fall side breaches, profit is realised, spot bought, posted and shorted", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    await moveTo(s, price(1_500));
    const before = await books(s);
    expect(before.st.band).to.equal(Band.MarginHigh);
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const after = await books(s);
    expect(after.st.band).to.equal(Band.None);
    expect(after.position.collateral > before.position.collateral).to.equal(true);
    expect(after.position.shortSize).to.equal(after.position.collateral);
    expect(abs(after.st.deploymentBps - 9_500n) <= 100n, `deployment ${after.st.deploymentBps}`).to.equal(true);
    const cost = before.st.totalAssets - after.st.totalAssets;
    expect(bps(cost > 0n ? cost : -cost, before.st.totalAssets) <= 50n, `cost ${cost}`).to.equal(true);
  });

  it("a leaver after a rally takes its share of collateral, short and debt; the stayers' ratio holds", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    const { alice, shares } = await deployed(s);
    const bob = s.users[1];
    // Deployed in the deposit itself: no band is breached after it.
    const bobShares = await depositFor(s, bob, usdc(1_000_000));
    expect((await s.vault.vaultState()).band).to.equal(Band.None);
    await s.setPrice(price(5_400));
    const before = await books(s);
    expect(before.position.marginDebt > 0n).to.equal(true);
    const preview = await s.vault.previewRedeem(bobShares);
    const value = await s.vault.convertToAssets(bobShares);
    const paid = await s.vault
      .connect(bob)
      ["redeem(uint256,address,address)"].staticCall(bobShares, bob.address, bob.address);
    await (await s.vault.connect(bob)["redeem(uint256,address,address)"](bobShares, bob.address, bob.address)).wait();
    const after = await books(s);
    // ERC-4626: the preview is never more than the redeem pays, and the leaver pays its own exit.
    expect(paid >= preview, `paid ${paid} < preview ${preview}`).to.equal(true);
    expect(paid <= value).to.equal(true);
    expect(bps(value - paid, value) <= 60n, `exit cost ${value - paid}`).to.equal(true);
    // About half of the collateral, short and debt left with bob.
    expect(abs(bps(after.position.collateral, before.position.collateral) - 5_000n) <= 300n).to.equal(true);
    expect(after.position.shortSize).to.equal(after.position.collateral);
    expect(abs(bps(after.position.marginDebt, before.position.marginDebt) - 5_000n) <= 300n).to.equal(true);
    // The stayers' share price did not fall, nor did their margin ratio.
    const sharePrice = await s.vault.convertToAssets(shares);
    expect(sharePrice >= (await s.vault.convertToAssets(shares)) - 1n).to.equal(true);
    expect(after.st.sharePrice >= before.st.sharePrice).to.equal(true);
    expect(after.st.marginRatioBps + 5n >= before.st.marginRatioBps, `ratio ${after.st.marginRatioBps}`).to.equal(true);
    void alice;
  });

  it("the last holder leaves after a rally: collateral freed in steps, only dust stays", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    const { alice, shares } = await deployed(s);
    await s.setPrice(price(6_000));
    const value = await s.vault.convertToAssets(shares);
    const preview = await s.vault.previewRedeem(shares);
    const balance = await s.usdc.balanceOf(alice.address);
    const receipt = await (
      await s.vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address)
    ).wait();
    const paid = (await s.usdc.balanceOf(alice.address)) - balance;
    // At a 40% margin ratio the rule lets out less than half the collateral at a time.
    const withdrawals = receipt!.logs.filter(
      (l) => s.market.interface.parseLog(l)?.name === "CollateralWithdrawn",
    ).length;
    expect(withdrawals >= 3, `${withdrawals} withdrawals`).to.equal(true);
    expect(paid >= preview && paid <= value, `paid ${paid}, preview ${preview}, value ${value}`).to.equal(true);
    // What is left is the virtual shares' sliver (ERC-4626 virtual offset): worth under a cent.
    const position = await s.perpVenue.position();
    const worth = (qty: bigint) => (qty * price(6_000)) / 10n ** 30n;
    expect(worth(position.shortSize) < 10_000n, `short left ${position.shortSize}`).to.equal(true);
    expect(worth(position.collateral) < 10_000n, `collateral left ${position.collateral}`).to.equal(true);
    expect(position.marginDebt < 10_000n).to.equal(true);
    expect(await s.vault.totalSupply()).to.equal(0n);
  });

  it("withdraw pays exactly the assets asked for no more shares than previewWithdraw", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    const { alice } = await deployed(s);
    await s.setPrice(price(4_200));
    const assets = usdc(400_000);
    const preview = await s.vault.previewWithdraw(assets);
    const sharesBefore = await s.vault.balanceOf(alice.address);
    const balance = await s.usdc.balanceOf(alice.address);
    await (
      await s.vault.connect(alice)["withdraw(uint256,address,address)"](assets, alice.address, alice.address)
    ).wait();
    expect((await s.usdc.balanceOf(alice.address)) - balance).to.equal(assets);
    expect(sharesBefore - (await s.vault.balanceOf(alice.address)) <= preview).to.equal(true);
  });

  it("the guardian's emergency unwind leaves only idle assets, after a rally with a debt", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    await s.setPrice(price(5_000));
    const nav = (await s.vault.vaultState()).totalAssets;
    await (await s.vault.connect(s.guardian).emergencyUnwind()).wait();
    const position = await s.perpVenue.position();
    expect(position.shortSize).to.equal(0n);
    expect(position.collateral).to.equal(0n);
    expect(position.marginDebt).to.equal(0n);
    expect(position.margin).to.equal(0n);
    expect(await s.weth.balanceOf(await s.vault.getAddress())).to.equal(0n);
    const idle = await s.usdc.balanceOf(await s.vault.getAddress());
    expect(bps(nav - idle, nav) <= 60n, `unwind cost ${nav - idle}`).to.equal(true);
  });

  it("a haircut the venue raises lowers the margin ratio at an unchanged price; the rescue runs", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    await s.setPrice(price(5_400));
    // 3000/5400 - 10% = 45.6%; at 15%: 40.6%; at 20%: 35.6%, under the 37.5% soft floor.
    for (const haircut of [1_500n, 2_000n]) {
      await setParameterThroughDelay(ethers, s.market, "collateralHaircutBps", haircut, s.oracle);
    }
    const st = await s.vault.vaultState();
    expect(st.band).to.equal(Band.MarginLow);
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    expect((await s.vault.vaultState()).marginRatioBps > st.marginRatioBps).to.equal(true);
  });

  it("bounds: the target margin ratio (1x less the haircut) must clear the soft bands", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    // At 1x and a 10% haircut the target is 90%: a soft ceiling of 94% is within 5% of it.
    await expect(s.vault.setBands({ ...SPOT_COLLATERAL_BANDS, maxMarginRatioSoftBps: 9_400 }))
      .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("maxMarginRatioSoftBps"), 9_400, 9_500, 49_999);
    // The soft floor must sit 5% under the 90% target too.
    await expect(s.vault.setBands({ ...SPOT_COLLATERAL_BANDS, minMarginRatioSoftBps: 8_600 }))
      .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("minMarginRatioSoftBps"), 8_600, 2_501, 8_500);
    // The target is 1x: a grow round never borrows, so more could not be reached.
    await expect(s.vault.setStrategy({ ...SPOT_COLLATERAL_STRATEGY, targetLeverageBps: 20_000 }))
      .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("targetLeverageBps"), 20_000, 10_000, 10_000);
  });

  it("funding accrues on the whole hedged notional: 1.5x what a 2x CashMargin vault earns", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    await openLong(s, s.users[5], eth(20_000), usdc(30_000_000));
    const before = await s.vault.vaultState();
    const position = await s.perpVenue.position();
    const ratePerDay: bigint = await s.market.fundingRatePerDay();
    expect(ratePerDay > 0n).to.equal(true);
    await time.increase(30 * 86_400);
    await s.oracle.updateAnswer(3_000_00000000n);
    const after = await s.vault.vaultState();
    const accrued = (await s.perpVenue.position()).accruedFunding - position.accruedFunding;
    const expected = (position.shortSize * ratePerDay * 3_000n * 30n) / 10n ** 30n;
    expect(abs(accrued - expected) * 1_000n <= expected, `accrued ${accrued} vs ${expected}`).to.equal(true);
    // Everything funding pays lands in NAV; the short is 95% of NAV (a 2x CashMargin short: 63%).
    expect(after.totalAssets - before.totalAssets).to.equal(accrued);
    expect(abs(before.deploymentBps - 9_500n) <= 10n).to.equal(true);
  });

  it("mint and deposit match their previews; a newcomer's round trip never dilutes the holder", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    const { alice, shares } = await deployed(s);
    const bob = s.users[1];
    const wanted = 10n ** 12n * 400_000n; // shares worth about $400k: past the hard idle band
    const aliceValue = await s.vault.convertToAssets(shares);
    const assets = await s.vault.previewMint(wanted);
    await s.fund(bob, assets);
    await expect(
      s.vault.connect(bob)["mint(uint256,address,uint256)"](wanted, bob.address, assets / 2n),
    ).to.be.revertedWithCustomError(s.vault, "MintAssetsAboveMax");
    const paidIn = await s.usdc.balanceOf(bob.address);
    await (await s.vault.connect(bob)["mint(uint256,address,uint256)"](wanted, bob.address, assets)).wait();
    expect(await s.vault.balanceOf(bob.address)).to.equal(wanted);
    // The preview is never below what the mint takes (funding accrues between the two blocks).
    expect(paidIn - (await s.usdc.balanceOf(bob.address)) <= assets).to.equal(true);
    // Bob's deposit is deployed at once (the hard idle band: anyone), then he leaves through an unwind.
    await (await s.vault.connect(s.users[4]).rebalance()).wait();
    const balance = await s.usdc.balanceOf(bob.address);
    const preview = await s.vault.previewRedeem(wanted);
    await (await s.vault.connect(bob)["redeem(uint256,address,address)"](wanted, bob.address, bob.address)).wait();
    const back = (await s.usdc.balanceOf(bob.address)) - balance;
    expect(back >= preview, `paid ${back} < preview ${preview}`).to.equal(true);
    expect(back < assets, "the round trip paid its costs").to.equal(true);
    // Bob's entry charge paid for his deployment (here $1,427 of a $5,700 worst case: the rest
    // stays with all holders) and his exit paid its own cost: alice ends above where she was.
    expect((await s.vault.convertToAssets(shares)) > aliceValue, "the holder paid for bob").to.equal(true);
    void alice;
  });

  it("paused: deposits stop, exits still unwind collateral, short and debt", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    const { alice, shares } = await deployed(s);
    await s.setPrice(price(4_500));
    await (await s.vault.connect(s.guardian).pause()).wait();
    await s.fund(s.users[1], usdc(1_000));
    await expect(
      s.vault.connect(s.users[1])["deposit(uint256,address)"](usdc(1_000), s.users[1].address),
    ).to.be.revertedWithCustomError(s.vault, "EnforcedPause");
    const before = await s.perpVenue.position();
    await expect(
      s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address),
    ).to.emit(s.vault, "Unwound");
    const after = await s.perpVenue.position();
    expect(abs(bps(after.collateral, before.collateral) - 5_000n) <= 300n).to.equal(true);
    expect(after.shortSize).to.equal(after.collateral);
  });

  it("the management fee accrues on NAV in this mode too", async function () {
    const s = await networkHelpers.loadFixture(spotFixture);
    await deployed(s);
    const recipient = s.users[6].address;
    await (await s.vault.setFees(100, 0, recipient)).wait();
    await time.increase(365 * 86_400);
    await s.oracle.updateAnswer(3_000_00000000n);
    await (await s.vault.accrueFees()).wait();
    const st = await s.vault.vaultState();
    const feeValue = await s.vault.convertToAssets(await s.vault.balanceOf(recipient));
    expect(abs(feeValue - st.totalAssets / 100n) * 10_000n <= st.totalAssets).to.equal(true);
  });
});
