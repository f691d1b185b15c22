import { expect } from "chai";
import { network } from "hardhat";
import {
  DEFAULT_STRATEGY,
  HEARTBEAT,
  deployVaultOn,
  vaultStackFixture,
  type VaultStack,
} from "../../deploy/lib/stack/vaultStack.js";
import { pushPoolToPrice } from "../../deploy/lib/uniswap.js";
import { setParameterThroughDelay } from "../../deploy/lib/stack/perp.js";
import { Band, Tier, abs, deployed, depositFor, price, usdc } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = vaultStackFixture(connection);
const sequencerFixture = vaultStackFixture(connection, { withSequencerFeed: true });
const { time } = networkHelpers;

/** Books that must not change when an attack fails. */
async function books(s: VaultStack) {
  const vault = await s.vault.getAddress();
  return {
    idle: await s.usdc.balanceOf(vault),
    spot: await s.weth.balanceOf(vault),
    position: (await s.perpVenue.position()).shortSize,
    supply: await s.vault.totalSupply(),
  };
}

/** Trades the pool to `target` as an attacker would, minting what it needs. */
async function pushPool(s: VaultStack, target: bigint) {
  await pushPoolToPrice(s.admin, s.uniswap.router, s.pool, s.pair, target, {
    fund: async (token, amount) => {
      const t = token === s.addresses.usdc ? s.usdc : s.weth;
      await (await t.mint(s.admin.address, amount)).wait();
    },
  });
}

