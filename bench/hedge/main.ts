/**
 * `npm run bench:hedge`: replays real ETH history through the real contracts and the real keeper
 * for each hedge configuration (bench/hedge/configs.ts), each in its own process, up to
 * `--parallel` at a time; prints the table with each goal beside its figure, the share-price
 * decomposition and where the wall time went, and writes them (markdown) and a chart (SVG) to
 * reports/.
 */
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_PATH, REPLAYS, replayFile, replayPath } from "../../demo/pricePath.js";
import { DEMO_PERP_PARAMS } from "../../demo/simulate.js";
import { VENUE_MODES, type VenueMode } from "../../deploy/lib/stack/vaultStack.js";
import { HEDGE_CONFIGS, configByName, type HedgeConfig } from "./configs.js";
import type { RunOutput, RunRequest } from "./run.js";
import { renderBenchChart } from "./chart.js";
import { renderDecomposition, renderProfile, renderTable } from "./table.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The speed goal: the bench's runs together, seconds. */
const WALL_GOAL_SECONDS = 600;
const HELP = `npm run bench:hedge -- [options]

  --replay <name>     history to replay: ${Object.keys(REPLAYS).join(", ")} (default full-2017-2021)
  --hours <n>         replay only the window's first n hours (default: all of it)
  --configs <list>    comma-separated configurations (default all: ${HEDGE_CONFIGS.map((c) => c.name).join(", ")})
  --parallel <n>      runs at a time, one process each (default 3: every configuration at once)
  --venue <mode>      how the perp market fills: ${VENUE_MODES.join(", ")} (default sync; delayed: at the next
                      oracle round, each rebalance in two phases, the keeper executing and settling)
  --out <dir>         where the markdown table and the SVG chart go (default reports/)
  -h, --help          this help
`;

function fail(message: string): never {
  console.error(`bench:hedge: ${message}\n\n${HELP}`);
  process.exit(2);
}

