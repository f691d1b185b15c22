/**
 * Hostile flows from the vault's security review, each replayed with its numbers on the real
 * local stack (Uniswap V3 pool, PerpMarket, Chainlink mock feed). Each `describe` is one finding.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { DEFAULT_STRATEGY, vaultStackFixture, type VaultStack } from "../fixtures/vaultStack.js";
import { Band, Tier, deployed, depositFor, price, usdc } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const fixture = vaultStackFixture(ethers);

/** Rebalances as `who` until every band holds or `limit` rebalances ran; returns how many ran. */
async function rebalanceUntilCalm(s: VaultStack, limit: number, restorePool: bigint) {
  let runs = 0;
  while ((await s.vault.vaultState()).band !== Band.None && runs < limit) {
    await (await s.vault.connect(s.users[9]).rebalance()).wait();
    runs++;
    // An arbitrageur trades the pool back to the oracle between blocks.
    await s.setPrice(restorePool);
  }
  return runs;
}

describe("DeltaNeutralVault: hostile flows", function () {
  describe("finding 1: a parked idle deposit cannot freeze the margin rescue", function () {
    it("1M deployed + 15M idle, +30%: anyone's rescue lands, the short survives +44%, the rest deploys stepwise", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice } = await deployed(s, usdc(1_000_000));
      const aliceValue0 = await s.vault.previewRedeem(await s.vault.balanceOf(alice.address));
      const whale = s.users[1];
      await depositFor(s, whale, usdc(15_000_000));

      await s.setPrice(price(3_900)); // +30%
      const rally = await s.vault.vaultState();
      expect(rally.band).to.equal(Band.MarginLow);
      expect(rally.tier).to.equal(Tier.Hard);
      expect(rally.marginRatioBps < 2_000n, `ratio ${rally.marginRatioBps}`).to.equal(true);

      // The whole way to target would buy ~9.3M of spot in one swap: far beyond what the pool
      // fills within 50 bps. The rescue still lands, for anyone.
      await (await s.vault.connect(s.users[9]).rebalance()).wait();
      const rescued = await s.vault.vaultState();
      expect(rescued.marginRatioBps >= 4_500n, `ratio after ${rescued.marginRatioBps}`).to.equal(true);
      expect(rescued.deltaBps <= 100n && rescued.deltaBps >= -100n).to.equal(true);
      // Part of the idle was deployed (the halvings that fit), none of the book is unhedged.
      expect(rescued.spotQty > rally.spotQty).to.equal(true);
      expect(rescued.idleBps < rally.idleBps).to.equal(true);
      expect(rescued.shortQty).to.equal(rescued.spotQty);

      // +44%: the short that would have been liquidated is far from it.
      await s.setPrice(price(4_320));
      expect(await s.market.isLiquidatable(await s.perpVenue.getAddress())).to.equal(false);
      expect((await s.vault.vaultState()).marginRatioBps > 3_000n).to.equal(true);

      // Repeated partial rebalances deploy the rest (the keeper's loop), each one in bounds.
      const runs = await rebalanceUntilCalm(s, 12, price(4_320));
      const calm = await s.vault.vaultState();
      expect(calm.band, `still ${calm.band} after ${runs} rebalances`).to.equal(Band.None);

      // The price returns; the other depositor kept its value (the review measured -28%).
      await s.setPrice(price(3_000));
      await rebalanceUntilCalm(s, 4, price(3_000));
      const aliceValue1 = await s.vault.previewRedeem(await s.vault.balanceOf(alice.address));
      expect(aliceValue1 * 10_000n >= aliceValue0 * 9_900n, `alice ${aliceValue0} -> ${aliceValue1}`).to.equal(true);
    });

    it("a rebalance that cannot improve the breached band reverts with BandStillBreached", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await depositFor(s, s.users[0], usdc(1_000_000));
      await (await s.vault.connect(s.users[0]).rebalance()).wait();
      expect((await s.vault.vaultState()).band).to.equal(Band.None);
      expect(DEFAULT_STRATEGY.maxSlippageBps).to.equal(50);
    });
  });
});
