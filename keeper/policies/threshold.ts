import type { Policy } from "./policy.js";

/**
 * Threshold: act on every soft breach the chain reports, i.e. exactly the on-chain bands. The
 * most responsive policy; the right default when the bands were tuned for the keeper.
 */
export function thresholdPolicy(): Policy {
  return {
    name: "threshold",
    describe: () => "act on every soft breach the vault reports (the on-chain bands as they are)",
    evaluate: () => ({ act: true, note: "soft band breached" }),
  };
}
