import { Interface } from "ethers";

/**
 * The part of IDeltaNeutralVault the keeper uses, as human-readable ABI. It is kept here (rather
 * than imported from build output) so the keeper runs and type-checks on a clean clone; the test
 * `test/keeper/abi.test.ts` proves every fragment is identical to the compiled interface.
 */
export const VAULT_ABI = [
  "function vaultState() view returns ((uint256 totalAssets, uint256 totalSupply, uint256 sharePrice, uint256 price, uint256 spotQty, uint256 shortQty, uint256 perpEquity, uint256 marginRatioBps, int256 deltaBps, uint256 idle, uint256 idleBps, uint8 band, uint8 tier, uint256 secondsSinceRebalance, uint256 nextKeeperRebalanceAt, bool paused))",
  "function bands() view returns ((uint16 deltaSoftBps, uint16 deltaHardBps, uint16 minMarginRatioSoftBps, uint16 minMarginRatioHardBps, uint16 maxMarginRatioSoftBps, uint16 maxMarginRatioHardBps, uint16 idleSoftBps, uint16 idleHardBps))",
  "function strategy() view returns ((uint16 targetLeverageBps, uint16 idleBufferBps, uint16 maxSlippageBps, uint16 maxRebalanceCostBps, uint32 minRebalanceInterval))",
  "function rebalance() returns (uint8 band, uint8 tier)",
  "event Rebalanced(address indexed caller, uint8 band, uint8 tier, uint256 totalAssetsBefore, uint256 totalAssetsAfter, uint256 spotQty, uint256 shortQty, uint256 perpEquity)",
  "error WithinBands(int256 deltaBps, uint256 marginRatioBps, uint256 idleBps)",
  "error RebalanceTooSoon(uint256 nextAllowedAt)",
  "error RebalanceNotAllowed(address caller, uint8 band, uint8 tier)",
  "error BandStillBreached(uint8 band, int256 deltaBps, uint256 marginRatioBps, uint256 idleBps)",
  "error CostTooHigh(uint256 totalAssetsBefore, uint256 totalAssetsAfter, uint256 maxLoss)",
  "error VenueOrderPending()",
  // OpenZeppelin Pausable, raised by a paused vault.
  "error EnforcedPause()",
] as const;

/** Fragments that must match the compiled IDeltaNeutralVault exactly (EnforcedPause is OZ's). */
export const VAULT_ABI_FROM_INTERFACE = VAULT_ABI.filter((f) => !f.includes("EnforcedPause"));

export const vaultInterface = new Interface(VAULT_ABI);
