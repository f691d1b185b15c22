import type { BlockInfo, VaultRead } from "./chain/reader.js";
import { type SettleResult, settleRoundCall, settlementResult } from "./chain/round.js";
import type { Fees, Outcome, TxCall } from "./chain/sender.js";
import type { GasInput } from "./decide.js";
import type { Logger } from "./ops/log.js";
import type { Metrics } from "./ops/metrics.js";
import type { OrderBook } from "./orders.js";
import { type RoundView, decideSettle, describeRound, isSettleable, roundView } from "./rounds.js";

/** A `settleRound()` the keeper may send at this block. */
export interface RoundSettlement {
  call: TxCall;
  fees: Fees;
  /** Logged with the attempt. */
  context: Record<string, unknown>;
  /** The round it settles (`submittedAt`): a later read without it means someone settled it. */
  submittedAt: bigint;
}

/**
 * One vault's two-phase round across blocks: read with the venue's order, its phase, gauges and
 * log lines, whether to settle it now and what a settlement did. The rules are those of `rounds.ts`.
 */
export class RoundWatch {
  /** The pending round at the latest block (undefined: none, or unread). */
  view?: RoundView;
  /** Read at the latest block (false at a vault whose venue is unknown: no round to read). */
  read = false;
  readError?: string;
  /** Block from which the current round has been settleable (the standby delay counts from it). */
  private settleableSince?: bigint;
  /** The round and phase last logged, so each change is logged once. */
  private logged?: string;

  constructor(
    private readonly vault: string,
    private readonly address: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** The round at this block, its gauges, and one log line each time it appears, changes phase or goes. */
  observe(r: VaultRead, block: BlockInfo, book: OrderBook | undefined): void {
    const { metrics, vault } = this;
    if (r.roundError !== undefined) {
      if (this.readError === undefined)
        this.log.error({ block: block.number, err: r.roundError }, "the vault's pending round is unreadable");
      this.readError = r.roundError;
      this.clear();
      metrics.roundPending.remove({ vault });
      return;
    }
    this.readError = undefined;
    this.read = r.round !== undefined;
    if (r.round === undefined) return; // no venue known: nothing read
    if (r.round.submittedAt === 0n) {
      if (this.view) this.log.info({ block: block.number }, "the vault's round was settled");
      this.clear();
      metrics.roundPending.set({ vault }, 0);
      return;
    }
    const view = roundView(r.round, r.orderError === undefined ? r.order : undefined, book, block.timestamp);
    this.view = view;
    if (isSettleable(view)) this.settleableSince ??= block.number;
    else this.settleableSince = undefined;
    metrics.roundPending.set({ vault }, 1);
    metrics.roundAge.set({ vault }, Number(view.ageSeconds));
    if (view.expiresAt === undefined) metrics.roundMaxDelay.remove({ vault });
    else metrics.roundMaxDelay.set({ vault }, Number(view.expiresAt - r.round.submittedAt));
    metrics.roundSettleable.set({ vault }, isSettleable(view) ? 1 : 0);
    const key = `${r.round.submittedAt}:${view.phase}`;
    if (this.logged === key) return;
    this.logged = key;
    this.log.info(
      {
        block: block.number,
        round: describeRound(view, block.timestamp),
        phase: view.phase,
        submittedAt: r.round.submittedAt,
        expiresAt: view.expiresAt,
        shortTarget: r.round.shortTarget,
      },
      "the vault's pending round",
    );
  }

  /** The round described at `now`; "none" when read and none is pending, undefined when not read. */
  describe(now: bigint | undefined): string | undefined {
    if (this.view && now !== undefined) return describeRound(this.view, now);
    return this.read ? "none" : undefined;
  }

  /** The vault's `settleRound()` when its round may be settled now (no KEEPER role needed). */
  settlement(block: BlockInfo, opts: { gas: GasInput; standbyBlocks: bigint }): RoundSettlement | undefined {
    const { view } = this;
    if (!view) return undefined;
    const decision = decideSettle({
      view,
      ...opts,
      blocksSettleable: this.settleableSince === undefined ? 0n : block.number - this.settleableSince,
    });
    if (decision.action === "wait") {
      if (isSettleable(view))
        this.log.debug({ block: block.number, detail: decision.detail }, "round settleable; not settling yet");
      return undefined;
    }
    return {
      call: settleRoundCall(this.address),
      fees: decision,
      context: { round: describeRound(view, block.timestamp) },
      submittedAt: view.round.submittedAt,
    };
  }

  /**
   * Counts a `settleRound()` attempt. `lostRace`: it reverted (in its simulation or on chain)
   * because another account settled the round first: the round is settled, no fault.
   */
  record(outcome: Outcome, log: Logger, lostRace: boolean): void {
    const count = (result: SettleResult) => this.metrics.roundsSettled.inc({ vault: this.vault, result });
    switch (outcome.status) {
      case "simulation-reverted":
        if (lostRace) {
          count("lost-race");
          log.info("another account settled the round first; nothing sent");
        } else if (!outcome.normal) {
          count("failed");
          log.error({ revert: outcome.revert.name }, "settleRound() simulation reverted: the round cannot be settled");
        }
        return;
      case "mined": {
        const result = settlementResult(outcome.logs, this.address) ?? "failed";
        count(result);
        this.gas(outcome);
        log.info({ result, hash: outcome.hash, blockNumber: outcome.blockNumber }, "vault round settled");
        return;
      }
      case "reverted":
        count(lostRace ? "lost-race" : "failed");
        this.gas(outcome);
        if (lostRace)
          log.info(
            { hash: outcome.hash, blockNumber: outcome.blockNumber, gasUsed: outcome.gasUsed },
            "another account settled the round first; this settleRound reverted (gas spent, no fault)",
          );
        return;
      case "nonce-taken":
      case "timeout":
      case "send-failed":
        count("failed");
        return;
      default:
        return;
    }
  }

  private gas(outcome: { gasUsed: bigint; feeWei: bigint }): void {
    this.metrics.gasUsed.inc({ vault: this.vault }, Number(outcome.gasUsed));
    this.metrics.gasSpentGwei.inc({ vault: this.vault }, Number(outcome.feeWei / 1_000_000_000n));
  }

  private clear(): void {
    this.view = undefined;
    this.settleableSince = undefined;
    this.logged = undefined;
    for (const g of this.metrics.roundGauges) g.remove({ vault: this.vault });
  }
}
