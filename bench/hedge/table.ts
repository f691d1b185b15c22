/**
 * The hedge bench's table (markdown): one column per configuration, one row per figure, each goal
 * printed beside the figure it is about, and the share-price decomposition with its residual.
 */
import { PART_LABELS, type Parts } from "../../demo/ledger.js";
import { REBASE_GAP_HOURS, REFERENCE_COST_PER_LEG_BPS, type RunMetrics } from "../../demo/metrics.js";
import { HEDGE_CONFIGS, type HedgeConfig, type RowKey } from "./configs.js";
import type { RunOutput } from "./run.js";

const NOT_AVAILABLE = "not available in this build";
const NOT_RUN = "not run";

interface Row {
  label: string;
  key?: RowKey;
  value(m: RunMetrics, out: RunOutput, maintenanceBps: number): string;
}

const n = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

/** The hedge cost by band; what no rebalance's segment carried (none expected) is shown apart. */
function costByBand(m: RunMetrics): string {
  const entries = Object.entries(m.hedgeCostByBandBpsYr);
  const unattributed = m.hedgeCostBpsYr - entries.reduce((a, [, x]) => a + x, 0);
  if (Math.abs(unattributed) >= 0.05) entries.push(["not in a rebalance", unattributed]);
  return entries.map(([band, x]) => `${band} ${n(x)}`).join(", ") || "none";
}

const ROWS: Row[] = [
  {
    label: "rebalances a year (count, by band)",
    key: "rebalancesPerYear",
    value: (m) =>
      `${n(m.rebalancesPerYear)} (${m.rebalances}: ${
        Object.entries(m.byBand)
          .map(([band, k]) => `${band} ${k}`)
          .join(", ") || "none"
      })`,
  },
  {
    label: `  re-bases a year (a breach and its rounds, ${REBASE_GAP_HOURS} h or less apart)`,
    value: (m) => n(m.rebasesPerYear),
  },
  { label: "hedge cost, bps/yr of time-averaged NAV", key: "hedgeCostBpsYr", value: (m) => n(m.hedgeCostBpsYr) },
  { label: "  spot trading (pool fee, slippage vs oracle)", value: (m) => n(m.spotTradingBpsYr) },
  { label: "  perp fees and impact (fill vs oracle)", value: (m) => n(m.perpFeesAndImpactBpsYr) },
  {
    label: "    taker fee, fill vs oracle, oracle-edge charge, order execution fees",
    value: ({ perpPartsBpsYr: p }) => [p.takerFee, p.fill, p.edgeCharge, p.orderFee].map((x) => n(x)).join(", "),
  },
  { label: "  gas (paid by the keeper, outside NAV)", value: (m) => n(m.gasBpsYr, 2) },
  {
    label: "  traded a year at the oracle price, x time-averaged NAV: spot, perp",
    value: ({ volumeOverNavYr: v }) => `${n(v.spot, 2)}, ${n(v.perp, 2)}`,
  },
  {
    label: "  cost per unit traded, bps of the volume: spot, perp",
    value: ({ costPerVolumeBps: c }) => `${n(c.spot)}, ${n(c.perp)}`,
  },
  {
    label: `  the same volume at ${REFERENCE_COST_PER_LEG_BPS} bps a leg (a plain model's cost), bps/yr`,
    value: (m) => n(m.volumeAtReferenceCostBpsYr),
  },
  { label: "  the same cost by band (the rounds it was spent in)", value: (m) => costByBand(m) },
  { label: "funding, bps/yr of time-averaged NAV", value: (m) => n(m.fundingBpsYr) },
  {
    label:
      "perp profit the market's pool could not pay (open, valued at what it pays, and cut at trades), bps/yr (+ = lost; outside the hedge cost)",
    value: (m) => n(m.perpShortfallBpsYr),
  },
  { label: "average hedged notional / NAV", value: (m) => n(m.avgNotionalOverNav, 3) },
  { label: "net carry at the run's funding, bps/yr", value: (m) => n(m.netCarryBpsYr) },
  {
    label: "net carry at 10%/yr funding on notional, bps/yr",
    key: "netCarryAtReferenceBpsYr",
    value: (m) => n(m.netCarryAtReferenceBpsYr),
  },
  {
    label: "min margin ratio, x maintenance",
    key: "minMarginOverMaintenance",
    value: (m, _o, mm) => `${n(m.minMarginRatioBps / mm, 2)} (${n(m.minMarginRatioBps / 100)}%)`,
  },
  { label: "liquidations", key: "liquidations", value: (m) => `${m.liquidations}` },
  {
    label: "venue orders: submitted, executed, cancelled out of bounds, expired",
    value: ({ orders: o }) => `${o.submitted}, ${o.executed}, ${o.cancelledOutOfBounds}, ${o.expired}`,
  },
  {
    label: "  wait from submission to fill, mean and max, s",
    value: ({ orders: o }) => `${n(o.meanWaitSeconds, 0)}, ${n(o.maxWaitSeconds, 0)}`,
  },
  {
    label:
      "  delay: price move on the net delta while rounds were pending, bps of the starting share price over the run (+ = gain), of the decomposition's price move on the net delta",
    value: (m) => `${n(m.orders.delayBps, 2)} of ${n(m.partsBps.priceOnDelta, 2)}`,
  },
  {
    label: "redeems cut to what the vault could pay then, failed",
    value: (m) => `${m.redeemsCapped}, ${m.redeemFailures}`,
  },
  { label: "max abs delta, bps of NAV", value: (m) => `${m.maxAbsDeltaBps}` },
  { label: "max drawdown of the share price", value: (m) => `${n(m.maxDrawdownPct, 3)}%` },
  { label: "share price change, bps", value: (m) => n(m.shareChangeBps, 2) },
  { label: "decomposition residual, bps (goal: within 1)", value: (m) => n(m.partsBps.residual, 6) },
  { label: "wall time, s", value: (_m, o) => n(o.wallSeconds) },
  {
    label: "simulated hours/s (floor: feed update + block)",
    value: (_m, o) => `${n(o.hoursPerSecond, 0)} (floor ${n(o.floorHoursPerSecond, 0)})`,
  },
];

