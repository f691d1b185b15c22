/**
 * Serves an in-process Hardhat network over JSON-RPC on HTTP (single and batch requests), so the
 * keeper talks to the demo's chain exactly as it talks to a real node.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: number | string | null;
  method: string;
  params?: unknown[];
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));
}

async function answer(provider: Eip1193, req: JsonRpcRequest) {
  try {
    const result = await provider.request({ method: req.method, params: req.params ?? [] });
    return { jsonrpc: "2.0", id: req.id ?? null, result };
  } catch (err) {
    const e = err as { code?: number; message?: string; data?: unknown };
    return {
      jsonrpc: "2.0",
      id: req.id ?? null,
      error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(err), data: e.data },
    };
  }
}

export async function serveProvider(provider: Eip1193, port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((httpReq, httpRes) => {
    const chunks: Buffer[] = [];
    httpReq.on("data", (c: Buffer) => chunks.push(c));
    httpReq.on("end", async () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        httpRes
          .writeHead(400)
          .end(toJson({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
        return;
      }
      // Requests of a batch run one after another: the chain is single-threaded anyway.
      const out = Array.isArray(body)
        ? await body.reduce<Promise<unknown[]>>(
            async (acc, r) => [...(await acc), await answer(provider, r as JsonRpcRequest)],
            Promise.resolve([]),
          )
        : await answer(provider, body as JsonRpcRequest);
      httpRes.writeHead(200, { "content-type": "application/json" }).end(toJson(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
