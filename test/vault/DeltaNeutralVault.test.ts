import { expect } from "chai";
import { network } from "hardhat";
import { vaultStackFixture, DEFAULT_STRATEGY } from "../../deploy/lib/stack/vaultStack.js";
import { Band, Tier, abs, deployed, depositFor, openLong, price, usdc, eth } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = vaultStackFixture(connection);
const { time } = networkHelpers;

/** Checks every target of a fresh rebalance within `tolBps` of NAV. */
async function expectAtTargets(s: Awaited<ReturnType<typeof fixture>>, tolBps = 30n) {
  const st = await s.vault.vaultState();
  const nav = st.totalAssets;
  const spotValue = (st.spotQty * st.price) / 10n ** 30n;
  // S* = N(1 - b)·L/(L + 1) with b = 5%, L = 2.
  const spotTarget = (nav * 9_500n * 20_000n) / (10_000n * 30_000n);
  expect(abs(spotValue - spotTarget) * 10_000n <= nav * tolBps, `spot ${spotValue} vs ${spotTarget}`).to.equal(true);
  expect(st.shortQty).to.equal(st.spotQty); // short sized from the spot actually held
  expect(st.deltaBps).to.equal(0n);
  expect(abs(st.marginRatioBps - 5_000n) <= 25n, `margin ratio ${st.marginRatioBps}`).to.equal(true);
  expect(abs(st.idleBps - 500n) <= tolBps, `idle ${st.idleBps}`).to.equal(true);
  expect(st.band).to.equal(Band.None);
  return st;
}

