/**
 * The keeper's JSON-RPC client, answered by the in-process chain's EIP-1193 provider instead of
 * over HTTP: the same methods, parameters and hex results, minus an HTTP round trip and two JSON
 * passes per call. Everything above the transport (reader, decision, simulation, signing, sending,
 * receipts) is the keeper's own code.
 */
import { RpcClient, RpcError, type BatchItem, type RpcRequest } from "../keeper/chain/rpc.js";
import type { Logger } from "../keeper/ops/log.js";

export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** A URL that names the transport in logs; it is never fetched. */
export const IN_PROCESS_URL = "http://in-process.invalid";

export class InProcessRpc extends RpcClient {
  constructor(
    private readonly provider: Eip1193,
    log: Logger,
  ) {
    super({ urls: [IN_PROCESS_URL], timeoutMs: 0, cooldownMs: 0, log });
  }

  /** Requests of a batch run one after another, as a node answers a JSON-RPC batch. */
  override async batch<T = unknown>(requests: readonly RpcRequest[]): Promise<BatchItem<T>[]> {
    this.stats.calls += requests.length;
    const out: BatchItem<T>[] = [];
    for (const r of requests) {
      try {
        out.push({ ok: true, result: (await this.provider.request({ method: r.method, params: [...r.params] })) as T });
      } catch (err) {
        const e = err as { code?: number; message?: string; data?: unknown };
        const code = typeof e.code === "number" ? e.code : -32603;
        out.push({ ok: false, error: new RpcError(r.method, code, e.message ?? String(err), e.data) });
      }
    }
    return out;
  }
}
