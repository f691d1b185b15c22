/** Vault readings shared by the pure decision and policy tests (bands as the test double's). */
import { Band, type Bands, type Strategy, Tier, type VaultState } from "../../../keeper/types.js";

export const WAD = 10n ** 18n;

export const BANDS: Bands = {
  deltaSoftBps: 200n,
  deltaHardBps: 500n,
  minMarginRatioSoftBps: 8_000n,
  minMarginRatioHardBps: 6_000n,
  maxMarginRatioSoftBps: 13_000n,
  maxMarginRatioHardBps: 16_000n,
  idleSoftBps: 500n,
  idleHardBps: 1_000n,
};
export const STRATEGY: Strategy = {
  targetLeverageBps: 10_000n,
  idleBufferBps: 200n,
  maxSlippageBps: 50n,
  maxRebalanceCostBps: 30n,
  minRebalanceInterval: 3_600n,
};
export const CALM_STATE: VaultState = {
  totalAssets: 1_000_000n * WAD,
  totalSupply: 1_000_000n * WAD,
  sharePrice: WAD,
  price: 3_000n * WAD,
  spotQty: 163n * WAD,
  shortQty: 163n * WAD,
  perpEquity: 490_000n * WAD,
  marginRatioBps: 10_000n,
  deltaBps: 0n,
  idle: 20_000n * WAD,
  idleBps: 200n,
  band: Band.None,
  tier: Tier.None,
  secondsSinceRebalance: 7_200n,
  nextKeeperRebalanceAt: 1_000n,
  paused: false,
  collateralQty: 0n,
  deploymentBps: 4_890n,
};
