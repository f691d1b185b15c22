/**
 * A hostile review of the vault's two-phase rounds on a real PerpMarket in delayed mode: who
 * profits from calling things in a strange order, size or moment around a pending round. Each
 * KNOWN FINDING test passes on the current code and pins the behaviour it reports, with the
 * numbers; its comment says what a fix would change.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { DELAYED_ORDERS_DEFAULTS } from "../../deploy/lib/stack/perp.js";
import { pushPoolToPrice } from "../../deploy/lib/uniswap.js";
import { vaultStackFixture, type VaultStack } from "../../deploy/lib/stack/vaultStack.js";
import { Band, Tier, abs, usdc } from "./helpers.js";

const connection = await network.create();
const { networkHelpers } = connection;
const ORACLE_SCALE = 10n ** 10n; // 8-decimal answer -> WAD
const WAD = 10n ** 18n;
const FEE = DELAYED_ORDERS_DEFAULTS.executionFee;

const cashMargin = vaultStackFixture(connection, { venue: "delayed" });

/** Publishes a new feed round at the current answer moved by `bps` (the pool is not moved). */
async function newRound(s: VaultStack, bps = 0n) {
  const [, answer] = await s.oracle.latestRoundData();
  await (await s.oracle.updateAnswer((answer * (10_000n + bps)) / 10_000n)).wait();
}

/** Lets the book's minimum delay pass and publishes the round the order fills at. */
async function roundAfterOrder(s: VaultStack, bps = 0n) {
  await networkHelpers.time.increase(Number(DELAYED_ORDERS_DEFAULTS.minDelay));
  await newRound(s, bps);
}

async function execute(s: VaultStack) {
  await (await s.orderBook!.connect(s.users[9]).executeOrder(await s.perpVenue.getAddress())).wait();
}

async function depositor(s: VaultStack, index: number, amount: bigint) {
  const user = s.users[index];
  await s.fund(user, amount);
  await (await s.vault.connect(user)["deposit(uint256,address)"](amount, user.address)).wait();
  return user;
}

/** Trades the pool alone (not the feed) to `target`: an attacker sandwiching a sale. */
async function pushPool(s: VaultStack, target: bigint) {
  await pushPoolToPrice(s.admin, s.uniswap.router, s.pool, s.pair, target, {
    fund: async (token, amount) => {
      const t = token === s.addresses.usdc ? s.usdc : s.weth;
      await (await t.mint(s.admin.address, amount)).wait();
    },
  });
}

async function oraclePriceWad(s: VaultStack) {
  const [, answer] = await s.oracle.latestRoundData();
  return answer * ORACLE_SCALE;
}

/** A vault with 100,000 deposited and one full round (submitted, executed, settled) behind it. */
async function hedged(s: VaultStack) {
  const alice = await depositor(s, 0, usdc(100_000));
  await (await s.vault.connect(s.keeper).rebalance()).wait();
  await roundAfterOrder(s);
  await execute(s);
  await (await s.vault.settleRound()).wait();
  return alice;
}

async function strategyWith(s: VaultStack, changes: Record<string, bigint | number>) {
  const st = await s.vault.strategy();
  return {
    targetLeverageBps: st.targetLeverageBps,
    idleBufferBps: st.idleBufferBps,
    maxSlippageBps: st.maxSlippageBps,
    maxRebalanceCostBps: st.maxRebalanceCostBps,
    minRebalanceInterval: st.minRebalanceInterval,
    rebalanceTargetBps: st.rebalanceTargetBps,
    ...changes,
  };
}

