/**
 * The demo's market loop: one step per hour of a price path. Each step moves time, updates the
 * Chainlink feed, lets an arbitrageur trade the Uniswap pool back to the oracle price, lets a
 * liquidator try the vault's perp account, gives the keeper its block, and records the vault.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { deployVaultStack, DEFAULT_PERP_PARAMS, type VaultStack } from "../test/fixtures/vaultStack.js";
import { poolPriceWad, pushPoolToPrice } from "../deploy/lib/uniswap.js";
import { toFeedAnswer } from "./pricePath.js";

export interface Sample {
  hour: number;
  price: number;
  sharePrice: number;
  deltaBps: number;
  marginRatioBps: number;
  totalAssets: bigint;
}

export interface RebalanceRecord {
  hour: number;
  band: number;
  tier: number;
  /** totalAssets lost in the rebalance at the oracle price: pool fee, slippage, perp fee and impact. */
  tradingCost: bigint;
  gasUsed: bigint;
  /** gasUsed × effective gas price, valued in USDC units at the oracle price. */
  gasCostUsdc: bigint;
}

export interface SimulationResult {
  samples: Sample[];
  rebalances: RebalanceRecord[];
  liquidations: number;
  /** Depositors entering and leaving while positions are open. */
  flows: { deposits: number; redeems: number; redeemFailures: number };
  fundingUsdc: bigint;
  depositedUsdc: bigint;
  startShareValue: bigint;
  endShareValue: bigint;
}

/** What the demo needs from the keeper: process the newest block and settle what it sent. */
export interface KeeperDriver {
  step(): Promise<void>;
  stop(): Promise<void>;
}

/** Perp market of the demo: funding strong enough to show in a month (see the README). */
export const DEMO_PERP_PARAMS = {
  ...DEFAULT_PERP_PARAMS,
  maxFundingRatePerDay: 5n * 10n ** 16n, // 5% a day at a skew of skewScale
};
/** Long open interest a trader holds so that longs pay the vault's short: 0.5% of skewScale. */
export const DEMO_LONG_SIZE = 5_000n * 10n ** 18n;

const USDC = 10n ** 6n;

export async function deployDemoStack(ethers: HardhatEthers): Promise<VaultStack> {
  // Hourly steps: the market's oracle-edge rule stays on, as deployed.
  return deployVaultStack(ethers, { perpParams: DEMO_PERP_PARAMS, keepOracleEdgeGuard: true });
}

/** Depositors enter, a trader skews the market long, and the first rebalance deploys the cash. */
export async function seedDemo(s: VaultStack, depositors: number, eachUsdc: bigint): Promise<bigint> {
  let total = 0n;
  for (const user of s.users.slice(0, depositors)) {
    const amount = eachUsdc + BigInt(s.users.indexOf(user)) * 10_000n * USDC;
    await s.fund(user, amount);
    await (await s.vault.connect(user).deposit(amount, user.address)).wait();
    total += amount;
  }
  const trader = s.users[depositors];
  const margin = 30_000_000n * USDC;
  const market = await s.market.getAddress();
  await (await s.usdc.mint(trader.address, margin)).wait();
  await (await s.usdc.connect(trader).approve(market, margin)).wait();
  await (await s.market.connect(trader).depositMargin(margin)).wait();
  await (await s.market.connect(trader).modifyPosition(DEMO_LONG_SIZE, 2n ** 255n - 1n)).wait();
  return total;
}

/**
 * Depositors keep coming and going while positions are open: every fifth day a new depositor
 * brings $100k (the idle band deploys it) and, half a cycle later, an early depositor redeems a
 * quarter of their shares (paid from idle, or by a pro-rata unwind).
 */
async function depositorFlows(s: VaultStack, hour: number, flows: SimulationResult["flows"]) {
  if (hour === 0) return;
  if (hour % 120 === 60) {
    const user = s.users[8 + (Math.floor(hour / 120) % 4)];
    await s.fund(user, 100_000n * USDC);
    await (await s.vault.connect(user).deposit(100_000n * USDC, user.address)).wait();
    flows.deposits++;
  } else if (hour % 120 === 0) {
    const user = s.users[(hour / 120) % 5];
    const shares = (await s.vault.balanceOf(user.address)) / 4n;
    if (shares === 0n) return;
    try {
      await (await s.vault.connect(user).redeem(shares, user.address, user.address)).wait();
      flows.redeems++;
    } catch {
      flows.redeemFailures++;
    }
  }
}

