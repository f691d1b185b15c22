import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet, encryptKeystoreJsonSync } from "ethers";
import { ConfigError, parseConfig, redactUrl } from "../../keeper/config.js";
import { startHealthServer } from "../../keeper/ops/health.js";
import { createLogger } from "../../keeper/ops/log.js";
import { loadSigner } from "../../keeper/signer.js";
import { formatStatusTable, formatTime } from "../../keeper/status-table.js";
import { runCli } from "./helpers/cli.js";
import {
  LogCapture,
  multicall3,
  networkHelpers,
  proxy,
  rpcUrl,
  stack,
  HARD_BREACH_BPS,
  startKeeper,
  testConfig,
  vaultsFixture,
} from "./helpers/fixture.js";

const VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const base = {
  chainId: 31337,
  rpc: { urls: ["http://127.0.0.1:8545"] },
  gas: { maxFeePerGas: "100 gwei" },
  vaults: [{ name: "weth", address: VAULT }],
};
const tmp = mkdtempSync(join(tmpdir(), "keeper-test-"));

function configError(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(raw, env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("keeper operations", function () {
  this.timeout(60_000);

  describe("config", function () {
    it("accepts a minimal config and fills defaults (bigint wei)", function () {
      const cfg = parseConfig(base, {});
      expect(cfg.gas.maxFeePerGas).to.equal(100_000_000_000n);
      expect(cfg.gas.bumpBps).to.equal(1_250n);
      expect(cfg.vaults[0].policy).to.deep.equal({ kind: "threshold" });
      expect(cfg.vaults[0].address).to.equal(VAULT);
    });

    it("executes venue orders only when asked (orders.execute, KEEPER_EXECUTE_ORDERS)", function () {
      expect(parseConfig(base, {}).orders.execute).to.equal(false);
      expect(parseConfig({ ...base, orders: { execute: true } }, {}).orders.execute).to.equal(true);
      expect(parseConfig(base, { KEEPER_EXECUTE_ORDERS: "true" }).orders.execute).to.equal(true);
    });

    it("environment overrides win, per field", function () {
      const cfg = parseConfig(base, { KEEPER_RPC_URLS: "http://a:1, http://b:2", KEEPER_MAX_FEE_PER_GAS: "7" });
      expect(cfg.rpc.urls).to.deep.equal(["http://a:1", "http://b:2"]);
      expect(cfg.gas.maxFeePerGas).to.equal(7n);
    });

    const bad: [string, unknown, NodeJS.ProcessEnv, RegExp][] = [
      ["a malformed URL", { ...base, rpc: { urls: ["not a url"] } }, {}, /rpc\.urls\.0: /],
      ["a non-amount fee", { ...base, gas: { maxFeePerGas: "lots" } }, {}, /gas\.maxFeePerGas: expected wei/],
      [
        "a bad env value",
        base,
        { KEEPER_MAX_FEE_PER_GAS: "abc" },
        /gas\.maxFeePerGas \(from env KEEPER_MAX_FEE_PER_GAS\)/,
      ],
      ["a bump under 12.5%", { ...base, gas: { maxFeePerGas: 1, bumpBps: 1_000 } }, {}, /gas\.bumpBps: 1250\.\.50000/],
      [
        "an unknown policy",
        { ...base, vaults: [{ name: "w", address: VAULT, policy: { kind: "yolo" } }] },
        {},
        /vaults\.0\.policy\.kind/,
      ],
      [
        "a bad vault address",
        { ...base, vaults: [{ name: "w", address: "0x123" }] },
        {},
        /vaults\.0\.address: not an address/,
      ],
      ["a raw key off a local chain", { ...base, chainId: 1 }, {}, /signer\.type: a raw private key is only allowed/],
      ["an unknown field", { ...base, gass: {} }, {}, /Unrecognized key/],
      [
        "duplicate vaults",
        { ...base, vaults: [base.vaults[0], { ...base.vaults[0], name: "x" }] },
        {},
        /vaults\.1: duplicate address/,
      ],
      ["vaults as malformed env JSON", base, { KEEPER_VAULTS: "[oops" }, /vaults \(from env KEEPER_VAULTS\)/],
      [
        "orders.execute as a word",
        { ...base, orders: { execute: "yes" } },
        {},
        /orders\.execute: Expected boolean, received string/,
      ],
      [
        "KEEPER_EXECUTE_ORDERS neither true nor false",
        base,
        { KEEPER_EXECUTE_ORDERS: "1" },
        /orders\.execute \(from env KEEPER_EXECUTE_ORDERS\): Expected boolean, received string/,
      ],
      [
        "an unknown orders field",
        { ...base, orders: { exec: true } },
        {},
        /orders: Unrecognized key\(s\) in object: 'exec'/,
      ],
    ];
    for (const [name, raw, env, pattern] of bad)
      it(`stops on ${name}, naming the field`, function () {
        expect(configError(raw, env)).to.match(pattern);
      });

    it("the CLI exits 1 with the field named on malformed config", async function () {
      const file = join(tmp, "bad.json");
      writeFileSync(file, JSON.stringify({ ...base, gas: { maxFeePerGas: "-5" } }));
      const { code, out } = await runCli(["once", "--config", file], {});
      expect(code).to.equal(1);
      expect(out).to.match(/gas\.maxFeePerGas/);
    });

    it("the shipped example config is valid", function () {
      parseConfig(JSON.parse(readFileSync("keeper/keeper.config.example.json", "utf8")), {});
    });
  });

  describe("keys and secrets", function () {
    const password = "correct horse battery staple";
    const wallet = Wallet.createRandom();
    const keystore = join(tmp, "keystore.json");
    writeFileSync(
      keystore,
      encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, password, {
        scrypt: { N: 1 << 10 },
      }),
    );
    const cfg = parseConfig({ ...base, chainId: 1, signer: { type: "keystore", path: keystore } }, {});

    it("decrypts the keystore with the password from the environment", async function () {
      const signer = await loadSigner(cfg, { addressOnly: false, env: { KEEPER_KEYSTORE_PASSWORD: password } });
      expect(signer.address).to.equal(wallet.address);
      expect(signer.wallet?.privateKey).to.equal(wallet.privateKey);
    });

    it("a wrong password stops it with a clear message that contains no secret", async function () {
      const wrong = "hunter2-wrong";
      let message = "";
      await loadSigner(cfg, { addressOnly: false, env: { KEEPER_KEYSTORE_PASSWORD: wrong } }).catch(
        (e: Error) => (message = e.message),
      );
      expect(message).to.match(/wrong password/);
      expect(message).to.not.include(wrong);
    });

    it("the CLI exits 1 on a wrong keystore password", async function () {
      const file = join(tmp, "ks-config.json");
      writeFileSync(
        file,
        JSON.stringify({ ...base, rpc: { urls: [rpcUrl] }, signer: { type: "keystore", path: keystore } }),
      );
      const { code, out } = await runCli(["once", "--config", file], { KEEPER_KEYSTORE_PASSWORD: "nope-nope" });
      expect(code).to.equal(1);
      expect(out).to.match(/wrong password/);
      expect(out).to.not.include("nope-nope");
    });

    it("dry run and status need only the keystore's address, no password", async function () {
      const signer = await loadSigner(cfg, { addressOnly: true, env: {} });
      expect(signer.address).to.equal(wallet.address);
      expect(signer.wallet).to.equal(undefined);
    });

    it("logs redact secrets and RPC URL paths", function () {
      const logs = new LogCapture();
      createLogger("info", logs).info({ password: "pw-1", signer: { privateKey: "pk-1" } }, "x");
      expect(logs.text).to.not.include("pw-1");
      expect(logs.text).to.not.include("pk-1");
      expect(redactUrl("https://arb.example.com/v2/API-KEY?x=1")).to.equal("https://arb.example.com/***");
      expect(redactUrl("http://user:pw@127.0.0.1:8545")).to.equal("http://127.0.0.1:8545/***");
    });

    it("the CLI status command prints the table and never logs the raw key", async function () {
      const { vaults } = await networkHelpers.loadFixture(vaultsFixture(2));
      await stack.movePrice(vaults[1], HARD_BREACH_BPS);
      const file = join(tmp, "status.json");
      writeFileSync(
        file,
        JSON.stringify({
          ...base,
          multicall3,
          rpc: { urls: [rpcUrl] },
          vaults: vaults.map((address, i) => ({ name: `v${i}`, address })),
        }),
      );
      const key = Wallet.createRandom().privateKey;
      const { code, out } = await runCli(["status", "--config", file], { KEEPER_PRIVATE_KEY: key });
      expect(code).to.equal(0);
      expect(out).to.match(/v0\s+threshold\s+None\s+None/);
      expect(out).to.match(/v1\s+threshold\s+MarginLow\s+Hard.*REBALANCE/);
      expect(out).to.not.include(key.slice(2));
    });

    it("--help prints the usage", async function () {
      const { code, out } = await runCli(["--help"], {});
      expect(code).to.equal(0);
      expect(out).to.match(/Commands:\n\s+run/);
    });
  });

  describe("status table", function () {
    it("times are ISO, with how far away they are; bands and tiers by name", function () {
      expect(formatTime(1_796_118_909n, 1_796_118_614n)).to.equal("2026-12-01T09:55:09Z (in 295s)");
      expect(formatTime(1_000n, 2_000n)).to.equal("1970-01-01T00:16:40Z (now)");
      const table = formatStatusTable(
        [
          {
            name: "v0",
            address: VAULT,
            policy: "threshold",
            decision: { action: "rebalance", band: 2, tier: 1, reason: "", maxFeePerGas: 1n, maxPriorityFeePerGas: 1n },
          },
        ],
        7n,
        1_796_118_614n,
      );
      expect(table).to.match(/^block 7 at 2026-12-01T09:50:14Z/);
      expect(table).to.match(/REBALANCE \(MarginLow Soft\)/);
    });
  });

  describe("metrics and health", function () {
    /** A keeper on one vault with its health server, on a clock the test moves (maxPollAgeSeconds 30). */
    async function keeperWithHealth() {
      const { vaults, keeper } = await networkHelpers.loadFixture(vaultsFixture(1));
      let clock = 1_000_000;
      const k = startKeeper(testConfig(vaults), keeper, { now: () => clock });
      const { server, url } = await startHealthServer({
        host: "127.0.0.1",
        port: 0,
        maxPollAgeSeconds: 30,
        metrics: k.metrics,
        source: k.keeper,
        now: () => clock,
      });
      return { k, server, url, advance: (ms: number) => (clock += ms) };
    }

    it("/metrics serves the keeper's figures; /healthz stays 200 on an idle chain and turns 503 when reads stop", async function () {
      const { k, server, url, advance } = await keeperWithHealth();
      try {
        expect((await fetch(`${url}/healthz`)).status).to.equal(503); // not read yet
        await k.keeper.tick();
        expect((await fetch(`${url}/healthz`)).status).to.equal(200);
        const text = await (await fetch(`${url}/metrics`)).text();
        for (const name of [
          'keeper_evaluations_total{vault="v0"} 1',
          "keeper_last_block_seen ",
          'keeper_vault_delta_bps{vault="v0"} 0',
          'keeper_vault_margin_ratio_bps{vault="v0"} 10000',
          'keeper_vault_readable{vault="v0"} 1',
          'keeper_key_has_keeper_role{vault="v0"} 1',
          'keeper_vault_pending_rebalance_blocks{vault="v0"} -1',
          "keeper_key_balance_wei 100000000000000000000",
          "keeper_rpc_http_requests_total 2",
          "process_cpu_seconds_total",
        ])
          expect(text).to.include(name);
        // No new block for five minutes, but the chain answers: an idle automine node is healthy.
        advance(300_000);
        expect(await k.keeper.tick()).to.equal(false);
        expect((await fetch(`${url}/healthz`)).status).to.equal(200);
        // The chain stops answering: 503 once no read succeeded for maxPollAgeSeconds.
        advance(31_000);
        const res = await fetch(`${url}/healthz`);
        expect(res.status).to.equal(503);
        const body = (await res.json()) as { healthy: boolean; lastReadAgeSeconds: number; problems: string[] };
        expect(body).to.deep.include({ healthy: false, lastReadAgeSeconds: 31 });
        expect(body.problems[0]).to.match(/no successful read of the chain for 31s/);
      } finally {
        server.close();
      }
    });

    it("/healthz: a chain that answers eth_blockNumber but not the vault read is unhealthy", async function () {
      const { k, server, url, advance } = await keeperWithHealth();
      try {
        await k.keeper.tick();
        expect((await fetch(`${url}/healthz`)).status).to.equal(200);
        proxy.intercept = (call) => {
          if (call.method === "eth_call") throw new Error("execution reverted");
        };
        await networkHelpers.mine();
        advance(31_000);
        let failed = false;
        await k.keeper.tick().catch(() => (failed = true));
        expect(failed).to.equal(true);
        expect((await fetch(`${url}/healthz`)).status).to.equal(503);
      } finally {
        proxy.intercept = undefined;
        server.close();
      }
    });
  });
});
