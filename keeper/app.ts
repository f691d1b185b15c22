import type { KeeperConfig } from "./config.js";
import { redactUrl } from "./config.js";
import { RpcClient } from "./chain/rpc.js";
import { TxSender } from "./chain/sender.js";
import { Keeper } from "./keeper.js";
import type { Logger } from "./ops/log.js";
import { Metrics } from "./ops/metrics.js";
import type { LoadedSigner } from "./signer.js";

export interface AppOptions {
  config: KeeperConfig;
  signer: LoadedSigner;
  log: Logger;
  dryRun?: boolean;
  observeOnly?: boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface App {
  keeper: Keeper;
  rpc: RpcClient;
  sender: TxSender;
  metrics: Metrics;
}

/** Wires config, RPC, sender, metrics and the keeper loop together (used by the CLI, tests, bench). */
export function createApp(opts: AppOptions): App {
  const { config, log } = opts;
  const metrics = new Metrics();
  const rpc = new RpcClient({
    urls: config.rpc.urls,
    timeoutMs: config.rpc.timeoutMs,
    cooldownMs: config.rpc.cooldownMs,
    log: log.child({ component: "rpc" }),
    now: opts.now,
    onFailover: (i) => metrics.rpcFailovers.inc({ endpoint: `#${i} ${redactUrl(config.rpc.urls[i])}` }),
  });
  const wallet = opts.signer.wallet;
  const sender = new TxSender({
    rpc,
    signer: { address: opts.signer.address, sign: wallet ? (tx) => wallet.signTransaction(tx) : undefined },
    chainId: BigInt(config.chainId),
    gas: config.gas,
    pollIntervalMs: config.loop.pollIntervalMs,
    now: opts.now,
    sleep: opts.sleep,
  });
  const keeper = new Keeper({
    config,
    rpc,
    sender,
    log,
    metrics,
    dryRun: opts.dryRun ?? false,
    observeOnly: opts.observeOnly,
    now: opts.now,
    sleep: opts.sleep,
  });
  metrics.bindRpcStats(rpc.stats);
  return { keeper, rpc, sender, metrics };
}
