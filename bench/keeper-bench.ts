/**
 * Keeper figures (no assertions): blocks from a breach to the mined rebalance, and RPC calls and
 * CPU time per block per vault at 1, 10 and 100 vaults. Runs `hardhat node` as a child process so
 * the CPU measured here is the keeper's alone. Uses the KeeperTestVault double (build first:
 * `npm run bench:keeper` does).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { ContractFactory, JsonRpcProvider, Wallet } from "ethers";
import { createApp } from "../keeper/app.js";
import { parseConfig } from "../keeper/config.js";
import { createLogger } from "../keeper/ops/log.js";

const require = createRequire(import.meta.url);
const WAD = 10n ** 18n;
const COUNTS = [1, 10, 100];
const BLOCKS_MEASURED = 20;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startNode(port: number): Promise<ChildProcess> {
  const cli = join(dirname(require.resolve("hardhat/package.json")), "dist", "src", "cli.js");
  const child = spawn(process.execPath, [cli, "node", "--port", String(port)], { stdio: "ignore" });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("hardhat node did not start");
}

async function main(): Promise<void> {
  const port = await freePort();
  const progress = (m: string) => process.stderr.write(`bench: ${m}\n`);
  progress("starting hardhat node");
  const node = await startNode(port);
  progress("node up; deploying vaults");
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const artifact = JSON.parse(
      readFileSync("artifacts/contracts/test/KeeperTestVault.sol/KeeperTestVault.json", "utf8"),
    ) as { abi: never; bytecode: string };
    const deployer = await provider.getSigner(0);
    const keeperKey = Wallet.createRandom();
    await provider.send("hardhat_setBalance", [keeperKey.address, "0x56bc75e2d63100000"]);
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, deployer);
    const all: string[] = [];
    for (let i = 0; i < Math.max(...COUNTS); i++) {
      const vault = await factory.deploy(3_000n * WAD, 1_000_000n * WAD, keeperKey.address);
      all.push(await vault.getAddress());
    }
    await provider.send("evm_increaseTime", [3_601]);
    await provider.send("evm_mine", []);

    progress(`deployed ${all.length} vaults`);
    const rows: string[][] = [];
    for (const n of COUNTS) {
      const vaults = all.slice(0, n);
      const config = parseConfig(
        {
          chainId: 31337,
          rpc: { urls: [url] },
          signer: { type: "privateKeyEnv" },
          gas: { maxFeePerGas: "500 gwei" },
          loop: { pollIntervalMs: 25 },
          metrics: { enabled: false },
          vaults: vaults.map((address, i) => ({ name: `v${i}`, address })),
        },
        {},
      );
      const app = createApp({
        config,
        signer: { address: keeperKey.address, wallet: keeperKey as unknown as Wallet },
        log: createLogger("silent"),
      });
      await app.keeper.init();
      await app.keeper.tick(); // first block also reads bands and strategy

      // Steady state: every vault within bands, one new block at a time.
      let http = 0;
      let calls = 0;
      let cpuMicros = 0;
      for (let b = 0; b < BLOCKS_MEASURED; b++) {
        await provider.send("evm_mine", []);
        const before = { ...app.rpc.stats };
        const cpu = process.cpuUsage();
        await app.keeper.tick();
        const used = process.cpuUsage(cpu);
        cpuMicros += used.user + used.system;
        http += app.rpc.stats.httpRequests - before.httpRequests;
        calls += app.rpc.stats.calls - before.calls;
      }

      progress(`${n} vaults: steady blocks measured; breach run`);
      // Breach → mined rebalance, with the node mining a block every 500 ms; the breached vault
      // (the last of this size) was never rebalanced before, so its keeper interval has passed.
      await provider.send("evm_setAutomine", [false]);
      await provider.send("evm_setIntervalMining", [500]);
      const target = new ContractFactory(artifact.abi, artifact.bytecode, deployer).attach(
        vaults[n - 1],
      ) as unknown as {
        price(): Promise<bigint>;
        setPrice(p: bigint): Promise<{ wait(): Promise<{ blockNumber: number } | null> }>;
      };
      const loop = app.keeper.run();
      const tx = await target.setPrice(((await target.price()) * 11_500n) / 10_000n);
      const breachBlock = BigInt((await tx.wait())?.blockNumber ?? 0);
      const giveUpAt = Date.now() + 60_000;
      while (!app.keeper.outcomes.some((o) => o.outcome.status === "mined") && Date.now() < giveUpAt)
        await new Promise((r) => setTimeout(r, 20));
      await app.keeper.stop();
      await loop;
      await provider.send("evm_setIntervalMining", [0]);
      await provider.send("evm_setAutomine", [true]);
      const mined = app.keeper.outcomes.find((o) => o.outcome.status === "mined")?.outcome;
      const minedBlock = mined && mined.status === "mined" ? mined.blockNumber : -1n;

      rows.push([
        String(n),
        (http / BLOCKS_MEASURED).toFixed(2),
        (calls / BLOCKS_MEASURED).toFixed(2),
        (calls / BLOCKS_MEASURED / n).toFixed(2),
        (cpuMicros / BLOCKS_MEASURED / 1000).toFixed(2),
        (cpuMicros / BLOCKS_MEASURED / n).toFixed(0),
        String(minedBlock - breachBlock),
      ]);
    }

    const header = [
      "vaults",
      "HTTP req/block",
      "RPC calls/block",
      "calls/block/vault",
      "CPU ms/block",
      "CPU µs/block/vault",
      "blocks breach→mined",
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmt = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
    console.log(
      `Keeper bench: ${BLOCKS_MEASURED} steady blocks per size (all vaults within bands); breach = +15% price`,
    );
    console.log("on one vault with 500 ms interval mining; hardhat node in a child process, keeper CPU only.\n");
    console.log(fmt(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) console.log(fmt(r));
  } finally {
    provider.destroy();
    node.kill();
  }
}

await main();
