import { ZeroHash } from "ethers";
import type { KeeperConfig, VaultConfig } from "./config.js";
import { type BlockInfo, type BlockRead, type VaultRead, VaultReader } from "./chain/reader.js";
import type { RpcClient } from "./chain/rpc.js";
import { type Fees, type Outcome, type TxCall, TxSender, rebalanceCall } from "./chain/sender.js";
import { type Decision, type GasInput, decide } from "./decide.js";
import { errorChain, type Logger } from "./ops/log.js";
import type { Metrics } from "./ops/metrics.js";
import { type OrderExecution, OrderWatch } from "./order-watch.js";
import { type RoundSettlement, RoundWatch } from "./round-watch.js";
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
  feed?: string;
  /** The chain's answer to `isKeeper(key)`, refreshed with the parameters. */
  keyIsKeeper?: boolean;
  state?: VaultState;
  prices: bigint[];
  breachSince?: bigint;
  lastDecision?: Decision;
  readError?: string;
  oracleAgeSeconds?: bigint;
  /** Consecutive reverted simulations and the decoded error of the latest. */
  revertStreak?: { error: string; count: number };
  /** The vault's perp venue and its pending order. */
  orders: OrderWatch;
  /** The vault's two-phase round awaiting `settleRound()`. */
  round: RoundWatch;
}

/** One transaction the keeper may start at this block. */
interface Candidate {
  v: VaultRuntime;
  action: KeeperAction;
  call: TxCall;
  fees: Fees;
  /** Logged with the attempt. */
  context: Record<string, unknown>;
  /** What an `execute-order` candidate executes. */
  execution?: OrderExecution;
  /** What a `settle-round` candidate settles. */
  settlement?: RoundSettlement;
}

/** The transactions the keeper sends: a due venue order's execution, a round's settlement, a rebalance. */
export type KeeperAction = "rebalance" | "execute-order" | "settle-round";

export interface VaultStatus {
  name: string;
  address: string;
  policy: string;
  state?: VaultState;
  bands?: Bands;
  decision?: Decision;
  error?: string;
  oracleAgeSeconds?: bigint;
  /** The venue's pending order, described ("short +12.5, 40s, executable"); undefined with none. */
  order?: string;
  /** Why the venue's order could not be read. */
  orderError?: string;
  /**
   * The vault's two-phase round ("pending 40s, Idle Soft, increase, awaiting fill", or "none");
   * undefined when not read (no known venue).
   */
  round?: string;
  /** Why the vault's pending round could not be read. */
  roundError?: string;
}

/** What /healthz judges: when the chain last answered, the head's time, and unreadable vaults. */
export interface HealthSnapshot {
  /** Wall-clock ms of the latest successful read of the chain (undefined before the first). */
  lastPollOkAt?: number;
  /** Timestamp (s) of the latest block processed. */
  headTimestamp?: bigint;
  /** Why the latest reads failed, while they fail. */
  pollError?: string;
  unreadable: { vault: string; error: string }[];
}