describe("DeltaNeutralVault two-phase rounds: hostile review (cash-margin, delayed venue)", function () {
  it("KNOWN FINDING: settleRound sells at the live maxSlippageBps; a strategy widened while the close is pending bypasses the settling cap", async function () {
    // While new parameters settle, `rebalance` caps its slippage at VaultParams.MIN_SLIPPAGE_BPS
    // (30) so that the admin cannot route a sale through a bound it just widened. `settleRound`
    // reads `_strategy.maxSlippageBps` live with no cap, and anyone settles at a moment of their
    // choosing: the admin widens the bound to 300 bps after the guardian's close was submitted,
    // pushes the pool 2.5% under the oracle, and settles. The close's spot sale fills 2.5% under
    // the oracle. Fix: in settleRound, cap the slippage as rebalance does while `_settling()`
    // (or store the round's slippage in PendingRound at submit and use it at settle).
    const s = await networkHelpers.loadFixture(cashMargin);
    await hedged(s);
    await (await s.vault.connect(s.guardian).emergencyUnwind()).wait();
    expect((await s.vault.pendingRound()).emergencyClose).to.equal(true);
    await (await s.vault.connect(s.admin).setStrategy(await strategyWith(s, { maxSlippageBps: 300 }))).wait();
    await roundAfterOrder(s);
    await execute(s);

    const waiting = await s.vault.vaultState();
    expect(waiting.shortQty).to.equal(0n); // the close filled; the spot waits for the settle
    const spotValue = (waiting.spotQty * waiting.price) / WAD / 10n ** 12n;
    await pushPool(s, ((await oraclePriceWad(s)) * 9_750n) / 10_000n);
    const navBefore = await s.vault.totalAssets();
    await (await s.vault.connect(s.users[8]).settleRound()).wait();
    const after = await s.vault.vaultState();
    const loss = navBefore - after.totalAssets;
    // The whole spot (about 47,500 of value) sold about 2.5% + the pool fee under the oracle.
    expect(after.spotQty).to.be.lessThan(waiting.spotQty / 1_000n);
    expect(loss).to.be.greaterThan((spotValue * 250n) / 10_000n);
    expect(loss).to.be.lessThan((spotValue * 300n) / 10_000n);
    // Under the settling cap (30 bps) every halving of that sale fails its bound and the spot
    // would stay held: the loss is what the uncapped bound allowed.
    expect(spotValue).to.be.greaterThan(usdc(45_000));
  });

  it("control: with the strategy's own 50 bps bound the same sandwich sells nothing at settle", async function () {
    const s = await networkHelpers.loadFixture(cashMargin);
    await hedged(s);
    await (await s.vault.connect(s.guardian).emergencyUnwind()).wait();
    await roundAfterOrder(s);
    await execute(s);
    const waiting = await s.vault.vaultState();
    await pushPool(s, ((await oraclePriceWad(s)) * 9_750n) / 10_000n);
    const navBefore = await s.vault.totalAssets();
    await (await s.vault.settleRound()).wait();
    const after = await s.vault.vaultState();
    expect(after.spotQty).to.equal(waiting.spotQty);
    expect(navBefore - after.totalAssets).to.be.lessThan(usdc(1));
  });

  it("KNOWN FINDING: the idle-low breach is soft only; without a keeper a holder's exit beyond idle is blocked for good", async function () {
    // On a venue that fills later every exit is paid from idle, and the idle-low breach (the only
    // round that refills idle on a book within its other bands) is Tier.Soft: keepers only. A
    // leaver who takes idle leaves the next holder with nothing payable, and no non-keeper can
    // start the refill however long it waits (here 7 days, 2,016 times the strategy's 300 s
    // interval). Fix: make the idle-low breach Tier.Hard once idle is (nearly) empty, e.g.
    // `s.idleBps() * 4 < idleBufferBps` (hard) beside the soft `* 2`, in VaultBands.classify.
    const s = await networkHelpers.loadFixture(cashMargin);
    const alice = await hedged(s);
    const bob = await depositor(s, 1, usdc(1_000)); // kept in idle: within every band
    const idle = (await s.vault.vaultState()).idle;
    await (
      await s.vault.connect(alice)["withdraw(uint256,address,address)"](idle, alice.address, alice.address)
    ).wait();
    const drained = await s.vault.vaultState();
    expect([drained.band, drained.tier]).to.deep.equal([Band.Idle, Tier.Soft]);

    await networkHelpers.time.increase(7 * 86_400);
    await newRound(s);
    const bobAssets = await s.vault.convertToAssets(await s.vault.balanceOf(bob.address));
    expect(bobAssets).to.be.greaterThan(usdc(990));
    expect(await s.vault.maxWithdraw(bob.address)).to.be.lessThan(usdc(1));
    const gate = await s.vault.rebalanceGate(bob.address);
    expect([gate.band, gate.tier, gate.allowed]).to.deep.equal([Band.Idle, Tier.Soft, false]);
    await expect(s.vault.connect(bob).rebalance()).to.be.revertedWithCustomError(s.vault, "RebalanceNotAllowed");
  });

  it("KNOWN FINDING: the execution-fee reserve makes maxWithdraw/maxRedeem understate a position-less book, whose redeem of all shares still pays in full", async function () {
    // `_snapshot` reserves the venue's execution fee (1 USDC here) out of idle whenever the venue
    // fills later, also on a book with no short and no spot, where no round is needed. There
    // maxWithdraw is NAV - fee and maxRedeem below the balance, yet redeem(balance) and
    // withdraw(NAV) pay in full: `fractionForValue` is 0 with nothing deployed, so the excess over
    // the "idle" skips the ExitBeyondIdle check. ERC-4626 allows max* to understate, but a
    // front end or router that exits by maxRedeem leaves one fee's worth of shares behind, and the
    // reserve is no reserve there. Fix: reserve the fee only while a round may be needed
    // (`s.shortQty != 0 || s.spotQty > SPOT_DUST`), or cap redeem/withdraw at `s.idle` everywhere.
    const s = await networkHelpers.loadFixture(cashMargin);
    const alice = await depositor(s, 0, usdc(100_000));
    const shares = await s.vault.balanceOf(alice.address);
    expect(await s.vault.totalAssets()).to.equal(usdc(100_000));
    expect(await s.vault.maxWithdraw(alice.address)).to.equal(usdc(100_000) - FEE);
    expect(await s.vault.maxRedeem(alice.address)).to.be.lessThan(shares);
    await expect(
      s.vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address),
    ).to.changeTokenBalance(connection.ethers, s.usdc, alice, usdc(100_000) - 1n); // 1 unit: the shares' rounding
    expect(await s.usdc.balanceOf(await s.vault.getAddress())).to.equal(1n); // the fee "reserve" left with her
  });

  it("KNOWN FINDING: an increase round buys the spot first; its wait carries the whole new spot unhedged, and a leaver from idle escapes a feed drop the stayers then pay", async function () {
    // The first phase buys the spot and queues the short: until the fill (at least the book's
    // minimum delay and the next feed round) the new spot is long delta. A feed move past the
    // order's bound (50 bps) cancels the short and leaves it unhedged until another full round.
    // A holder who sees the move coming (the feed lags the market by its deviation threshold)
    // exits from idle at the pre-move NAV. Fix (design): queue the short first and buy the spot at
    // settlement, as the two-phase close does the reverse, so the wait carries no delta.
    const s = await networkHelpers.loadFixture(cashMargin);
    await depositor(s, 0, usdc(50_000));
    const bob = await depositor(s, 1, usdc(50_000));
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const waiting = await s.vault.vaultState();
    expect(waiting.shortQty).to.equal(0n);
    expect(waiting.deltaBps).to.be.greaterThan(4_000n); // ~47.5% of NAV long, vs a 300 bps hard band
    // Bob leaves with all of idle before the feed drops 1%.
    const bobMax = await s.vault.maxWithdraw(bob.address);
    expect(bobMax).to.be.greaterThan(usdc(5_000));
    await (await s.vault.connect(bob)["withdraw(uint256,address,address)"](bobMax, bob.address, bob.address)).wait();
    const navLeft = await s.vault.totalAssets();
    await roundAfterOrder(s, -100n);
    await execute(s); // the fill is 1% under the order's reference: cancelled (bound 50 bps)
    await (await s.vault.settleRound()).wait();
    const after = await s.vault.vaultState();
    expect(after.shortQty).to.equal(0n);
    const lossBps = ((navLeft - after.totalAssets) * 10_000n) / navLeft;
    // The stayers lost about 1% of the spot, ~50 bps of their NAV; Bob's exit paid none of it.
    expect(lossBps).to.be.greaterThanOrEqual(45n);
    expect(abs(after.deltaBps)).to.be.greaterThan(4_000n);
  });

  it("KNOWN FINDING: the guardian's close waits out a pending round its executor never runs (the book's maxDelay, 3 h)", async function () {
    // emergencyUnwind reverts VenueOrderPending while a round is pending, and the book lets its
    // order be taken back only at expiry: a keeper's round nobody executes holds the guardian off
    // for maxDelay, whatever the price does. Fix (smallest): in emergencyUnwind, settle a settleable
    // round first; the wait itself is the venue's (document it in the runbook).
    const s = await networkHelpers.loadFixture(cashMargin);
    await depositor(s, 0, usdc(100_000));
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const round = await s.vault.pendingRound();
    const order = await s.perpVenue.pendingOrder();
    expect(order.expiresAt - round.submittedAt).to.equal(DELAYED_ORDERS_DEFAULTS.maxDelay);
    await networkHelpers.time.increaseTo(order.expiresAt - 10n);
    await newRound(s, -1_000n); // the feed down 10%: the unhedged spot loses with it
    await expect(s.vault.connect(s.guardian).emergencyUnwind()).to.be.revertedWithCustomError(
      s.vault,
      "VenueOrderPending",
    );
    await expect(s.vault.settleRound()).to.be.revertedWithCustomError(s.vault, "RoundOrderPending");
  });
});

