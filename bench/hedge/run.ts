/**
 * One configuration of the hedge bench, in its own process: deploys the demo stack with the
 * configuration's vault, seeds it as the demo does, measures the floor rate on it (rolled back),
 * then replays the path through the real contracts and the real keeper, and sends its figures to
 * the parent over IPC.
 */
import { network } from "hardhat";
import { Wallet } from "ethers";
import { runMetrics, type RunMetrics } from "../../demo/metrics.js";
import { startInProcessKeeper } from "../../demo/inProcessKeeper.js";
import { deployDemoStack, floorRate, seedDemo, simulate, type PhaseTimes } from "../../demo/simulate.js";
import { configByName } from "./configs.js";
import { marginBandsPct, type MarginBandsPct } from "../../demo/chart.js";
import type { VenueMode } from "../../deploy/lib/stack/vaultStack.js";

/** Hours of the floor measurement: long enough for a stable rate, short beside a replay. */
const FLOOR_HOURS = 2_000;
/** Chart points kept per run, at most. */
const CHART_POINTS = 1_500;

export interface RunRequest {
  config: string;
  prices: number[];
  /** Hours of the floor measurement (default FLOOR_HOURS). */
  floorHours?: number;
  /** How the perp venue fills (default sync). */
  venue?: VenueMode;
}

export interface ChartPoint {
  hour: number;
  price: number;
  sharePrice: number;
  marginRatioPct: number;
  notionalOverNav: number;
}

export interface RunOutput {
  config: string;
  metrics: RunMetrics;
  wallSeconds: number;
  hoursPerSecond: number;
  floorHoursPerSecond: number;
  profile: PhaseTimes;
  arbitrage: { swaps: number; skippedHours: number };
  /** Each rebalance's hour, band and spot cost against the oracle (USDC, signed: + = cost). */
  rebalanceHours: { hour: number; band: number; spotCostUsdc: number }[];
  /** The vault's margin bands as it reports them (bands()), percent. */
  marginBandsPct: MarginBandsPct;
  chart: ChartPoint[];
}

export async function runOne(req: RunRequest): Promise<RunOutput> {
  const config = configByName(req.config);
  if (config.unavailable) throw new Error(`${config.name}: ${config.unavailable}`);
  const connection = await network.create();
  const { ethers, networkHelpers } = connection;
  const stack = await deployDemoStack(connection, { ...config.vault, venue: req.venue ?? "sync" });
  const deposited = await seedDemo(stack, 5, 200_000n * 10n ** 6n);
  const floor = await floorRate(connection.provider, stack, req.prices[0], req.floorHours ?? FLOOR_HOURS);

  const keeperWallet = new Wallet(Wallet.createRandom().privateKey);
  await networkHelpers.setBalance(keeperWallet.address, 10n ** 21n);
  await (await stack.vault.setKeeper(keeperWallet.address, true)).wait();
  const multicall3 = await (await ethers.deployContract("Multicall3")).getAddress();
  const keeper = await startInProcessKeeper({
    provider: connection.provider,
    chainId: Number((await ethers.provider.getNetwork()).chainId),
    multicall3,
    vault: await stack.vault.getAddress(),
    wallet: keeperWallet,
    policy: config.policy,
    executeOrders: stack.orderBook !== undefined,
  });
  const bands = marginBandsPct(await stack.vault.bands());
  const began = performance.now();
  const result = await simulate(connection.provider, stack, req.prices, keeper, deposited, multicall3);
  const wallSeconds = (performance.now() - began) / 1_000;
  const metrics = runMetrics(result);
  const step = Math.max(1, Math.floor(result.samples.length / CHART_POINTS));
  return {
    config: config.name,
    metrics,
    wallSeconds,
    hoursPerSecond: metrics.hours / wallSeconds,
    floorHoursPerSecond: floor,
    profile: result.profile,
    arbitrage: result.arbitrage,
    rebalanceHours: result.rebalances.map((r) => ({
      hour: r.hour,
      band: r.band,
      spotCostUsdc: Number(r.spotCost) / 10 ** 6,
    })),
    marginBandsPct: bands,
    chart: result.samples
      .filter((s, i) => i % step === 0 || i === result.samples.length - 1)
      .map((s) => ({
        hour: s.hour,
        price: s.price,
        sharePrice: s.sharePrice,
        marginRatioPct: s.marginRatioBps / 100,
        notionalOverNav: s.deploymentBps / 10_000,
      })),
  };
}

// As a child process: one request in, one output (or an error message) out, over IPC.
if (process.send) {
  process.once("message", (req: RunRequest) => {
    runOne(req).then(
      (out) => process.send!({ ok: true, out }, () => process.exit(0)),
      (err: Error) => process.send!({ ok: false, error: err.stack ?? err.message }, () => process.exit(1)),
    );
  });
}