describe("DeltaNeutralVault: attacks", function () {
  describe("first-depositor inflation and donations", function () {
    it("a 1-wei first deposit plus a large donation cannot steal from the next depositor", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const [attacker, victim] = s.users;
      await depositFor(s, attacker, 1n);
      const donation = usdc(1_000_000);
      await (await s.usdc.mint(attacker.address, donation)).wait();
      await (await s.usdc.connect(attacker).transfer(await s.vault.getAddress(), donation)).wait();

      const deposit = usdc(10_000);
      // What the victim is owed: its deposit less the entry charge every depositor pays.
      const owed = await s.vault.convertToAssets(await s.vault.previewDeposit(deposit));
      await depositFor(s, victim, deposit);
      const victimValue = await s.vault.previewRedeem(await s.vault.balanceOf(victim.address));
      // The victim keeps all of it but a rounding sliver (< 0.01%).
      expect(owed - victimValue <= deposit / 10_000n, `victim value ${victimValue} of ${owed}`).to.equal(true);
      expect(owed > (deposit * 9_900n) / 10_000n).to.equal(true);
      // The attacker loses about half the donation to the virtual shares.
      const attackerValue = await s.vault.previewRedeem(await s.vault.balanceOf(attacker.address));
      expect(attackerValue < (donation * 6n) / 10n).to.equal(true);
    });

    it("donated spot tokens raise every holder's share price and cannot be pulled back by the donor", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice } = await deployed(s);
      const donor = s.users[4];
      await depositFor(s, donor, usdc(1_000));
      const before = (await s.vault.vaultState()).sharePrice;
      await (await s.weth.mint(await s.vault.getAddress(), 10n ** 18n)).wait();
      const after = (await s.vault.vaultState()).sharePrice;
      expect(after > before).to.equal(true);
      const donorMax = await s.vault.maxWithdraw(donor.address);
      expect(donorMax < usdc(1_010)).to.equal(true); // its share of the gift, not the gift
      expect(await s.vault.maxWithdraw(alice.address)).to.be.greaterThan(0n);
    });
  });

  describe("oracle faults", function () {
    it("a stale price stops deposits and rebalances with OracleStalePrice", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const [, , , , bob] = s.users;
      await s.fund(bob, usdc(1_000));
      await time.increase(HEARTBEAT + 1);
      await expect(
        s.vault.connect(bob)["deposit(uint256,address)"](usdc(1_000), bob.address),
      ).to.be.revertedWithCustomError(s.vault, "OracleStalePrice");
      await expect(s.vault.rebalance()).to.be.revertedWithCustomError(s.vault, "OracleStalePrice");
    });

    for (const answer of [0n, -1n]) {
      it(`an oracle answer of ${answer} is rejected with OracleNonPositivePrice`, async function () {
        const s = await networkHelpers.loadFixture(fixture);
        await deployed(s);
        await (await s.oracle.updateAnswer(answer)).wait();
        await expect(s.vault.vaultState())
          .to.be.revertedWithCustomError(s.vault, "OracleNonPositivePrice")
          .withArgs(s.addresses.oracle, answer);
        await expect(s.vault.rebalance()).to.be.revertedWithCustomError(s.vault, "OracleNonPositivePrice");
      });
    }

    it("a down sequencer blocks pricing with SequencerDown, and the grace period after restart holds", async function () {
      const s = await networkHelpers.loadFixture(sequencerFixture);
      await deployed(s);
      const seq = await s.sequencer!.getAddress();
      await (await s.sequencer!.setStatus(1, await time.latest())).wait();
      await expect(s.vault.rebalance()).to.be.revertedWithCustomError(s.vault, "SequencerDown").withArgs(seq);
      const restarted = await time.latest();
      await (await s.sequencer!.setStatus(0, restarted)).wait();
      await expect(s.vault.vaultState()).to.be.revertedWithCustomError(s.vault, "SequencerGracePeriodNotOver");
    });
  });

  describe("trading attacks", function () {
    it("a sandwiched rebalance (pool pushed 2% off the oracle) fills nothing, reverts and loses nothing", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const [alice] = s.users;
      await depositFor(s, alice, usdc(1_000_000));
      const before = await books(s);
      const nav = (await s.vault.vaultState()).totalAssets;
      await pushPool(s, price(3_060)); // front-run: WETH 2% dearer in the pool than the oracle says
      // Every halving down to 1/32 of the plan misses the oracle bound, so no spot is bought and
      // the idle band did not improve.
      await expect(s.vault.rebalance())
        .to.be.revertedWithCustomError(s.vault, "BandStillBreached")
        .withArgs(Band.Idle, 0n, ethers.MaxUint256, 10_000n);
      expect(await books(s)).to.deep.equal(before);
      expect((await s.vault.vaultState()).totalAssets).to.equal(nav);
    });

    it("a sandwiched withdrawal unwind reverts instead of selling spot cheap", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice } = await deployed(s);
      await pushPool(s, price(2_940)); // WETH 2% cheaper in the pool
      const before = await books(s);
      await expect(
        s.vault.connect(alice)["withdraw(uint256,address,address)"](usdc(500_000), alice.address, alice.address),
      ).to.be.revertedWithCustomError(s.venue, "InsufficientOutput");
      expect(await books(s)).to.deep.equal(before);
    });

    it("repeated rebalances inside the bands revert and cannot bleed NAV", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      const nav = (await s.vault.vaultState()).totalAssets;
      for (let i = 0; i < 5; i++) {
        await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
        await s.setPrice(price(i % 2 === 0 ? 3_060 : 2_940)); // ±2%: inside every band
        await expect(s.vault.connect(s.keeper).rebalance()).to.be.revertedWithCustomError(s.vault, "WithinBands");
        await expect(s.vault.connect(s.users[3]).rebalance()).to.be.revertedWithCustomError(s.vault, "WithinBands");
      }
      await s.setPrice(price(3_000));
      const after = (await s.vault.vaultState()).totalAssets;
      expect(abs(after - nav) * 10_000n <= nav, `NAV ${nav} -> ${after}`).to.equal(true);
    });

    it("a rebalance that cannot complete (perp open-interest cap) leaves every balance unchanged", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const [alice] = s.users;
      await depositFor(s, alice, usdc(1_000_000));
      await setParameterThroughDelay(ethers, s.market, "maxShortOpenInterest", 1n, s.oracle);
      const before = await books(s);
      await expect(s.vault.rebalance()).to.be.revertedWithCustomError(s.market, "OpenInterestCapExceeded");
      expect(await books(s)).to.deep.equal(before);
    });
  });

  describe("reentrancy through a hostile venue", function () {
    async function hostileVault(s: VaultStack) {
      const hostile = await ethers.deployContract("ReentrantSpotVenue", [await s.venue.getAddress()]);
      const vault = await deployVaultOn(connection, s, { spotVenue: await hostile.getAddress() });
      return { hostile, vault };
    }

    for (const name of ["rebalance", "deposit", "redeem"]) {
      it(`a venue re-entering ${name} during a rebalance hits the reentrancy guard`, async function () {
        const s = await networkHelpers.loadFixture(fixture);
        const { hostile, vault } = await hostileVault(s);
        const [alice] = s.users;
        await (await s.usdc.mint(alice.address, usdc(100_000))).wait();
        await (await s.usdc.connect(alice).approve(await vault.getAddress(), usdc(100_000))).wait();
        await (await vault.connect(alice)["deposit(uint256,address)"](usdc(100_000), alice.address)).wait();
        const iface = vault.interface;
        const data =
          name === "rebalance"
            ? iface.encodeFunctionData("rebalance")
            : name === "deposit"
              ? iface.encodeFunctionData("deposit(uint256,address)", [1n, await hostile.getAddress()])
              : iface.encodeFunctionData("redeem(uint256,address,address)", [
                  1n,
                  await hostile.getAddress(),
                  alice.address,
                ]);
        await (await hostile.arm(await vault.getAddress(), data)).wait();
        const idle = await s.usdc.balanceOf(await vault.getAddress());
        await expect(vault.rebalance()).to.be.revertedWithCustomError(vault, "ReentrancyGuardReentrantCall");
        expect(await s.usdc.balanceOf(await vault.getAddress())).to.equal(idle);
      });
    }
  });

  describe("third parties", function () {
    it("redeem by a third party needs the owner's allowance and spends exactly it", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice, shares } = await deployed(s);
      const [, bob, carol] = s.users;
      const part = shares / 10n;
      await expect(s.vault.connect(bob)["redeem(uint256,address,address)"](part, bob.address, alice.address))
        .to.be.revertedWithCustomError(s.vault, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 0, part);
      await (await s.vault.connect(alice).approve(bob.address, part)).wait();
      await expect(
        s.vault.connect(bob)["redeem(uint256,address,address)"](part + 1n, carol.address, alice.address),
      ).to.be.revertedWithCustomError(s.vault, "ERC20InsufficientAllowance");
      const carolCash = await s.usdc.balanceOf(carol.address);
      await (await s.vault.connect(bob)["redeem(uint256,address,address)"](part, carol.address, alice.address)).wait();
      expect(await s.vault.allowance(alice.address, bob.address)).to.equal(0n);
      expect(await s.vault.balanceOf(alice.address)).to.equal(shares - part);
      expect((await s.usdc.balanceOf(carol.address)) > carolCash).to.equal(true);
      expect(await s.vault.balanceOf(bob.address)).to.equal(0n);
    });

    it("withdraw by a third party is bounded by the allowance in shares", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      const { alice } = await deployed(s);
      const bob = s.users[1];
      const needed = await s.vault.previewWithdraw(usdc(1_000));
      await (await s.vault.connect(alice).approve(bob.address, needed - 1n)).wait();
      await expect(
        s.vault.connect(bob)["withdraw(uint256,address,address)"](usdc(1_000), bob.address, alice.address),
      ).to.be.revertedWithCustomError(s.vault, "ERC20InsufficientAllowance");
    });
  });

  describe("tiers", function () {
    it("a soft breach is the keeper's alone; a hard breach is anyone's", async function () {
      const s = await networkHelpers.loadFixture(fixture);
      await deployed(s);
      await time.increase(DEFAULT_STRATEGY.minRebalanceInterval);
      await s.setPrice(price(3_450));
      expect((await s.vault.vaultState()).tier).to.equal(Tier.Soft);
      expect((await s.vault.rebalanceGate(s.users[3].address)).allowed).to.equal(false);
      expect((await s.vault.rebalanceGate(s.keeper.address)).allowed).to.equal(true);
      await s.setPrice(price(3_900));
      expect((await s.vault.vaultState()).tier).to.equal(Tier.Hard);
      expect((await s.vault.rebalanceGate(s.users[3].address)).allowed).to.equal(true);
      await expect(s.vault.connect(s.users[3]).rebalance()).to.emit(s.vault, "Rebalanced");
    });
  });
});