/** Opens a long of `size` for `trader` through the market's delayed book (skews the market long). */
async function openLongDelayed(s: VaultStack, trader: VaultStack["users"][number], size: bigint, margin: bigint) {
  const market = await s.market.getAddress();
  await (await s.usdc.mint(trader.address, margin + FEE)).wait();
  await (await s.usdc.connect(trader).approve(market, margin)).wait();
  await (await s.market.connect(trader).depositMargin(margin)).wait();
  await (await s.usdc.connect(trader).approve(await s.orderBook!.getAddress(), FEE)).wait();
  await (await s.orderBook!.connect(trader).submitOrder(size, 2n ** 255n - 1n)).wait();
  await roundAfterOrder(s);
  await (await s.orderBook!.connect(s.users[9]).executeOrder(trader.address)).wait();
}

describe("DeltaNeutralVault two-phase rounds: an order that misses its round (cash-margin, delayed venue)", function () {
  it("KNOWN FINDING: an order nobody executes before the feed's second round can never fill, and the vault waits out maxDelay with the round's spot unhedged", async function () {
    // The book fills an order only at the first feed round after it (LaterRoundThanFirst
    // otherwise). On a fast feed (a deviation-triggered round every few minutes in a volatile
    // market) an executor that misses one round leaves the order dead for the rest of the book's
    // maxDelay (3 h here): rebalance and the guardian's close revert VenueOrderPending, and the
    // first phase's spot (~47.5% of NAV) stays unhedged. Fix (vault side, smallest): let
    // settleRound take the order back once it can no longer fill (the book's `orderWindow` and
    // the feed's latest round), e.g. a venue `cancelStaleOrder` beside the expiry cancel.
    const s = await networkHelpers.loadFixture(cashMargin);
    await depositor(s, 0, usdc(100_000));
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    await roundAfterOrder(s);
    await newRound(s); // a second round before anyone executed
    await expect(s.orderBook!.executeOrder(await s.perpVenue.getAddress())).to.be.revertedWithCustomError(
      s.orderBook!,
      "LaterRoundThanFirst",
    );
    const order = await s.perpVenue.pendingOrder();
    const state = await s.vault.vaultState();
    expect(state.deltaBps).to.be.greaterThan(4_000n);
    await expect(s.vault.settleRound())
      .to.be.revertedWithCustomError(s.vault, "RoundOrderPending")
      .withArgs(order.expiresAt);
    const latest = await connection.ethers.provider.getBlock("latest");
    expect(order.expiresAt - BigInt(latest!.timestamp)).to.be.greaterThan(10_000n); // ~3 h to go
  });
});

