/**
 * The page's server: what `/rpc` forwards (reads and raw broadcasts only, so a script in the page
 * cannot spend as the node's unlocked accounts or move the test chain's clock), the files it
 * serves, and the Content-Security-Policy that keeps the page on its own origin.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { serveProvider } from "../../demo/rpcServer.js";
import { startAppServer } from "../../app/server/server.js";
import type { AppConfig } from "../../app/src/config.js";

const { ethers, provider } = await network.create();
const ZERO = "0x0000000000000000000000000000000000000000";

describe("Depositor app: server", function () {
  let node: { url: string; close(): Promise<void> };
  let app: { url: string; close(): Promise<void> };
  let dist: string;

  before(async function () {
    dist = mkdtempSync(join(tmpdir(), "dnv-app-server-"));
    mkdirSync(join(dist, "assets"));
    writeFileSync(join(dist, "index.html"), "<html><head></head><body>page</body></html>");
    writeFileSync(join(dist, "assets", "test-wallet.js"), "// wallet");
    writeFileSync(join(dist, "assets", "index.js"), "// page");
    node = await serveProvider(provider);
    const config: AppConfig = {
      mode: "rpc",
      network: "test",
      chainId: 31337,
      rpcPath: "/rpc",
      historyBlocks: 10,
      deployment: { vault: ZERO },
    };
    app = await startAppServer({ distDir: dist, upstreamRpcUrl: node.url, config, port: 0 });
  });

  after(async function () {
    await app.close();
    await node.close();
    rmSync(dist, { recursive: true, force: true });
  });

  const rpc = async (body: unknown) =>
    (await fetch(`${app.url}/rpc`, { method: "POST", body: JSON.stringify(body) })).json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("forwards reads to the node", async function () {
    expect((await rpc({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] })).result).to.equal("0x7a69");
    const batch = await rpc([
      { jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] },
      { jsonrpc: "2.0", id: 2, method: "net_version", params: [] },
    ]);
    expect(batch.map((r: { id: number }) => r.id)).to.deep.equal([1, 2]);
  });

  it("refuses node-side signing and test-chain controls, alone or hidden in a batch", async function () {
    const [unlocked, other] = await ethers.getSigners();
    const nonce = await ethers.provider.getTransactionCount(unlocked.address);
    const send = await rpc({
      jsonrpc: "2.0",
      id: 7,
      method: "eth_sendTransaction",
      params: [{ from: unlocked.address, to: other.address, value: "0xde0b6b3a7640000" }],
    });
    expect(send.error.code).to.equal(-32601);
    expect(send.id).to.equal(7);
    const batch = await rpc([
      { jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] },
      { jsonrpc: "2.0", id: 2, method: "hardhat_setBalance", params: [other.address, "0x1"] },
    ]);
    expect(batch.map((r: { error?: { code: number } }) => r.error?.code)).to.deep.equal([-32601, -32601]);
    for (const method of [
      "evm_increaseTime",
      "evm_mine",
      "eth_sign",
      "eth_signTypedData_v4",
      "personal_sign",
      "debug_traceTransaction",
    ])
      expect((await rpc({ jsonrpc: "2.0", id: 1, method, params: [] })).error.code, method).to.equal(-32601);
    expect(await ethers.provider.getTransactionCount(unlocked.address)).to.equal(nonce);
  });

  it("refuses JSON-RPC posted by another origin (a website the user visits)", async function () {
    const res = await fetch(`${app.url}/rpc`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "text/plain" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    expect(res.status).to.equal(403);
    const same = await fetch(`${app.url}/rpc`, {
      method: "POST",
      headers: { origin: app.url },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    expect(same.status).to.equal(200);
  });

  it("refuses any other Host name (DNS rebinding) on a loopback address", async function () {
    const { request } = await import("node:http");
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const port = new URL(app.url).port;
        const req = request({ host: "127.0.0.1", port, path: "/app-config.json", headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    const port = new URL(app.url).port;
    expect(await status(`evil.example:${port}`)).to.equal(421);
    expect(await status(`localhost:${port}`)).to.equal(200);
    expect(await status(`127.0.0.1:${port}`)).to.equal(200);
  });

  it("serves the page with a same-origin Content-Security-Policy, and nothing outside its build", async function () {
    const page = await fetch(app.url);
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-security-policy")).to.contain("connect-src 'self'");
    expect(page.headers.get("content-security-policy")).to.contain("default-src 'self'");
    expect(await page.text()).to.not.contain("test-wallet.js");
    expect((await fetch(`${app.url}/assets/index.js`)).status).to.equal(200);
    for (const path of ["/../package.json", "/%2e%2e/package.json", "/assets/../../package.json", "/app-config.json/x"])
      expect((await fetch(`${app.url}${path}`)).status, path).to.equal(404);
    // Without a test wallet (a real network), neither its key nor its script is served.
    expect((await fetch(`${app.url}/test-wallet.json`)).status).to.equal(404);
    expect((await fetch(`${app.url}/assets/test-wallet.js`)).status).to.equal(404);
    const config = (await (await fetch(`${app.url}/app-config.json`)).json()) as AppConfig;
    expect(config.chainId).to.equal(31337);
  });
});
