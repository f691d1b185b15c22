import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The EIP-1193 surface of Hardhat's in-process provider. */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

interface JsonRpcCall {
  id: number | string;
  method: string;
  params?: unknown[];
}

/**
 * TEST HELPER: serves an in-process Hardhat network over HTTP JSON-RPC (batches included), so the
 * keeper talks to it exactly as to a node. It counts requests and can be switched to fail
 * (`mode = "http500"` or `"hang"`) to exercise failover.
 */
export class RpcProxy {
  httpRequests = 0;
  calls = 0;
  readonly methods = new Map<string, number>();
  mode: "ok" | "http500" | "hang" = "ok";
  /** Called before each JSON-RPC call is forwarded; throw to answer with an error. */
  intercept?: (call: JsonRpcCall) => void;
  private server: Server | undefined;

  constructor(private readonly provider: Eip1193) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.httpRequests++;
        if (this.mode === "hang") return; // never answers: the client times out
        if (this.mode === "http500") {
          res.writeHead(500);
          res.end("down");
          return;
        }
        void this.answer(Buffer.concat(chunks).toString("utf8")).then((body) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(body);
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  resetCounts(): void {
    this.httpRequests = 0;
    this.calls = 0;
    this.methods.clear();
  }

  private async answer(body: string): Promise<string> {
    const parsed = JSON.parse(body) as JsonRpcCall | JsonRpcCall[];
    if (Array.isArray(parsed)) {
      const out = [];
      for (const call of parsed) out.push(await this.one(call)); // in order, like a node
      return JSON.stringify(out);
    }
    return JSON.stringify(await this.one(parsed));
  }

  private async one(call: JsonRpcCall) {
    this.calls++;
    this.methods.set(call.method, (this.methods.get(call.method) ?? 0) + 1);
    try {
      this.intercept?.(call);
      const result = await this.provider.request({ method: call.method, params: call.params ?? [] });
      return { jsonrpc: "2.0", id: call.id, result: result ?? null };
    } catch (err) {
      const e = err as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: call.id,
        error: { code: e.code ?? -32603, message: e.message ?? String(err), data: e.data },
      };
    }
  }
}