describe("DeltaNeutralVault two-phase rounds: a deposit between the phases (cash-margin, delayed venue)", function () {
  it("KNOWN FINDING: a deposit made while a round is pending shares the skew premium its fill books, and leaves from idle with it", async function () {
    // Another trader holds 20,000 ETH long (skew premium 2% at the market's 1,000,000 skew scale).
    // (LOW: the entry charge takes most of it at this premium; see the numbers below.)
    // The vault's round queues a short of ~15.8 ETH that fills at about 2% above the index at
    // the next feed round: the short books that premium as profit the moment it fills. Between
    // submit and fill (at least the book's 5 s and the next feed round, up to the heartbeat) the
    // premium is public and the deposit goes to idle: Mallory deposits 1,000,000 after the submit
    // and redeems from idle after the settle, taking her share of a gain her money never carried
    // (risk: her share of the unhedged spot for the wait). On a synchronous venue the fill is in
    // the keeper's own transaction. Fix (smallest): while a round is pending price deposits at
    // the worse of NAV now and NAV with the pending order filled at its quoted fill (or refuse
    // deposits: `maxDeposit` 0 while `_round.submittedAt != 0`).
    const s = await networkHelpers.loadFixture(cashMargin);
    await openLongDelayed(s, s.users[5], 20_000n * WAD, usdc(8_000_000));
    await depositor(s, 0, usdc(100_000));
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const mallory = await depositor(s, 2, usdc(1_000_000));
    const shares = await s.vault.balanceOf(mallory.address);
    const navBeforeFill = await s.vault.totalAssets();
    await roundAfterOrder(s);
    await execute(s);
    await (await s.vault.settleRound()).wait();
    const gain = (await s.vault.totalAssets()) - navBeforeFill;
    const paid = await s.vault.previewRedeem(shares);
    expect(paid).to.be.lessThanOrEqual(await s.vault.maxWithdraw(mallory.address));
    await (
      await s.vault.connect(mallory)["redeem(uint256,address,address)"](shares, mallory.address, mallory.address)
    ).wait();
    const profit = (await s.usdc.balanceOf(mallory.address)) - usdc(1_000_000);
    // The fill's premium on ~47,500 of short notional at ~2%: a gain of several hundred.
    expect(gain).to.be.greaterThan(usdc(500));
    // Mallory (1,000,000 of ~1,100,000) took ~91% of it, less the ~9% of her entry charge (95 bps
    // of her deposit) that the other holders keep: ~1,050-1,230 of gain, ~250 of profit, risk-free but
    // for the wait. With a deposit fraction f the profit is f * N * (0.475 * premium - 0.0095):
    // positive once the premium beats the entry charge's 2%.
    expect(gain).to.be.lessThan(usdc(2_000));
    expect(profit).to.be.greaterThan(usdc(100));
    expect(profit).to.be.lessThan(gain);
  });
});

