/**
 * The main job: `npm run demo`. Starts an in-process chain, deploys the whole local stack, seeds
 * depositors and a long trader (so the vault's short earns funding), drives a price path hour by
 * hour with an arbitrageur and a liquidator, runs the real keeper against the chain (JSON-RPC
 * answered in process), then prints a reconciled report and writes an SVG chart.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { network } from "hardhat";
import { Wallet } from "ethers";
import { marginBandsPct, renderChart } from "./chart.js";
import { DEFAULT_PATH, REPLAYS, replayFile, replayPath, syntheticPath } from "./pricePath.js";
import { renderReport } from "./report.js";
import { startInProcessKeeper } from "./inProcessKeeper.js";
import { deployDemoStack, seedDemo, simulate } from "./simulate.js";
import { HEDGE_MODE_NAMES, VENUE_MODES, type HedgeModeName, type VenueMode } from "../deploy/lib/stack/vaultStack.js";

const POLICIES = ["threshold", "time", "volatility"] as const;
const MODES = Object.keys(HEDGE_MODE_NAMES) as HedgeModeName[];
/** What each hedge mode does, as the report names it. */
const MODE_DESCRIPTIONS: Record<HedgeModeName, string> = {
  "cash-margin": "cash-margin (spot bought with USDC; a USDC-margined short of the same size)",
  "spot-collateral": "spot-collateral (the spot posted at the venue as the short's collateral; the short equals it)",
};
/** How each venue mode fills, as the report names it. */
const VENUE_DESCRIPTIONS: Record<VenueMode, string> = {
  sync: "sync (PerpMarket fills each trade at once)",
  delayed: "delayed (PerpMarket fills each order at the first oracle round after it; the keeper executes and settles)",
};
const HELP = `npm run demo -- [options]

  --seed <n>         seed of the synthetic price path (default ${DEFAULT_PATH.seed})
  --hours <n>        hours to simulate (default ${DEFAULT_PATH.hours}; a replay: its first n hours, default all)
  --mode <name>      hedge mode: ${MODES.join(", ")} (default cash-margin)
  --venue <mode>     perp venue: ${VENUE_MODES.join(", ")} (default sync; delayed: orders fill at the next
                     oracle round, each rebalance in two phases, the keeper executing and settling)
  --policy <name>    keeper policy: ${POLICIES.join(", ")} (default threshold)
  --replay <name>    replay real ETH history instead: ${Object.keys(REPLAYS).join(", ")}, or a CSV path (unix,close)
  --out <dir>        where the chart goes (default reports/)
  --quiet            no progress line
  -h, --help         this help
`;

function fail(message: string): never {
  console.error(`demo: ${message}\n\n${HELP}`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`--${name} must be an integer from 1 to ${max}, got "${value}"`);
  return n;
}

