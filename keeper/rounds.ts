import { type GasInput, feesFor } from "./decide.js";
import type { OrderBook, VenueOrder } from "./orders.js";
import { type PendingRound, bandName, tierName } from "./types.js";

/**
 * Where the vault's pending round is (IDeltaNeutralVault.settleRound): its order still waits at
 * the venue; it left the venue's book (executed, or cancelled by the book) so anyone may settle; or
 * it expired unexecuted, so anyone may settle and the vault takes it back (fee refunded).
 */
export type RoundPhase = "awaiting-fill" | "settleable" | "order-expired" | "order-unread";

export interface RoundView {
  round: PendingRound;
  phase: RoundPhase;
  ageSeconds: bigint;
  /** When the round's order expires: the venue's word while it holds it, else submission + the book's max delay. */
  expiresAt?: bigint;
}

/**
 * The phase of `round` at block time `now`, from the venue's order read at the same block
 * (undefined: unreadable) and its book (for the expiry once the order is gone). Pure; the chain's
 * word is the `settleRound` simulation that precedes every settlement.
 */
export function roundView(
  round: PendingRound,
  order: VenueOrder | undefined,
  book: OrderBook | undefined,
  now: bigint,
): RoundView {
  const ageSeconds = now > round.submittedAt ? now - round.submittedAt : 0n;
  const expiresAt = order?.pending
    ? order.expiresAt
    : book === undefined
      ? undefined
      : round.submittedAt + book.maxDelay;
  const at = (phase: RoundPhase): RoundView => ({ round, phase, ageSeconds, expiresAt });
  if (order === undefined) return at("order-unread");
  if (!order.pending) return at("settleable");
  // The vault's own rule (`expiresAt` inclusive): from then on settling takes the order back.
  return at(now >= order.expiresAt ? "order-expired" : "awaiting-fill");
}

/** True when `settleRound()` should go through now. */
export const isSettleable = (view: RoundView): boolean => view.phase === "settleable" || view.phase === "order-expired";

/** One line for operators: "pending 40s, Idle Soft, increase, awaiting fill". */
export function describeRound(view: RoundView, now: bigint): string {
  const { round } = view;
  const what = round.emergencyClose ? "emergency close" : `${bandName(round.band)} ${tierName(round.tier)}`;
  const side = round.increasesShort ? "increase" : "decrease";
  const phase: Record<RoundPhase, string> = {
    "awaiting-fill": "awaiting fill",
    settleable: "settleable (order left the book)",
    "order-expired": `order expired ${view.expiresAt === undefined ? 0n : now - view.expiresAt}s ago, settleable (fee refunded)`,
    "order-unread": "venue order unreadable",
  };
  return `pending ${view.ageSeconds}s, ${what}, ${side}, ${phase[view.phase]}`;
}

export type SettleDecision =
  { action: "settle"; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { action: "wait"; detail: string };

/**
 * Whether to call `settleRound()` now: only a settleable round, after the standby delay and under
 * the gas cap. No KEEPER role is needed (anyone may settle), so no role gate: settling is the only
 * way out of a pending round for everyone.
 */
export function decideSettle(input: {
  view: RoundView;
  gas: GasInput;
  /** Blocks the round has been settleable for (0 on the block it first is). */
  blocksSettleable: bigint;
  standbyBlocks: bigint;
}): SettleDecision {
  const { view, gas } = input;
  if (!isSettleable(view)) return { action: "wait", detail: view.phase };
  if (input.blocksSettleable < input.standbyBlocks)
    return {
      action: "wait",
      detail: `standby instance waits ${input.standbyBlocks} blocks, settleable for ${input.blocksSettleable}`,
    };
  if (gas.baseFeePerGas > gas.maxFeePerGasCap)
    return { action: "wait", detail: `base fee ${gas.baseFeePerGas} wei above cap ${gas.maxFeePerGasCap}` };
  return { action: "settle", ...feesFor(gas) };
}
