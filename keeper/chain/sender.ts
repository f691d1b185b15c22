import { Transaction, type TransactionLike } from "ethers";
import type { KeeperConfig } from "../config.js";
import { errorChain, type Logger } from "../ops/log.js";
import { vaultInterface } from "./abi.js";
import { type DecodedRevert, decodeRevert, describeRevert, revertDataOf } from "./revert.js";
import { RpcError, type RpcClient } from "./rpc.js";

/** What the sender needs of a key: its address and offline signing. */
export interface TxSigner {
  readonly address: string;
  signTransaction(tx: TransactionLike<string>): Promise<string>;
}

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** A log of a mined receipt, as the node returns it. */
export interface ReceiptLog {
  address: string;
  topics: string[];
  data: string;
}

export type Outcome =
  | { status: "busy"; detail: string }
  | { status: "simulation-reverted"; revert: DecodedRevert; normal: boolean }
  | { status: "simulated"; gasLimit: bigint }
  | {
      status: "mined";
      hash: string;
      blockNumber: bigint;
      gasUsed: bigint;
      feeWei: bigint;
      replacements: number;
      logs: ReceiptLog[];
    }
  | { status: "reverted"; hash: string; blockNumber: bigint; gasUsed: bigint; feeWei: bigint; replacements: number }
  | { status: "nonce-taken"; nonce: number; detail: string }
  | { status: "timeout"; nonce: number; hashes: string[] }
  | { status: "send-failed"; error: string };

export interface SenderOptions {
  rpc: RpcClient;
  signer: { address: string; sign?: TxSigner["signTransaction"] };
  chainId: bigint;
  gas: KeeperConfig["gas"];
  pollIntervalMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One transaction the keeper may send: where, what, and which reverts of its simulation are "not now". */
export interface TxCall {
  to: string;
  data: string;
  /** What it is, in log lines ("rebalance", "executeOrder"). */
  label: string;
  /** Reverts expected in normal operation: logged at info, not a fault. */
  normalReverts: ReadonlySet<string>;
}

const BPS = 10_000n;

/**
 * Reverts a keeper expects of `rebalance()` in normal operation, "not now" rather than a fault: the
 * bands hold (someone else acted, or the state moved back), the keeper interval has not passed, or
 * new bands or strategy are still settling (only rescues may trade meanwhile).
 */
const NORMAL_REBALANCE_REVERTS = new Set(["WithinBands", "RebalanceTooSoon", "ParametersSettling"]);

/** The vault's `rebalance()`. */
export function rebalanceCall(vault: string): TxCall {
  return {
    to: vault,
    data: vaultInterface.encodeFunctionData("rebalance"),
    label: "rebalance",
    normalReverts: NORMAL_REBALANCE_REVERTS,
  };
}

const isNonceTooLow = (m: string) =>
  /nonce too low|nonce has already been used|nonce_expired|already been used/i.test(m);
const isUnderpriced = (m: string) => /underpriced/i.test(m);
const isAlreadyKnown = (m: string) => /already known|known transaction|already imported|alreadyknown/i.test(m);

export function bump(value: bigint, bumpBps: bigint): bigint {
  return (value * (BPS + bumpBps) + BPS - 1n) / BPS;
}

interface Receipt {
  status: string;
  blockNumber: string;
  gasUsed: string;
  effectiveGasPrice?: string;
  transactionHash: string;
  logs?: ReceiptLog[];
}

/**
 * Simulate → sign → send → wait → replace, one transaction at a time per key. A decision yields
 * at most one nonce: replacements re-sign that nonce with fees bumped by >= 12.5%, so whichever
 * version is mined, the call runs once (one rebalance, one order executed). If the nonce is consumed by another transaction
 * (another process using the key) the decision is abandoned, never re-sent under a new nonce.
 */
export class TxSender {
  private active: Promise<unknown> | undefined;
  /** A transaction that outlived its receipt timeout: nothing is sent until its nonce settles. */
  private outstanding: { nonce: number; hashes: string[] } | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: SenderOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get address(): string {
    return this.opts.signer.address;
  }

  /** The chain was replaced: a nonce still awaited from the old one will never settle. */
  forgetChain(): void {
    this.outstanding = undefined;
  }

  /** True while a transaction is being simulated, sent or awaited. */
  get busy(): boolean {
    return this.active !== undefined;
  }

  /** Resolves when the in-flight transaction (if any) has settled. */
  async drain(): Promise<void> {
    while (this.active) await this.active.catch(() => undefined);
  }