function goalCell(
  c: HedgeConfig,
  key: RowKey | undefined,
  m: RunMetrics | undefined,
  a: RunMetrics | undefined,
  mm: number,
) {
  const goals = c.goals.filter((g) => g.row === key);
  return goals.map((g) => {
    const met = m ? g.met(m, a, mm) : undefined;
    return `goal ${g.text}: ${met === undefined ? "not measured" : met ? "met" : "missed"}`;
  });
}

export function renderTable(configs: HedgeConfig[], outputs: Map<string, RunOutput>, maintenanceBps: number): string {
  // The baseline is (a) whichever configurations ran: a run without it leaves (a)-relative goals unmeasured.
  const baseline = outputs.get(HEDGE_CONFIGS[0].name)?.metrics;
  const head = `| figure | ${configs.map((c) => `(${c.key}) ${c.name}`).join(" | ")} |`;
  const rule = `| --- | ${configs.map(() => "---").join(" | ")} |`;
  const lines = [head, rule];
  for (const row of ROWS) {
    const cells = configs.map((c) => {
      const out = outputs.get(c.name);
      const value = out ? row.value(out.metrics, out, maintenanceBps) : c.unavailable ? NOT_AVAILABLE : NOT_RUN;
      return [value, ...goalCell(c, row.key, out?.metrics, baseline, maintenanceBps)].join("; ");
    });
    lines.push(`| ${row.label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Share-price change by cause, bps of the starting share price, one column per run. */
export function renderDecomposition(configs: HedgeConfig[], outputs: Map<string, RunOutput>): string {
  const ran = configs.filter((c) => outputs.has(c.name));
  const lines = [
    `| share price change by cause, bps | ${ran.map((c) => `(${c.key}) ${c.name}`).join(" | ")} |`,
    `| --- | ${ran.map(() => "---").join(" | ")} |`,
  ];
  const row = (label: string, f: (m: RunMetrics) => number) =>
    lines.push(`| ${label} | ${ran.map((c) => f(outputs.get(c.name)!.metrics).toFixed(3)).join(" | ")} |`);
  const keys = (Object.keys(PART_LABELS) as (keyof Parts)[]).filter((k) => k !== "residual");
  for (const k of keys) row(PART_LABELS[k], (m) => m.partsBps[k]);
  row("sum of the parts", (m) => keys.reduce((a, k) => a + m.partsBps[k], 0));
  row("share price change", (m) => m.shareChangeBps);
  row(PART_LABELS.residual, (m) => m.partsBps.residual);
  return lines.join("\n");
}

/** Where an hour's wall time went, ms per simulated hour. */
export function renderProfile(configs: HedgeConfig[], outputs: Map<string, RunOutput>): string {
  const ran = configs.filter((c) => outputs.has(c.name));
  if (ran.length === 0) return "";
  const phases = Object.keys(outputs.get(ran[0].name)!.profile) as (keyof RunOutput["profile"])[];
  const lines = [
    `| ms per simulated hour | ${ran.map((c) => `(${c.key}) ${c.name}`).join(" | ")} |`,
    `| --- | ${ran.map(() => "---").join(" | ")} |`,
  ];
  for (const p of phases)
    lines.push(
      `| ${p} | ${ran
        .map((c) => {
          const o = outputs.get(c.name)!;
          return (o.profile[p] / o.metrics.hours).toFixed(3);
        })
        .join(" | ")} |`,
    );
  lines.push(
    `| arbitrage swaps / hours with no trade on the pool | ${ran
      .map((c) => {
        const o = outputs.get(c.name)!;
        return `${o.arbitrage.swaps} / ${o.arbitrage.skippedHours}`;
      })
      .join(" | ")} |`,
  );
  return lines.join("\n");
}
