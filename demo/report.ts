/** The demo's end-of-run report: what a depositor and an operator want to know. */
import type { SimulationResult } from "./simulate.js";

const BAND_NAMES = ["none", "delta", "margin-low", "margin-high", "idle"];
const TIER_NAMES = ["none", "soft", "hard"];
const usd = (units: bigint) => `$${(Number(units) / 1e6).toLocaleString("en-US", { maximumFractionDigits: 2 })}`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export interface ReportMeta {
  mode: string;
  hours: number;
  policy: string;
  chartFile: string;
  wallSeconds: number;
}

export function renderReport(r: SimulationResult, meta: ReportMeta): string {
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  const absDelta = r.samples.map((s) => Math.abs(s.deltaBps));
  const ratios = r.samples.map((s) => s.marginRatioBps).filter(Number.isFinite);
  const tradingCost = r.rebalances.reduce((a, b) => a + b.tradingCost, 0n);
  const gasCost = r.rebalances.reduce((a, b) => a + b.gasCostUsdc, 0n);
  const gasUsed = r.rebalances.reduce((a, b) => a + b.gasUsed, 0n);
  const byBand = new Map<string, number>();
  for (const rb of r.rebalances) {
    const key = `${BAND_NAMES[rb.band]}/${TIER_NAMES[rb.tier]}`;
    byBand.set(key, (byBand.get(key) ?? 0) + 1);
  }
  const shareReturn = Number(r.endShareValue) / Number(r.startShareValue) - 1;
  const priceReturn = last.price / (first.price || 1) - 1;
  const rows: [string, string][] = [
    ["mode", meta.mode],
    ["hours simulated", `${meta.hours}`],
    ["keeper policy", meta.policy],
    ["deposited at start", usd(r.depositedUsdc)],
    [
      "flows while open",
      `${r.flows.deposits} deposits of $100k, ${r.flows.redeems} redeems of 25% (${r.flows.redeemFailures} failed)`,
    ],
    ["spot price", `${first.price.toFixed(2)} -> ${last.price.toFixed(2)} (${pct(priceReturn)})`],
    [
      "share price",
      `${(Number(r.startShareValue) / 1e6).toFixed(6)} -> ${(Number(r.endShareValue) / 1e6).toFixed(6)} (${pct(shareReturn)})`,
    ],
    ["max |delta|", `${Math.max(...absDelta)} bps`],
    ["time-average |delta|", `${(absDelta.reduce((a, b) => a + b, 0) / absDelta.length).toFixed(2)} bps`],
    ["min margin ratio", ratios.length ? pct(Math.min(...ratios) / 10_000) : "n/a"],
    ["rebalances", `${r.rebalances.length} (${[...byBand].map(([k, n]) => `${k}: ${n}`).join(", ") || "none"})`],
    ["rebalance trading cost", `${usd(tradingCost)} (pool fee, slippage, perp fee and impact)`],
    ["rebalance gas", `${gasUsed} gas, ${usd(gasCost)} at the chain's gas price`],
    ["funding earned", usd(r.fundingUsdc)],
    ["liquidations", `${r.liquidations}`],
    ["chart", meta.chartFile],
    ["wall time", `${meta.wallSeconds.toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    "",
    "Delta-neutral vault demo report",
    "=".repeat(32),
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    "",
  ].join("\n");
}
