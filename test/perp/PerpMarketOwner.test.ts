/**
 * The market owner's powers against open positions, on the whole stack: the owner is a separate
 * account from the vault's admin, and tightening changes are bounded per change and delayed, so
 * the owner can neither liquidate the vault's healthy short nor freeze its exits at once.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { vaultStackFixture } from "../../deploy/lib/stack/vaultStack.js";
import { deployed, usdc } from "../vault/helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = vaultStackFixture(connection);
const name = (s: string) => ethers.encodeBytes32String(s);
const DELAY = 2n * 86_400n;

async function deployedStack() {
  const s = await networkHelpers.loadFixture(fixture);
  await deployed(s);
  return s;
}

describe("PerpMarket owner bounds", function () {
  it("the market's owner is not the vault's admin", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    expect(await s.market.owner()).to.equal(s.marketOwner.address);
    expect(await s.vault.owner()).to.equal(s.admin.address);
    expect(s.marketOwner.address).to.not.equal(s.admin.address);
  });

  it("the review's attack, replayed: the owner's margin raise liquidates nothing and takes nothing", async function () {
    const s = await deployedStack();
    const owner = s.market.connect(s.marketOwner);
    const adapter = await s.perpVenue.getAddress();
    const ownerWallet = s.marketOwner.address;
    const before = await s.usdc.balanceOf(ownerWallet);
    const navBefore = (await s.vault.vaultState()).totalAssets;
    // Initial 100%, maintenance 99.99%, reward 5% (each call may be refused), then liquidate.
    for (const [param, value] of [
      ["initialMarginBps", 10_000n],
      ["maintenanceMarginBps", 9_999n],
      ["liquidationRewardBps", 500n],
    ] as const) {
      await owner.setParameter(name(param), value).catch(() => undefined);
    }
    expect(await s.market.isLiquidatable(adapter)).to.equal(false);
    await owner.liquidate(adapter).catch(() => undefined);
    // Before the fix: the vault's short was liquidated and the owner kept the 5% reward
    // (five rounds took 148,389 USDC, NAV -15%, from a 1M vault).
    expect(await s.market.sizeOf(adapter)).to.be.lessThan(0n);
    expect(await s.usdc.balanceOf(ownerWallet)).to.equal(before);
    expect((await s.vault.vaultState()).totalAssets).to.equal(navBefore);
  });

  it("the review's freeze, replayed: raising initial margin to 100% does not block exits", async function () {
    const s = await deployedStack();
    const [alice] = s.users;
    await s.market
      .connect(s.marketOwner)
      .setParameter(name("initialMarginBps"), 10_000n)
      .catch(() => undefined);
    const shares = await s.vault.balanceOf(alice.address);
    // Before the fix this unwind reverted: the venue refused any margin withdrawal at 100%.
    await s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address);
    expect(await s.vault.balanceOf(alice.address)).to.equal(shares - shares / 2n);
  });

  it("cannot raise margins and the reward to liquidate the vault's healthy short", async function () {
    const s = await deployedStack();
    const owner = s.market.connect(s.marketOwner);
    const adapter = await s.perpVenue.getAddress();
    // The review's attack: initial 100%, maintenance 99.99%, reward 5%, liquidate, restore.
    await expect(owner.setParameter(name("initialMarginBps"), 10_000n))
      .to.be.revertedWithCustomError(s.market, "ParameterStepTooLarge")
      .withArgs(name("initialMarginBps"), 10_000n, 1_000n, 1_500n);
    await expect(owner.setParameter(name("liquidationRewardBps"), 500n))
      .to.be.revertedWithCustomError(s.market, "ParameterStepTooLarge")
      .withArgs(name("liquidationRewardBps"), 500n, 100n, 150n);
    // The largest steps allowed only become pending.
    await owner.setParameter(name("initialMarginBps"), 1_500n);
    await owner.setParameter(name("maintenanceMarginBps"), 999n);
    await owner.setParameter(name("liquidationRewardBps"), 150n);
    expect((await s.market.marketParams()).maintenanceMarginBps).to.equal(500n);
    expect(await s.market.isLiquidatable(adapter)).to.equal(false);
    await expect(s.market.connect(s.users[5]).liquidate(adapter)).to.be.revertedWithCustomError(
      s.market,
      "NotLiquidatable",
    );
    // Open positions see what is coming and when.
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const pending = await s.market.pendingParameters();
    expect(pending.map((p) => [p.name, p.value])).to.deep.equal([
      [name("initialMarginBps"), 1_500n],
      [name("maintenanceMarginBps"), 999n],
      [name("liquidationRewardBps"), 150n],
    ]);
    for (const p of pending) expect(p.effectiveAt >= now + DELAY - 3n && p.effectiveAt <= now + DELAY).to.equal(true);
    await expect(s.market.applyParameter(name("maintenanceMarginBps"))).to.be.revertedWithCustomError(
      s.market,
      "ParameterNotYetEffective",
    );
  });

  it("cannot freeze the vault's exits by raising initial margin at once", async function () {
    const s = await deployedStack();
    const [alice] = s.users;
    await expect(
      s.market.connect(s.marketOwner).setParameter(name("initialMarginBps"), 10_000n),
    ).to.be.revertedWithCustomError(s.market, "ParameterStepTooLarge");
    await s.market.connect(s.marketOwner).setParameter(name("initialMarginBps"), 1_500n);
    // Exits beyond idle still work under the parameters in force.
    const shares = await s.vault.balanceOf(alice.address);
    await s.vault.connect(alice)["redeem(uint256,address,address)"](shares / 2n, alice.address, alice.address);
    expect(await s.vault.balanceOf(alice.address)).to.equal(shares - shares / 2n);
  });

  it("every change, loosening included, waits out the delay, is listed with its time and can be withdrawn", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const owner = s.market.connect(s.marketOwner);
    await expect(owner.setParameter(name("takerFeeBps"), 15n))
      .to.emit(s.market, "ParameterProposed")
      .and.not.to.emit(s.market, "ParameterSet");
    await networkHelpers.time.increase(DELAY);
    await expect(s.market.connect(s.users[0]).applyParameter(name("takerFeeBps")))
      .to.emit(s.market, "ParameterSet")
      .withArgs(name("takerFeeBps"), 15n);
    expect((await s.market.marketParams()).takerFeeBps).to.equal(15n);
    await expect(s.market.applyParameter(name("takerFeeBps")))
      .to.be.revertedWithCustomError(s.market, "NoPendingParameter")
      .withArgs(name("takerFeeBps"));
    // Lowering the fee waits too (a zero fee ahead of an update is an owner's edge), and is listed.
    const tx = owner.setParameter(name("takerFeeBps"), 0n);
    await expect(tx).to.emit(s.market, "ParameterProposed").and.not.to.emit(s.market, "ParameterSet");
    const at = BigInt((await (await tx).getBlock())!.timestamp) + DELAY;
    const pending = await s.market.pendingParameters();
    expect(pending.map((p) => [p.name, p.value, p.effectiveAt])).to.deep.equal([[name("takerFeeBps"), 0n, at]]);
    expect((await s.market.marketParams()).takerFeeBps).to.equal(15n);
    await expect(s.market.applyParameter(name("takerFeeBps")))
      .to.be.revertedWithCustomError(s.market, "ParameterNotYetEffective")
      .withArgs(name("takerFeeBps"), at);
    // Proposing the value in force withdraws the pending change; with nothing pending it is refused.
    await expect(owner.setParameter(name("takerFeeBps"), 15n)).to.emit(s.market, "ParameterProposalCancelled");
    expect(await s.market.pendingParameters()).to.deep.equal([]);
    await expect(owner.setParameter(name("takerFeeBps"), 15n))
      .to.be.revertedWithCustomError(s.market, "ParameterUnchanged")
      .withArgs(name("takerFeeBps"), 15n);
    // Halving the skew scale is the largest premium step; cap changes and a raised scale wait too.
    await expect(owner.setParameter(name("skewScale"), 400_000n)).to.be.revertedWithCustomError(
      s.market,
      "ParameterStepTooLarge",
    );
    await expect(owner.setParameter(name("maxShortOpenInterest"), 1n)).to.emit(s.market, "ParameterProposed");
    await expect(owner.setParameter(name("skewScale"), 10_000_000_000n)).to.emit(s.market, "ParameterProposed");
  });

  it("a pending change is checked again against the parameters in force when applied", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const owner = s.market.connect(s.marketOwner);
    await owner.setParameter(name("maintenanceMarginBps"), 900n); // pending, below initial 1000
    await owner.setParameter(name("initialMarginBps"), 800n); // pending too
    await networkHelpers.time.increase(DELAY);
    await s.market.applyParameter(name("initialMarginBps"));
    await expect(s.market.applyParameter(name("maintenanceMarginBps")))
      .to.be.revertedWithCustomError(s.market, "ParameterOutOfBounds")
      .withArgs(name("maintenanceMarginBps"), 900n, 100n, 799n);
    expect(usdc(1)).to.equal(1_000_000n);
  });
});
