/** The demo's end-of-run report: what a depositor and an operator want to know, reconciled. */
import { BAND_NAMES, TIER_NAMES, decompositionLines, runMetrics } from "./metrics.js";
import type { SimulationResult } from "./simulate.js";

const usd = (units: bigint) => `$${(Number(units) / 1e6).toLocaleString("en-US", { maximumFractionDigits: 2 })}`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const bpsYr = (x: number) => `${x.toFixed(1)} bps/yr`;

export interface ReportMeta {
  /** The hedge mode run, named and described. */
  hedgeMode: string;
  /** How the perp venue fills, as the report names it. */
  venue: string;
  /** Where the price path came from. */
  path: string;
  /** Each hour's time, unix seconds (the replay's dates, or the chain's for a synthetic path). */
  unix: number[];
  hours: number;
  policy: string;
  chartFile: string;
  wallSeconds: number;
}

const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 16).replace("T", " ");

/** The largest fall and rise over any 24 hours of the path, as fractions. */
export function worstDayMoves(prices: number[]): { fall: number; rise: number } {
  let fall = 0;
  let rise = 0;
  for (let h = 24; h < prices.length; h++) {
    const move = prices[h] / prices[h - 24] - 1;
    fall = Math.min(fall, move);
    rise = Math.max(rise, move);
  }
  return { fall, rise };
}

/** The path as run: its dates, its price range and its sharpest day each way. */
function pathLines(r: SimulationResult, meta: ReportMeta): [string, string][] {
  const prices = r.samples.map((s) => s.price);
  const { fall, rise } = worstDayMoves(prices);
  const lo = Math.min(...prices);
  const hi = Math.max(...prices);
  return [
    ["path", meta.path],
    ["dates run", `${day(meta.unix[0])} to ${day(meta.unix[meta.unix.length - 1])} UTC, ${meta.hours} hours`],
    ["price range", `low ${lo.toFixed(2)}, high ${hi.toFixed(2)}; sharpest 24 h: ${pct(fall)} and +${pct(rise)}`],
  ];
}

export function renderReport(r: SimulationResult, meta: ReportMeta): string {
  const m = runMetrics(r);
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  const absDelta = r.samples.map((s) => Math.abs(s.deltaBps));
  const gasCost = r.rebalances.reduce((a, b) => a + b.gasCostUsdc, 0n);
  const gasUsed = r.rebalances.reduce((a, b) => a + b.gasUsed, 0n);
  const navChange = r.rebalances.reduce((a, b) => a + b.navChange, 0n);
  const byBand = new Map<string, number>();
  for (const rb of r.rebalances) {
    const key = `${BAND_NAMES[rb.band]}/${TIER_NAMES[rb.tier]}`;
    byBand.set(key, (byBand.get(key) ?? 0) + 1);
  }
  const shareReturn = Number(r.endShareValue) / Number(r.startShareValue) - 1;
  const priceReturn = last.price / (first.price || 1) - 1;
  const { amounts, hedgePerpParts: perp } = r.ledger;
  const notional = r.samples.filter((s) => s.totalAssets > 0n).map((s) => s.deploymentBps / 10_000);
  const rows: [string, string][] = [
    ["hedge mode", meta.hedgeMode],
    ["perp venue", meta.venue],
    ...pathLines(r, meta),
    ["keeper policy", meta.policy],
    ["deposited at start", usd(r.depositedUsdc)],
    [
      "flows while open",
      `${r.flows.deposits} deposits of $100k, ${r.flows.redeems} redeems of 25% (${r.flows.redeemsCapped} cut to what the vault could pay then, ${r.flows.redeemFailures} failed)`,
    ],
    ["spot price", `${first.price.toFixed(2)} -> ${last.price.toFixed(2)} (${pct(priceReturn)})`],
    [
      "share price",
      `${(Number(r.startShareValue) / 1e6).toFixed(6)} -> ${(Number(r.endShareValue) / 1e6).toFixed(6)} (${pct(shareReturn)})`,
    ],
    ["time-averaged NAV", usd(BigInt(Math.round(m.avgNav)))],
    ["max |delta|", `${Math.max(...absDelta)} bps`],
    ["time-average |delta|", `${(absDelta.reduce((a, b) => a + b, 0) / absDelta.length).toFixed(2)} bps`],
    [
      "min margin ratio",
      Number.isFinite(m.minMarginRatioBps)
        ? `${pct(m.minMarginRatioBps / 10_000)} (as the vault reports it: the venue's, any collateral at its haircut)`
        : "n/a",
    ],
    [
      "hedged notional / NAV",
      notional.length
        ? `average ${m.avgNotionalOverNav.toFixed(3)}, range ${Math.min(...notional).toFixed(3)} to ${Math.max(...notional).toFixed(3)}`
        : "n/a",
    ],
    ["rebalances", `${r.rebalances.length} (${[...byBand].map(([k, n]) => `${k}: ${n}`).join(", ") || "none"})`],
    [
      "rebalance spot trading",
      `${usd(amounts.hedgeSpotCost)} cost (${bpsYr(m.spotTradingBpsYr)}): pool fee and slippage vs the oracle on every spot swap (collateral bought or sold included), signed`,
    ],
    [
      "rebalance perp fees+impact",
      `${usd(amounts.hedgePerpFeesAndImpact)} cost (${bpsYr(m.perpFeesAndImpactBpsYr)}), signed: taker fee ${usd(perp.takerFee)}, fill vs the oracle ${usd(perp.fill)}, oracle-edge charges ${usd(perp.edgeCharge)}, order execution fees ${usd(perp.orderFee)}`,
    ],
    [
      "perp profit unpaid",
      `${usd(amounts.perpShortfall)} lost (${bpsYr(m.perpShortfallBpsYr)}): the open profit the market's pool would not pay (the NAV counts what it would) and the cut trades made final, outside the hedge cost`,
    ],
    ...(r.orders.submitted > 0
      ? ([
          [
            "venue orders",
            `${r.orders.submitted} submitted, ${r.orders.executed} executed, ${r.orders.cancelledOutOfBounds} cancelled out of their price bound, ${r.orders.expired} expired`,
          ],
          [
            "order wait",
            `mean ${m.orders.meanWaitSeconds.toFixed(0)} s, max ${m.orders.maxWaitSeconds} s from submission to fill`,
          ],
          [
            "delay",
            `${m.orders.delayBps.toFixed(3)} bps of the starting share price (+ = gain): the price move on the net delta while rounds were pending, of the ${m.partsBps.priceOnDelta.toFixed(3)} bps the price-move part below books over the run`,
          ],
        ] as [string, string][])
      : []),
    [
      "rebalance NAV change",
      `${usd(navChange)} (totalAssets after - before: the two costs above; settling funding moves none)`,
    ],
    ["rebalance gas", `${gasUsed} gas, ${usd(gasCost)} paid by the keeper (${bpsYr(m.gasBpsYr)}), outside NAV`],
    [
      "flows' trading",
      `${usd(amounts.flowTradingCost)} cost of deploying deposits at entry and unwinding exits, paid by the depositors and leavers`,
    ],
    [
      "funding earned",
      `${usd(amounts.funding)} (${bpsYr(m.fundingBpsYr)}): every FundingSettled event (trades, margin withdrawals, liquidations) plus the change of what is accrued and not yet settled`,
    ],
    ["liquidations", `${r.liquidations}`],
    ["share price change, by cause", ""],
    ...decompositionLines(m),
    ["chart", meta.chartFile],
    ["wall time", `${meta.wallSeconds.toFixed(1)} s (${(meta.hours / meta.wallSeconds).toFixed(0)} simulated h/s)`],
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
