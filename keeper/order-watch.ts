import { ZeroAddress } from "ethers";
import { UNEXECUTABLE_REVERTS, executeOrderCall, executionResult } from "./chain/order-book.js";
import type { BlockInfo, BlockRead, VaultRead } from "./chain/reader.js";
import type { Fees, Outcome, TxCall } from "./chain/sender.js";
import type { GasInput } from "./decide.js";
import type { Logger } from "./ops/log.js";
import type { Metrics } from "./ops/metrics.js";
import { type OrderBook, type OrderView, decideOrder, describeOrder, orderKey, orderView } from "./orders.js";

/** An `executeOrder` the keeper may send at this block. */
export interface OrderExecution {
  call: TxCall;
  fees: Fees;
  /** Logged with the attempt. */
  context: Record<string, unknown>;
  /** The order it executes (`orderKey`). */
  orderKey: string;
  /** The account (the venue) whose order it executes at the book (`call.to`). */
  account: string;
}

/**
 * One vault's venue order across blocks: the venue and its order book (looked up once: both are
 * immutable), the order's phase at the latest block, its gauges and log lines, whether to execute
 * it now, and what an execution did. The rules themselves are the pure ones of `orders.ts`.
 */
export class OrderWatch {
  /** The vault's perp venue (`perpVenue()`; ZeroAddress: none, e.g. a test double). */
  venue?: string;
  /** The venue's order book; null when looked up and there is none the keeper can execute at. */
  book?: OrderBook | null;
  /** The venue's pending order at the latest block (undefined: none, or unread). */
  view?: OrderView;
  readError?: string;
  /** Block from which the current order has been executable (the standby delay counts from it). */
  private executableSince?: bigint;
  /** `orderKey` of an order found never to execute again (a simulation said so, or it missed its round). */
  private unexecutable?: string;
  /**
   * The first feed round after the order's submission this keeper saw (with the order's key).
   * The order may execute only at that round: once the feed moves to another, it missed it, which
   * a keeper that does not execute (or has not yet simulated) would otherwise report as executable.
   * A keeper started after two rounds takes the latest for the first; its simulation corrects it.
   */
  private firstRound?: { key: string; roundId: bigint };
  /**
   * The current order's simulations in a row that reverted with an unexpected error (the market
   * refused its fill: margin, open-interest cap, oracle): it is tried again each block while its
   * round lasts, and the status and `keeper_order_simulation_reverts_consecutive` say why it waits.
   */
  private refused?: { key: string; error: string; count: number };
  /** The order and phase last logged, so each change is logged once. */
  private logged?: string;

