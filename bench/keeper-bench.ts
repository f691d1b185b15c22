/**
 * Keeper figures (no assertions): RPC calls, HTTP requests and CPU time per block at 1, 10, 100
 * and 1,000 vaults, all read through one Multicall3 batch, and blocks from a breach to the mined
 * rebalance. Runs `hardhat node` as a child process so the CPU measured here is the keeper's
 * alone. Uses the KeeperTestVault double, so 1,000 vaults deploy in seconds (build first:
 * `npm run bench:keeper` does).
 */
import { readFileSync } from "node:fs";
import { ContractFactory, JsonRpcProvider, Wallet } from "ethers";
import { startHardhatNode } from "../scripts/local/hardhat-node.js";
import { createApp } from "../keeper/app.js";
import { parseConfig } from "../keeper/config.js";
import { createLogger } from "../keeper/ops/log.js";

const WAD = 10n ** 18n;
const COUNTS = [1, 10, 100, 1_000];
/** The goal: at most 2 RPC calls a block at 100 vaults (eth_blockNumber + one eth_call). */
const GOAL_CALLS_AT_100 = 2;
const BLOCKS_MEASURED = 20;

async function main(): Promise<void> {
  const progress = (m: string) => process.stderr.write(`bench: ${m}\n`);
  progress("starting hardhat node");
  const node = await startHardhatNode();
  progress("node up; deploying vaults");
  const url = node.url;
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  try {
    const artifact = JSON.parse(
      readFileSync("artifacts/contracts/test/KeeperTestVault.sol/KeeperTestVault.json", "utf8"),
    ) as { abi: never; bytecode: string };
    const deployer = await provider.getSigner(0);
    const keeperKey = Wallet.createRandom();
    await provider.send("hardhat_setBalance", [keeperKey.address, "0x56bc75e2d63100000"]);
    const mcArtifact = JSON.parse(readFileSync("artifacts/contracts/utils/Multicall3.sol/Multicall3.json", "utf8")) as {
      abi: never;
      bytecode: string;
    };
    const multicall3 = await (
      await new ContractFactory(mcArtifact.abi, mcArtifact.bytecode, deployer).deploy()
    ).getAddress();
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, deployer);
    const all: string[] = [];
    // Sent 25 at a time without waiting for each receipt (automine mines each at once).
    let nonce = await provider.getTransactionCount(await deployer.getAddress());
    while (all.length < Math.max(...COUNTS)) {
      const wave = Array.from({ length: 25 }, () =>
        factory.deploy(3_000n * WAD, 1_000_000n * WAD, keeperKey.address, { nonce: nonce++ }),
      );
      for (const p of wave) all.push(await (await p).getAddress());
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
          multicall3,
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
    const at100 = rows.find((r) => r[0] === "100");
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmt = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
    console.log(
      `Keeper bench: ${BLOCKS_MEASURED} steady blocks per size (all vaults within bands); breach = +15% price`,
    );
    console.log("on one vault with 500 ms interval mining; hardhat node in a child process, keeper CPU only.\n");
    console.log(fmt(header));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) console.log(fmt(r));
    console.log(
      `\nRPC calls per block at 100 vaults: ${at100?.[2] ?? "?"} (goal: at most ${GOAL_CALLS_AT_100}: eth_blockNumber + one Multicall3 eth_call;`,
    );
    console.log("  256 sub-calls to an eth_call by default, all of a block's in one HTTP request)");
  } finally {
    provider.destroy();
    await node.stop();
  }
}

await main();