const spotCollateral = vaultStackFixture(connection, { venue: "delayed", hedgeMode: "spot-collateral" });

describe("DeltaNeutralVault two-phase rounds: hostile review (spot-collateral, delayed venue)", function () {
  it("KNOWN FINDING: a shrink's settle sells the freed collateral at the live maxSlippageBps, widened while the round was pending", async function () {
    // The same uncapped read as in cash-margin mode, on a rebalance: an idle refill (a shrink)
    // is submitted at the strategy's 50 bps; the admin widens the bound to 300 bps before the
    // settle (rebalance itself would cap it at 30 while the change settles); the pool is pushed
    // 2.5% under the oracle and the settle sells the freed collateral there. Fix as in
    // cash-margin mode: the settle's slippage capped while `_settling()`, or the round's own.
    // Measured: 4,793 of collateral freed, sold at a loss of 122 (2.55%).
    const s = await networkHelpers.loadFixture(spotCollateral);
    const alice = await hedged(s);
    const idle = (await s.vault.vaultState()).idle;
    await (
      await s.vault.connect(alice)["withdraw(uint256,address,address)"](idle, alice.address, alice.address)
    ).wait();
    await networkHelpers.time.increase(Number((await s.vault.strategy()).minRebalanceInterval));
    await newRound(s);
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    expect((await s.vault.pendingRound()).increasesShort).to.equal(false);
    await (await s.vault.connect(s.admin).setStrategy(await strategyWith(s, { maxSlippageBps: 300 }))).wait();
    await roundAfterOrder(s);
    await execute(s);
    const waiting = await s.vault.vaultState();
    const freed = waiting.collateralQty - waiting.shortQty;
    const freedValue = (freed * waiting.price) / WAD / 10n ** 12n;
    expect(freedValue).to.be.greaterThan(usdc(2_000));
    await pushPool(s, ((await oraclePriceWad(s)) * 9_750n) / 10_000n);
    const navBefore = await s.vault.totalAssets();
    await (await s.vault.connect(s.users[8]).settleRound()).wait();
    const after = await s.vault.vaultState();
    const loss = navBefore - after.totalAssets;
    // The freed collateral sold about 2.5% + the pool fee under the oracle.
    expect(after.collateralQty).to.be.lessThan(waiting.collateralQty - (freed * 9n) / 10n);
    expect(loss).to.be.greaterThan((freedValue * 250n) / 10_000n);
    console.log(`      freed ${freedValue} sold at a loss of ${loss} (units of 1e-6 USDC)`);
  });
});

/** Moves the feed and the pool to the current price moved by `bps`. */
async function movePrice(s: VaultStack, bps: bigint) {
  await s.setPrice(((await oraclePriceWad(s)) * (10_000n + bps)) / 10_000n);
}

