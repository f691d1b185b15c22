/**
 * `npm run app -- --rpc URL --deployment FILE`: refuses what cannot work with a readable message
 * and exit code 2, and serves the page against a running node otherwise.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { serveProvider } from "../../demo/rpcServer.js";
import { ROOT } from "../../deploy/lib/deployStack.js";
import type { AppConfig } from "../../app/src/config.js";

const { ethers, provider } = await network.create();
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CLI = join(ROOT, "app", "server", "cli.ts");

describe("Depositor app: npm run app -- --rpc", function () {
  this.timeout(60_000);
  let node: { url: string; close(): Promise<void> };
  let dir: string;
  let withCode: string;

  before(async function () {
    node = await serveProvider(provider);
    dir = mkdtempSync(join(tmpdir(), "dnv-app-cli-"));
    withCode = await (await ethers.deployContract("TestERC20", ["Token", "TOK", 6])).getAddress();
  });
  after(async function () {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function deployment(name: string, fields: Record<string, unknown>) {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        network: "testchain",
        chainId: 31337,
        vault: withCode,
        usdc: withCode,
        weth: withCode,
        oracle: withCode,
        ...fields,
      }),
    );
    return path;
  }
  /** Runs the CLI without blocking this process, which serves the node the CLI talks to. */
  function run(...args: string[]): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(TSX, [CLI, ...args], { cwd: ROOT });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("exit", (status) => resolve({ status, stderr }));
    });
  }

  it("refuses half the options, a file for another chain, a bad address and a vault with no code", async function () {
    const cases: [string[], RegExp][] = [
      [["--rpc", node.url], /--rpc and --deployment go together/],
      [
        ["--rpc", node.url, "--deployment", deployment("other-chain", { chainId: 5 })],
        /runs chain 31337; .* is for chain 5/,
      ],
      [
        ["--rpc", node.url, "--deployment", deployment("bad", { vault: "0x1234" })],
        /"vault" must be an address, got "0x1234"/,
      ],
      [
        [
          "--rpc",
          node.url,
          "--deployment",
          deployment("no-code", { vault: "0x000000000000000000000000000000000000dEaD" }),
        ],
        /no contract at the vault address 0x000000000000000000000000000000000000dEaD/,
      ],
      [["--rpc", "http://127.0.0.1:1", "--deployment", deployment("ok", {})], /does not answer/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    cases.forEach(([args, message], i) => {
      expect(results[i].status, `${args.join(" ")}: ${results[i].stderr}`).to.equal(2);
      expect(results[i].stderr).to.match(message);
    });
  });

  it("serves the page against the node on a free port when the asked one is taken", async function () {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const busyPort = (taken.address() as AddressInfo).port;
    const child = spawn(
      TSX,
      [CLI, "--rpc", node.url, "--deployment", deployment("ok", {}), "--port", String(busyPort)],
      {
        cwd: ROOT,
      },
    );
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const m = /Depositor page for testchain \(chain 31337\): (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const config = (await (await fetch(`${url}/app-config.json`)).json()) as AppConfig;
      expect(config.mode).to.equal("rpc");
      expect(config.chainId).to.equal(31337);
      expect(config.walletRpcUrl).to.equal(node.url);
      expect(config.deployment.vault).to.equal(withCode);
      expect((await fetch(`${url}/test-wallet.json`)).status).to.equal(404);
      const page = await (await fetch(url)).text();
      expect(page).to.not.contain("test-wallet");
      expect(stderr).to.contain(`port ${busyPort} is taken; using a free one`);
      expect(url).to.not.contain(`:${busyPort}`);
    } finally {
      taken.close();
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
