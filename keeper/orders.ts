import { formatUnits } from "ethers";
import { type GasInput, feesFor } from "./decide.js";

/** The vault's order at its perp venue (`IPerpVenue.pendingOrder()`), all zero while none is pending. */
export interface VenueOrder {
  pending: boolean;
  /** Base units, 18 decimals. */
  size: bigint;
  /** True for an order growing the short, false for one shrinking it. */
  increasesShort: boolean;
  submittedAt: bigint;
  expiresAt: bigint;
  /** WAD. */
  acceptablePrice: bigint;
  /** Margin-token units escrowed for the executor. */
  executionFee: bigint;
}

/** The DelayedOrders book a venue submits to (`PerpMarketAdapter.orderBook()`), as the keeper needs it. */
export interface OrderBook {
  address: string;
  /** Seconds after submission before an order may execute. */
  minDelay: bigint;
  /** Seconds after submission at which an order expires. */
  maxDelay: bigint;
  /** The feed whose first round after a submission prices the order (`DelayedOrders.aggregator()`). */
  feed: string;
}

/**
 * Where a pending order is in its life (IDelayedOrders): it may execute from `submittedAt +
 * minDelay` until `expiresAt`, and only while the feed's latest round is the first one published
 * after the submission.
 */
export type OrderPhase =
  /** Before `submittedAt + minDelay`. */
  | "in-min-delay"
  /** The delay is over but the feed has published no round since the submission. */
  | "awaiting-round"
  | "executable"
  /** A second round came before anyone executed it: it can no longer execute and waits to expire. */
  | "missed-round"
  /** Past `expiresAt`: only its owner can cancel it (the vault's `settleRound()`, called by anyone, does). */
  | "expired"
  /** A venue without a DelayedOrders book the keeper knows: reported, never executed here. */
  | "no-book";

export interface OrderView {
  order: VenueOrder;
  phase: OrderPhase;
  ageSeconds: bigint;
  /** From when it may execute (unknown at a venue without a known book). */
  executableAt?: bigint;
}

/** Identifies one order across blocks (one pending order per account, so its submission and size do). */
export const orderKey = (o: VenueOrder): string => `${o.submittedAt}:${o.increasesShort ? "+" : "-"}${o.size}`;

/**
 * The phase of `order` at block time `now`, given the book it waits at, the time the book's feed
 * last published (`feedUpdatedAt`, when read) and whether its round was found missed (the feed
 * moved past it, or a simulation said so). Pure: the chain's word is the simulation that precedes
 * every execution.
 */
export function orderView(
  order: VenueOrder,
  book: OrderBook | undefined,
  now: bigint,
  feedUpdatedAt: bigint | undefined,
  missedRound: boolean,
): OrderView {
  const ageSeconds = now > order.submittedAt ? now - order.submittedAt : 0n;
  const executableAt = book === undefined ? undefined : order.submittedAt + book.minDelay;
  const at = (phase: OrderPhase): OrderView => ({ order, phase, ageSeconds, executableAt });
  if (now >= order.expiresAt) return at("expired");
  if (executableAt === undefined) return at("no-book");
  if (now < executableAt) return at("in-min-delay");
  if (missedRound) return at("missed-round");
  if (feedUpdatedAt === undefined || feedUpdatedAt <= order.submittedAt) return at("awaiting-round");
  return at("executable");
}

/** One line for operators: "short +12.5, 40s, executable". Sizes in whole base tokens. */
export function describeOrder(view: OrderView, now: bigint): string {
  const { order } = view;
  const size = `short ${order.increasesShort ? "+" : "-"}${formatUnits(order.size, 18).replace(/\.0$/, "")}`;
  const left = order.expiresAt > now ? order.expiresAt - now : 0n;
  const phase: Record<OrderPhase, string> = {
    "in-min-delay": `executable in ${(view.executableAt ?? now) - now}s`,
    "awaiting-round": "awaits the feed's next round",
    executable: "executable",
    "missed-round": `missed its round, expires in ${left}s`,
    expired: `EXPIRED ${now - order.expiresAt}s ago, the vault's settleRound() takes it back`,
    "no-book": `expires in ${left}s`,
  };
  return `${size}, ${view.ageSeconds}s, ${phase[view.phase]}`;
}

export type OrderDecision =
  { action: "execute"; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { action: "wait"; detail: string };

export interface OrderDecideInput {
  view: OrderView;
  /** `orders.execute`: whether this keeper executes due orders at all. */
  execute: boolean;
  gas: GasInput;
  /** Blocks the order has been executable for (0 on the block it first is). */
  blocksExecutable: bigint;
  /** Blocks a standby instance lets an executable order wait before acting (0 for the primary). */
  standbyBlocks: bigint;
}

/**
 * Whether to call the book's `executeOrder(venue)` now: only an executable order, only when the
 * operator opted in, after the standby delay and under the gas cap (the same rules as a rebalance).
 * Expired or missed orders are never executed: the book would refuse them.
 */
export function decideOrder(input: OrderDecideInput): OrderDecision {
  const { view, gas } = input;
  if (view.phase !== "executable") return { action: "wait", detail: view.phase };
  if (!input.execute) return { action: "wait", detail: "executable; orders.execute is off (reported only)" };
  if (input.blocksExecutable < input.standbyBlocks)
    return {
      action: "wait",
      detail: `standby instance waits ${input.standbyBlocks} blocks, executable for ${input.blocksExecutable}`,
    };
  if (gas.baseFeePerGas > gas.maxFeePerGasCap)
    return { action: "wait", detail: `base fee ${gas.baseFeePerGas} wei above cap ${gas.maxFeePerGasCap}` };
  return { action: "execute", ...feesFor(gas) };
}