  constructor(
    private readonly vault: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** The venue whose `pendingOrder()` is read each block (undefined: none known). */
  get readVenue(): string | undefined {
    return this.venue === undefined || this.venue === ZeroAddress ? undefined : this.venue;
  }

  /** True while the venue's book has not been looked up. */
  get needsBook(): boolean {
    return this.readVenue !== undefined && this.book === undefined;
  }

  /** The venue as the parameters read it; a new one is looked up again. */
  setVenue(venue: string): void {
    if (venue === this.venue) return;
    this.venue = venue;
    this.book = undefined;
  }

  setBook(book: OrderBook | undefined): void {
    this.book = book ?? null;
    this.log.info(
      { perpVenue: this.venue, orderBook: book?.address ?? null, minDelay: book?.minDelay, orderFeed: book?.feed },
      book ? "the venue's orders wait at a DelayedOrders book" : "the venue has no order book this keeper executes at",
    );
  }

  /** The order at this block: its phase, its gauges, and one log line each time it appears, changes phase or goes. */
  observe(r: VaultRead, read: BlockRead): void {
    const { metrics, vault } = this;
    const block = read.block.number;
    const now = read.block.timestamp;
    if (r.orderError !== undefined) {
      if (this.readError === undefined)
        this.log.error({ block, err: r.orderError }, "the venue's pending order is unreadable");
      this.readError = r.orderError;
      this.view = undefined;
      metrics.pendingOrder.remove({ vault });
      for (const g of metrics.orderGauges) g.remove({ vault });
      this.endRefusal();
      return;
    }
    this.readError = undefined;
    const order = r.order;
    if (order === undefined) return; // no venue to read
    if (!order.pending) {
      if (this.view) this.log.info({ block }, "the venue's order left the book (executed or cancelled)");
      this.view = undefined;
      this.executableSince = undefined;
      this.logged = undefined;
      metrics.pendingOrder.set({ vault }, 0);
      for (const g of metrics.orderGauges) g.remove({ vault });
      this.endRefusal();
      return;
    }
    const book = this.book ?? undefined;
    const key = orderKey(order);
    const round = book === undefined ? undefined : read.feedRounds.get(book.feed);
    if (round !== undefined && round.updatedAt > order.submittedAt) {
      // Round ids only grow (a proxy's phase is in their high bits): a lower one is a replaced
      // block's answer, taken as the first again rather than as a later round.
      if (this.firstRound?.key !== key || round.roundId < this.firstRound.roundId)
        this.firstRound = { key, roundId: round.roundId };
      else if (round.roundId > this.firstRound.roundId) this.unexecutable = key;
    }
    const view = orderView(order, book, now, round?.updatedAt, this.unexecutable === key);
    this.view = view;
    if (view.phase === "executable") this.executableSince ??= block;
    else this.executableSince = undefined;
    metrics.pendingOrder.set({ vault }, 1);
    metrics.pendingOrderAge.set({ vault }, Number(view.ageSeconds));
    metrics.pendingOrderMaxDelay.set({ vault }, Number(order.expiresAt - order.submittedAt));
    const stuck = view.phase === "expired" || view.phase === "missed-round";
    metrics.pendingOrderUnexecutable.set({ vault }, stuck ? 1 : 0);
    if (stuck || this.refused?.key !== key) this.endRefusal();
    if (this.logged === `${key}:${view.phase}`) return;
    this.logged = `${key}:${view.phase}`;
    this.log[stuck ? "warn" : "info"](
      {
        block,
        order: describeOrder(view, now),
        phase: view.phase,
        submittedAt: order.submittedAt,
        executableAt: view.executableAt,
        expiresAt: order.expiresAt,
        executionFee: order.executionFee,
        account: this.venue,
        orderBook: book?.address,
      },
      view.phase === "expired"
        ? "the venue's order expired unexecuted: the vault's settleRound() takes it back"
        : "the venue's pending order",
    );
  }

  /** The order described at `now` ("short +12.5, 40s, executable"); undefined with none. */
  describe(now: bigint | undefined): string | undefined {
    if (!this.view || now === undefined) return undefined;
    const { refused } = this;
    const why = refused ? `, but executeOrder reverts ${refused.error} (${refused.count} in a row)` : "";
    return describeOrder(this.view, now) + why;
  }

  /** The book's `executeOrder(venue)` when the order is due and this keeper executes orders. */
  execution(
    block: BlockInfo,
    opts: { execute: boolean; gas: GasInput; standbyBlocks: bigint },
  ): OrderExecution | undefined {
    const { view, book, venue } = this;
    if (!view || !book || !venue) return undefined;
    const decision = decideOrder({
      view,
      ...opts,
      blocksExecutable: this.executableSince === undefined ? 0n : block.number - this.executableSince,
    });
    if (decision.action === "wait") {
      if (view.phase === "executable")
        this.log.debug({ block: block.number, detail: decision.detail }, "venue order executable; not executing");
      return undefined;
    }
    return {
      call: executeOrderCall(book.address, venue),
      fees: decision,
      context: { order: describeOrder(view, block.timestamp), orderBook: book.address, account: venue },
      orderKey: orderKey(view.order),
      account: venue,
    };
  }

  /** The chain it watched is gone: drop what only this watch would ever clear from /metrics. */
  forget(): void {
    this.endRefusal();
  }

  private refusedAgain(key: string, error: string): void {
    const count = this.refused?.key === key && this.refused.error === error ? this.refused.count + 1 : 1;
    this.endRefusal();
    this.refused = { key, error, count };
    this.metrics.orderConsecutiveReverts.set({ vault: this.vault, error }, count);
  }

  private endRefusal(): void {
    if (this.refused) this.metrics.orderConsecutiveReverts.remove({ vault: this.vault, error: this.refused.error });
    this.refused = undefined;
  }

  /**
   * Counts an `executeOrder` attempt; an order the book can never execute is not tried again.
   * `lostRace`: the transaction reverted because another executor took the order first (the book
   * no longer held it after that block): gas spent, but the vault's order was executed, no fault.
   */
  record(execution: OrderExecution, outcome: Outcome, executor: string, log: Logger, lostRace = false): void {
    const { metrics: m, vault } = this;
    switch (outcome.status) {
      case "simulation-reverted":
        m.orderSimulationReverts.inc({ vault, error: outcome.revert.name });
        if (UNEXECUTABLE_REVERTS.has(outcome.revert.name)) {
          this.unexecutable = execution.orderKey;
          this.endRefusal();
          log.warn({ revert: outcome.revert.name }, "the venue's order can no longer execute; it waits for its expiry");
        } else if (!outcome.normal) this.refusedAgain(execution.orderKey, outcome.revert.name);
        return;
      case "mined": {
        this.endRefusal();
        const done = executionResult(outcome.logs, execution.call.to, this.venue as string, executor);
        m.ordersExecuted.inc({ vault, result: done.result });
        m.orderFeesEarned.inc({ vault }, Number(done.feeEarned));
        m.gasUsed.inc({ vault }, Number(outcome.gasUsed));
        m.gasSpentGwei.inc({ vault }, Number(outcome.feeWei / 1_000_000_000n));
        log.info({ ...done, hash: outcome.hash, blockNumber: outcome.blockNumber }, "venue order executed");
        return;
      }
      case "reverted":
        m.ordersExecuted.inc({ vault, result: lostRace ? "lost-race" : "reverted" });
        if (lostRace)
          log.info(
            { hash: outcome.hash, blockNumber: outcome.blockNumber, gasUsed: outcome.gasUsed },
            "another executor took the venue's order first; this executeOrder reverted (gas spent, no fault)",
          );
        m.gasUsed.inc({ vault }, Number(outcome.gasUsed));
        m.gasSpentGwei.inc({ vault }, Number(outcome.feeWei / 1_000_000_000n));
        return;
      case "nonce-taken":
      case "timeout":
      case "send-failed":
        m.ordersExecuted.inc({ vault, result: outcome.status });
        return;
      case "simulated": // a dry run's simulation passed: the book no longer refuses it
        this.endRefusal();
        return;
      default:
        return;
    }
  }
}
