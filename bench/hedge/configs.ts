/**
 * The hedge bench's configurations, one entry each. A configuration the vault cannot run yet is
 * listed with the reason, and the bench prints it as "not available in this build" instead of
 * numbers. Plugging a new hedge mode in means filling in its `vault` options and removing
 * `unavailable`.
 */
import {
  DEFAULT_BANDS,
  DEFAULT_STRATEGY,
  SPOT_COLLATERAL_BANDS,
  SPOT_COLLATERAL_STRATEGY,
  type VaultStackOptions,
} from "../../deploy/lib/stack/vaultStack.js";
import type { RunMetrics } from "../../demo/metrics.js";

export interface Goal {
  /** What the goal says, as the issue states it. */
  text: string;
  /** Whether `m` meets it; `baseline` is configuration (a)'s figures from the same run. */
  met(m: RunMetrics, baseline: RunMetrics | undefined, maintenanceBps: number): boolean | undefined;
  /** The table row the goal is printed beside. */
  row: RowKey;
}

export type RowKey =
  "rebalancesPerYear" | "hedgeCostBpsYr" | "netCarryAtReferenceBpsYr" | "minMarginOverMaintenance" | "liquidations";

export interface HedgeConfig {
  key: string;
  name: string;
  description: string;
  /** Vault deployment options on top of the demo stack. */
  vault: VaultStackOptions;
  /** Keeper policy (keeper config schema). */
  policy: Record<string, unknown>;
  goals: Goal[];
  /** Why this build cannot run it. */
  unavailable?: string;
}

const ratio = (m: RunMetrics, maintenanceBps: number) => m.minMarginRatioBps / maintenanceBps;

export const HEDGE_CONFIGS: HedgeConfig[] = [
  {
    key: "a",
    name: "cash-recentre",
    description: "cash margin, rebalance to the band's centre (the baseline)",
    vault: {},
    policy: { kind: "threshold" },
    goals: [],
  },
  {
    key: "b",
    name: "cash-no-trade-region",
    description: "cash margin, rebalance to a target near the breached edge",
    // Tuned on the full 2017-2021 replay (hedge cost, bps/yr, against (a)'s 131.8): t = 50% cost
    // 83.9 with the default bands but touched a margin ratio just under (a)'s 35.0% minimum (the
    // hour's overshoot past the soft floor starts nearer the floor); with the soft floor at 36%,
    // t = 50% cost 84.8 and t = 65% 73.6 (0.56x), both at a 36.0% minimum. The soft floor moves
    // toward the centre (a rally is met earlier); the hard bands are the defaults. (Those figures
    // counted the perp profit the market's pool could not pay as hedge cost; it is its own row now,
    // and the kept setting reads 68.9 against (a)'s 126.7.)
    vault: {
      strategy: { ...DEFAULT_STRATEGY, rebalanceTargetBps: 6_500 },
      bands: { ...DEFAULT_BANDS, minMarginRatioSoftBps: 3_600 },
    },
    policy: { kind: "threshold" },
    goals: [
      {
        row: "hedgeCostBpsYr",
        text: "<= 0.75x (a)",
        met: (m, a) => (a ? m.hedgeCostBpsYr <= 0.75 * a.hedgeCostBpsYr : undefined),
      },
      {
        row: "minMarginOverMaintenance",
        text: ">= (a)",
        met: (m, a, mm) => (a ? ratio(m, mm) >= ratio(a, mm) : undefined),
      },
    ],
  },
  {
    key: "c",
    name: "spot-collateral",
    description: "the spot posted as the short's collateral",
    // Tried on the full 2017-2021 replay (one run each, (c) alone; rebalances a year, hedge cost
    // bps/yr, carry at 10% bps/yr, min margin):
    // - soft band 63%..126% (hedged notional about 1.3x..0.7x), idle 15%..30%, slippage 100 bps:
    //   13.1, 178.3, 750.2, 63.0% (kept until the halved-trade findings were fixed).
    // - the mode's bands (37.5%..180%), idle 15%..30%, slippage 100 bps: 7.1, 178.1, 972.4, 26.5%:
    //   a rally's re-base cost past the 50 bps bound (CostTooHigh for 2,316 hours in all) while
    //   the margin ratio fell to 26.5%; with the region at 60% toward the edge: 11.3, 186.5.
    // - the mode's bands, idle 15%..30%, slippage 50 bps (the default; a trade that would pass it
    //   is halved, so a re-base is cut into rounds an hour apart): 8.4, 141.1, 928.8, 34.1%. Kept.
    //   At 30 bps: 12.3, 151.8 (spot 54.9, but perp 96.8); idle 20%..35%: 8.1, 150.0, 884.4; a
    //   75 bps cost bound: 9.2, 146.3, 953.9; the soft floor at 31%: 9.4, 154.9, 981.6, 28.8%;
    //   the region 30% toward the edge: 10.5, 141.7, 905.4; slippage and cost bounds at 100 bps:
    //   6.8, 193.1, 870.4 (bigger trades, more impact); both at 75 bps: 8.1, 193.3, 887.5; the idle
    //   buffer at 2%: 9.4, 159.0, 928.2, and with idle 20%..35%: 8.4, 154.5, 958.4.
    // - deposits deployed at entry (IDeltaNeutralVault.deposit), same settings: 7.1, 117.2, 1,122.4,
    //   37.5% (no idle rounds, but none re-centres the book either: margin-low 22 rounds); with a
    //   deposit first topping the margin up to the 1x target: 6.0, 112.3, 1,054.8, 37.5%. Kept.
    // The rally's rounds are nearly all of the cost (margin-low 124..139 bps/yr of it, idle 2..14,
    // margin-high 4..11): each sells about half the collateral on the pool and buys as much of the
    // short back, some 8x NAV a year of each over this history (the taker fee alone is about 40
    // bps/yr at 5 bps), at about 17 bps of NAV per unit traded on both venues together; and the
    // demo's long trader (a fixed 5,000 ETH, 0.5% of the skew scale) makes every buy-back fill
    // about 0.5% over the oracle, so the 50 bps bound halves some and the re-base ends short of the
    // centre.
    vault: {
      hedgeMode: "spot-collateral",
      bands: { ...SPOT_COLLATERAL_BANDS, idleSoftBps: 1_500, idleHardBps: 3_000 },
      strategy: SPOT_COLLATERAL_STRATEGY,
    },
    policy: { kind: "threshold" },
    goals: [
      {
        row: "netCarryAtReferenceBpsYr",
        text: ">= 1.8x (a)",
        met: (m, a) => (a ? m.netCarryAtReferenceBpsYr >= 1.8 * a.netCarryAtReferenceBpsYr : undefined),
      },
      { row: "rebalancesPerYear", text: "<= 5", met: (m) => m.rebalancesPerYear <= 5 },
      { row: "hedgeCostBpsYr", text: "<= 50", met: (m) => m.hedgeCostBpsYr <= 50 },
      { row: "minMarginOverMaintenance", text: ">= 5x", met: (m, _a, mm) => ratio(m, mm) >= 5 },
      { row: "liquidations", text: "0", met: (m) => m.liquidations === 0 },
    ],
  },
];

export function configByName(name: string): HedgeConfig {
  const c = HEDGE_CONFIGS.find((x) => x.name === name || x.key === name);
  if (!c) throw new Error(`unknown configuration "${name}": use one of ${HEDGE_CONFIGS.map((x) => x.name).join(", ")}`);
  return c;
}