describe("DeltaNeutralVault: flows and scenarios on the real venues", function () {
  describe("deposit and first rebalance", function () {
    it("keeps deposits idle, with no delta, until a rebalance", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const [alice] = s.users;
      const preview = await s.vault.previewDeposit(usdc(1_000_000));
      const shares = await depositFor(s, alice, usdc(1_000_000));
      expect(shares).to.equal(preview);
      // Virtual shares: 10^6 share units per asset unit at start, for what is left after the
      // entry charge (the worst-case deploy cost: 3 x 50 bps on the 63.3% that goes into spot).
      const charge = usdc(1_000_000) - shares / 10n ** 6n;
      expect(charge >= usdc(9_500) && charge <= usdc(9_501), `charge ${charge}`).to.equal(true);
      const st = await s.vault.vaultState();
      expect(st.totalAssets).to.equal(usdc(1_000_000));
      expect(st.idle).to.equal(usdc(1_000_000));
      expect(st.spotQty).to.equal(0n);
      expect(st.deltaBps).to.equal(0n);
      expect(st.band).to.equal(Band.Idle);
      expect(st.tier).to.equal(Tier.Hard);
    });

    it("deploys at target: spot S*, short = spot, margin S*/L, idle buffer", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const [alice, stranger] = s.users;
      await depositFor(s, alice, usdc(1_000_000));
      // Hard tier (all idle): anyone may rebalance.
      await expect(s.vault.connect(stranger).rebalance()).to.emit(s.vault, "Rebalanced");
      const st = await expectAtTargets(s);
      // Trading costs (pool fee and impact on 63% of NAV, perp fee) stay under 0.2%.
      expect(st.totalAssets > (usdc(1_000_000) * 9_980n) / 10_000n).to.equal(true);
    });

    it("reverts with WithinBands when nothing is breached", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const st = await s.vault.vaultState();
      await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
      await s.oracle.updateAnswer(3_000_00000000n);
      await expect(s.vault.connect(s.keeper).rebalance())
        .to.be.revertedWithCustomError(s.vault, "WithinBands")
        .withArgs(st.deltaBps, st.marginRatioBps, st.idleBps);
    });
  });

  describe("price moves", function () {
    it("+40% at once: hard margin band, anyone restores it, no liquidation, delta back in band", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const navBefore = (await s.vault.vaultState()).totalAssets;
      await s.setPrice(price(4_200));
      const st = await s.vault.vaultState();
      expect(st.band).to.equal(Band.MarginLow);
      expect(st.tier).to.equal(Tier.Hard);
      // (0.5 - 0.4) / 1.4 of notional: about 7.1%, above the 5% maintenance margin.
      expect(st.marginRatioBps < 800n && st.marginRatioBps > 600n).to.equal(true);
      expect(await s.market.isLiquidatable(await s.perpVenue.getAddress())).to.equal(false);
      // Price moves do not move NAV: the short offsets the spot.
      expect(abs(st.totalAssets - navBefore) * 10_000n < navBefore * 5n).to.equal(true);

      await (await s.vault.connect(s.users[3]).rebalance()).wait();
      const after = await expectAtTargets(s);
      expect(after.totalAssets * 10_000n > navBefore * 9_980n).to.equal(true);
    });

    it("+40% in 5% steps: the keeper acts at the soft band and margin never nears maintenance", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const navBefore = (await s.vault.vaultState()).totalAssets;
      let minRatio = 10_000n;
      let rebalances = 0;
      for (let p = 3_150; p <= 4_200; p += 150) {
        await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
        await s.setPrice(price(p));
        const st = await s.vault.vaultState();
        if (st.marginRatioBps < minRatio) minRatio = st.marginRatioBps;
        expect(st.tier).to.not.equal(Tier.Hard);
        if (st.tier === Tier.Soft) {
          await (await s.vault.connect(s.keeper).rebalance()).wait();
          rebalances++;
        }
      }
      expect(rebalances >= 2).to.equal(true);
      expect(minRatio > 2_000n, `min margin ratio ${minRatio}`).to.equal(true);
      const end = await s.vault.vaultState();
      expect(abs(end.deltaBps) <= 100n).to.equal(true);
      expect(end.totalAssets * 10_000n > navBefore * 9_950n).to.equal(true);
    });

    it("-50%: excess margin funds the spot bought back, every band restored", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const navBefore = (await s.vault.vaultState()).totalAssets;
      const qBefore = (await s.vault.vaultState()).spotQty;
      await s.setPrice(price(1_500));
      const st = await s.vault.vaultState();
      expect(st.band).to.equal(Band.MarginHigh);
      expect(st.tier).to.equal(Tier.Hard);
      await (await s.vault.rebalance()).wait();
      const after = await expectAtTargets(s);
      // Same value at half the price: about twice the quantity.
      expect(abs(after.spotQty - 2n * qBefore) * 100n < qBefore).to.equal(true);
      expect(after.totalAssets * 10_000n > navBefore * 9_980n).to.equal(true);
    });

    it("-70% with nobody rebalancing on the way: unrealised profit is freed and every band restored", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const navBefore = (await s.vault.vaultState()).totalAssets;
      await s.setPrice(price(900));
      expect((await s.vault.vaultState()).band).to.equal(Band.MarginHigh);
      await expect(s.vault.rebalance()).to.emit(s.market, "ProfitRealized");
      const after = await expectAtTargets(s);
      expect(after.totalAssets * 10_000n > navBefore * 9_950n).to.equal(true);
    });

    it("a keeper may not act on a soft breach before the minimum interval", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      await s.setPrice(price(3_400)); // about +13%: soft margin band
      const st = await s.vault.vaultState();
      expect(st.tier).to.equal(Tier.Soft);
      await expect(s.vault.connect(s.keeper).rebalance())
        .to.be.revertedWithCustomError(s.vault, "RebalanceTooSoon")
        .withArgs(st.nextKeeperRebalanceAt);
      // next = time of the last rebalance + the interval
      expect(st.nextKeeperRebalanceAt).to.equal(
        BigInt(await time.latest()) - st.secondsSinceRebalance + BigInt(DEFAULT_STRATEGY.minRebalanceInterval),
      );
      await expect(s.vault.connect(s.users[2]).rebalance())
        .to.be.revertedWithCustomError(s.vault, "RebalanceNotAllowed")
        .withArgs(s.users[2].address, Band.MarginLow, Tier.Soft);
      await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
      await s.oracle.updateAnswer(3_400_00000000n);
      await expect(s.vault.connect(s.keeper).rebalance()).to.emit(s.vault, "Rebalanced");
    });
  });

  describe("funding", function () {
    it("accrues into the share price at the market's rate when longs skew the market", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const trader = s.users[5];
      await openLong(s, trader, eth(20_000), usdc(30_000_000));
      const before = await s.vault.vaultState();
      const position = await s.perpVenue.position();
      const ratePerDay: bigint = await s.market.fundingRatePerDay();
      expect(ratePerDay > 0n).to.equal(true); // skew long: longs pay shorts
      await time.increase(30 * 86_400);
      await s.oracle.updateAnswer(3_000_00000000n);
      const after = await s.vault.vaultState();
      const accrued = (await s.perpVenue.position()).accruedFunding - position.accruedFunding;
      // funding = size · rate · price · days (rate is per day, WAD; price WAD; USDC has 6 decimals)
      const expected = (position.shortSize * ratePerDay * 3_000n * 30n) / 10n ** 30n;
      expect(abs(accrued - expected) * 1_000n <= expected, `accrued ${accrued} vs ${expected}`).to.equal(true);
      expect(after.sharePrice > before.sharePrice).to.equal(true);
      expect(after.totalAssets - before.totalAssets).to.equal(accrued);
    });
  });

  describe("many depositors while positions are open", function () {
    it("each leaver gets their share less only their own exit cost; stayers never lose", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const users = s.users.slice(0, 6);
      const amounts = [usdc(250_000), usdc(100_000), usdc(400_000), usdc(50_000), usdc(123_457), usdc(1)];
      for (let i = 0; i < users.length; i++) await depositFor(s, users[i], amounts[i]);
      await (await s.vault.rebalance()).wait();
      await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
      await s.setPrice(price(3_300));

      for (const [i, user] of users.entries()) {
        if (i % 2 === 1) continue; // every other user leaves, the rest stay
        const stBefore = await s.vault.vaultState();
        const shares = await s.vault.balanceOf(user.address);
        const value = await s.vault.convertToAssets(shares);
        const preview = await s.vault.previewRedeem(shares);
        const cash = await s.usdc.balanceOf(user.address);
        await (
          await s.vault.connect(user)["redeem(uint256,address,address)"](shares, user.address, user.address)
        ).wait();
        const received = (await s.usdc.balanceOf(user.address)) - cash;
        // Never less than the preview, never more than the shares' value.
        expect(received >= preview, `received ${received} < preview ${preview}`).to.equal(true);
        expect(received <= value).to.equal(true);
        // The exit cost is small: < 0.2% of the value.
        expect((value - received) * 1_000n <= value * 2n + 1n).to.equal(true);
        const stAfter = await s.vault.vaultState();
        if (stAfter.totalSupply > 0n) {
          expect(stAfter.sharePrice >= stBefore.sharePrice, "stayers lost value").to.equal(true);
        }
      }
      // A small deposit and withdraw round trip returns no more than was put in.
      const late = s.users[7];
      await depositFor(s, late, usdc(10_000));
      const shares = await s.vault.balanceOf(late.address);
      const cash = await s.usdc.balanceOf(late.address);
      await (await s.vault.connect(late)["redeem(uint256,address,address)"](shares, late.address, late.address)).wait();
      expect((await s.usdc.balanceOf(late.address)) - cash <= usdc(10_000)).to.equal(true);
    });

    it("withdraw burns no more shares than previewWithdraw and pays exactly the assets asked", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice } = await deployed(s);
      const assets = usdc(300_000); // more than idle: unwinds
      const preview = await s.vault.previewWithdraw(assets);
      const sharesBefore = await s.vault.balanceOf(alice.address);
      const cash = await s.usdc.balanceOf(alice.address);
      await expect(
        s.vault.connect(alice)["withdraw(uint256,address,address)"](assets, alice.address, alice.address),
      ).to.emit(s.vault, "Unwound");
      expect((await s.usdc.balanceOf(alice.address)) - cash).to.equal(assets);
      const burned = sharesBefore - (await s.vault.balanceOf(alice.address));
      expect(burned <= preview).to.equal(true);
      expect(burned >= (await s.vault.convertToShares(assets))).to.equal(true);
      const st = await s.vault.vaultState();
      expect(abs(st.deltaBps) <= 5n).to.equal(true); // pro-rata unwind keeps the hedge
    });

    it("idle-only withdrawals do not touch positions", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice } = await deployed(s);
      const st = await s.vault.vaultState();
      const assets = st.idle / 2n;
      await expect(
        s.vault.connect(alice)["withdraw(uint256,address,address)"](assets, alice.address, alice.address),
      ).to.not.emit(s.vault, "Unwound");
      const after = await s.vault.vaultState();
      expect(after.spotQty).to.equal(st.spotQty);
      expect(after.shortQty).to.equal(st.shortQty);
    });
  });

  describe("fees", function () {
    it("management fee mints shares worth the annual rate to the recipient", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const recipient = s.users[6].address;
      await expect(s.vault.setFees(100, 0, recipient))
        .to.emit(s.vault, "FeesUpdated")
        .withArgs(100, 0, recipient);
      await time.increase(365 * 86_400);
      await s.oracle.updateAnswer(3_000_00000000n);
      await expect(s.vault.accrueFees()).to.emit(s.vault, "FeesAccrued");
      const st = await s.vault.vaultState();
      const feeValue = await s.vault.convertToAssets(await s.vault.balanceOf(recipient));
      // 1% of NAV, within 1 bp.
      expect(abs(feeValue - st.totalAssets / 100n) * 10_000n <= st.totalAssets).to.equal(true);
    });

    it("performance fee takes its share of gains above the high-water mark only once", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const recipient = s.users[6].address;
      await (await s.vault.setFees(0, 2_000, recipient)).wait();
      const hwm0 = await s.vault.highWaterMark();
      // Gains: a donation of 1% of NAV raises the share price.
      const nav = (await s.vault.vaultState()).totalAssets;
      await (await s.usdc.mint(await s.vault.getAddress(), nav / 100n)).wait();
      await time.increase(1);
      await (await s.vault.accrueFees()).wait();
      const feeValue = await s.vault.convertToAssets(await s.vault.balanceOf(recipient));
      // 20% of the 1% gain = 0.2% of NAV.
      expect(abs(feeValue - nav / 500n) * 1_000n <= nav / 500n).to.equal(true);
      expect((await s.vault.highWaterMark()) > hwm0).to.equal(true);
      // No new gains: no new fee.
      const held = await s.vault.balanceOf(recipient);
      await time.increase(1);
      await (await s.vault.accrueFees()).wait();
      expect(await s.vault.balanceOf(recipient)).to.equal(held);
    });

    it("fees are zero by default and bounded", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const fees = await s.vault.fees();
      expect(fees.managementFeeBps).to.equal(0n);
      expect(fees.performanceFeeBps).to.equal(0n);
      await expect(s.vault.setFees(201, 0, s.users[6].address))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("managementFeeBps"), 201, 0, 200);
      await expect(s.vault.setFees(0, 3_001, s.users[6].address))
        .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("performanceFeeBps"), 3_001, 0, 3_000);
    });
  });
});
