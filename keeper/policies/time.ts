import type { Policy } from "./policy.js";

export interface TimePolicyParams {
  /** Seconds since the last rebalance before a soft breach is acted on (>= the vault's own). */
  minIntervalSeconds: bigint;
}

/**
 * Time-based: act on a soft breach only once `minIntervalSeconds` have passed since the vault's
 * last rebalance. Use it to cap how often the vault pays trading costs when the on-chain minimum
 * interval is shorter than the operator wants. A hard breach is still acted on at once.
 */
export function timePolicy({ minIntervalSeconds }: TimePolicyParams): Policy {
  return {
    name: "time",
    describe: () => `act on a soft breach only ${minIntervalSeconds}s or more after the last rebalance`,
    evaluate: ({ state }) =>
      state.secondsSinceRebalance >= minIntervalSeconds
        ? { act: true, note: `soft band breached and ${state.secondsSinceRebalance}s since last rebalance` }
        : {
            act: false,
            detail: `last rebalance ${state.secondsSinceRebalance}s ago, policy waits ${minIntervalSeconds}s`,
          },
  };
}
