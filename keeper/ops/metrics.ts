import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

const vaultGauge = (registry: Registry, name: string, help: string) =>
  new Gauge({ name, help, labelNames: ["vault"] as const, registers: [registry] });

/**
 * The keeper's Prometheus metrics, on a registry of their own (one per keeper instance), plus the
 * process metrics (CPU, memory, event-loop lag, start time). Alert rules on them ship in
 * keeper/ops/alerts.yml.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly evaluations = new Counter({
    name: "keeper_evaluations_total",
    help: "Vault evaluations (one per vault per block)",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: "keeper_decisions_total",
    help: "Decisions by action and reason",
    labelNames: ["vault", "action", "reason"] as const,
    registers: [this.registry],
  });
  readonly simulationReverts = new Counter({
    name: "keeper_simulation_reverts_total",
    help: "Simulations that reverted, by decoded error (WithinBands is normal)",
    labelNames: ["vault", "error"] as const,
    registers: [this.registry],
  });
  readonly rebalancesSent = new Counter({
    name: "keeper_rebalances_sent_total",
    help: "Rebalance decisions broadcast (replacements not counted)",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly rebalancesSucceeded = new Counter({
    name: "keeper_rebalances_succeeded_total",
    help: "Rebalances mined with status 1",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly rebalancesFailed = new Counter({
    name: "keeper_rebalances_failed_total",
    help: "Rebalances that reverted on chain, timed out, lost their nonce or failed to send",
    labelNames: ["vault", "reason"] as const,
    registers: [this.registry],
  });
  readonly replacements = new Counter({
    name: "keeper_tx_replacements_total",
    help: "Stuck transactions replaced with higher fees",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly gasUsed = new Counter({
    name: "keeper_gas_used_total",
    help: "Gas used by mined keeper transactions",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly gasSpentGwei = new Counter({
    name: "keeper_gas_spent_gwei_total",
    help: "Fees paid by mined keeper transactions, gwei (display only; logs carry exact wei)",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly lastBlock = new Gauge({
    name: "keeper_last_block_seen",
    help: "Latest block number processed",
    registers: [this.registry],
  });
  readonly lastBlockTime = new Gauge({
    name: "keeper_last_block_seen_timestamp_seconds",
    help: "Wall-clock time the latest new block was seen",
    registers: [this.registry],
  });
  readonly lastPollOk = new Gauge({
    name: "keeper_last_successful_read_timestamp_seconds",
    help: "Wall-clock time of the latest successful read of the chain",
    registers: [this.registry],
  });
  readonly rpcUp = new Gauge({
    name: "keeper_rpc_up",
    help: "1 when the latest poll of the chain succeeded, 0 while every RPC endpoint fails",
    registers: [this.registry],
  });
  readonly headTimestamp = new Gauge({
    name: "keeper_chain_head_timestamp_seconds",
    help: "Timestamp of the latest block processed (chain time)",
    registers: [this.registry],
  });
  readonly chainResets = new Counter({
    name: "keeper_chain_resets_total",
    help: "Times the watched chain was replaced (node restart, reset, reorg) and state was re-read",
    registers: [this.registry],
  });
  readonly keyBalance = new Gauge({
    name: "keeper_key_balance_wei",
    help: "Native (gas) balance of the keeper's key, wei",
    registers: [this.registry],
  });
  readonly keyMinBalance = new Gauge({
    name: "keeper_key_min_balance_wei",
    help: "gas.minBalance: the balance below which the key alarms, wei",
    registers: [this.registry],
  });
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
  readonly vaultReadFailures = new Counter({
    name: "keeper_vault_read_failures_total",
    help: "Blocks at which a vault could not be read, by decoded error (OracleStalePrice, NoData...)",
    labelNames: ["vault", "error"] as const,
    registers: [this.registry],
  });
  readonly oracleAge = vaultGauge(
    this.registry,
    "keeper_vault_oracle_age_seconds",
    "Seconds since the vault's Chainlink feed last updated, at the latest block",
  );
  readonly consecutiveReverts = new Gauge({
    name: "keeper_simulation_reverts_consecutive",
    help: "Simulations in a row that reverted, by decoded error (reset by a send or a clean simulation)",
    labelNames: ["vault", "error"] as const,
    registers: [this.registry],
  });
  readonly deltaBps = vaultGauge(this.registry, "keeper_vault_delta_bps", "Vault's signed delta, bps");
  readonly marginRatioBps = vaultGauge(
    this.registry,
    "keeper_vault_margin_ratio_bps",
    "Vault's perp margin ratio, bps (+Inf with no short)",
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
  /** Per-vault readings of vaultState(), dropped while the vault is unreadable. */
  readonly vaultStateGauges = [
    this.deltaBps,
    this.marginRatioBps,
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
  readonly rpcFailovers = new Counter({
    name: "keeper_rpc_failovers_total",
    help: "RPC endpoint failures that moved to the next URL",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  });

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