function runInChild(req: RunRequest): Promise<RunOutput> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(resolve(HERE, "run.ts"), [], {
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let settled = false;
    child.on("message", (msg: { ok: boolean; out?: RunOutput; error?: string }) => {
      settled = true;
      if (msg.ok) resolvePromise(msg.out!);
      else reject(new Error(`${req.config}: ${msg.error}`));
    });
    child.on("exit", (code) => {
      if (!settled) reject(new Error(`${req.config}: run exited with code ${code} before reporting`));
    });
    child.send(req);
  });
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        replay: { type: "string", default: "full-2017-2021" },
        configs: { type: "string" },
        hours: { type: "string" },
        // Every configuration at once: two at a time, the third waited for a slot and then ran
        // alone on one of the two cores. The full replay's three runs at once: 502 s, the same
        // figures as two at a time.
        parallel: { type: "string", default: "3" },
        venue: { type: "string", default: "sync" },
        out: { type: "string", default: "reports" },
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
  let replay;
  try {
    replay = replayPath(replayFile(args.replay!), DEFAULT_PATH.startPrice);
  } catch (err) {
    fail((err as Error).message);
  }
  if (args.hours !== undefined) {
    const hours = Number(args.hours);
    if (!Number.isInteger(hours) || hours < 1 || hours > replay.hours)
      fail(`--hours must be an integer from 1 to ${replay.hours} (the window's hours), got "${args.hours}"`);
    replay = { ...replay, prices: replay.prices.slice(0, hours + 1), unix: replay.unix.slice(0, hours + 1), hours };
  }
  let configs: HedgeConfig[];
  try {
    configs = args.configs ? args.configs.split(",").map((n) => configByName(n.trim())) : HEDGE_CONFIGS;
  } catch (err) {
    fail((err as Error).message);
  }
  const parallel = Number(args.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 8)
    fail(`--parallel must be 1 to 8, got "${args.parallel}"`);

  if (!VENUE_MODES.includes(args.venue as VenueMode))
    fail(`--venue must be one of ${VENUE_MODES.join(", ")}, got "${args.venue}"`);
  const venue = args.venue as VenueMode;

  const runnable = configs.filter((c) => !c.unavailable);
  const outputs = new Map<string, RunOutput>();
  const began = performance.now();
  const queue = [...runnable];
  const workers = Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const out = await runInChild({ config: c.name, prices: replay.prices, venue });
      outputs.set(c.name, out);
      console.error(`bench:hedge: ${c.name} done in ${out.wallSeconds.toFixed(1)} s`);
    }
  });
  await Promise.all(workers);
  const wall = (performance.now() - began) / 1_000;

  const maintenanceBps = Number(DEMO_PERP_PARAMS.maintenanceMarginBps);
  const first = new Date(replay.unix[0] * 1000).toISOString().slice(0, 10);
  const last = new Date(replay.unix[replay.unix.length - 1] * 1000).toISOString().slice(0, 10);
  const delayed = venue === "delayed";
  const title = `Hedge bench: ${args.replay}, ${first} to ${last}, ${replay.hours} hours${delayed ? ", delayed orders" : ""}`;
  const fileStem = `hedge-bench-${args.replay!.replace(/[^A-Za-z0-9_-]/g, "_")}${delayed ? "-delayed" : ""}`;
  const outDir = resolve(args.out!);
  mkdirSync(outDir, { recursive: true });
  const chartFile = resolve(outDir, `${fileStem}.svg`);
  const ran = configs.filter((c) => outputs.has(c.name)).map((c) => outputs.get(c.name)!);
  writeFileSync(chartFile, renderBenchChart(title, ran, replay.unix));
  const md = [
    `# ${title}`,
    "",
    `Real ETH/USDT hourly closes (demo/data/README.md), rescaled to start at $${DEFAULT_PATH.startPrice}, replayed`,
    "through the real contracts (vault, PerpMarket, Uniswap V3) and the real keeper with the demo's",
    "depositors, long trader, arbitrageur and liquidator. Costs are signed (a negative cost is a gain).",
    "Perp fill vs oracle is the market's skew premium, fill = oracle x (1 + (2 x skew + size) / (2 x skewScale)):",
    "while the long trader's skew stands, the vault's short sales fill above the oracle (a gain) and its",
    "buy-backs above it (a cost), so a short window whose rounds mostly sell (the first deployment) shows a gain.",
    ...(delayed
      ? [
          "",
          "Delayed orders: the market fills each order at the first oracle round after it (IDelayedOrders),",
          "so a rebalance submits in one hour and the keeper executes and settles it after the next hour's",
          "feed update; the arbitrageur brings the pool to the oracle before the settle trades on it. The",
          "path is hourly: the hour's wait is the worst case of a feed that publishes more often. The delay",
          "row is the price move on the net delta the books held while a round waited: CashMargin orders the",
          "short first and trades the spot at settlement, so it waits with the delta it had before the round;",
          "SpotCollateral buys (or keeps) the spot before its short fills, so it waits long the difference and",
          "gains as ETH rises and loses as it falls. The rest of the decomposition's price move on the net",
          "delta is delta the books held between rounds, inside the delta band (what a settle's spot trade",
          "left, the pool's bound cutting it short).",
        ]
      : []),
    "",
    renderTable(configs, outputs, maintenanceBps),
    "",
    `Runs' wall time together: ${wall.toFixed(1)} s (goal: at most ${WALL_GOAL_SECONDS} s: ${wall <= WALL_GOAL_SECONDS ? "met" : "missed"}), ${runnable.length} run(s), ${parallel} at a time.`,
    "",
    renderDecomposition(configs, outputs),
    "",
    renderProfile(configs, outputs),
    "",
    `Chart: ${relative(process.cwd(), chartFile) || chartFile}`,
    "",
  ].join("\n");
  const mdFile = resolve(outDir, `${fileStem}.md`);
  writeFileSync(mdFile, md);
  console.log(md);
  console.log(`Written: ${relative(process.cwd(), mdFile) || mdFile}`);
}

main().catch((err) => {
  console.error(`bench:hedge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
