import { redactUrl } from "../config.js";
import type { Logger } from "../ops/log.js";

export interface RpcRequest {
  method: string;
  params: readonly unknown[];
}

/** A JSON-RPC error answered by a node (e.g. a revert): the endpoint works, so no failover. */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(`${method}: ${message} (code ${code})`);
  }
}

/** Every endpoint failed to answer (network error, timeout, HTTP error, malformed body). */
export class TransportError extends Error {
  override name = "TransportError";
}

export type BatchItem<T = unknown> = { ok: true; result: T } | { ok: false; error: RpcError };

export interface RpcStats {
  /** HTTP requests made, successful or not. */
  httpRequests: number;
  /** JSON-RPC calls made (a batch of n counts n). */
  calls: number;
  failovers: number;
}

export interface RpcClientOptions {
  urls: readonly string[];
  timeoutMs: number;
  cooldownMs: number;
  log: Logger;
  now?: () => number;
  onFailover?: (endpointIndex: number) => void;
}

interface Endpoint {
  url: string;
  label: string;
  downUntil: number;
}

interface JsonRpcResponse {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * JSON-RPC over HTTP with failover across several URLs. Endpoints are tried in order; one that
 * fails at the transport level is skipped for `cooldownMs` (and still tried last if all are down).
 * Batches go out as one JSON-RPC batch in one HTTP request. URLs are logged redacted.
 */
export class RpcClient {
  readonly stats: RpcStats = { httpRequests: 0, calls: 0, failovers: 0 };
  private readonly endpoints: Endpoint[];
  private readonly now: () => number;
  private nextId = 1;

  constructor(private readonly opts: RpcClientOptions) {
    if (opts.urls.length === 0) throw new Error("RpcClient needs at least one URL");
    this.endpoints = opts.urls.map((url, i) => ({ url, label: `#${i} ${redactUrl(url)}`, downUntil: 0 }));
    this.now = opts.now ?? Date.now;
  }

  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const [item] = await this.batch<T>([{ method, params }]);
    if (!item.ok) throw item.error;
    return item.result;
  }

  /** Sends every request in one HTTP request; per-request errors come back as items. */
  async batch<T = unknown>(requests: readonly RpcRequest[]): Promise<BatchItem<T>[]> {
    if (requests.length === 0) return [];
    const ids = requests.map(() => this.nextId++);
    const body = JSON.stringify(
      requests.map((r, i) => ({ jsonrpc: "2.0", id: ids[i], method: r.method, params: r.params })),
    );
    const now = this.now();
    const order = [
      ...this.endpoints.filter((e) => e.downUntil <= now),
      ...this.endpoints.filter((e) => e.downUntil > now),
    ];
    const failures: Error[] = [];
    for (const endpoint of order) {
      try {
        const responses = await this.post(endpoint, body, requests.length);
        const byId = new Map(responses.map((r) => [r.id, r]));
        return requests.map((r, i): BatchItem<T> => {
          const res = byId.get(ids[i]);
          if (res === undefined)
            return { ok: false, error: new RpcError(r.method, -32603, "no response in batch", undefined) };
          if (res.error)
            return { ok: false, error: new RpcError(r.method, res.error.code, res.error.message, res.error.data) };
          return { ok: true, result: res.result as T };
        });
      } catch (err) {
        failures.push(err as Error);
        const wasUp = endpoint.downUntil <= now;
        endpoint.downUntil = this.now() + this.opts.cooldownMs;
        this.stats.failovers++;
        this.opts.onFailover?.(this.endpoints.indexOf(endpoint));
        // One line when an endpoint goes down; retries of a down endpoint are the caller's to report.
        if (wasUp)
          this.opts.log.warn(
            { endpoint: endpoint.label, err: (err as Error).message, methods: summarise(requests) },
            "rpc endpoint failed, failing over",
          );
      }
    }
    throw new TransportError(`all ${this.endpoints.length} RPC endpoints failed (${summarise(requests)})`, {
      cause: new AggregateError(failures, failures.map((f) => f.message).join("; ")),
    });
  }

  private async post(endpoint: Endpoint, body: string, count: number): Promise<JsonRpcResponse[]> {
    this.stats.httpRequests++;
    this.stats.calls += count;
    let response: Response;
    try {
      response = await fetch(endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      // fetch errors may echo the URL; report the redacted label only.
      const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new TransportError(`${endpoint.label}: request failed (${reason})`);
    }
    if (!response.ok) throw new TransportError(`${endpoint.label}: HTTP ${response.status}`);
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      throw new TransportError(`${endpoint.label}: malformed JSON body`);
    }
    if (!Array.isArray(parsed)) throw new TransportError(`${endpoint.label}: batch answered with a non-array`);
    return parsed as JsonRpcResponse[];
  }
}

function summarise(requests: readonly RpcRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.method, (counts.get(r.method) ?? 0) + 1);
  return [...counts].map(([m, n]) => (n > 1 ? `${m}×${n}` : m)).join(",");
}