  /**
   * Runs one decision: `call` with `fees`. Returns "busy" at once if another is in flight (the
   * caller re-decides next block). With `dryRun` it stops after the simulation.
   */
  async execute(call: TxCall, fees: Fees, log: Logger, dryRun: boolean): Promise<Outcome> {
    if (this.active) return { status: "busy", detail: "another transaction from this key is in flight" };
    const run = this.executeUnlocked(call, fees, log, dryRun);
    this.active = run;
    try {
      return await run;
    } finally {
      this.active = undefined;
    }
  }

  private async executeUnlocked(tx: TxCall, fees: Fees, log: Logger, dryRun: boolean): Promise<Outcome> {
    const from = this.address;
    if (this.outstanding) {
      const latest = BigInt(await this.opts.rpc.call<string>("eth_getTransactionCount", [from, "latest"]));
      if (latest <= BigInt(this.outstanding.nonce))
        return { status: "busy", detail: `nonce ${this.outstanding.nonce} still pending from an earlier decision` };
      log.info(
        { nonce: this.outstanding.nonce, hashes: this.outstanding.hashes },
        "earlier timed-out transaction settled",
      );
      this.outstanding = undefined;
    }

    // One batch: simulate, estimate gas, pending nonce.
    const call = { from, to: tx.to, data: tx.data };
    const [sim, estimate, pendingNonce] = await this.opts.rpc.batch<string>([
      { method: "eth_call", params: [call, "latest"] },
      { method: "eth_estimateGas", params: [call, "latest"] },
      { method: "eth_getTransactionCount", params: [from, "pending"] },
    ]);
    if (!sim.ok) {
      const revert = decodeRevert(revertDataOf(sim.error.data));
      const normal = tx.normalReverts.has(revert.name);
      const line = { revert: describeRevert(revert), revertData: revert.data, declaredBy: revert.declaredBy };
      if (normal) log.info(line, "simulation: nothing to do (normal)");
      else log.warn(line, "simulation reverted; not sending");
      return { status: "simulation-reverted", revert, normal };
    }
    let gasLimit = this.opts.gas.gasLimit;
    if (gasLimit === undefined) {
      if (!estimate.ok) return { status: "send-failed", error: errorChain(estimate.error) };
      gasLimit = (BigInt(estimate.result) * this.opts.gas.gasLimitMultiplierBps) / BPS;
    }
    if (dryRun) {
      log.info({ gasLimit, ...fees }, `dry run: simulation passed, would send ${tx.label}()`);
      return { status: "simulated", gasLimit };
    }
    if (!pendingNonce.ok) return { status: "send-failed", error: errorChain(pendingNonce.error) };
    const nonce = Number(BigInt(pendingNonce.result));
    return this.sendAndWait(tx, nonce, gasLimit, fees, log.child({ nonce }));
  }

