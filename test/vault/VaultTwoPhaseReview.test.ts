/**
 * A hostile review of the vault's two-phase rounds on a real PerpMarket in delayed mode: who
 * profits from calling things in a strange order, size or moment around a pending round. A FIXED
 * test failed on the vault as reviewed (its comment gives the numbers found then) and holds the
 * fix; a KNOWN LIMIT test pins a behaviour that stays, with its numbers.
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
  it("FIXED: a strategy widened while the close is pending cannot widen the settle's sale: the settling cap holds there too", async function () {
    // Found: settleRound read the live maxSlippageBps with no cap. The admin widened the bound to
    // 300 bps after the guardian's close was submitted, pushed the pool 2.5% under the oracle and
    // settled: the whole spot (about 47,500) sold 2.5% + the pool fee under the oracle. Now a
    // settlement trades under the same cap as a rebalance while parameters settle (30 bps): no
    // halving of that sale fits, the spot stays held, and nothing is lost.
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
    expect(spotValue).to.be.greaterThan(usdc(45_000));
    await pushPool(s, ((await oraclePriceWad(s)) * 9_750n) / 10_000n);
    const navBefore = await s.vault.totalAssets();
    await (await s.vault.connect(s.users[8]).settleRound()).wait();
    const after = await s.vault.vaultState();
    expect(after.spotQty).to.equal(waiting.spotQty);
    expect(navBefore - after.totalAssets).to.be.lessThan(usdc(1));
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

  it("FIXED: idle emptied by a leaver is a hard breach: a holder without a keeper starts the refill", async function () {
    // Found: the idle-low breach was soft only (keepers): after Alice took idle, Bob (1,000 of
    // value) could withdraw less than 1 and his rebalance reverted RebalanceNotAllowed for good
    // (checked 7 days, 2,016 keeper intervals, later). Now idle under a quarter of its buffer is a
    // hard breach: anyone starts the round that refills it.
    const s = await networkHelpers.loadFixture(cashMargin);
    const alice = await hedged(s);
    const bob = await depositor(s, 1, usdc(1_000)); // kept in idle: within every band
    const idle = (await s.vault.vaultState()).idle;
    await (
      await s.vault.connect(alice)["withdraw(uint256,address,address)"](idle, alice.address, alice.address)
    ).wait();
    const drained = await s.vault.vaultState();
    expect([drained.band, drained.tier]).to.deep.equal([Band.Idle, Tier.Hard]);
    expect(await s.vault.maxWithdraw(bob.address)).to.be.lessThan(usdc(1));
    const gate = await s.vault.rebalanceGate(bob.address);
    expect([gate.band, gate.tier, gate.allowed]).to.deep.equal([Band.Idle, Tier.Hard, true]);
    await expect(s.vault.connect(bob).rebalance()).to.emit(s.vault, "RoundSubmitted");
    await roundAfterOrder(s);
    await execute(s);
    await (await s.vault.connect(bob).settleRound()).wait();
    expect(await s.vault.maxWithdraw(bob.address)).to.be.greaterThan(usdc(990));
  });

  it("FIXED: a book with no short open or ordered reserves no fee: max* pay its holder in full", async function () {
    // Found: the execution fee (1 USDC) was reserved out of idle on any book, so on an undeployed
    // vault maxWithdraw was NAV - 1 USDC and maxRedeem short of the balance (a router exiting by
    // maxRedeem left the fee's worth of shares behind). The reserve now applies only while a short
    // is open or ordered, when a round may be needed to refill idle.
    const s = await networkHelpers.loadFixture(cashMargin);
    const alice = await depositor(s, 0, usdc(100_000));
    const shares = await s.vault.balanceOf(alice.address);
    expect(await s.vault.totalAssets()).to.equal(usdc(100_000));
    expect(await s.vault.maxWithdraw(alice.address)).to.equal(usdc(100_000) - 1n); // the shares' rounding
    expect(await s.vault.maxRedeem(alice.address)).to.equal(shares);
    await expect(
      s.vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address),
    ).to.changeTokenBalance(connection.ethers, s.usdc, alice, usdc(100_000) - 1n);
  });

  it("FIXED: an increase round queues the short first: the wait carries no delta, and a leaver escapes nothing", async function () {
    // Found: the first phase bought the spot and queued the short, so the wait carried ~47.5% of
    // NAV long (deltaBps above 4,000 against a 300 bps hard band); a 1% feed drop past the order's
    // bound cancelled the short and the stayers lost at least 45 bps of NAV while a leaver from
    // idle paid none of it. Now (cash margin) the short is queued first and the spot bought at
    // settlement: the same drop cancels the order and costs the stayers nothing.
    const s = await networkHelpers.loadFixture(cashMargin);
    await depositor(s, 0, usdc(50_000));
    const bob = await depositor(s, 1, usdc(50_000));
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const waiting = await s.vault.vaultState();
    expect(waiting.shortQty).to.equal(0n);
    expect(waiting.spotQty).to.equal(0n);
    expect(waiting.deltaBps).to.equal(0n);
    const bobMax = await s.vault.maxWithdraw(bob.address);
    await (await s.vault.connect(bob)["withdraw(uint256,address,address)"](bobMax, bob.address, bob.address)).wait();
    const navLeft = await s.vault.totalAssets();
    await roundAfterOrder(s, -100n);
    await execute(s); // the fill is 1% under the order's reference: cancelled (bound 50 bps)
    await (await s.vault.settleRound()).wait();
    const after = await s.vault.vaultState();
    expect(after.shortQty).to.equal(0n);
    expect(after.totalAssets).to.equal(navLeft);
    expect(after.deltaBps).to.equal(0n);
  });

  it("KNOWN LIMIT: the guardian's close waits out a pending round its executor never runs (the book's maxDelay, 3 h); its pause holds meanwhile", async function () {
    // Found: emergencyUnwind reverted VenueOrderPending while a round was pending, which also
    // undid its own pause. Now it pauses and returns; the close itself still waits for the round
    // (executed, or expired after the book's maxDelay) and is called again after the settle. With
    // the short queued first the wait carries no delta (cash margin).
    const s = await networkHelpers.loadFixture(cashMargin);
    await depositor(s, 0, usdc(100_000));
    await (await s.vault.connect(s.keeper).rebalance()).wait();
    const round = await s.vault.pendingRound();
    const order = await s.perpVenue.pendingOrder();
    expect(order.expiresAt - round.submittedAt).to.equal(DELAYED_ORDERS_DEFAULTS.maxDelay);
    await networkHelpers.time.increaseTo(order.expiresAt - 10n);
    await newRound(s, -1_000n);
    await expect(s.vault.connect(s.guardian).emergencyUnwind()).not.to.emit(s.vault, "RoundSubmitted");
    expect(await s.vault.paused()).to.equal(true);
    await expect(s.vault.settleRound()).to.be.revertedWithCustomError(s.vault, "RoundOrderPending");
    expect((await s.vault.vaultState()).deltaBps).to.equal(0n);
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
  it("KNOWN LIMIT: an order nobody executes before the feed's second round can never fill, and the vault waits out maxDelay (hedged: the short is queued first)", async function () {
    // The book fills an order only at the first feed round after it (LaterRoundThanFirst
    // otherwise). On a fast feed (a deviation-triggered round every few minutes in a volatile
    // market) an executor that misses one round leaves the order dead for the rest of the book's
    // maxDelay (3 h here): rebalance waits (VenueOrderPending). As reviewed the first phase's spot
    // (~47.5% of NAV) stayed unhedged meanwhile; with the short queued first (cash margin) the
    // book carries no delta while it waits. Still open (venue side, smallest): let
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
    expect(state.deltaBps).to.equal(0n);
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
  it("FIXED: a shrink's settle sells the freed collateral within the settling cap, not a bound widened while the round was pending", async function () {
    // Found: as in cash-margin mode, the settle read the live bound: widened to 300 bps while an
    // idle refill was pending, with the pool pushed 2.5% under the oracle, it sold 4,793 of freed
    // collateral at a loss of 122 (2.55%). Now the settle trades within the settling cap: the
    // freed collateral stays posted and nothing is lost.
    const s = await networkHelpers.loadFixture(spotCollateral);
    const alice = await hedged(s);
    const idle = (await s.vault.vaultState()).idle;
    await (
      await s.vault.connect(alice)["withdraw(uint256,address,address)"](idle, alice.address, alice.address)
    ).wait();
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
    expect(after.collateralQty).to.equal(waiting.collateralQty);
    expect(navBefore - after.totalAssets).to.be.lessThan(usdc(1));
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
  it("FIXED: on a venue that fills later the idle buffer cannot go under 2% (with 0, no exit could ever be refilled)", async function () {
    // Found: with idleBufferBps 0 (allowed then) the idle-low breach (idle under half the buffer)
    // could never hold: once Alice took idle, Bob (9,800 of value) could withdraw less than 1 and
    // every rebalance reverted WithinBands. On such a venue the buffer now has a floor.
    const s = await networkHelpers.loadFixture(cashMargin);
    await hedged(s);
    await expect(s.vault.connect(s.admin).setStrategy(await strategyWith(s, { idleBufferBps: 0 })))
      .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
      .withArgs(connection.ethers.encodeBytes32String("idleBufferBps"), 0n, 200n, 3_000n);
    await (await s.vault.connect(s.admin).setStrategy(await strategyWith(s, { idleBufferBps: 200 }))).wait();
  });
});
