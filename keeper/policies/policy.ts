import type { Bands, Strategy, VaultState } from "../types.js";

/**
 * What a policy sees: the vault's state at one block, its on-chain thresholds, the block time and
 * the recent distinct oracle prices (oldest first). Everything is bigint; nothing here does I/O.
 */
export interface PolicyContext {
  readonly state: VaultState;
  readonly bands: Bands;
  readonly strategy: Strategy;
  /** Block timestamp, seconds. */
  readonly now: bigint;
  /** Recent distinct oracle prices (WAD), oldest first. */
  readonly prices: readonly bigint[];
}

export type PolicyVerdict = { act: true; note: string } | { act: false; detail: string };

/**
 * An operator policy. It is consulted only when the chain reports a SOFT breach that this keeper
 * may act on; it can hold the keeper back (more conservative) but never let it act where the chain
 * would not. Hard breaches are always acted on, whatever the policy: that is the vault's safety net.
 */
export interface Policy {
  readonly name: string;
  /** One line for operators: what this policy does with its parameters. */
  describe(): string;
  /** Pure: same context, same verdict. */
  evaluate(ctx: PolicyContext): PolicyVerdict;
}
