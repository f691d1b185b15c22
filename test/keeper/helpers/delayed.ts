/**
 * A real vault on a PerpMarket in delayed mode, for the keeper's order tests: a DelayedOrders book
 * with the testnet parameters (5 s minimum delay, 3 h expiry, 1 USDC fee), a market on the real
 * stack's USDC, WETH and feed, its PerpMarketAdapter, and a vault on the stack's Uniswap venue.
 *
 * The vault runs two-phase rounds on this venue: its `rebalance()` (by the keeper under test, or
 * `submitVaultRound`) submits the order and `settleRound()` finishes it. The order-execution tests
 * that need an order of a given size or margin (one the book refuses, say) queue it raw with
 * `submitVaultOrder`, as the vault: margin into the venue and `increaseShort`, which queues the
 * order at the book for the vault's venue account (the adapter). That is the account the keeper
 * watches; the vault itself then holds no round.
 */
import type { Wallet } from "ethers";
import { DELAYED_ORDERS_DEFAULTS } from "../../../deploy/lib/stack/perp.js";
import { DEFAULT_PERP_PARAMS, HEARTBEAT, PERP_POOL_USDC, deployVaultOn } from "../../../deploy/lib/stack/vaultStack.js";
import { connection, ethers, networkHelpers, realBase } from "./fixture.js";

export const ORDER_PARAMS = DELAYED_ORDERS_DEFAULTS;
const USDC = 10n ** 6n;
const WAD = 10n ** 18n;
const FEED_SCALE = 10n ** 10n; // 8-decimal answer -> WAD

export async function deployDelayedVault() {
  const { usdc, weth, oracle } = realBase;
  const [deployer] = await ethers.getSigners();
  const book = await ethers.deployContract("DelayedOrders", [ORDER_PARAMS]);
  const market = await ethers.deployContract("PerpMarket", [
    await usdc.getAddress(),
    {
      aggregator: await oracle.getAddress(),
      heartbeat: HEARTBEAT,
      sequencerUptimeFeed: ethers.ZeroAddress,
      sequencerGracePeriod: 0,
    },
    DEFAULT_PERP_PARAMS,
    await weth.getAddress(),
    await book.getAddress(),
  ]);
  await (await book.bindMarket(await market.getAddress())).wait();
  await (await usdc.mint(deployer.address, PERP_POOL_USDC)).wait();
  await (await usdc.approve(await market.getAddress(), PERP_POOL_USDC)).wait();
  await (await market.fundPool(PERP_POOL_USDC)).wait();
  const adapter = await ethers.deployContract("PerpMarketAdapter", [await market.getAddress()]);
  const vault = await deployVaultOn(connection, realBase, { perpVenue: await adapter.getAddress() });
  await (await adapter.bindVault(await vault.getAddress())).wait();
  const deposit = 100_000n * USDC;
  await (await usdc.mint(deployer.address, deposit)).wait();
  await (await usdc.approve(await vault.getAddress(), deposit)).wait();
  await (await vault["deposit(uint256,address)"](deposit, deployer.address)).wait();
  await refreshFeed(); // other tests may have aged it
  return { vault, adapter, book, market, usdc, oracle };
}
export type DelayedVault = Awaited<ReturnType<typeof deployDelayedVault>>;

/**
 * Publishes a new round (a round after any order submitted before), at the feed's current answer
 * moved by `bps` (signed).
 */
export async function refreshFeed(bps = 0n): Promise<void> {
  const [, answer] = await realBase.oracle.latestRoundData();
  await (await realBase.oracle.updateAnswer((answer * (10_000n + bps)) / 10_000n)).wait();
}

/**
 * As the vault: posts `marginUsdc` at the venue and queues a short of `sizeWad` (the fee is pulled
 * from the vault's idle USDC). Returns the order's submission time.
 */
export async function submitVaultOrder(d: DelayedVault, sizeWad: bigint, marginUsdc = 2_000n * USDC) {
  const vaultAddress = await d.vault.getAddress();
  await networkHelpers.impersonateAccount(vaultAddress);
  await networkHelpers.setBalance(vaultAddress, WAD);
  const asVault = await ethers.getSigner(vaultAddress);
  const [, answer] = await d.oracle.latestRoundData();
  const minFill = (answer * FEED_SCALE * 99n) / 100n; // a sell: at least 1% under the oracle
  await (await d.adapter.connect(asVault).depositMargin(marginUsdc)).wait();
  const tx = await (await d.adapter.connect(asVault).increaseShort(sizeWad, minFill)).wait();
  await networkHelpers.stopImpersonatingAccount(vaultAddress);
  return BigInt((await ethers.provider.getBlock(tx!.blockNumber))!.timestamp);
}

/** As the vault: takes back its expired order (the venue's `cancelOrder`, owner-only at the book). */
export async function cancelVaultOrder(d: DelayedVault): Promise<void> {
  const vaultAddress = await d.vault.getAddress();
  await networkHelpers.impersonateAccount(vaultAddress);
  const asVault = await ethers.getSigner(vaultAddress);
  await (await d.adapter.connect(asVault).cancelOrder()).wait();
  await networkHelpers.stopImpersonatingAccount(vaultAddress);
}

/**
 * The vault's real first phase: `rebalance()` by `keeper` (holding the KEEPER role) on the
 * deposit's idle breach, which submits the perp order and leaves a pending round. Returns it.
 */
export async function submitVaultRound(d: DelayedVault, keeper: Wallet) {
  await (await d.vault.connect(keeper.connect(ethers.provider)).rebalance()).wait();
  return d.vault.pendingRound();
}
