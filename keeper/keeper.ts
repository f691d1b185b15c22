import type { KeeperConfig, VaultConfig } from "./config.js";
import { type BlockInfo, VaultReader } from "./chain/reader.js";
import type { RpcClient } from "./chain/rpc.js";
import { type Outcome, TxSender } from "./chain/sender.js";
import { type Decision, decide } from "./decide.js";
import { errorChain, type Logger } from "./ops/log.js";
import type { Metrics } from "./ops/metrics.js";
import { createPolicy, type Policy } from "./policies/index.js";
import { type Bands, type Strategy, Tier, UINT256_MAX, type VaultState, bandName, tierName } from "./types.js";

export interface KeeperDeps {
  config: KeeperConfig;
  rpc: RpcClient;
  sender: TxSender;
  log: Logger;
  metrics: Metrics;
  dryRun: boolean;
  /** Read and decide only, never simulate or send (the `status` command). */
  observeOnly?: boolean;
  /** Wall clock in ms (injectable for tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface VaultRuntime {
  config: VaultConfig;
  policy: Policy;
  log: Logger;
  bands?: Bands;
  strategy?: Strategy;
  state?: VaultState;
  prices: bigint[];
  breachSince?: bigint;
  lastDecision?: Decision;
  readError?: string;
}

export interface VaultStatus {
  name: string;
  address: string;
  policy: string;
  state?: VaultState;
  bands?: Bands;
  decision?: Decision;
  error?: string;
}

/**
 * The per-block pipeline: on each new block, read every vault in one batch, decide (pure), and
 * hand at most one rebalance at a time to the sender (simulate → send → wait → replace). The
 * loop keeps reading blocks while a transaction is in flight; a vault is never acted on twice for
 * one decision because the sender accepts one transaction at a time and re-simulates first.
 */
export class Keeper {
  private readonly vaults: VaultRuntime[];
  private readonly reader: VaultReader;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private lastBlock: bigint | undefined;
  private lastBlockAt: number | undefined;
  private blocksProcessed = 0;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** Outcomes of sends started by this keeper, in order (for `once` and tests). */
  readonly outcomes: { vault: string; block: bigint; outcome: Outcome }[] = [];

  constructor(private readonly deps: KeeperDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.vaults = deps.config.vaults.map((config) => ({
      config,
      policy: createPolicy(config.policy),
      log: deps.log.child({ vault: config.name, address: config.address }),
      prices: [],
    }));
    this.reader = new VaultReader(
      deps.rpc,
      this.vaults.map((v) => v.config.address),
    );
  }

  /** Checks the chain id against the config; a mismatch stops the keeper before anything else. */
  async init(): Promise<void> {
    const chainId = BigInt(await this.deps.rpc.call<string>("eth_chainId"));
    if (chainId !== BigInt(this.deps.config.chainId))
      throw new Error(`RPC chain id ${chainId} does not match config chainId ${this.deps.config.chainId}`);
    for (const v of this.vaults)
      v.log.info({ policy: v.policy.describe(), isKeeper: v.config.isKeeper }, "watching vault");
  }

  lastBlockSeenAt(): number | undefined {
    return this.lastBlockAt;
  }

  get lastBlockNumber(): bigint | undefined {
    return this.lastBlock;
  }

  /** Polls for a new block and processes it; returns whether there was one. */
  async tick(): Promise<boolean> {
    const head = BigInt(await this.deps.rpc.call<string>("eth_blockNumber"));
    if (this.lastBlock !== undefined && head <= this.lastBlock) return false;
    await this.processBlock(head);
    return true;
  }

  /** Evaluates every vault at `blockNumber` and starts at most one rebalance. */
  async processBlock(blockNumber: bigint): Promise<void> {
    const { config, metrics, log } = this.deps;
    const withParams =
      this.vaults.some((v) => v.bands === undefined) || this.blocksProcessed % config.loop.paramsRefreshBlocks === 0;
    const read = await this.reader.read(blockNumber, withParams);
    this.lastBlock = read.block.number;
    this.lastBlockAt = this.now();
    this.blocksProcessed++;
    metrics.lastBlock.set(Number(read.block.number));
    metrics.lastBlockTime.set(Math.floor(this.lastBlockAt / 1000));
    log.debug({ block: read.block.number, baseFee: read.block.baseFeePerGas }, "block");

    read.vaults.forEach((r, i) => {
      const v = this.vaults[i];
      if (r.bands) v.bands = r.bands;
      if (r.strategy) v.strategy = r.strategy;
      v.readError = r.error;
      if (r.error || !r.state) {
        v.state = undefined;
        v.log.error({ block: read.block.number, err: r.error }, "vault read failed; skipped this block");
        return;
      }
      v.state = r.state;
      this.observe(v, r.state, read.block.number);
    });

    const candidates: { v: VaultRuntime; decision: Decision & { action: "rebalance" } }[] = [];
    for (const v of this.vaults) {
      if (!v.state || !v.bands || !v.strategy) continue;
      metrics.evaluations.inc({ vault: v.config.name });
      const decision = this.decideFor(v, read.block);
      v.lastDecision = decision;
      metrics.decisions.inc({
        vault: v.config.name,
        action: decision.action,
        reason: decision.action === "skip" ? decision.reason : "breach",
      });
      if (decision.action === "skip") {
        const level = decision.reason === "within-bands" ? "debug" : "info";
        v.log[level]({ block: read.block.number, reason: decision.reason, detail: decision.detail }, "no action");
        continue;
      }
      candidates.push({ v, decision });
    }
    if (candidates.length === 0 || this.stopping || this.deps.observeOnly) return;
    if (this.deps.sender.busy || this.inFlight.size > 0) {
      for (const { v, decision } of candidates)
        v.log.info(
          { block: read.block.number, reason: decision.reason },
          "breach seen; key busy, re-deciding next block",
        );
      return;
    }
    // Fair order: rotate the starting vault each block so none is starved by another.
    const shift = Number(read.block.number % BigInt(candidates.length));
    this.start([...candidates.slice(shift), ...candidates.slice(0, shift)], read.block.number);
  }

