/**
 * The oracle-edge rule against the vault (README, known limits): right after a feed update, a
 * trade fills at the worse of the new and the previous answer, so an unwind after a large move may
 * exceed the vault's slippage bound, for at most the window after the update, however anyone trades.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { vaultStackFixture } from "../../deploy/lib/stack/vaultStack.js";
import { deployed, price } from "../vault/helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
// The market's rule on, as deployed (the vault's own tests turn it off).
const fixture = vaultStackFixture(connection, { keepOracleEdgeGuard: true });

describe("PerpMarket oracle-edge rule and the vault", function () {
  it("a redeem right after a -2% update is refused within the window and succeeds once it has passed", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const window = await s.market.oracleEdgeWindow();
    expect(window).to.equal(15n);
    const { alice, shares } = await deployed(s);
    await networkHelpers.time.increase(60);
    await s.setPrice(price(2_940)); // -2%
    // Buying back the short fills at the previous answer, 3000: 2% above the vault's bound.
    await expect(
      s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address),
    ).to.be.revertedWithCustomError(s.market, "FillPriceOutOfBounds");
    // No new update is needed: the window is counted from the feed's own round.
    await networkHelpers.time.increase(window);
    await s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address);
    expect(await s.vault.balanceOf(alice.address)).to.equal(shares - shares / 2n);
  });

  it("a griefer trading or rebalancing inside the window does not extend it", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const { alice, shares } = await deployed(s);
    const griefer = s.users[1];
    await networkHelpers.time.increase(60);
    await s.setPrice(price(2_940));
    const updatedAt = (
      await (
        await ethers.getContractAt("AggregatorV3Interface", await s.market.feed().then((f) => f.aggregator))
      ).latestRoundData()
    )[3];
    // Trades on the market, one a second, through the window.
    await s.usdc.mint(griefer.address, 1_000_000n * 10n ** 6n);
    await s.usdc.connect(griefer).approve(await s.market.getAddress(), 1_000_000n * 10n ** 6n);
    await s.market.connect(griefer).depositMargin(1_000_000n * 10n ** 6n);
    for (let i = 0; i < 5; i++) {
      await s.market
        .connect(griefer)
        .modifyPosition(i % 2 === 0 ? 10n ** 18n : -(10n ** 18n), i % 2 === 0 ? ethers.MaxUint256 : 0n);
    }
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    // One second past the window after the update itself, not after the griefer's last trade.
    await networkHelpers.time.increaseTo(updatedAt + (await s.market.oracleEdgeWindow()));
    expect(now < updatedAt + 15n).to.equal(true);
    await s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address);
    expect(await s.vault.balanceOf(alice.address)).to.equal(shares - shares / 2n);
  });
});