  private async sign(tx: TxCall, nonce: number, gasLimit: bigint, fees: Fees): Promise<string> {
    if (!this.opts.signer.sign) throw new Error("no signing key loaded (dry-run only)");
    return this.opts.signer.sign({
      type: 2,
      chainId: this.opts.chainId,
      nonce,
      to: tx.to,
      data: tx.data,
      value: 0n,
      gasLimit,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
  }

  /** Broadcasts a signed transaction. "sent" also covers "already known" and an unknown fate. */
  private async broadcast(raw: string, log: Logger): Promise<"sent" | "nonce-too-low" | "underpriced" | Error> {
    try {
      await this.opts.rpc.call("eth_sendRawTransaction", [raw]);
      return "sent";
    } catch (err) {
      if (err instanceof RpcError) {
        if (isAlreadyKnown(err.message)) return "sent";
        if (isNonceTooLow(err.message)) return "nonce-too-low";
        if (isUnderpriced(err.message)) return "underpriced";
        return err;
      }
      // Transport failure: the node may or may not have it. Watch its hash; never re-sign anew.
      log.warn({ err: errorChain(err) }, "broadcast fate unknown (RPC down); watching the hash");
      return "sent";
    }
  }

  private async sendAndWait(tx: TxCall, nonce: number, gasLimit: bigint, initial: Fees, log: Logger): Promise<Outcome> {
    const { gas } = this.opts;
    let fees = initial;
    let raw = await this.sign(tx, nonce, gasLimit, fees);
    const first = await this.broadcast(raw, log);
    if (first === "nonce-too-low" || first === "underpriced") {
      const detail = `nonce ${nonce} already used or pending from another sender (${first})`;
      log.warn({ detail }, "nonce taken by another sender; decision abandoned, will re-evaluate");
      return { status: "nonce-taken", nonce, detail };
    }
    if (first instanceof Error) {
      log.error({ err: errorChain(first) }, "send failed");
      return { status: "send-failed", error: errorChain(first) };
    }
    const hashes = [Transaction.from(raw).hash as string];
    log.info({ hash: hashes[0], gasLimit, ...fees }, `${tx.label} sent`);

    const deadline = this.now() + gas.receiptTimeoutMs;
    let lastSendBlock: bigint | undefined;
    let replacements = 0;
    let capReached = false;
    for (;;) {
      await this.sleep(this.opts.pollIntervalMs);
      let items;
      try {
        items = await this.opts.rpc.batch<unknown>([
          { method: "eth_blockNumber", params: [] },
          { method: "eth_getTransactionCount", params: [this.address, "latest"] },
          ...hashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
        ]);
      } catch (err) {
        log.warn({ err: errorChain(err) }, "waiting for receipt: RPC unavailable");
        if (this.now() > deadline) break;
        continue;
      }
      const receipt = items
        .slice(2)
        .map((i) => (i.ok ? (i.result as Receipt | null) : null))
        .find((r) => r !== null);
      if (receipt) {
        const gasUsed = BigInt(receipt.gasUsed);
        const feeWei = gasUsed * BigInt(receipt.effectiveGasPrice ?? 0);
        const result = {
          hash: receipt.transactionHash,
          blockNumber: BigInt(receipt.blockNumber),
          gasUsed,
          feeWei,
          replacements,
        };
        if (BigInt(receipt.status) === 1n) {
          log.info(result, `${tx.label} mined`);
          return { status: "mined", ...result, logs: receipt.logs ?? [] };
        }
        log.error(result, `${tx.label} mined but reverted on chain`);
        return { status: "reverted", ...result };
      }
      const [blockItem, nonceItem] = items;
      if (nonceItem.ok && BigInt(nonceItem.result as string) > BigInt(nonce)) {
        // Our nonce is used but none of our hashes has a receipt: re-check once, then give up.
        const again = await this.opts.rpc.batch(
          hashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
        );
        if (again.every((i) => i.ok && i.result === null)) {
          const detail = `nonce ${nonce} was consumed by another transaction`;
          log.warn({ hashes, detail }, "nonce taken by another sender; decision abandoned, will re-evaluate");
          return { status: "nonce-taken", nonce, detail };
        }
        continue; // a receipt appeared: the next round reports it
      }
      if (this.now() > deadline) break;
      if (!blockItem.ok) continue;
      const block = BigInt(blockItem.result as string);
      lastSendBlock ??= block;
      if (capReached || replacements >= gas.maxReplacements || block - lastSendBlock < BigInt(gas.replaceAfterBlocks))
        continue;

      // Stuck: same nonce, both fees bumped by >= bumpBps (>= 12.5%), within the cap.
      const next: Fees = {
        maxFeePerGas: bump(fees.maxFeePerGas, gas.bumpBps),
        maxPriorityFeePerGas: bump(fees.maxPriorityFeePerGas, gas.bumpBps),
      };
      if (next.maxFeePerGas > gas.maxFeePerGas) {
        capReached = true;
        log.warn({ cap: gas.maxFeePerGas, ...fees }, "transaction stuck but fee cap reached; waiting");
        continue;
      }
      raw = await this.sign(tx, nonce, gasLimit, next);
      const result = await this.broadcast(raw, log);
      if (result === "sent") {
        fees = next;
        replacements++;
        hashes.push(Transaction.from(raw).hash as string);
        lastSendBlock = block;
        log.warn(
          { replaces: hashes[hashes.length - 2], hash: hashes[hashes.length - 1], ...fees },
          "stuck transaction replaced with higher fees",
        );
      } else {
        // nonce-too-low: one of ours (or another's) was mined; the next round tells which.
        log.warn({ result: result instanceof Error ? errorChain(result) : result }, "replacement not accepted");
        lastSendBlock = block;
      }
    }
    this.outstanding = { nonce, hashes };
    log.error({ hashes }, "no receipt before the timeout; the nonce stays reserved until it settles");
    return { status: "timeout", nonce, hashes };
  }
}
