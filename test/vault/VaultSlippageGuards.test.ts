/**
 * ERC-5143-style slippage-protected entry points: each overload does what the ERC-4626 flow does
 * and reverts with a custom error carrying both amounts when the caller's bound is missed.
 */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { network } from "hardhat";
import { pushPoolToPrice } from "../../deploy/lib/uniswap.js";
import { vaultStackFixture, type VaultStack } from "../../deploy/lib/stack/vaultStack.js";
import { deployed, depositFor, price, usdc } from "./helpers.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = vaultStackFixture(connection);

const DEPOSIT_MIN = "deposit(uint256,address,uint256)";
const MINT_MAX = "mint(uint256,address,uint256)";
const WITHDRAW_MAX = "withdraw(uint256,address,address,uint256)";
const REDEEM_MIN = "redeem(uint256,address,address,uint256)";

/** Trades the pool to `target` (an attacker front-running a leaver). */
async function pushPool(s: VaultStack, target: bigint) {
  await pushPoolToPrice(s.admin, s.uniswap.router, s.pool, s.pair, target, {
    fund: async (token, amount) => {
      const t = token === s.addresses.usdc ? s.usdc : s.weth;
      await (await t.mint(s.admin.address, amount)).wait();
    },
  });
}

describe("DeltaNeutralVault: slippage-protected overloads (ERC-5143 style)", function () {
  it("deposit with a minimum mints what previewDeposit showed, and reverts one share above it", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const [alice] = s.users;
    await s.fund(alice, usdc(2_000));
    const expected = await s.vault.previewDeposit(usdc(1_000));
    await expect(s.vault.connect(alice)[DEPOSIT_MIN](usdc(1_000), alice.address, expected + 1n))
      .to.be.revertedWithCustomError(s.vault, "DepositSharesBelowMin")
      .withArgs(expected, expected + 1n);
    await (await s.vault.connect(alice)[DEPOSIT_MIN](usdc(1_000), alice.address, expected)).wait();
    expect(await s.vault.balanceOf(alice.address)).to.equal(expected);
  });

  it("mint with a maximum takes what previewMint showed, and reverts one unit below it", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const { alice } = await deployed(s);
    const shares = 10n ** 15n;
    const expected = await s.vault.previewMint(shares);
    await s.fund(alice, expected);
    await expect(s.vault.connect(alice)[MINT_MAX](shares, alice.address, expected - 1n))
      .to.be.revertedWithCustomError(s.vault, "MintAssetsAboveMax")
      .withArgs(expected, expected - 1n);
    const before = await s.usdc.balanceOf(alice.address);
    await (await s.vault.connect(alice)[MINT_MAX](shares, alice.address, expected)).wait();
    expect(before - (await s.usdc.balanceOf(alice.address))).to.equal(expected);
  });

  it("withdraw from idle with a maximum burns at most maxShares, and reverts below what it burns", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const { alice } = await deployed(s);
    const assets = usdc(10_000); // inside the 5% idle buffer: no unwind
    // Funding accrues every second, so the next block prices a share a little differently.
    const expected = await s.vault.previewWithdraw(assets);
    await expect(s.vault.connect(alice)[WITHDRAW_MAX](assets, alice.address, alice.address, expected / 2n))
      .to.be.revertedWithCustomError(s.vault, "WithdrawSharesAboveMax")
      .withArgs(anyValue, expected / 2n);
    const bound = expected + expected / 10_000n;
    const before = await s.vault.balanceOf(alice.address);
    await (await s.vault.connect(alice)[WITHDRAW_MAX](assets, alice.address, alice.address, bound)).wait();
    expect(before - (await s.vault.balanceOf(alice.address)) <= bound).to.equal(true);
  });

  it("redeem with a minimum protects a leaver whose unwind is front-run into a pushed pool", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const { alice } = await deployed(s);
    const [, bob] = s.users;
    const bobShares = await depositFor(s, bob, usdc(40_000));
    const aliceShares = (await s.vault.balanceOf(alice.address)) / 10n;
    // The leaver signs with what the vault would pay now, unwinding at an undisturbed pool.
    const quoted = await s.vault.previewRedeem(aliceShares);
    const signedMin = await s.vault
      .connect(alice)
      [REDEEM_MIN].staticCall(aliceShares, alice.address, alice.address, 0n);
    expect(signedMin >= quoted).to.equal(true);

    // Front-run: bob drains idle, and the pool is pushed down 0.3% (inside the 50 bps bound), so
    // alice's redeem must unwind, selling spot into the pushed pool.
    await (await s.vault.connect(bob)["redeem(uint256,address,address)"](bobShares, bob.address, bob.address)).wait();
    await pushPool(s, price(2_991));
    const paid = await s.vault.connect(alice)[REDEEM_MIN].staticCall(aliceShares, alice.address, alice.address, 0n);
    expect(paid < signedMin, `front-run leaver would get ${paid} vs ${signedMin}`).to.equal(true);
    // ~100k redeemed, about 10 bps of it lost to the pushed pool.
    expect(((signedMin - paid) * 10_000n) / signedMin >= 5n).to.equal(true);
    await expect(s.vault.connect(alice)[REDEEM_MIN](aliceShares, alice.address, alice.address, signedMin))
      .to.be.revertedWithCustomError(s.vault, "RedeemAssetsBelowMin")
      .withArgs(paid, signedMin);
  });

  it("the overloads keep the ERC-4626 errors of the flows they wrap", async function () {
    const s = await networkHelpers.loadFixture(fixture);
    const [alice, bob] = s.users;
    const shares = await depositFor(s, alice, usdc(1_000));
    await expect(s.vault.connect(alice)[REDEEM_MIN](shares + 1n, alice.address, alice.address, 0n))
      .to.be.revertedWithCustomError(s.vault, "ERC4626ExceededMaxRedeem")
      .withArgs(alice.address, shares + 1n, shares);
    await expect(s.vault.connect(bob)[REDEEM_MIN](1n, bob.address, alice.address, 0n))
      .to.be.revertedWithCustomError(s.vault, "ERC20InsufficientAllowance")
      .withArgs(bob.address, 0n, 1n);
    await expect(s.vault.connect(bob)[DEPOSIT_MIN](0n, bob.address, 1n))
      .to.be.revertedWithCustomError(s.vault, "DepositSharesBelowMin")
      .withArgs(0n, 1n);
  });
});
