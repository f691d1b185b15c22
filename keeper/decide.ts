import type { Policy } from "./policies/policy.js";
import { type Bands, type Strategy, Tier, type VaultState, bandName, tierName } from "./types.js";

/** Why the keeper does nothing this block. */
export type SkipReason =
  | "paused"
  | "within-bands"
  | "needs-keeper-role"
  | "too-soon"
  | "oracle-edge"
  | "policy"
  | "standby"
  | "gas-price-above-cap"
  | "order-pending"
  | "round-pending";

export type Decision =
  | {
      action: "rebalance";
      band: number;
      tier: number;
      reason: string;
      maxFeePerGas: bigint;
      maxPriorityFeePerGas: bigint;
    }
  | { action: "skip"; reason: SkipReason; detail: string };

export interface GasInput {
  /** Base fee of the latest block, wei. */
  baseFeePerGas: bigint;
  /** Tip offered, wei. */
  priorityFeePerGas: bigint;
  /** The operator's absolute cap on maxFeePerGas, wei. */
  maxFeePerGasCap: bigint;
}

export interface DecideInput {
  state: VaultState;
  bands: Bands;
  strategy: Strategy;
  policy: Policy;
  /** Recent distinct oracle prices, oldest first (for the volatility policy). */
  prices: readonly bigint[];
  gas: GasInput;
  /** Block timestamp, seconds. */
  now: bigint;
  /** Whether this keeper's address holds the vault's KEEPER role (may act at the soft tier). */
  isKeeper: boolean;
  /** Blocks this breach has been seen for (0 on the block it first appears). */
  blocksSinceBreach: bigint;
  /** Blocks a standby instance lets a breach persist before acting (0 for the primary). */
  standbyBlocks: bigint;
  /** Seconds since the vault's feed last updated, when known. */
  oracleAgeSeconds?: bigint;
  /** A soft breach waits until the feed's latest round is at least this old (0: no wait). */
  edgeWaitSeconds: bigint;
  /** The vault's venue order still pending, described for the reason (undefined: none, or unread). */
  pendingOrder?: string;
  /** The vault's two-phase round awaiting `settleRound()`, described (undefined: none, or unread). */
  pendingRound?: string;
}

/** A chain timestamp (seconds) as ISO time, for operators' eyes. */
export const isoTime = (seconds: bigint): string =>
  new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

const skip = (reason: SkipReason, detail: string): Decision => ({ action: "skip", reason, detail });

/** EIP-1559 fees for a transaction sent now: `min(cap, 2·baseFee + tip)`, the tip within it. */
export function feesFor(gas: GasInput): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  const wanted = gas.baseFeePerGas * 2n + gas.priorityFeePerGas;
  const maxFeePerGas = wanted < gas.maxFeePerGasCap ? wanted : gas.maxFeePerGasCap;
  const maxPriorityFeePerGas = gas.priorityFeePerGas < maxFeePerGas ? gas.priorityFeePerGas : maxFeePerGas;
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/**
 * The keeper's whole decision, pure and bigint-only. It mirrors the vault's gate (paused, a
 * round awaiting settlement, no breach, a venue order still pending, KEEPER role and minimum interval at the soft tier, anyone
 * at the hard tier), then the
 * venue's oracle-edge wait and the operator's policy (soft tier only), the standby delay and the gas-price cap. It can only be more
 * conservative than the chain: the simulation that follows is the chain's own word.
 */
export function decide(input: DecideInput): Decision {
  const { state, gas } = input;
  if (state.paused) return skip("paused", "vault is paused");
  // A pending round is finished by settleRound() (sent apart, by anyone), never by a rebalance:
  // the vault refuses one until then, whatever the bands say.
  if (input.pendingRound !== undefined)
    return skip(
      "round-pending",
      `the vault's round is pending (${input.pendingRound}); rebalance() reverts VenueOrderPending until it is settled`,
    );
  if (state.tier === Tier.None) return skip("within-bands", "every band holds");

  const what = `${bandName(state.band)} ${tierName(state.tier)}`;
  // The vault refuses to trade while its venue holds an order (whatever the tier): it would only
  // revert. The order's execution (or, once expired, the vault's cancel) frees it.
  if (input.pendingOrder !== undefined)
    return skip(
      "order-pending",
      `${what}: the venue's order is pending (${input.pendingOrder}); rebalance() reverts VenueOrderPending until it is executed or cancelled`,
    );
  if (state.tier === Tier.Soft) {
    if (!input.isKeeper) return skip("needs-keeper-role", `${what}: soft breaches need the KEEPER role`);
    if (input.now < state.nextKeeperRebalanceAt)
      return skip(
        "too-soon",
        `${what}: keeper may act in ${state.nextKeeperRebalanceAt - input.now}s (at ${isoTime(state.nextKeeperRebalanceAt)})`,
      );
    // Right after a feed update the perp venue fills at the worse of the new and the previous
    // answer (PerpMarket's oracle-edge window): a soft breach is not urgent enough to pay that.
    const age = input.oracleAgeSeconds;
    if (age !== undefined && age < input.edgeWaitSeconds)
      return skip(
        "oracle-edge",
        `${what}: feed updated ${age}s ago; waiting until it is ${input.edgeWaitSeconds}s old (the venue's oracle-edge window)`,
      );
    const verdict = input.policy.evaluate({
      state,
      bands: input.bands,
      strategy: input.strategy,
      now: input.now,
      prices: input.prices,
    });
    if (!verdict.act) return skip("policy", `${what}: ${input.policy.name} policy: ${verdict.detail}`);
  }
  if (input.blocksSinceBreach < input.standbyBlocks)
    return skip(
      "standby",
      `${what}: standby instance waits ${input.standbyBlocks} blocks, breach seen for ${input.blocksSinceBreach}`,
    );
  if (gas.baseFeePerGas > gas.maxFeePerGasCap)
    return skip("gas-price-above-cap", `${what}: base fee ${gas.baseFeePerGas} wei above cap ${gas.maxFeePerGasCap}`);

  return { action: "rebalance", band: state.band, tier: state.tier, reason: `${what} breached`, ...feesFor(gas) };
}