describe("DeltaNeutralVault two-phase rounds: a liquidation between the phases (cash-margin, delayed venue)", function () {
  it("checked: a liquidation before an increase order fills leaves the order unfillable (margin), and the round settles at expiry with nothing freed", async function () {
    // A hedged vault takes a second deposit and submits the round that deploys it (an increase of
    // the short, its margin added in the first phase). The feed doubles before the fill: the old
    // short is liquidated; the increase then fails the venue's initial margin at execution
    // (the book bubbles the refusal) and can only expire. The settle takes it back and reports
    // it unfilled; the books are in a hard delta breach that anyone's next round hedges. Sound,
    // but the vault waits out the book's maxDelay (3 h) holding unhedged spot (see the missed
    // round above). (`orderFilled = shortQty == shortTarget` would misreport an increase that
    // filled from zero after a liquidation; in cash-margin mode the liquidation leaves too little
    // margin for that fill.)
    const s = await networkHelpers.loadFixture(cashMargin);
    await hedged(s);
    await depositor(s, 1, usdc(100_000));
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const round = await s.vault.pendingRound();
    const order = await s.perpVenue.pendingOrder();
    expect(round.increasesShort).to.equal(true);
    expect(round.shortTarget).to.equal((await s.perpVenue.position()).shortSize + order.size);

    await networkHelpers.time.increase(Number(DELAYED_ORDERS_DEFAULTS.minDelay));
    await movePrice(s, 10_000n); // x2: past the old short's maintenance margin
    const adapter = await s.perpVenue.getAddress();
    expect(await s.market.isLiquidatable(adapter)).to.equal(true);
    await (await s.market.connect(s.users[7]).liquidate(adapter)).wait();
    expect((await s.perpVenue.position()).shortSize).to.equal(0n);
    await expect(s.orderBook!.connect(s.users[9]).executeOrder(adapter)).to.revert(connection.ethers);

    await networkHelpers.time.increaseTo(order.expiresAt);
    await newRound(s);
    await expect(s.vault.settleRound())
      .to.emit(s.vault, "RoundSettled")
      .withArgs(s.admin.address, false, true, round.totalAssetsBefore, (v: bigint) => v > 0n)
      .and.not.to.emit(s.vault, "Rebalanced");
    const state = await s.vault.vaultState();
    expect([state.band, state.tier]).to.deep.equal([Band.Delta, Tier.Hard]);
    await expect(s.vault.connect(s.users[6]).rebalance()).to.emit(s.vault, "RoundSubmitted");
  });
});

describe("DeltaNeutralVault two-phase rounds: the admin's idle buffer on a venue that fills later (cash-margin)", function () {
  it("KNOWN FINDING: an idle buffer of 0 (allowed by checkStrategy) turns every exit off: idle under half of 0 is never a breach", async function () {
    // On a venue that fills later exits are paid from idle only, and idle is refilled only by the
    // idle-low breach, `2 * idleBps < idleBufferBps`. With the buffer at 0 that never holds: once
    // leavers (or the admin's own holder account) take idle, no round, by a keeper or anyone,
    // refills it, and every other holder's maxWithdraw is 0 for good. The change waits the 1-day
    // settling delay, but the holders can only race for the idle there is meanwhile. Fix
    // (smallest): on such a venue require `idleBufferBps` above a floor (VaultParams.checkStrategy
    // with the venue's fillsLater), or let the breach fire on an empty idle whatever the buffer.
    const s = await networkHelpers.loadFixture(cashMargin);
    const alice = await hedged(s);
    const bob = await depositor(s, 1, usdc(10_000)); // kept in idle until Alice takes it
    await (await s.vault.connect(s.admin).setStrategy(await strategyWith(s, { idleBufferBps: 0 }))).wait();
    await networkHelpers.time.increase(86_400 + 1);
    await newRound(s);
    const idle = (await s.vault.vaultState()).idle;
    await (
      await s.vault.connect(alice)["withdraw(uint256,address,address)"](idle, alice.address, alice.address)
    ).wait();
    const drained = await s.vault.vaultState();
    expect([drained.band, drained.tier]).to.deep.equal([Band.None, Tier.None]);
    await expect(s.vault.connect(s.keeper).rebalance()).to.be.revertedWithCustomError(s.vault, "WithinBands");
    const bobAssets = await s.vault.convertToAssets(await s.vault.balanceOf(bob.address));
    expect(bobAssets).to.be.greaterThan(usdc(9_800));
    expect(await s.vault.maxWithdraw(bob.address)).to.be.lessThan(usdc(1));
  });
});
