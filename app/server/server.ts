/**
 * Serves the built page, its configuration, the test wallet's key (in-process chain only) and a
 * same-origin JSON-RPC endpoint that forwards reads to the node. The Content-Security-Policy
 * keeps the page on its own origin: it calls nothing else at run time.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import type { AppConfig } from "../src/config.js";

export interface AppServerOptions {
  /** The Vite build (app/server/build.ts). */
  distDir: string;
  /** The node `/rpc` forwards to. */
  upstreamRpcUrl: string;
  config: AppConfig;
  /** In-process chain only: a funded test key the injected test wallet signs with. */
  testWallet?: { privateKey: string; startChainId?: number };
  host?: string;
  port?: number;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Methods `/rpc` forwards: reads and raw broadcasts. Node-side signing (eth_sendTransaction on an
 * unlocked node account) and test-chain controls (hardhat_*, evm_*) are refused, so a script in
 * the page cannot act as the node's accounts.
 */
const REFUSED = new Set([
  "eth_sendTransaction",
  "eth_sign",
  "eth_signTransaction",
  "eth_signTypedData",
  "eth_signTypedData_v4",
]);
export function rpcMethodAllowed(method: unknown): boolean {
  if (typeof method !== "string") return false;
  if (method === "net_version" || method === "web3_clientVersion") return true;
  return method.startsWith("eth_") && !REFUSED.has(method);
}

const MAX_BODY = 1_000_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer) {
  res.writeHead(status, {
    "content-type": type,
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  });
  res.end(body);
}

function rpcError(id: unknown, code: number, message: string) {
  return { jsonrpc: "2.0", id: id ?? null, error: { code, message } };
}

async function forwardRpc(upstream: string, body: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return JSON.stringify(rpcError(null, -32700, "parse error"));
  }
  const requests = (Array.isArray(parsed) ? parsed : [parsed]) as { id?: unknown; method?: unknown }[];
  const refused = requests.find((r) => !rpcMethodAllowed(r?.method));
  if (refused) {
    const err = rpcError(refused?.id, -32601, `method ${String(refused?.method)} is not served to the page`);
    return JSON.stringify(Array.isArray(parsed) ? requests.map((r) => ({ ...err, id: r?.id ?? null })) : err);
  }
  const res = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
  return res.text();
}

export async function startAppServer(options: AppServerOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const root = normalize(options.distDir);
  const walletTag = '<script type="module" src="/assets/test-wallet.js"></script>';
  const indexHtml = (await readFile(join(root, "index.html"), "utf8")).replace(
    "</head>",
    options.testWallet ? `    ${walletTag}\n  </head>` : "</head>",
  );
  const configJson = JSON.stringify(options.config);
  const walletJson = options.testWallet
    ? JSON.stringify({
        privateKey: options.testWallet.privateKey,
        chainId: options.config.chainId,
        startChainId: options.testWallet.startChainId ?? options.config.chainId,
        rpcPath: options.config.rpcPath,
      })
    : undefined;

  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      // On a loopback address, only loopback host names: a DNS-rebinding site cannot reach the
      // test wallet's key or the node through the user's browser.
      if (loopback && !allowedHosts.has(req.headers.host ?? "")) return send(res, 421, "text/plain", "unknown host");
      try {
        if (path === "/rpc" && req.method === "POST") {
          // Browsers send a page's own origin; another site posting here is refused.
          const origin = req.headers.origin;
          if (origin !== undefined && origin !== `http://${req.headers.host}`)
            return send(res, 403, "text/plain", "cross-origin JSON-RPC is not served");
          return send(res, 200, TYPES[".json"], await forwardRpc(options.upstreamRpcUrl, await readBody(req)));
        }
        if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "method not allowed");
        if (path === "/" || path === "/index.html") return send(res, 200, TYPES[".html"], indexHtml);
        if (path === "/app-config.json") return send(res, 200, TYPES[".json"], configJson);
        if (path === "/test-wallet.json")
          return walletJson
            ? send(res, 200, TYPES[".json"], walletJson)
            : send(res, 404, "text/plain", "no test wallet");
        const file = normalize(join(root, path));
        if (!file.startsWith(root + sep) || !(extname(file) in TYPES)) return send(res, 404, "text/plain", "not found");
        if (file.endsWith(`${sep}test-wallet.js`) && !walletJson) return send(res, 404, "text/plain", "no test wallet");
        return send(res, 200, TYPES[extname(file)], await readFile(file));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return send(res, 404, "text/plain", "not found");
        return send(res, 502, "text/plain", `upstream failed: ${(err as Error).message}`);
      }
    })();
  });
  const host = options.host ?? "127.0.0.1";
  const loopback = host === "127.0.0.1" || host === "localhost" || host === "::1";
  const allowedHosts = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  for (const name of ["127.0.0.1", "localhost", "[::1]"]) allowedHosts.add(`${name}:${port}`);
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
