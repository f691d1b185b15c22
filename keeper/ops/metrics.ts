import { Counter, Gauge, Registry } from "prom-client";

/** The keeper's Prometheus metrics, on a registry of their own (one per keeper instance). */
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
  readonly deltaBps = new Gauge({
    name: "keeper_vault_delta_bps",
    help: "Vault's signed delta, bps",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly marginRatioBps = new Gauge({
    name: "keeper_vault_margin_ratio_bps",
    help: "Vault's perp margin ratio, bps (+Inf with no short)",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
  readonly tier = new Gauge({
    name: "keeper_vault_tier",
    help: "Breach tier: 0 none, 1 soft, 2 hard",
    labelNames: ["vault"] as const,
    registers: [this.registry],
  });
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
