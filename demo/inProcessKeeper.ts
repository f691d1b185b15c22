/**
 * The real keeper (reader, pure decision, simulation, signing, sending, receipts) on its own key,
 * wired to the in-process chain through `InProcessRpc`. The demo and the hedge bench drive it one
 * block at a time with `step()`.
 */
import { pino } from "pino";
import type { Wallet } from "ethers";
import { parseConfig } from "../keeper/config.js";
import { TxSender } from "../keeper/chain/sender.js";
import { Keeper } from "../keeper/keeper.js";
import { createLogger } from "../keeper/ops/log.js";
import { Metrics } from "../keeper/ops/metrics.js";
import { InProcessRpc, IN_PROCESS_URL, type Eip1193 } from "./inProcessRpc.js";

/** What a replay needs from the keeper: process the newest block and settle what it sent. */
export interface KeeperDriver {
  step(): Promise<void>;
  stop(): Promise<void>;
}

export interface InProcessKeeperOptions {
  provider: Eip1193;
  chainId: number;
  multicall3: string;
  vault: string;
  wallet: Wallet;
  policy: Record<string, unknown>;
  /** Execute the vault's due venue orders (a delayed market), earning their fees. */
  executeOrders?: boolean;
}

/** Receipts are there as soon as the automining chain answers: no need to wait between polls. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function startInProcessKeeper(o: InProcessKeeperOptions): Promise<KeeperDriver & { keeper: Keeper }> {
  const config = parseConfig(
    {
      chainId: o.chainId,
      multicall3: o.multicall3,
      rpc: { urls: [IN_PROCESS_URL] },
      signer: { type: "privateKeyEnv" },
      gas: { maxFeePerGas: "100 gwei", priorityFeePerGas: "1 gwei", replaceAfterBlocks: 2, receiptTimeoutMs: 20_000 },
      loop: { pollIntervalMs: 10 },
      metrics: { enabled: false },
      orders: { execute: o.executeOrders ?? false },
      log: { level: "warn" },
      vaults: [{ name: "demo", address: o.vault, policy: o.policy }],
    },
    {},
  );
  // Warnings (an abnormal simulation revert) go to stderr: stdout carries the report.
  const log = createLogger("warn", pino.destination(2));
  const rpc = new InProcessRpc(o.provider, log.child({ component: "rpc" }));
  const sender = new TxSender({
    rpc,
    signer: { address: o.wallet.address, sign: (tx) => o.wallet.signTransaction(tx) },
    chainId: BigInt(config.chainId),
    gas: config.gas,
    pollIntervalMs: config.loop.pollIntervalMs,
    sleep: nextTick,
  });
  const keeper = new Keeper({ config, rpc, sender, log, metrics: new Metrics(), dryRun: false, sleep: nextTick });
  await keeper.init();
  return { keeper, step: () => keeper.once(), stop: () => keeper.stop() };
}
