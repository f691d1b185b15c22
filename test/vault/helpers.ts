/** Small shared helpers for the vault tests. */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { VaultStack } from "../../deploy/lib/stack/vaultStack.js";

export const usdc = (n: number | bigint) => BigInt(n) * 10n ** 6n;
export const eth = (n: number | bigint) => BigInt(n) * 10n ** 18n;
export const price = (n: number | bigint) => BigInt(n) * 10n ** 18n;

export const Band = { None: 0n, Delta: 1n, MarginLow: 2n, MarginHigh: 3n, Idle: 4n } as const;
export const Tier = { None: 0n, Soft: 1n, Hard: 2n } as const;

export const abs = (x: bigint) => (x < 0n ? -x : x);

/** Funds `user`, deposits `amount` and returns the shares minted. */
export async function depositFor(s: VaultStack, user: HardhatEthersSigner, amount: bigint): Promise<bigint> {
  await s.fund(user, amount);
  const before = await s.vault.balanceOf(user.address);
  await (await s.vault.connect(user)["deposit(uint256,address)"](amount, user.address)).wait();
  return (await s.vault.balanceOf(user.address)) - before;
}

/**
 * Funds `user` and enters with about `amount` through `mint`, which always leaves the payment idle
 * (a SpotCollateral vault deploys a `deposit` at once); returns the shares minted.
 */
export async function mintIdleFor(s: VaultStack, user: HardhatEthersSigner, amount: bigint): Promise<bigint> {
  const shares = await s.vault.previewDeposit(amount);
  await s.fund(user, await s.vault.previewMint(shares));
  await (await s.vault.connect(user)["mint(uint256,address)"](shares, user.address)).wait();
  return shares;
}

/** A deposited and deployed vault: `amount` from the first user, then a rebalance. */
export async function deployed(s: VaultStack, amount = usdc(1_000_000)) {
  const [alice] = s.users;
  const shares = await depositFor(s, alice, amount);
  await (await s.vault.rebalance()).wait();
  return { alice, shares };
}

/** Mints USDC to `trader` and opens a long of `size` on the perp market (skews it long). */
export async function openLong(s: VaultStack, trader: HardhatEthersSigner, size: bigint, margin: bigint) {
  const market = await s.market.getAddress();
  await (await s.usdc.mint(trader.address, margin)).wait();
  await (await s.usdc.connect(trader).approve(market, margin)).wait();
  await (await s.market.connect(trader).depositMargin(margin)).wait();
  await (await s.market.connect(trader).modifyPosition(size, 2n ** 255n - 1n)).wait();
}
