/**
 * The vault's two-phase rounds on a real PerpMarket in delayed mode (IDelayedOrders: an order
 * fills at the first oracle round after it, from 5 s on, and expires after 3 h), in both hedge
 * modes: every transition of a pending round (executed, executed outside its price bound, expired,
 * a liquidation or a price move between the phases) and every flow while one is pending (deposit,
 * redeem, share transfer, settle twice or by anyone, the guardian's close).
 */
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { network } from "hardhat";
import { DELAYED_ORDERS_DEFAULTS } from "../../deploy/lib/stack/perp.js";
import { vaultStackFixture, type HedgeModeName, type VaultStack } from "../../deploy/lib/stack/vaultStack.js";
import { Band, Tier, usdc } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const ORACLE_SCALE = 10n ** 10n; // 8-decimal answer -> WAD
const WAD = 10n ** 18n;
const FEE = DELAYED_ORDERS_DEFAULTS.executionFee;

const fixtures = {
  "cash-margin": vaultStackFixture(connection, { venue: "delayed" }),
  "spot-collateral": vaultStackFixture(connection, { venue: "delayed", hedgeMode: "spot-collateral" }),
} as const;

/** Publishes a new feed round at the current answer moved by `bps` (the pool is not moved). */
async function newRound(s: VaultStack, bps = 0n) {
  const [, answer] = await s.oracle.latestRoundData();
  await (await s.oracle.updateAnswer((answer * (10_000n + bps)) / 10_000n)).wait();
}

/** Moves the feed and the pool to the current price moved by `bps`. */
async function movePrice(s: VaultStack, bps: bigint) {
  const [, answer] = await s.oracle.latestRoundData();
  await s.setPrice((answer * ORACLE_SCALE * (10_000n + bps)) / 10_000n);
}

async function depositor(s: VaultStack, index: number, amount: bigint) {
  const user = s.users[index];
  await s.fund(user, amount);
  await (await s.vault.connect(user)["deposit(uint256,address)"](amount, user.address)).wait();
  return user;
}

/** Lets the book's minimum delay pass and publishes the round the order fills at. */
async function roundAfterOrder(s: VaultStack, bps = 0n) {
  await networkHelpers.time.increase(Number(DELAYED_ORDERS_DEFAULTS.minDelay));
  await newRound(s, bps);
}

async function executeAsStranger(s: VaultStack) {
  const executor = s.users[9];
  await (await s.orderBook!.connect(executor).executeOrder(await s.perpVenue.getAddress())).wait();
  return executor;
}

