import { getAddress } from "ethers";
import { vaultInterface } from "./abi.js";
import type { ReceiptLog, TxCall } from "./sender.js";

/**
 * Reverts of `settleRound()` that mean "not now" or "already done": the order still awaits
 * execution (the read was a block behind), or someone settled the round first.
 */
const NORMAL_SETTLE_REVERTS = new Set(["RoundOrderPending", "NoPendingRound"]);

/** The vault's `settleRound()`: anyone may call it once the round's order filled, left the book or expired. */
export function settleRoundCall(vault: string): TxCall {
  return {
    to: vault,
    data: vaultInterface.encodeFunctionData("settleRound"),
    label: "settleRound",
    normalReverts: NORMAL_SETTLE_REVERTS,
  };
}

/** How a round ended, a `keeper_rounds_settled_total` label. */
export type SettleResult = "filled" | "not-filled" | "expired-cancelled" | "lost-race" | "failed";
export const SETTLE_RESULTS: readonly SettleResult[] = [
  "filled",
  "not-filled",
  "expired-cancelled",
  "lost-race",
  "failed",
];

/** What a mined `settleRound()` did, from the vault's `RoundSettled` in its receipt. */
export function settlementResult(logs: readonly ReceiptLog[], vault: string): SettleResult | undefined {
  for (const log of logs) {
    if (getAddress(log.address) !== getAddress(vault)) continue;
    const parsed = vaultInterface.parseLog({ topics: log.topics, data: log.data });
    if (parsed?.name !== "RoundSettled") continue;
    if (parsed.args.expiredOrderCancelled) return "expired-cancelled";
    return parsed.args.orderFilled ? "filled" : "not-filled";
  }
  return undefined;
}