export async function simulate(
  ethers: HardhatEthers,
  helpers: NetworkHelpers,
  s: VaultStack,
  prices: number[],
  keeper: KeeperDriver,
  depositedUsdc: bigint,
  onProgress?: (hour: number) => void,
): Promise<SimulationResult> {
  const adapter = await s.perpVenue.getAddress();
  const usdcAddress = s.addresses.usdc;
  const liquidator = s.users[s.users.length - 1];
  const mintFor = async (token: string, amount: bigint) => {
    const t = token === usdcAddress ? s.usdc : s.weth;
    await (await t.mint(s.admin.address, amount)).wait();
  };
  const samples: Sample[] = [];
  const rebalances: RebalanceRecord[] = [];
  let liquidations = 0;
  const flows = { deposits: 0, redeems: 0, redeemFailures: 0 };
  let settledFunding = 0n;
  // The share price before any trade is the baseline (deposits are idle until hour 0's rebalance).
  const startShareValue = (await s.vault.vaultState()).sharePrice;

  const edgeWindow = await s.market.oracleEdgeWindow();
  let processedBlock = await ethers.provider.getBlockNumber();
  for (let hour = 0; hour < prices.length; hour++) {
    if (hour > 0) await helpers.time.increase(3_600);
    const answer = toFeedAnswer(prices[hour]);
    await (await s.oracle.updateAnswer(answer)).wait();
    // Everyone acts once the round's oracle-edge window has passed: inside it the market fills at
    // the worse of this hour's and the last hour's answer (a keeper should wait it out too).
    await helpers.time.increase(edgeWindow);
    const target = answer * 10n ** 10n;
    // The arbitrageur keeps the pool within 0.05% of the oracle.
    const poolPrice = await poolPriceWad(s.pool, s.pair);
    const gap = poolPrice > target ? poolPrice - target : target - poolPrice;
    if (gap * 2_000n > target) {
      await pushPoolToPrice(s.admin, s.uniswap.router, s.pool, s.pair, target, { fund: mintFor });
    }
    // A liquidator watches the vault's perp account every hour.
    if (await s.market.isLiquidatable(adapter)) {
      await (await s.market.connect(liquidator).liquidate(adapter)).wait();
    }

    await depositorFlows(s, hour, flows);
    await keeper.step();

    // Account for what happened in the blocks of this hour.
    const head = await ethers.provider.getBlockNumber();
    const rebalanceLogs = await s.vault.queryFilter(s.vault.filters.Rebalanced(), processedBlock + 1, head);
    for (const log of rebalanceLogs) {
      const receipt = await log.getTransactionReceipt();
      const gasCostWei = receipt.gasUsed * receipt.gasPrice;
      rebalances.push({
        hour,
        band: Number(log.args.band),
        tier: Number(log.args.tier),
        tradingCost:
          log.args.totalAssetsBefore > log.args.totalAssetsAfter
            ? log.args.totalAssetsBefore - log.args.totalAssetsAfter
            : 0n,
        gasUsed: receipt.gasUsed,
        gasCostUsdc: (gasCostWei * target) / 10n ** 30n,
      });
    }
    const liquidationLogs = await s.market.queryFilter(s.market.filters.Liquidated(adapter), processedBlock + 1, head);
    liquidations += liquidationLogs.length;
    // FundingSettled is the one report of settled funding: trades, withdrawals and liquidations.
    const fundingLogs = await s.market.queryFilter(s.market.filters.FundingSettled(adapter), processedBlock + 1, head);
    for (const log of fundingLogs) settledFunding += log.args.funding;
    processedBlock = head;

    const st = await s.vault.vaultState();
    samples.push({
      hour,
      price: prices[hour],
      sharePrice: Number(st.sharePrice) / 1e6,
      deltaBps: Number(st.deltaBps),
      marginRatioBps: st.marginRatioBps > 10n ** 9n ? Number.NaN : Number(st.marginRatioBps),
      totalAssets: st.totalAssets,
    });
    onProgress?.(hour);
  }
  await keeper.stop();
  const openFunding = (await s.perpVenue.position()).accruedFunding;
  return {
    samples,
    rebalances,
    flows,
    liquidations,
    fundingUsdc: settledFunding + openFunding,
    depositedUsdc,
    startShareValue,
    endShareValue: (await s.vault.vaultState()).sharePrice,
  };
}
