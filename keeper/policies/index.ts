import type { PolicyConfig } from "../config.js";
import type { Policy } from "./policy.js";
import { thresholdPolicy } from "./threshold.js";
import { timePolicy } from "./time.js";
import { volatilityPolicy } from "./volatility.js";

export type { Policy, PolicyContext, PolicyVerdict } from "./policy.js";

/** Builds the policy a vault's config names; an unknown name is an error, never a silent default. */
export function createPolicy(config: PolicyConfig): Policy {
  const kind: string = config.kind;
  switch (config.kind) {
    case "threshold":
      return thresholdPolicy();
    case "time":
      return timePolicy({ minIntervalSeconds: config.minIntervalSeconds });
    case "volatility":
      return volatilityPolicy(config);
    default:
      throw new Error(`unknown policy "${kind}" (expected threshold, time or volatility)`);
  }
}