  private observe(v: VaultRuntime, state: VaultState, block: bigint): void {
    const { metrics, config } = this.deps;
    metrics.deltaBps.set({ vault: v.config.name }, Number(state.deltaBps));
    metrics.marginRatioBps.set(
      { vault: v.config.name },
      state.marginRatioBps === UINT256_MAX ? Infinity : Number(state.marginRatioBps),
    );
    metrics.tier.set({ vault: v.config.name }, state.tier);
    // A vault with an empty book reports price 0 (it needs no price): not a price observation.
    if (state.price !== 0n && v.prices[v.prices.length - 1] !== state.price) {
      v.prices.push(state.price);
      if (v.prices.length > config.loop.priceHistory) v.prices.shift();
    }
    if (state.tier === Tier.None) v.breachSince = undefined;
    else v.breachSince ??= block;
  }

  private decideFor(v: VaultRuntime, block: BlockInfo): Decision {
    const { config } = this.deps;
    return decide({
      state: v.state as VaultState,
      bands: v.bands as Bands,
      strategy: v.strategy as Strategy,
      policy: v.policy,
      prices: v.prices,
      gas: {
        baseFeePerGas: block.baseFeePerGas,
        priorityFeePerGas: config.gas.priorityFeePerGas,
        maxFeePerGasCap: config.gas.maxFeePerGas,
      },
      now: block.timestamp,
      isKeeper: v.config.isKeeper,
      blocksSinceBreach: v.breachSince === undefined ? 0n : block.number - v.breachSince,
      standbyBlocks: BigInt(config.instance.standbyBlocks),
    });
  }

  /**
   * Tries the candidates in order until one transaction is sent: a candidate whose simulation
   * reverts (or a dry run) moves on to the next; once a transaction went out, the rest wait for
   * the next block's fresh decision.
   */
  private start(candidates: { v: VaultRuntime; decision: Decision & { action: "rebalance" } }[], block: bigint): void {
    const run: Promise<void> = (async (): Promise<void> => {
      for (const { v, decision } of candidates) {
        if (this.stopping) return;
        const log = v.log.child({ decisionBlock: block.toString() });
        log.info(
          { band: bandName(decision.band), tier: tierName(decision.tier), reason: decision.reason },
          this.deps.dryRun ? "breach: simulating (dry run)" : "breach: rebalancing",
        );
        const outcome = await this.deps.sender
          .execute(v.config.address, decision, log, this.deps.dryRun)
          .catch((err): Outcome => {
            log.error({ err: errorChain(err) }, "rebalance attempt failed");
            return { status: "send-failed", error: errorChain(err) };
          });
        this.record(v, outcome);
        this.outcomes.push({ vault: v.config.name, block, outcome });
        if (outcome.status !== "simulation-reverted" && outcome.status !== "simulated") return;
      }
    })().finally(() => {
      this.inFlight.delete(run);
    });
    this.inFlight.add(run);
  }

  private record(v: VaultRuntime, outcome: Outcome): void {
    const m = this.deps.metrics;
    const vault = v.config.name;
    switch (outcome.status) {
      case "simulation-reverted":
        m.simulationReverts.inc({ vault, error: outcome.revert.name });
        return;
      case "mined":
      case "reverted":
        m.rebalancesSent.inc({ vault });
        m.replacements.inc({ vault }, outcome.replacements);
        m.gasUsed.inc({ vault }, Number(outcome.gasUsed));
        m.gasSpentGwei.inc({ vault }, Number(outcome.feeWei / 1_000_000_000n));
        if (outcome.status === "mined") m.rebalancesSucceeded.inc({ vault });
        else m.rebalancesFailed.inc({ vault, reason: "reverted" });
        return;
      case "nonce-taken":
      case "timeout":
        m.rebalancesSent.inc({ vault });
        m.rebalancesFailed.inc({ vault, reason: outcome.status });
        return;
      case "send-failed":
        m.rebalancesFailed.inc({ vault, reason: outcome.status });
        return;
      default:
        return;
    }
  }

  /** Waits for every started rebalance (simulation, send, receipt) to finish. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** `once`: evaluate the latest block, act, and wait for the outcome. */
  async once(): Promise<void> {
    await this.tick();
    await this.settle();
  }

  /** `run`: poll for blocks until stop(); RPC failures are logged and retried next poll. */
  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (err) {
        this.deps.log.error({ err: errorChain(err) }, "block processing failed; retrying");
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void this.sleep(this.deps.config.loop.pollIntervalMs).then(resolve);
      });
      this.wake = undefined;
    }
  }

  /** Graceful stop: no new decisions, then waits for an in-flight transaction to settle. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (this.inFlight.size > 0)
      this.deps.log.info({ inFlight: this.inFlight.size }, "stopping: waiting for in-flight transaction");
    await this.settle();
  }

  status(): VaultStatus[] {
    return this.vaults.map((v) => ({
      name: v.config.name,
      address: v.config.address,
      policy: v.policy.name,
      state: v.state,
      bands: v.bands,
      decision: v.lastDecision,
      error: v.readError,
    }));
  }
}
