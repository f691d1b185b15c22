import { getAddress } from "ethers";
import { orderBookInterface } from "./abi.js";
import type { ReceiptLog, TxCall } from "./sender.js";

/**
 * Reverts of `executeOrder` that mean "not now" or "already done", not a fault: the delay is not
 * over or the round not published yet (the read was a block behind), another executor took the
 * order or it expired meanwhile.
 */
const NORMAL_EXECUTE_REVERTS = new Set(["OrderTooEarly", "RoundNotAfterSubmission", "NoPendingOrder", "OrderExpired"]);

/**
 * Reverts after which the order can never execute (IDelayedOrders): a second round was published
 * before anyone executed it, or the round before the latest cannot be read. It waits for its expiry
 * and the owner's cancel; trying again every block would only repeat the revert.
 */
export const UNEXECUTABLE_REVERTS: ReadonlySet<string> = new Set(["LaterRoundThanFirst", "PreviousRoundUnreadable"]);

/** The book's `executeOrder(account)`: anyone may call it once the order is due, and earns its fee. */
export function executeOrderCall(book: string, account: string): TxCall {
  return {
    to: book,
    data: orderBookInterface.encodeFunctionData("executeOrder", [account]),
    label: "executeOrder",
    normalReverts: NORMAL_EXECUTE_REVERTS,
  };
}

/** What a mined `executeOrder` did, from the book's events in its receipt. */
export interface ExecutionResult {
  /** A metrics label: `filled`, `price-out-of-bounds` or `nothing-to-reduce` (cancelled, fee still paid). */
  result: "filled" | "price-out-of-bounds" | "nothing-to-reduce" | "unknown";
  /** The fee paid to `executor`, margin-token units. */
  feeEarned: bigint;
  /** The fill (or the quoted fill of a price-bound cancel), WAD; 0 when none. */
  fillPrice: bigint;
}

const CANCEL_RESULTS = { 1: "price-out-of-bounds", 2: "nothing-to-reduce" } as const;

/** Reads the book's `OrderExecuted` / `OrderCancelled` for `account` out of a receipt's logs. */
export function executionResult(
  logs: readonly ReceiptLog[],
  book: string,
  account: string,
  executor: string,
): ExecutionResult {
  const same = (a: string, b: string) => getAddress(a) === getAddress(b);
  for (const log of logs) {
    if (!same(log.address, book)) continue;
    const parsed = orderBookInterface.parseLog({ topics: log.topics, data: log.data });
    if (!parsed || !same(String(parsed.args.account), account)) continue;
    if (parsed.name === "OrderExecuted")
      return {
        result: "filled",
        feeEarned: same(String(parsed.args.executor), executor) ? BigInt(parsed.args.executionFee) : 0n,
        fillPrice: BigInt(parsed.args.fillPrice),
      };
    if (parsed.name === "OrderCancelled") {
      const reason = Number(parsed.args.reason) as keyof typeof CANCEL_RESULTS;
      return {
        result: CANCEL_RESULTS[reason] ?? "unknown",
        feeEarned: same(String(parsed.args.feeTo), executor) ? BigInt(parsed.args.executionFee) : 0n,
        fillPrice: BigInt(parsed.args.fillPrice),
      };
    }
  }
  return { result: "unknown", feeEarned: 0n, fillPrice: 0n };
}
