import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { network } from "hardhat";
import {
  DEFAULT_BANDS,
  DEFAULT_STRATEGY,
  HEARTBEAT,
  deployVaultOn,
  vaultStackFixture,
  type VaultStack,
} from "../../deploy/lib/stack/vaultStack.js";
import { Band, deployed, usdc } from "./helpers.js";
import type { DeltaNeutralVault } from "../../types/ethers-contracts/index.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = vaultStackFixture(connection);

async function depositInto(s: VaultStack, vault: DeltaNeutralVault, amount: bigint) {
  const [alice] = s.users;
  await (await s.usdc.mint(alice.address, amount)).wait();
  await (await s.usdc.connect(alice).approve(await vault.getAddress(), amount)).wait();
  await (await vault.connect(alice)["deposit(uint256,address)"](amount, alice.address)).wait();
  return alice;
}

/** A vault whose perp venue is a faulty wrapper around a real adapter. */
async function faultyPerpVault(s: VaultStack) {
  const adapter = await ethers.deployContract("PerpMarketAdapter", [await s.market.getAddress()]);
  const faulty = await ethers.deployContract("FaultyPerpVenue", [await adapter.getAddress()]);
  await (await adapter.bindVault(await faulty.getAddress())).wait();
  const vault = await deployVaultOn(connection, s, { perpVenue: await faulty.getAddress() });
  return { faulty, vault };
}