for (const mode of Object.keys(fixtures) as HedgeModeName[]) {
  describe(`DeltaNeutralVault two-phase rounds on a delayed venue (${mode})`, function () {
    async function submitted() {
      const s = await networkHelpers.loadFixture(fixtures[mode]);
      const alice = await depositor(s, 0, usdc(100_000));
      const navBefore = await s.vault.totalAssets();
      await expect(s.vault.connect(s.keeper).rebalance()).to.emit(s.vault, "RoundSubmitted");
      return { s, alice, navBefore };
    }

    it("a rebalance submits its order and stops; the round records what settling needs", async function () {
      const { s, navBefore } = await submitted();
      const round = await s.vault.pendingRound();
      expect(round.submittedAt).to.be.greaterThan(0n);
      expect(round.band).to.equal(Band.Idle);
      expect(round.increasesShort).to.equal(true);
      expect(round.totalAssetsBefore).to.equal(navBefore);
      const order = await s.perpVenue.pendingOrder();
      expect(order.pending).to.equal(true);
      expect(order.size).to.equal(round.shortTarget);
      const state = await s.vault.vaultState();
      expect(state.shortQty).to.equal(0n);
      if (mode === "cash-margin") {
        // The perp leg goes first: no spot is bought until the short fills, so the book carries
        // no delta while the order waits; the margin for the short is posted.
        expect(state.spotQty).to.equal(0n);
        expect((await s.perpVenue.position()).margin).to.be.greaterThan(0n);
      } else {
        // The short needs the spot posted as its collateral first.
        expect(state.collateralQty).to.be.greaterThan(0n);
        expect(state.spotQty).to.equal(state.collateralQty);
      }
      // Only the execution fee and the spot trade's cost left NAV.
      expect(navBefore - state.totalAssets).to.be.greaterThanOrEqual(FEE);
      expect(navBefore - state.totalAssets).to.be.lessThan((navBefore * 50n) / 10_000n);
      // Nothing trades until the round settles.
      await expect(s.vault.connect(s.keeper).rebalance()).to.be.revertedWithCustomError(s.vault, "VenueOrderPending");
      // The guardian's close waits for the round too, but its pause holds meanwhile.
      await expect(s.vault.connect(s.guardian).emergencyUnwind()).not.to.emit(s.vault, "RoundSubmitted");
      expect(await s.vault.paused()).to.equal(true);
      await expect(s.vault.settleRound())
        .to.be.revertedWithCustomError(s.vault, "RoundOrderPending")
        .withArgs(order.expiresAt);
      expect((await s.vault.checkUpkeep("0x")).upkeepNeeded).to.equal(false);
    });

    it("executed: anyone settles once, the short reaches its target and Rebalanced prices both phases", async function () {
      const { s, navBefore } = await submitted();
      const round = await s.vault.pendingRound();
      await roundAfterOrder(s);
      const executor = await executeAsStranger(s);
      expect((await s.vault.checkUpkeep("0x")).upkeepNeeded).to.equal(true);
      const stranger = s.users[8];
      await expect(s.vault.connect(stranger).settleRound())
        .to.emit(s.vault, "RoundSettled")
        .withArgs(stranger.address, true, false, navBefore, anyValue)
        .and.to.emit(s.vault, "Rebalanced")
        .withArgs(stranger.address, Band.Idle, anyValue, navBefore, anyValue, anyValue, round.shortTarget, anyValue);
      await expect(s.vault.connect(stranger).settleRound()).to.be.revertedWithCustomError(s.vault, "NoPendingRound");
      const state = await s.vault.vaultState();
      expect(state.shortQty).to.equal(round.shortTarget);
      expect(state.tier).to.equal(0n); // within every band
      // The executor earned the fee; the two phases together cost less than the cost bound.
      expect(await s.usdc.balanceOf(executor.address)).to.equal(FEE);
      const maxCost = (navBefore * BigInt((await s.vault.strategy()).maxRebalanceCostBps)) / 10_000n;
      expect(navBefore - state.totalAssets).to.be.lessThanOrEqual(maxCost + FEE);
      expect((await s.vault.pendingRound()).submittedAt).to.equal(0n);
    });

    it("executed outside its price bound: the book cancels it, the settle frees nothing and the next round starts from the books", async function () {
      const { s } = await submitted();
      const before = await s.vault.vaultState();
      const margin = (await s.perpVenue.position()).margin;
      // The feed falls 3% (past the 50 bps bound on the short's sell) before the round it fills at.
      await roundAfterOrder(s, -300n);
      await executeAsStranger(s);
      expect((await s.perpVenue.pendingOrder()).pending).to.equal(false);
      await expect(s.vault.settleRound())
        .to.emit(s.vault, "RoundSettled")
        .withArgs(anyValue, false, false, anyValue, anyValue)
        .and.not.to.emit(s.vault, "Rebalanced");
      const after = await s.vault.vaultState();
      expect(after.shortQty).to.equal(0n);
      expect(after.spotQty).to.equal(before.spotQty);
      // Cash margin: the margin posted for a short that never opened returns to idle.
      expect((await s.perpVenue.position()).margin).to.equal(mode === "cash-margin" ? 0n : margin);
      // Cash margin: no spot was bought, the deposit is still idle. Spot collateral: the spot
      // posted in the first phase is unhedged, a delta breach. Either way a new round follows (at
      // the feed's new price, the pool moved to it).
      expect(after.band).to.equal(mode === "cash-margin" ? Band.Idle : Band.Delta);
      await movePrice(s, 0n);
      await expect(s.vault.rebalance()).to.emit(s.vault, "RoundSubmitted");
    });

    it("expired: the settle takes the order back, the fee returns to the vault (and margin no short needs)", async function () {
      const { s } = await submitted();
      const order = await s.perpVenue.pendingOrder();
      await networkHelpers.time.increaseTo(order.expiresAt - 3n);
      await newRound(s); // a later round than the order's first: it can no longer fill
      await expect(s.vault.settleRound()).to.be.revertedWithCustomError(s.vault, "RoundOrderPending");
      await networkHelpers.time.increaseTo(order.expiresAt - 1n); // the next block is at expiry
      const vaultAddress = await s.vault.getAddress();
      const balanceBefore = await s.usdc.balanceOf(vaultAddress);
      const before = await s.vault.vaultState();
      const marginBefore = (await s.perpVenue.position()).margin;
      expect((await s.vault.checkUpkeep("0x")).upkeepNeeded).to.equal(false); // a second early
      await expect(s.vault.settleRound())
        .to.emit(s.vault, "RoundSettled")
        .withArgs(anyValue, false, true, anyValue, anyValue);
      const after = await s.vault.vaultState();
      // Cash margin: the margin posted for the short that never opened comes back too.
      const marginBack = mode === "cash-margin" ? marginBefore : 0n;
      expect((await s.usdc.balanceOf(vaultAddress)) - balanceBefore).to.equal(FEE + marginBack);
      // With no position left (cash margin) nothing is reserved; posted spot keeps two fees back.
      const balanceAfter = await s.usdc.balanceOf(vaultAddress);
      expect(after.idle).to.equal(mode === "cash-margin" ? balanceAfter : balanceAfter - 2n * FEE);
      expect(after.totalAssets - before.totalAssets).to.equal(FEE);
      expect(after.shortQty).to.equal(0n);
      expect((await s.perpVenue.pendingOrder()).pending).to.equal(false);
      expect(await s.usdc.balanceOf(await s.orderBook!.getAddress())).to.equal(0n);
    });

    it("a price move between the phases: the fill is at the round's price and NAV follows the market, not the delay", async function () {
      const { s } = await submitted();
      await roundAfterOrder(s, -20n); // -0.2%: inside the bound
      await executeAsStranger(s);
      await (await s.vault.settleRound()).wait();
      const state = await s.vault.vaultState();
      // Hedged at the round's price: delta is back inside its band.
      expect(state.tier).to.equal(0n);
    });

    it("while pending: deposits go to idle, redeems are paid from idle only, shares move freely", async function () {
      const { s, alice } = await submitted();
      expect((await s.vault.pendingRound()).submittedAt).to.be.greaterThan(0n);
      const bob = await depositor(s, 1, usdc(10_000));
      const state = await s.vault.vaultState();
      expect(state.idle).to.be.greaterThanOrEqual(usdc(10_000));
      // Alice's shares are worth more than idle: she may take idle, not more.
      const maxWithdraw = await s.vault.maxWithdraw(alice.address);
      expect(maxWithdraw).to.equal(state.idle);
      const maxRedeem = await s.vault.maxRedeem(alice.address);
      expect(maxRedeem).to.be.lessThan(await s.vault.balanceOf(alice.address));
      const all = await s.vault.balanceOf(alice.address);
      await expect(
        s.vault.connect(alice)["redeem(uint256,address,address)"](all, alice.address, alice.address),
      ).to.be.revertedWithCustomError(s.vault, "VenueOrderPending");
      const paid = await s.vault.previewRedeem(maxRedeem);
      await expect(
        s.vault.connect(alice)["redeem(uint256,address,address)"](maxRedeem, alice.address, alice.address),
      ).to.changeTokenBalance(ethers, s.usdc, alice, paid);
      // Bob's shares move; the receiver redeems them from idle like any holder.
      const carol = s.users[2];
      const bobShares = await s.vault.balanceOf(bob.address);
      await (await s.vault.connect(bob).transfer(carol.address, bobShares)).wait();
      const carolMax = await s.vault.maxRedeem(carol.address);
      expect(carolMax).to.be.greaterThan(0n);
      // The round still settles after all of it.
      await roundAfterOrder(s);
      await executeAsStranger(s);
      await expect(s.vault.settleRound()).to.emit(s.vault, "RoundSettled");
    });

    it("with no round pending a withdrawal beyond idle still waits: the venue cannot fill an unwind in the leaver's transaction", async function () {
      const { s, alice } = await submitted();
      await roundAfterOrder(s);
      await executeAsStranger(s);
      await (await s.vault.settleRound()).wait();
      const state = await s.vault.vaultState();
      expect(await s.vault.maxWithdraw(alice.address)).to.equal(state.idle);
      await expect(
        s.vault.connect(alice)["withdraw(uint256,address,address)"](state.idle + 1n, alice.address, alice.address),
      )
        .to.be.revertedWithCustomError(s.vault, "ExitBeyondIdle")
        .withArgs(state.idle);
      await (
        await s.vault.connect(alice)["withdraw(uint256,address,address)"](state.idle, alice.address, alice.address)
      ).wait();
      // Idle is gone: here that is an idle breach, hard once under a quarter of the buffer, so
      // anyone (no keeper needed) runs the round that refills idle from the hedge.
      const drained = await s.vault.vaultState();
      expect([drained.band, drained.tier]).to.deep.equal([Band.Idle, Tier.Hard]);
      await newRound(s);
      await expect(s.vault.connect(s.users[6]).rebalance()).to.emit(s.vault, "RoundSubmitted");
      expect((await s.vault.pendingRound()).increasesShort).to.equal(false);
      await roundAfterOrder(s);
      await executeAsStranger(s);
      await expect(s.vault.settleRound()).to.emit(s.vault, "Rebalanced");
      const refilled = await s.vault.vaultState();
      const buffer = (refilled.totalAssets * BigInt((await s.vault.strategy()).idleBufferBps)) / 10_000n;
      expect(refilled.idle).to.be.greaterThanOrEqual(buffer / 2n);
      expect(await s.vault.maxWithdraw(alice.address)).to.equal(refilled.idle);
    });

    it("the guardian's close submits, and its settle leaves every position closed and the assets idle", async function () {
      const { s } = await submitted();
      await roundAfterOrder(s);
      await executeAsStranger(s);
      await (await s.vault.settleRound()).wait();
      await expect(s.vault.connect(s.guardian).emergencyUnwind())
        .to.emit(s.vault, "RoundSubmitted")
        .withArgs(s.guardian.address, Band.None, 0n, true, anyValue, anyValue, 0n);
      expect(await s.vault.paused()).to.equal(true);
      // Until the close fills, the spot stays held and hedged: the wait carries no delta.
      const waiting = await s.vault.vaultState();
      expect(waiting.shortQty).to.be.greaterThan(0n);
      expect(waiting.deltaBps < 0n ? -waiting.deltaBps : waiting.deltaBps).to.be.lessThan(10n);
      await roundAfterOrder(s);
      await executeAsStranger(s);
      // Settles while paused, by anyone.
      await expect(s.vault.connect(s.users[7]).settleRound())
        .to.emit(s.vault, "RoundSettled")
        .withArgs(s.users[7].address, true, false, anyValue, anyValue)
        .and.not.to.emit(s.vault, "Rebalanced");
      const state = await s.vault.vaultState();
      const position = await s.perpVenue.position();
      expect(state.shortQty).to.equal(0n);
      expect(position.collateral).to.equal(0n);
      expect(position.margin).to.equal(0n);
      expect(state.spotQty).to.be.lessThan(WAD / 1_000n); // at most dust the pool would not take
      expect(await s.usdc.balanceOf(await s.vault.getAddress())).to.equal(state.totalAssets);
    });
  });
}
