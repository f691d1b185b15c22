/**
 * The oracle-edge guard against the vault, pinned (README, known limits): the guard cannot tell a
 * rebalance that happened to land just before a feed update from a trade placed ahead of it.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { vaultStackFixture } from "../../deploy/lib/stack/vaultStack.js";
import { deployed, price } from "../vault/helpers.js";

const { ethers, networkHelpers } = await network.create();
// The market's guard on, as deployed (the vault's own tests turn it off).
const fixture = vaultStackFixture(ethers, { keepOracleEdgeGuard: true });

describe("PerpMarket oracle-edge guard and the vault", function () {
  it("a redeem unwinding a short grown just before a falling update is refused until a later update", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    expect(await s.market.oracleEdgeWindow()).to.equal(15n);
    const { alice, shares } = await deployed(s); // the rebalance grows the short
    await s.setPrice(price(2_940)); // -2%, a second later: inside the window
    // Buying back the short would pay the update's gain back to the pool, so the unwind costs more
    // than the vault's bound lets a leaver pay.
    await expect(
      s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address),
    ).to.be.revertedWithCustomError(s.vault, "CostTooHigh");
    // The guard lifts with the next update that lands after the window.
    await networkHelpers.time.increase(60);
    await s.setPrice(price(2_940));
    await s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address);
    expect(await s.vault.balanceOf(alice.address)).to.equal(shares - shares / 2n);
  });
});
