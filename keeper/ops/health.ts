import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HealthSnapshot } from "../keeper.js";
import type { Metrics } from "./metrics.js";

export interface HealthSource {
  health(): HealthSnapshot;
}

export interface HealthLimits {
  /** Unhealthy when no read of the chain succeeded for this long (RPC down). */
  maxPollAgeSeconds: number;
  /** Unhealthy when the head block is older than this; undefined: not checked (automine nodes idle). */
  maxHeadAgeSeconds?: number;
}

export interface HealthReport {
  healthy: boolean;
  /** Why not, one line each (empty when healthy). */
  problems: string[];
  lastReadAgeSeconds: number | null;
  headAgeSeconds: number | null;
  unreadableVaults: { vault: string; error: string }[];
}

/**
 * The keeper is healthy when it read the chain recently and every vault read. An idle chain is
 * not a fault (an automine node makes no blocks until a transaction arrives): only when an
 * operator sets `maxHeadAgeSeconds` does an old head block count.
 */
export function healthReport(snapshot: HealthSnapshot, limits: HealthLimits, nowMs: number): HealthReport {
  const problems: string[] = [];
  const lastReadAgeSeconds =
    snapshot.lastPollOkAt === undefined ? null : Math.floor((nowMs - snapshot.lastPollOkAt) / 1000);
  const headAgeSeconds =
    snapshot.headTimestamp === undefined ? null : Math.floor(nowMs / 1000) - Number(snapshot.headTimestamp);
  if (lastReadAgeSeconds === null) problems.push("the chain has not been read yet");
  else if (lastReadAgeSeconds > limits.maxPollAgeSeconds)
    problems.push(
      `no successful read of the chain for ${lastReadAgeSeconds}s (limit ${limits.maxPollAgeSeconds}s)` +
        (snapshot.pollError ? `: ${snapshot.pollError}` : ""),
    );
  if (limits.maxHeadAgeSeconds !== undefined && headAgeSeconds !== null && headAgeSeconds > limits.maxHeadAgeSeconds)
    problems.push(`head block is ${headAgeSeconds}s old (limit ${limits.maxHeadAgeSeconds}s)`);
  for (const u of snapshot.unreadable) problems.push(`vault ${u.vault} unreadable: ${u.error}`);
  return {
    healthy: problems.length === 0,
    problems,
    lastReadAgeSeconds,
    headAgeSeconds,
    unreadableVaults: snapshot.unreadable,
  };
}

export interface HealthServerOptions extends HealthLimits {
  host: string;
  port: number;
  metrics: Metrics;
  source: HealthSource;
  now?: () => number;
}

/** Serves GET /metrics (Prometheus text) and GET /healthz (200, or 503 with the problems). */
export async function startHealthServer(opts: HealthServerOptions): Promise<{ server: Server; url: string }> {
  const now = opts.now ?? Date.now;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      opts.metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": opts.metrics.registry.contentType });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
      return;
    }
    if (req.method === "GET" && path === "/healthz") {
      const report = healthReport(opts.source.health(), opts, now());
      res.writeHead(report.healthy ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(report));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${opts.host}:${port}` };
}