function policyConfig(name: string) {
  switch (name) {
    case "threshold":
      return { kind: "threshold" };
    case "time":
      return { kind: "time", minIntervalSeconds: 6 * 3_600 };
    case "volatility":
      return { kind: "volatility" };
    default:
      return fail(`--policy must be one of ${POLICIES.join(", ")}, got "${name}"`);
  }
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        seed: { type: "string" },
        hours: { type: "string" },
        mode: { type: "string", default: "cash-margin" },
        venue: { type: "string", default: "sync" },
        policy: { type: "string", default: "threshold" },
        replay: { type: "string" },
        out: { type: "string", default: "reports" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (args.help) {
    console.log(HELP);
    return;
  }
  const started = Date.now();
  const policy = policyConfig(args.policy!);
  if (!MODES.includes(args.mode as HedgeModeName))
    fail(`--mode must be one of ${MODES.join(", ")}, got "${args.mode}"`);
  const hedgeMode = args.mode as HedgeModeName;
  if (!VENUE_MODES.includes(args.venue as VenueMode))
    fail(`--venue must be one of ${VENUE_MODES.join(", ")}, got "${args.venue}"`);
  const venue = args.venue as VenueMode;
  const seed = positiveInt("seed", args.seed, DEFAULT_PATH.seed, 2 ** 31);

  let prices: number[];
  let path: string;
  /** The path's own dates (a replay's), unix seconds; a synthetic path takes the chain's. */
  let pathUnix: number[] | undefined;
  if (args.replay) {
    let replay;
    try {
      replay = replayPath(replayFile(args.replay), DEFAULT_PATH.startPrice);
    } catch (err) {
      fail((err as Error).message);
    }
    prices = replay.prices;
    pathUnix = replay.unix;
    path = `replay of ${args.replay} (real ETH/USDT hourly closes, rescaled from $${replay.first} to $${DEFAULT_PATH.startPrice})`;
    if (args.hours !== undefined) {
      const hours = positiveInt("hours", args.hours, replay.hours, replay.hours);
      prices = prices.slice(0, hours + 1);
      pathUnix = pathUnix.slice(0, hours + 1);
      path += `, its first ${hours} hours`;
    }
  } else {
    const hours = positiveInt("hours", args.hours, DEFAULT_PATH.hours, 24 * 365);
    prices = syntheticPath({ ...DEFAULT_PATH, seed, hours });
    path = `synthetic path, seed ${seed} (vol 80%, jumps, +40% rally and -50% crash episodes)`;
  }

  const connection = await network.create();
  const { ethers, networkHelpers } = connection;
  const stack = await deployDemoStack(connection, { hedgeMode, venue });
  const deposited = await seedDemo(stack, 5, 200_000n * 10n ** 6n);

  // The keeper runs as an operator would: its own key, the KEEPER role, JSON-RPC to the chain.
  const keeperWallet = new Wallet(Wallet.createRandom().privateKey);
  await networkHelpers.setBalance(keeperWallet.address, 10n ** 21n);
  await (await stack.vault.setKeeper(keeperWallet.address, true)).wait();
  const multicall3 = await (await ethers.deployContract("Multicall3")).getAddress(); // the keeper's batched read
  const keeper = await startInProcessKeeper({
    provider: connection.provider,
    chainId: Number((await ethers.provider.getNetwork()).chainId),
    multicall3,
    vault: await stack.vault.getAddress(),
    wallet: keeperWallet,
    policy,
    executeOrders: venue === "delayed",
  });

  // Deposits sit idle (a hard idle breach): the keeper deploys them in hour 0.
  const total = prices.length - 1;
  const result = await simulate(connection.provider, stack, prices, keeper, deposited, multicall3, (hour) => {
    if (!args.quiet && process.stderr.isTTY && (hour % 24 === 0 || hour === total))
      process.stderr.write(`\rsimulated ${hour}/${total} hours`);
  });
  if (!args.quiet && process.stderr.isTTY) process.stderr.write("\n");

  const unix = pathUnix ?? result.samples.map((s) => result.startTime + s.hour * 3_600);
  const outDir = resolve(args.out!);
  mkdirSync(outDir, { recursive: true });
  const chartFile = resolve(
    outDir,
    `demo-${hedgeMode}${venue === "delayed" ? "-delayed" : ""}-${args.replay ? args.replay.replace(/[^A-Za-z0-9_-]/g, "_") : `seed-${seed}`}.svg`,
  );
  writeFileSync(
    chartFile,
    renderChart({
      title: `Delta-neutral vault, ${hedgeMode}: ${args.replay ? `replay ${args.replay}` : `seed ${seed}`}, ${args.policy} policy`,
      hours: result.samples.map((s) => s.hour),
      unix: result.samples.map((s) => unix[s.hour]),
      price: result.samples.map((s) => s.price),
      sharePrice: result.samples.map((s) => s.sharePrice),
      deltaBps: result.samples.map((s) => s.deltaBps),
      marginRatioPct: result.samples.map((s) => s.marginRatioBps / 100),
      notionalOverNav: result.samples.map((s) => s.deploymentBps / 10_000),
      bands: marginBandsPct(await stack.vault.bands()),
      rebalances: result.rebalances.map((r) => ({ hour: r.hour, band: r.band })),
    }),
  );
  console.log(
    renderReport(result, {
      hedgeMode: MODE_DESCRIPTIONS[hedgeMode],
      venue: VENUE_DESCRIPTIONS[venue],
      path,
      unix,
      hours: total,
      policy: args.policy!,
      chartFile: relative(process.cwd(), chartFile) || chartFile,
      wallSeconds: (Date.now() - started) / 1_000,
    }),
  );
  if (result.liquidations > 0) {
    console.error(`demo: the vault was liquidated ${result.liquidations} time(s)`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