describe("DeltaNeutralVault: edges and faulty venues", function () {
  it("exposes its wiring and limits", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    expect(await s.vault.spotToken()).to.equal(s.addresses.weth);
    expect(await s.vault.spotVenue()).to.equal(s.addresses.venue);
    expect(await s.vault.perpVenue()).to.equal(await s.perpVenue.getAddress());
    expect(await s.vault.priceFeed()).to.equal(s.addresses.oracle);
    expect(await s.vault.depositCap()).to.equal(usdc(100_000_000));
    expect((await s.vault.strategy()).targetLeverageBps).to.equal(BigInt(DEFAULT_STRATEGY.targetLeverageBps));
    expect(await s.vault.decimals()).to.equal(12n); // USDC's 6 plus the 6-decimal offset
    const { alice, shares } = await deployed(s);
    expect(await s.vault.maxRedeem(alice.address)).to.equal(shares);
    const maxWithdraw = await s.vault.maxWithdraw(alice.address);
    const fullRedeem = await s.vault.previewRedeem(shares);
    // maxWithdraw keeps back 2 x VaultMath.UNWIND_ROUNDING_UNITS (12) of a full redeem.
    expect(maxWithdraw <= fullRedeem && maxWithdraw + 24n >= fullRedeem).to.equal(true);
  });

  it("the constructor rejects zero addresses and tokens with more than 18 decimals", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    // The deployment (Ignition) reports the constructor's revert by name.
    const refusal = async (deployment: Promise<unknown>) => {
      try {
        await deployment;
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("the vault deployed");
    };
    expect(await refusal(deployVaultOn(connection, s, { spotVenue: ethers.ZeroAddress }))).to.match(
      /Reverted with custom error ZeroAddress\(\)/,
    );
    const fat = await ethers.deployContract("TestERC20", ["Fat", "FAT", 24]);
    expect(await refusal(deployVaultOn(connection, s, { spotToken: await fat.getAddress() }))).to.match(
      /Reverted with custom error DecimalsTooLarge\(24\)/,
    );
  });

  it("withdraw and redeem beyond the owner's shares revert with the ERC-4626 errors", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const { alice, shares } = await deployed(s);
    await expect(s.vault.connect(alice)["redeem(uint256,address,address)"](shares + 1n, alice.address, alice.address))
      .to.be.revertedWithCustomError(s.vault, "ERC4626ExceededMaxRedeem")
      .withArgs(alice.address, shares + 1n, shares);
    const max = await s.vault.maxWithdraw(alice.address);
    // maxWithdraw is the worst case of a full redeem, so a little more may still fit; twice does not.
    await expect(s.vault.connect(alice)["withdraw(uint256,address,address)"](max * 2n, alice.address, alice.address))
      .to.be.revertedWithCustomError(s.vault, "ERC4626ExceededMaxWithdraw")
      .withArgs(alice.address, max * 2n, (reported: bigint) => reported >= max && reported <= max + 24n);
    // The maximum itself goes through, with the unwind.
    await expect(
      s.vault.connect(alice)["withdraw(uint256,address,address)"](max, alice.address, alice.address),
    ).to.emit(s.vault, "Unwound");
  });

  it("setters reject no-ops and a fee without a recipient", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const name = (x: string) => ethers.encodeBytes32String(x);
    await expect(s.vault.setStrategy(DEFAULT_STRATEGY))
      .to.be.revertedWithCustomError(s.vault, "ParameterUnchanged")
      .withArgs(name("strategy"));
    const { recipient } = await s.vault.fees();
    await expect(s.vault.setFees(0, 0, recipient))
      .to.be.revertedWithCustomError(s.vault, "ParameterUnchanged")
      .withArgs(name("fees"));
    await expect(s.vault.setFees(100, 0, ethers.ZeroAddress)).to.be.revertedWithCustomError(s.vault, "ZeroAddress");
  });

  it("fees: nothing accrues twice in one block or on an empty vault", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const recipient = s.users[6].address;
    await (await s.vault.setFees(200, 0, recipient)).wait();
    await networkHelpers.time.increase(86_400);
    await (await s.vault.accrueFees()).wait(); // empty vault: nothing to charge
    expect(await s.vault.balanceOf(recipient)).to.equal(0n);
    await s.oracle.updateAnswer(3_000_00000000n);
    await deployed(s);
    await networkHelpers.time.increase(86_400);
    await (await s.oracle.updateAnswer(3_000_00000000n)).wait();
    // Two accruals in one block: the second adds nothing.
    await ethers.provider.send("evm_setAutomine", [false]);
    const first = await s.vault.accrueFees();
    const second = await s.vault.accrueFees();
    await networkHelpers.mine();
    await ethers.provider.send("evm_setAutomine", [true]);
    const r1 = await first.wait();
    const r2 = await second.wait();
    const accrued = (r: typeof r1) =>
      r!.logs.filter((l) => l.topics[0] === s.vault.interface.getEvent("FeesAccrued").topicHash);
    expect(accrued(r1).length).to.equal(1);
    expect(accrued(r2).length).to.equal(0);
  });

  describe("faulty venues", function () {
    it("a perp venue with a pending asynchronous order blocks rebalances, unwinds and the close (which only pauses), not deposits", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { faulty, vault } = await faultyPerpVault(s);
      const alice = await depositInto(s, vault, usdc(100_000));
      await (await vault.rebalance()).wait();
      await (await faulty.setPending(true)).wait();
      await expect(vault.rebalance()).to.be.revertedWithCustomError(vault, "VenueOrderPending");
      // The guardian's close waits for the order, its pause holds, and nothing is traded.
      const before = await vault.vaultState();
      await (await vault.connect(s.guardian).emergencyUnwind()).wait();
      expect(await vault.paused()).to.equal(true);
      expect((await vault.vaultState()).shortQty).to.equal(before.shortQty);
      await (await vault.connect(s.guardian).unpause()).wait();
      const shares = await vault.balanceOf(alice.address);
      await expect(
        vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address),
      ).to.be.revertedWithCustomError(vault, "VenueOrderPending");
      // Idle-only flows go on.
      await depositInto(s, vault, usdc(1_000));
      await (
        await vault.connect(alice)["withdraw(uint256,address,address)"](usdc(1_000), alice.address, alice.address)
      ).wait();
    });

    it("an order the venue only queued (not filled) ends the rebalance at its first phase; the settle returns the margin posted for it", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { faulty, vault } = await faultyPerpVault(s);
      const alice = await depositInto(s, vault, usdc(100_000));
      await (await faulty.setQueueOnly(true)).wait();
      await expect(vault.rebalance()).to.emit(vault, "RoundSubmitted");
      const queued = await vault.vaultState();
      expect(queued.shortQty).to.equal(0n);
      // The venue says it fills later: the perp leg goes first, the spot waits for the fill.
      expect(await faulty.fillsLater()).to.equal(true);
      expect(queued.spotQty).to.equal(0n);
      expect((await faulty.position()).margin).to.be.greaterThan(0n);
      expect((await vault.pendingRound()).submittedAt).to.be.greaterThan(0n);
      // Nothing else trades until the round settles; the order never filled, so nothing is freed.
      await expect(vault.rebalance()).to.be.revertedWithCustomError(vault, "VenueOrderPending");
      const marginBefore = (await faulty.position()).margin;
      await expect(vault.settleRound())
        .to.emit(vault, "RoundSettled")
        .withArgs((await ethers.getSigners())[0].address, false, false, anyValue, anyValue)
        .and.not.to.emit(vault, "Rebalanced");
      // No short opened: the margin posted for it has nothing to back and returns to idle.
      expect(marginBefore).to.be.greaterThan(0n);
      expect((await faulty.position()).margin).to.equal(0n);
      expect((await vault.pendingRound()).submittedAt).to.equal(0n);
      await expect(vault.settleRound()).to.be.revertedWithCustomError(vault, "NoPendingRound");
      await (await faulty.setQueueOnly(false)).wait();
      await (await vault.rebalance()).wait();
      await (await faulty.setQueueOnly(true)).wait();
      const shares = await vault.balanceOf(alice.address);
      await expect(
        vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address),
      ).to.be.revertedWithCustomError(vault, "VenueOrderPending");
    });

    it("a perp partial fill that leaves delta past its hard band makes the rebalance revert with BandWorsened", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { faulty, vault } = await faultyPerpVault(s);
      await depositInto(s, vault, usdc(100_000));
      await (await faulty.setFillBps(5_000)).wait();
      // The idle band improved, but half the spot bought is unhedged: delta from 0 to far past
      // its 300 bps hard band (reported as bps past the 100 bps soft band).
      await expect(vault.rebalance())
        .to.be.revertedWithCustomError(vault, "BandWorsened")
        .withArgs(Band.Delta, 0n, (v: bigint) => v > 200n);
    });

    it("a spot venue that short-changes the vault is caught by the vault's own output check", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const greedy = await ethers.deployContract("GreedySpotVenue", [s.addresses.venue]);
      const vault = await deployVaultOn(connection, s, { spotVenue: await greedy.getAddress() });
      await depositInto(s, vault, usdc(100_000));
      await expect(vault.rebalance()).to.be.revertedWithCustomError(vault, "SpotOutputTooLow");
    });

    it("a rebalance costing more than maxRebalanceCostBps reverts with CostTooHigh", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const vault = await deployVaultOn(connection, s, { strategy: { ...DEFAULT_STRATEGY, maxRebalanceCostBps: 1 } });
      await depositInto(s, vault, usdc(1_000_000));
      await expect(vault.rebalance()).to.be.revertedWithCustomError(vault, "CostTooHigh");
    });
  });

  it("the high-water mark never falls, even when the management fee outweighs a small gain", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    await deployed(s);
    await (await s.vault.setFees(200, 2_000, s.users[6].address)).wait();
    const mark = await s.vault.highWaterMark();
    await networkHelpers.time.increase(30 * 86_400);
    await (await s.oracle.updateAnswer(3_000_00000000n)).wait();
    const nav = (await s.vault.vaultState()).totalAssets;
    await (await s.usdc.mint(await s.vault.getAddress(), nav / 10_000n)).wait(); // a 0.01% gain
    await (await s.vault.accrueFees()).wait();
    expect((await s.vault.highWaterMark()) >= mark).to.equal(true);
  });

  it("a dust redeem that needs an unwind pays what is left instead of panicking", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const { alice } = await deployed(s);
    // Empty idle first, so the next redeem must unwind.
    const idle = (await s.vault.vaultState()).idle;
    await (
      await s.vault.connect(alice)["withdraw(uint256,address,address)"](idle, alice.address, alice.address)
    ).wait();
    const tiny = await s.vault.convertToShares(2n);
    await (await s.vault.connect(alice)["redeem(uint256,address,address)"](tiny, alice.address, alice.address)).wait();
    expect(await s.vault.balanceOf(alice.address)).to.be.greaterThan(0n);
  });

  it("the hard margin floor must sit above the perp venue's initial margin", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    await expect(s.vault.setBands({ ...DEFAULT_BANDS, minMarginRatioHardBps: 1_000 }))
      .to.be.revertedWithCustomError(s.vault, "ParameterOutOfBounds")
      .withArgs(ethers.encodeBytes32String("minMarginRatioHardBps"), 1_000, 1_001, 50_000);
  });

  it("a wei of donated spot does not make an all-idle vault depend on the oracle", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const alice = await depositInto(s, s.vault, usdc(1_000));
    await (await s.weth.mint(await s.vault.getAddress(), 1n)).wait();
    await networkHelpers.time.increase(HEARTBEAT + 1); // the feed is now stale
    const shares = await s.vault.balanceOf(alice.address);
    await (
      await s.vault.connect(alice)["redeem(uint256,address,address)"](shares, alice.address, alice.address)
    ).wait();
    expect(await s.vault.balanceOf(alice.address)).to.equal(0n);
  });
});
