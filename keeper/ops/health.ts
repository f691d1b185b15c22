import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "./metrics.js";

export interface HealthSource {
  /** Wall-clock ms when the latest new block was seen (undefined before the first). */
  lastBlockSeenAt(): number | undefined;
}

export interface HealthServerOptions {
  host: string;
  port: number;
  maxBlockAgeSeconds: number;
  metrics: Metrics;
  source: HealthSource;
  now?: () => number;
}

export function healthReport(source: HealthSource, maxBlockAgeSeconds: number, now: number) {
  const seen = source.lastBlockSeenAt();
  const ageSeconds = seen === undefined ? undefined : Math.floor((now - seen) / 1000);
  const healthy = ageSeconds !== undefined && ageSeconds <= maxBlockAgeSeconds;
  return { healthy, lastBlockAgeSeconds: ageSeconds ?? null, maxBlockAgeSeconds };
}

/** Serves GET /metrics (Prometheus text) and GET /healthz (200, or 503 when blocks stop). */
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
      const report = healthReport(opts.source, opts.maxBlockAgeSeconds, now());
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