/** Start-up found something an operator must fix; every problem is listed. */
export class StartupError extends Error {
  override name = "StartupError";
  constructor(readonly problems: string[]) {
    super(`start-up checks failed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const isHash = (h: string) => h !== ZeroHash;

/**
 * The per-block pipeline: on each new block, read every vault and its venue's order in one
 * Multicall3 batch, decide (pure), and hand at most one transaction at a time to the sender (a due
 * order's execution, else a settleable round's settlement, else a rebalance: simulate → send →
 * wait → replace). Nothing is assumed to stick: every block is decided afresh from the chain, so a partial
 * rebalance that leaves a band breached is simply acted on again at the next block.
 */
export class Keeper {
  private readonly vaults: VaultRuntime[];
  private readonly reader: VaultReader;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private lastBlock: bigint | undefined;
  /** Hash of the block before `lastBlock`: if the chain later reports another, it was replaced. */
  private lastParentHash: string | undefined;
  private lastPollOkAt: number | undefined;
  private headTimestamp: bigint | undefined;
  private pollError: string | undefined;
  private blocksProcessed = 0;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** Outcomes of sends started by this keeper, in order (for `once` and tests). */
  readonly outcomes: {
    vault: string;
    block: bigint;
    action: Candidate["action"];
    outcome: Outcome;
    /** A reverted `executeOrder` or `settleRound` that another account beat to it. */
    lostRace?: boolean;
  }[] = [];

  constructor(private readonly deps: KeeperDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.vaults = deps.config.vaults.map((config) => {
      const log = deps.log.child({ vault: config.name, address: config.address });
      deps.metrics.watchFailures(config.name);
      return {
        config,
        policy: createPolicy(config.policy),
        log,
        prices: [],
        orders: new OrderWatch(config.name, log, deps.metrics),
        round: new RoundWatch(config.name, config.address, log, deps.metrics),
      };
    });
    this.reader = new VaultReader(
      deps.rpc,
      deps.config.multicall3,
      this.vaults.map((v) => v.config.address),
      deps.sender.address,
      deps.config.loop.multicallBatchSize,
    );
  }

  /**
   * Start-up: waits for the RPC (retrying with backoff for `rpc.startupRetrySeconds`), then checks
   * the chain id, the Multicall3 contract, that every address is a vault, and, when this process
   * may send, that the key holds the KEEPER role where the config expects it and has gas money.
   * Throws a StartupError listing every problem.
   */
  async init(): Promise<void> {
    const { config, rpc } = this.deps;
    const chainId = BigInt(await this.withStartupRetry(() => rpc.call<string>("eth_chainId")));
    if (chainId !== BigInt(config.chainId))
      throw new StartupError([`RPC chain id ${chainId} does not match config chainId ${config.chainId}`]);
    const problems: string[] = [];
    const codes = await rpc.batch<string>(
      [config.multicall3, ...this.vaults.map((v) => v.config.address)].map((a) => ({
        method: "eth_getCode",
        params: [a, "latest"],
      })),
    );
    const hasCode = codes.map((c) => c.ok && c.result !== "0x");
    if (!hasCode[0])
      throw new StartupError([
        `no Multicall3 contract at ${config.multicall3} (set "multicall3", or deploy it: the local stack does)`,
      ]);
    this.vaults.forEach((v, i) => {
      if (!hasCode[i + 1]) problems.push(`${v.config.name}: no contract at ${v.config.address}`);
    });
    if (problems.length > 0) throw new StartupError(problems);

    const head = BigInt(await rpc.call<string>("eth_blockNumber"));
    const read = await this.read(head, true);
    read.vaults.forEach((r, i) => this.applyParams(this.vaults[i], r));
    await this.discoverOrderBooks(head);
    const sending = !this.deps.dryRun && !this.deps.observeOnly;
    read.vaults.forEach((r, i) => {
      const v = this.vaults[i];
      if (!r.bands) {
        problems.push(`${v.config.name}: ${v.config.address} is not a delta-neutral vault (${r.error})`);
        return;
      }
      if (r.error) v.log.warn({ err: r.error }, "vault state unreadable at start-up (will keep trying)");
      if (sending && v.config.isKeeper && !r.keyIsKeeper)
        problems.push(
          `${v.config.name}: key ${this.deps.sender.address} lacks the KEEPER role (grant it with setKeeper, ` +
            `or set "isKeeper": false to act at the hard tier only)`,
        );
      v.log.info(
        {
          policy: v.policy.describe(),
          keyIsKeeper: r.keyIsKeeper,
          feed: r.feed,
          oracleAgeSeconds: r.oracleAgeSeconds,
          perpVenue: v.orders.venue,
          orderBook: v.orders.book?.address ?? null,
          executesOrders: v.orders.book ? this.deps.config.orders.execute : false,
        },
        "watching vault",
      );
    });
    if (sending && read.keyBalance < config.gas.minBalance)
      problems.push(
        `key ${this.deps.sender.address} holds ${read.keyBalance} wei, below gas.minBalance ${config.gas.minBalance} wei`,
      );
    if (problems.length > 0) throw new StartupError(problems);
  }

  private async withStartupRetry<T>(fn: () => Promise<T>): Promise<T> {
    const { config, log } = this.deps;
    const deadline = this.now() + config.rpc.startupRetrySeconds * 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const waitMs = this.backoffMs(attempt);
        if (this.now() + waitMs > deadline || this.stopping) throw err;
        log.warn({ err: errorChain(err), retryInMs: waitMs }, "RPC unreachable at start-up; retrying");
        await this.sleep(waitMs);
      }
    }
  }

  private backoffMs(failures: number): number {
    const { pollIntervalMs } = this.deps.config.loop;
    return Math.min(pollIntervalMs * 2 ** Math.min(failures, 20), this.deps.config.rpc.maxBackoffMs);
  }

  health(): HealthSnapshot {
    return {
      lastPollOkAt: this.lastPollOkAt,
      headTimestamp: this.headTimestamp,
      pollError: this.pollError,
      unreadable: this.vaults
        .filter((v) => v.readError !== undefined)
        .map((v) => ({ vault: v.config.name, error: v.readError as string })),
    };
  }

  /** Chain time of the latest block processed (seconds). */
  get lastBlockTimestamp(): bigint | undefined {
    return this.headTimestamp;
  }

  get lastBlockNumber(): bigint | undefined {
    return this.lastBlock;
  }

  /** Polls for a new block and processes it; returns whether there was one. */
  async tick(): Promise<boolean> {
    const head = BigInt(await this.deps.rpc.call<string>("eth_blockNumber"));
    if (this.lastBlock !== undefined && head < this.lastBlock) {
      this.chainReplaced(`head ${head} is below the last block processed, ${this.lastBlock}`);
    } else if (this.lastBlock !== undefined && head === this.lastBlock) {
      this.pollOk(); // an idle chain, read fine
      return false;
    }
    // A new block counts as read only once its vaults were read (processBlock), so a chain that
    // answers eth_blockNumber but not the read (no Multicall3 after a restart) is not healthy.
    await this.processBlock(head);
    return true;
  }

  private pollOk(): void {
    this.lastPollOkAt = this.now();
    this.pollError = undefined;
    this.deps.metrics.lastPollOk.set(Math.floor(this.lastPollOkAt / 1000));
    this.deps.metrics.chainReadable.set(1);
  }

  /**
   * The chain this keeper watched is gone (node restart, `hardhat_reset`, deep reorg): forget
   * everything read from it, so the next block is decided from scratch, whatever its height.
   */
  private chainReplaced(why: string): void {
    this.deps.log.warn({ why, lastBlock: this.lastBlock }, "chain replaced (reset, restart or reorg); starting over");
    this.deps.metrics.chainResets.inc();
    this.lastBlock = undefined;
    this.lastParentHash = undefined;
    for (const v of this.vaults) {
      v.bands = undefined;
      v.strategy = undefined;
      v.feed = undefined;
      v.keyIsKeeper = undefined;
      v.state = undefined;
      v.prices = [];
      v.breachSince = undefined;
      // A streak of the old chain's would otherwise stay on /metrics (and its alert) for good.
      if (v.revertStreak)
        this.deps.metrics.consecutiveReverts.remove({ vault: v.config.name, error: v.revertStreak.error });
      v.revertStreak = undefined;
      v.orders.forget();
      v.orders = new OrderWatch(v.config.name, v.log, this.deps.metrics);
      v.round = new RoundWatch(v.config.name, v.config.address, v.log, this.deps.metrics);
    }
    this.deps.sender.forgetChain();
  }

  private read(blockNumber: bigint, withParams: boolean): Promise<BlockRead> {
    return this.reader.read(blockNumber, {
      withParams,
      // The order books' feeds after the vaults' own (usually the same feed, read once).
      feeds: [...this.vaults.map((v) => v.feed), ...this.vaults.map((v) => v.orders.book?.feed)],
      venues: this.vaults.map((v) => v.orders.readVenue),
      checkBlock: this.lastBlock !== undefined && this.lastBlock > 0n ? this.lastBlock - 1n : undefined,
    });
  }

  /**
   * Looks up the order book behind every venue not looked up yet (at start-up, after a replaced
   * chain): the venue and its book are immutable, so this runs once per vault. True if it ran.
   */
  private async discoverOrderBooks(blockNumber: bigint): Promise<boolean> {
    const unknown = this.vaults.filter((v) => v.orders.needsBook).map((v) => v.orders);
    if (unknown.length === 0) return false;
    const venues = unknown.map((o) => o.readVenue as string);
    const books = await this.reader.readOrderBooks(venues, blockNumber);
    unknown.forEach((o, i) => o.setBook(books.get(venues[i])));
    return true;
  }

  /** Evaluates every vault at `blockNumber` and starts at most one transaction (an order's execution or a rebalance). */
  async processBlock(blockNumber: bigint): Promise<void> {
    const { config, metrics, log } = this.deps;
    const withParams = () =>
      this.vaults.some((v) => v.bands === undefined) || this.blocksProcessed % config.loop.paramsRefreshBlocks === 0;
    let read = await this.read(blockNumber, withParams());
    if (this.lastParentHash !== undefined && isHash(read.checkedHash) && read.checkedHash !== this.lastParentHash) {
      this.chainReplaced(`block ${(this.lastBlock ?? 1n) - 1n} now has another hash`);
      read = await this.read(blockNumber, true);
    }
    // A venue seen for the first time: find its book, then read this block again with its order.
    read.vaults.forEach((r, i) => this.applyParams(this.vaults[i], r));
    if (await this.discoverOrderBooks(blockNumber)) read = await this.read(blockNumber, false);
    this.pollOk();
    this.lastBlock = blockNumber;
    this.lastParentHash = read.block.parentHash;
    this.headTimestamp = read.block.timestamp;
    this.blocksProcessed++;
    metrics.lastBlock.set(Number(blockNumber));
    metrics.lastBlockTime.set(Math.floor(this.now() / 1000));
    metrics.headTimestamp.set(Number(read.block.timestamp));
    metrics.keyBalance.set(Number(read.keyBalance));
    log.debug({ block: blockNumber, baseFee: read.block.baseFeePerGas }, "block");

    read.vaults.forEach((r, i) => {
      this.observe(this.vaults[i], r, blockNumber);
      this.vaults[i].orders.observe(r, read);
      this.vaults[i].round.observe(r, read.block, this.vaults[i].orders.book ?? undefined);
    });

    // Due orders first: each can execute only until the feed's next round, a rebalance waits a
    // transaction longer (and a vault whose order is pending cannot rebalance anyway).
    const upkeep: Candidate[] = [];
    for (const v of this.vaults) {
      const execution = v.orders.execution(read.block, {
        execute: config.orders.execute,
        gas: this.gasAt(read.block),
        standbyBlocks: BigInt(config.instance.standbyBlocks),
      });
      if (execution) {
        const { call, fees, context } = execution;
        upkeep.push({ v, action: "execute-order", call, fees, context, execution });
      }
    }
    // Then settleable rounds: settling needs no role, and until it is done the vault cannot
    // rebalance. A round whose order this keeper just executed settles at a later block: each
    // block is decided afresh from the chain, which then shows the order gone.
    for (const v of this.vaults) {
      const settlement = v.round.settlement(read.block, {
        gas: this.gasAt(read.block),
        standbyBlocks: BigInt(config.instance.standbyBlocks),
      });
      if (settlement) {
        const { call, fees, context } = settlement;
        upkeep.push({ v, action: "settle-round", call, fees, context, settlement });
      }
    }
    const rebalances: Candidate[] = [];
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
        v.log[level]({ block: blockNumber, reason: decision.reason, detail: decision.detail }, "no action");
        continue;
      }
      rebalances.push({
        v,
        action: "rebalance",
        call: rebalanceCall(v.config.address),
        fees: decision,
        context: { band: bandName(decision.band), tier: tierName(decision.tier), reason: decision.reason },
      });
    }
    if (upkeep.length + rebalances.length === 0 || this.stopping || this.deps.observeOnly) return;
    if (this.deps.sender.busy || this.inFlight.size > 0) {
      for (const { v, action, context } of [...upkeep, ...rebalances])
        v.log.info({ block: blockNumber, action, ...context }, "action due; key busy, re-deciding next block");
      return;
    }
    // Fair order: rotate the starting vault each block so none is starved by another.
    const shift = Number(blockNumber % BigInt(Math.max(rebalances.length, 1)));
    this.start([...upkeep, ...rebalances.slice(shift), ...rebalances.slice(0, shift)], blockNumber);
  }

  private applyParams(v: VaultRuntime, r: VaultRead): void {
    if (r.bands) v.bands = r.bands;
    if (r.strategy) v.strategy = r.strategy;
    if (r.feed) v.feed = r.feed;
    if (r.perpVenue !== undefined) v.orders.setVenue(r.perpVenue);
    if (r.keyIsKeeper !== undefined) {
      if (v.keyIsKeeper === true && !r.keyIsKeeper && v.config.isKeeper)
        v.log.error({ key: this.deps.sender.address }, "the key lost the KEEPER role: acting at the hard tier only");
      v.keyIsKeeper = r.keyIsKeeper;
      this.deps.metrics.keyHasRole.set({ vault: v.config.name }, r.keyIsKeeper ? 1 : 0);
    }
  }

  private observe(v: VaultRuntime, r: VaultRead, block: bigint): void {
    const { metrics, config } = this.deps;
    const vault = v.config.name;
    this.applyParams(v, r);
    v.oracleAgeSeconds = r.oracleAgeSeconds;
    if (r.oracleAgeSeconds !== undefined) metrics.oracleAge.set({ vault }, Number(r.oracleAgeSeconds));
    if (r.error || !r.state) {
      if (v.readError === undefined)
        v.log.error({ block, err: r.error }, "vault unreadable; skipped until it reads again");
      else v.log.debug({ block, err: r.error }, "vault still unreadable");
      v.readError = r.error ?? "no state";
      v.state = undefined;
      metrics.vaultReadable.set({ vault }, 0);
      metrics.vaultReadFailures.inc({ vault, error: r.errorName ?? "Error" });
      // Last values would look current on a dashboard: drop them while the vault is unreadable.
      for (const g of metrics.vaultStateGauges) g.remove({ vault });
      return;
    }
    if (v.readError !== undefined) v.log.info({ block }, "vault readable again");
    v.readError = undefined;
    const state = r.state;
    v.state = state;
    metrics.vaultReadable.set({ vault }, 1);
    metrics.deltaBps.set({ vault }, Number(state.deltaBps));
    metrics.marginRatioBps.set(
      { vault },
      state.marginRatioBps === UINT256_MAX ? Infinity : Number(state.marginRatioBps),
    );
    metrics.deploymentBps.set({ vault }, Number(state.deploymentBps));
    metrics.tier.set({ vault }, state.tier);
    metrics.band.set({ vault }, state.band);
    metrics.sharePrice.set({ vault }, Number(state.sharePrice));
    metrics.totalAssets.set({ vault }, Number(state.totalAssets));
    metrics.idle.set({ vault }, Number(state.idle));
    metrics.idleBps.set({ vault }, Number(state.idleBps));
    metrics.paused.set({ vault }, state.paused ? 1 : 0);
    // A vault with an empty book reports price 0 (it needs no price): not a price observation.
    if (state.price !== 0n && v.prices[v.prices.length - 1] !== state.price) {
      v.prices.push(state.price);
      if (v.prices.length > config.loop.priceHistory) v.prices.shift();
    }
    if (state.tier === Tier.None) v.breachSince = undefined;
    else v.breachSince ??= block;
    metrics.pendingRebalanceBlocks.set({ vault }, v.breachSince === undefined ? -1 : Number(block - v.breachSince));
  }

  private gasAt(block: BlockInfo): GasInput {
    const { gas } = this.deps.config;
    return {
      baseFeePerGas: block.baseFeePerGas,
      priorityFeePerGas: gas.priorityFeePerGas,
      maxFeePerGasCap: gas.maxFeePerGas,
    };
  }

  private decideFor(v: VaultRuntime, block: BlockInfo): Decision {
    const { config } = this.deps;
    return decide({
      state: v.state as VaultState,
      bands: v.bands as Bands,
      strategy: v.strategy as Strategy,
      policy: v.policy,
      prices: v.prices,
      gas: this.gasAt(block),
      now: block.timestamp,
      isKeeper: v.config.isKeeper && v.keyIsKeeper === true,
      blocksSinceBreach: v.breachSince === undefined ? 0n : block.number - v.breachSince,
      standbyBlocks: BigInt(config.instance.standbyBlocks),
      oracleAgeSeconds: v.oracleAgeSeconds,
      edgeWaitSeconds: BigInt(v.config.edgeWaitSeconds),
      pendingOrder: v.orders.describe(block.timestamp),
      pendingRound: v.round.view ? v.round.describe(block.timestamp) : undefined,
    });
  }

  /**
   * Tries the candidates in order until one transaction is sent: a candidate whose simulation
   * reverts (or a dry run) moves on to the next; once a transaction went out, the rest wait for
   * the next block's fresh decision.
   */
  private start(candidates: Candidate[], block: bigint): void {
    const run: Promise<void> = (async (): Promise<void> => {
      for (const c of candidates) {
        if (this.stopping) return;
        const { v, action } = c;
        const log = v.log.child({ decisionBlock: block.toString() });
        const doing = {
          rebalance: "breach: rebalancing",
          "execute-order": "venue order due: executing",
          "settle-round": "vault round settleable: settling",
        }[action];
        log.info(c.context, this.deps.dryRun ? `${doing} (dry run: simulating)` : doing);
        const outcome = await this.deps.sender.execute(c.call, c.fees, log, this.deps.dryRun).catch((err): Outcome => {
          log.error({ err: errorChain(err) }, `${c.call.label} attempt failed`);
          return { status: "send-failed", error: errorChain(err) };
        });
        const lostRace =
          c.execution !== undefined
            ? await this.lostRace(c.execution, outcome)
            : c.settlement !== undefined && (await this.lostSettleRace(v, c.settlement, outcome));
        if (c.execution) v.orders.record(c.execution, outcome, this.deps.sender.address, log, lostRace);
        else if (c.settlement) v.round.record(outcome, log, lostRace);
        else this.record(v, outcome);
        this.outcomes.push({ vault: v.config.name, block, action, outcome, lostRace });
        if (outcome.status !== "simulation-reverted" && outcome.status !== "simulated") return;
      }
    })().finally(() => {
      this.inFlight.delete(run);
    });
    this.inFlight.add(run);
  }

  /**
   * Whether a mined-but-reverted `executeOrder` lost the race to another executor: the book no
   * longer holds the order after the block that mined it. Unknown (false) if that cannot be read.
   */
  private async lostRace(execution: OrderExecution, outcome: Outcome): Promise<boolean> {
    if (outcome.status !== "reverted") return false;
    return this.reader
      .hasPendingOrder(execution.call.to, execution.account, outcome.blockNumber)
      .then((pending) => !pending)
      .catch(() => false);
  }

  /**
   * Whether a `settleRound` lost the race to another account: it reverted `NoPendingRound` in its
   * simulation, or it was mined reverted and the vault no longer held that round after its block.
   */
  private async lostSettleRace(v: VaultRuntime, settlement: RoundSettlement, outcome: Outcome): Promise<boolean> {
    if (outcome.status === "simulation-reverted") return outcome.revert.name === "NoPendingRound";
    if (outcome.status !== "reverted") return false;
    return this.reader
      .roundSubmittedAt(v.config.address, outcome.blockNumber)
      .then((submittedAt) => submittedAt !== settlement.submittedAt)
      .catch(() => false);
  }

  private record(v: VaultRuntime, outcome: Outcome): void {
    const m = this.deps.metrics;
    const vault = v.config.name;
    if (outcome.status === "simulation-reverted") {
      const error = outcome.revert.name;
      const streak = v.revertStreak?.error === error ? v.revertStreak.count + 1 : 1;
      if (v.revertStreak && v.revertStreak.error !== error)
        m.consecutiveReverts.remove({ vault, error: v.revertStreak.error });
      v.revertStreak = { error, count: streak };
      m.consecutiveReverts.set({ vault, error }, streak);
      m.simulationReverts.inc({ vault, error });
      return;
    }
    if (outcome.status !== "busy" && v.revertStreak) {
      m.consecutiveReverts.remove({ vault, error: v.revertStreak.error });
      v.revertStreak = undefined;
    }
    switch (outcome.status) {
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

  /** Waits for every started transaction (simulation, send, receipt) to finish. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** `once`: evaluate the latest block, act, and wait for the outcome. */
  async once(): Promise<void> {
    await this.tick();
    await this.settle();
  }

  /**
   * `run`: poll for blocks until stop(). While the chain cannot be read, the pause between polls
   * doubles from the poll interval up to `rpc.maxBackoffMs`, with one log line per attempt.
   */
  async run(): Promise<void> {
    let failures = 0;
    let downSince: number | undefined;
    while (!this.stopping) {
      let waitMs = this.deps.config.loop.pollIntervalMs;
      try {
        await this.tick();
        if (downSince !== undefined) this.deps.log.info({ downForMs: this.now() - downSince }, "chain readable again");
        failures = 0;
        downSince = undefined;
      } catch (err) {
        downSince ??= this.now();
        waitMs = this.backoffMs(failures++);
        this.pollError = errorChain(err);
        this.deps.metrics.chainReadable.set(0);
        this.deps.log.error(
          { err: this.pollError, failures, downForMs: this.now() - downSince, retryInMs: waitMs },
          "cannot read the chain; backing off",
        );
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void this.sleep(waitMs).then(resolve);
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
      oracleAgeSeconds: v.oracleAgeSeconds,
      order: v.orders.describe(this.headTimestamp),
      orderError: v.orders.readError,
      round: v.round.describe(this.headTimestamp),
      roundError: v.round.readError,
    }));
  }
}
