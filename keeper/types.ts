/** The vault's enums and structs as the keeper sees them: bigint for every amount. */

export const Band = { None: 0, Delta: 1, MarginLow: 2, MarginHigh: 3, Idle: 4 } as const;
export type Band = (typeof Band)[keyof typeof Band];
export const BAND_NAMES = ["None", "Delta", "MarginLow", "MarginHigh", "Idle"] as const;

export const Tier = { None: 0, Soft: 1, Hard: 2 } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];
export const TIER_NAMES = ["None", "Soft", "Hard"] as const;

export const UINT256_MAX = (1n << 256n) - 1n;

export interface VaultState {
  totalAssets: bigint;
  totalSupply: bigint;
  sharePrice: bigint;
  price: bigint;
  spotQty: bigint;
  shortQty: bigint;
  perpEquity: bigint;
  marginRatioBps: bigint;
  deltaBps: bigint;
  idle: bigint;
  idleBps: bigint;
  band: Band;
  tier: Tier;
  secondsSinceRebalance: bigint;
  nextKeeperRebalanceAt: bigint;
  paused: boolean;
  /** Spot posted at the venue as collateral (SpotCollateral mode), size units; counted in spotQty. */
  collateralQty: bigint;
  /** Hedged notional / NAV, bps. */
  deploymentBps: bigint;
}

export interface Bands {
  deltaSoftBps: bigint;
  deltaHardBps: bigint;
  minMarginRatioSoftBps: bigint;
  minMarginRatioHardBps: bigint;
  maxMarginRatioSoftBps: bigint;
  maxMarginRatioHardBps: bigint;
  idleSoftBps: bigint;
  idleHardBps: bigint;
}

export interface Strategy {
  targetLeverageBps: bigint;
  idleBufferBps: bigint;
  maxSlippageBps: bigint;
  maxRebalanceCostBps: bigint;
  minRebalanceInterval: bigint;
}

export function bandName(band: number): string {
  return BAND_NAMES[band] ?? `Unknown(${band})`;
}

export function tierName(tier: number): string {
  return TIER_NAMES[tier] ?? `Unknown(${tier})`;
}

/**
 * The vault's two-phase round (`pendingRound()`): a rebalance or emergency close on a venue that
 * fills later submitted its perp order and awaits `settleRound()`. `submittedAt` 0: none pending.
 */
export interface PendingRound {
  submittedAt: bigint;
  band: Band;
  tier: Tier;
  increasesShort: boolean;
  emergencyClose: boolean;
  totalAssetsBefore: bigint;
  shortTarget: bigint;
  marginTarget: bigint;
}
