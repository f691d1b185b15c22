import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { SETTLE_RESULTS } from "../chain/round.js";

const counter = <L extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
) => new Counter<L>({ name, help, labelNames, registers: [registry] });
const gauge = <L extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
/** How a transaction the keeper started can fail (the sender's outcomes; `reverted`: mined with status 0). */
export const SEND_FAILURES = ["reverted", "nonce-taken", "timeout", "send-failed"] as const;
const vaultGauge = (registry: Registry, name: string, help: string) => gauge(registry, name, help, ["vault"]);

/**
 * The keeper's Prometheus metrics, on a registry of their own (one per keeper instance), plus the
 * process metrics (CPU, memory, event-loop lag, start time). Alert rules on them ship in
 * keeper/ops/alerts.yml.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly evaluations = counter(
    this.registry,
    "keeper_evaluations_total",
    "Vault evaluations (one per vault per block)",
    ["vault"],
  );
  readonly decisions = counter(this.registry, "keeper_decisions_total", "Decisions by action and reason", [
    "vault",
    "action",
    "reason",
  ]);
  readonly simulationReverts = counter(
    this.registry,
    "keeper_simulation_reverts_total",
    "Simulations that reverted, by decoded error (WithinBands is normal)",
    ["vault", "error"],
  );
  readonly rebalancesSent = counter(
    this.registry,
    "keeper_rebalances_sent_total",
    "Rebalance decisions broadcast (replacements not counted)",
    ["vault"],
  );
  readonly rebalancesSucceeded = counter(
    this.registry,
    "keeper_rebalances_succeeded_total",
    "Rebalances mined with status 1",
    ["vault"],
  );
  readonly rebalancesFailed = counter(
    this.registry,
    "keeper_rebalances_failed_total",
    "Rebalances that reverted on chain, timed out, lost their nonce or failed to send",
    ["vault", "reason"],
  );
  readonly replacements = counter(
    this.registry,
    "keeper_tx_replacements_total",
    "Stuck transactions replaced with higher fees",
    ["vault"],
  );
  readonly gasUsed = counter(this.registry, "keeper_gas_used_total", "Gas used by mined keeper transactions", [
    "vault",
  ]);
  readonly gasSpentGwei = counter(
    this.registry,
    "keeper_gas_spent_gwei_total",
    "Fees paid by mined keeper transactions, gwei (display only; logs carry exact wei)",
    ["vault"],
  );
  readonly lastBlock = gauge(this.registry, "keeper_last_block_seen", "Latest block number processed");
  readonly lastBlockTime = gauge(
    this.registry,
    "keeper_last_block_seen_timestamp_seconds",
    "Wall-clock time the latest new block was seen",
  );
  readonly lastPollOk = gauge(
    this.registry,
    "keeper_last_successful_read_timestamp_seconds",
    "Wall-clock time of the latest successful read of the chain",
  );
  readonly chainReadable = gauge(
    this.registry,
    "keeper_chain_readable",
    "1 when the latest poll read the chain, 0 while it cannot (every RPC endpoint down, or the read fails)",
  );
  readonly headTimestamp = gauge(
    this.registry,
    "keeper_chain_head_timestamp_seconds",
    "Timestamp of the latest block processed (chain time)",
  );
  readonly chainResets = counter(
    this.registry,
    "keeper_chain_resets_total",
    "Times the watched chain was replaced (node restart, reset, reorg) and state was re-read",
  );
  readonly keyBalance = gauge(this.registry, "keeper_key_balance_wei", "Native (gas) balance of the keeper's key, wei");
  readonly keyMinBalance = gauge(
    this.registry,
    "keeper_key_min_balance_wei",
    "gas.minBalance: the balance below which the key alarms, wei",
  );
  readonly keyHasRole = vaultGauge(
    this.registry,
    "keeper_key_has_keeper_role",
    "1 when the key holds the vault's KEEPER role",
  );
  readonly vaultReadable = vaultGauge(
    this.registry,
    "keeper_vault_readable",
    "1 when vaultState() read at the latest block, else 0",
  );
  readonly vaultReadFailures = counter(
    this.registry,
    "keeper_vault_read_failures_total",
    "Blocks at which a vault could not be read, by decoded error (OracleStalePrice, NoData...)",
    ["vault", "error"],
  );
  readonly oracleAge = vaultGauge(
    this.registry,
    "keeper_vault_oracle_age_seconds",
    "Seconds since the vault's Chainlink feed last updated, at the latest block",
  );
  readonly consecutiveReverts = gauge(
    this.registry,
    "keeper_simulation_reverts_consecutive",
    "Simulations in a row that reverted, by decoded error (reset by a send or a clean simulation)",
    ["vault", "error"],
  );
  readonly deltaBps = vaultGauge(this.registry, "keeper_vault_delta_bps", "Vault's signed delta, bps");
  readonly marginRatioBps = vaultGauge(
    this.registry,
    "keeper_vault_margin_ratio_bps",
    "Vault's perp margin ratio, bps (+Inf with no short)",
  );
  readonly deploymentBps = vaultGauge(
    this.registry,
    "keeper_vault_deployment_bps",
    "Vault's hedged notional / NAV, bps (the funding it earns scales with it)",
  );
  readonly tier = vaultGauge(this.registry, "keeper_vault_tier", "Breach tier: 0 none, 1 soft, 2 hard");
  readonly band = vaultGauge(
    this.registry,
    "keeper_vault_band",
    "Breached band: 0 none, 1 delta, 2 margin low, 3 margin high, 4 idle",
  );
  readonly sharePrice = vaultGauge(this.registry, "keeper_vault_share_price", "Assets per whole share, asset units");
  readonly totalAssets = vaultGauge(this.registry, "keeper_vault_total_assets", "Vault NAV, asset units");
  readonly idle = vaultGauge(this.registry, "keeper_vault_idle", "Undeployed assets, asset units");
  readonly idleBps = vaultGauge(this.registry, "keeper_vault_idle_bps", "Undeployed assets, bps of NAV");
  readonly paused = vaultGauge(this.registry, "keeper_vault_paused", "1 when the vault is paused");
  readonly pendingRebalanceBlocks = vaultGauge(
    this.registry,
    "keeper_vault_pending_rebalance_blocks",
    "Blocks a breach has waited for its rebalance (-1 when every band holds)",
  );
  readonly pendingOrder = vaultGauge(
    this.registry,
    "keeper_vault_pending_order",
    "1 while the vault's perp venue holds a pending (delayed) order, 0 when none",
  );
  readonly pendingOrderAge = vaultGauge(
    this.registry,
    "keeper_vault_pending_order_age_seconds",
    "Seconds since the venue's pending order was submitted, at the latest block (absent with none)",
  );
  readonly pendingOrderMaxDelay = vaultGauge(
    this.registry,
    "keeper_vault_pending_order_max_delay_seconds",
    "Seconds after its submission at which the pending order expires (absent with none)",
  );
  readonly pendingOrderUnexecutable = vaultGauge(
    this.registry,
    "keeper_vault_pending_order_unexecutable",
    "1 while the venue's pending order can no longer execute (it missed its feed round, or expired): the vault cannot rebalance until it expires and the vault cancels it; 0 while it may (absent with none)",
  );
  readonly ordersExecuted = counter(
    this.registry,
    "keeper_orders_executed_total",
    "executeOrder transactions for a vault's venue order, by result: filled, price-out-of-bounds and nothing-to-reduce (cancelled, fee still earned), lost-race (reverted: another executor took the order first), reverted, nonce-taken, timeout, send-failed",
    ["vault", "result"],
  );
  readonly orderFeesEarned = counter(
    this.registry,
    "keeper_order_fees_earned_total",
    "Execution fees paid to the key by the order book, in the margin token's smallest units",
    ["vault"],
  );
  readonly orderSimulationReverts = counter(
    this.registry,
    "keeper_order_simulation_reverts_total",
    "executeOrder simulations that reverted, by decoded error (OrderTooEarly, NoPendingOrder are normal)",
    ["vault", "error"],
  );
  readonly orderConsecutiveReverts = gauge(
    this.registry,
    "keeper_order_simulation_reverts_consecutive",
    "executeOrder simulations of the current venue order in a row that reverted with an error the book does not expect in normal operation (its fill refused), by decoded error; absent once it executes, can no longer, or goes",
    ["vault", "error"],
  );
  readonly roundPending = vaultGauge(
    this.registry,
    "keeper_vault_round_pending",
    "1 while the vault's two-phase round awaits settleRound() (no rebalance until it is settled), 0 when none (absent at a vault without a known perp venue)",
  );
  readonly roundAge = vaultGauge(
    this.registry,
    "keeper_vault_round_age_seconds",
    "Seconds since the vault's pending round was submitted, at the latest block (absent with none)",
  );
  readonly roundMaxDelay = vaultGauge(
    this.registry,
    "keeper_vault_round_max_delay_seconds",
    "Seconds after its submission at which the pending round's venue order expires: from then on anyone may settle it (absent with none, or unknown)",
  );
  readonly roundSettleable = vaultGauge(
    this.registry,
    "keeper_vault_round_settleable",
    "1 while the pending round may be settled (its order left the book or expired), 0 while it awaits its fill (absent with none)",
  );
  readonly roundsSettled = counter(
    this.registry,
    "keeper_rounds_settled_total",
    "settleRound() attempts by this keeper, by result: filled, not-filled (the order left the book without reaching the target), expired-cancelled (the vault took back its expired order, fee refunded), lost-race (another account settled first), failed (reverted unexpectedly, nonce-taken, timeout, send-failed)",
    ["vault", "result"],
  );
  /**
   * Each vault's failure series that an alert watches with `increase()`, at 0 from the start:
   * `increase()` cannot see a series born at 1 (no sample before it), so without the zeros each
   * first failure of a kind would raise no alert.
   */
  watchFailures(vault: string): void {
    for (const failure of SEND_FAILURES) {
      this.rebalancesFailed.inc({ vault, reason: failure }, 0);
      this.ordersExecuted.inc({ vault, result: failure }, 0);
    }
    for (const result of SETTLE_RESULTS) this.roundsSettled.inc({ vault, result }, 0);
  }
  /** The venue order's gauges, dropped while there is none or it cannot be read. */
  readonly orderGauges = [this.pendingOrderAge, this.pendingOrderMaxDelay, this.pendingOrderUnexecutable];
  /** The pending round's gauges, dropped while there is none or it cannot be read. */
  readonly roundGauges = [this.roundAge, this.roundMaxDelay, this.roundSettleable];
  /** Per-vault readings of vaultState(), dropped while the vault is unreadable. */
  readonly vaultStateGauges = [
    this.deltaBps,
    this.marginRatioBps,
    this.deploymentBps,
    this.tier,
    this.band,
    this.sharePrice,
    this.totalAssets,
    this.idle,
    this.idleBps,
    this.paused,
    this.pendingRebalanceBlocks,
  ];
  private rpcStats: { httpRequests: number; calls: number } = { httpRequests: 0, calls: 0 };
  readonly rpcRequests = this.rpcCounter(
    "keeper_rpc_http_requests_total",
    "HTTP requests to RPC endpoints",
    "httpRequests",
  );
  readonly rpcCalls = this.rpcCounter("keeper_rpc_calls_total", "JSON-RPC calls (a batch of n counts n)", "calls");
  readonly rpcFailovers = counter(
    this.registry,
    "keeper_rpc_failovers_total",
    "RPC endpoint failures that moved to the next URL",
    ["endpoint"],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The RPC counters report the client's own tallies at each scrape. */
  bindRpcStats(stats: { httpRequests: number; calls: number }): void {
    this.rpcStats = stats;
  }

  private rpcCounter(name: string, help: string, key: "httpRequests" | "calls"): Counter {
    const self = this;
    return new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(self.rpcStats[key]);
      },
    });
  }
}
