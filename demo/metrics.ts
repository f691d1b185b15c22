/**
 * The figures of a replay, from its samples and ledger: what the demo report and the hedge bench
 * print. Rates are per year of simulated time; costs and funding in bps a year of the
 * time-averaged NAV (totalAssets sampled at the end of every hour); costs are signed (a negative
 * cost is a gain) and never floored.
 */
import { PART_LABELS, type Parts } from "./ledger.js";
import type { SimulationResult } from "./simulate.js";

export const HOURS_PER_YEAR = 24 * 365;
export const BAND_NAMES = ["none", "delta", "margin-low", "margin-high", "idle"];
export const TIER_NAMES = ["none", "soft", "hard"];
/** Rounds for one band this close together (hours) are one re-base cut into steps. */
export const REBASE_GAP_HOURS = 2;
/** Fixed funding rate on hedged notional used to compare hedge modes whatever the run's funding. */
export const REFERENCE_FUNDING_BPS_PER_YEAR = 1_000;
/** Cost per unit traded of the plain model the hedge modes were first sized with, bps a leg. */
export const REFERENCE_COST_PER_LEG_BPS = 10;

export interface RunMetrics {
  hours: number;
  years: number;
  rebalances: number;
  rebalancesPerYear: number;
  byBand: Record<string, number>;
  /**
   * Re-bases a year: a band's breach and the rounds that cleared it, counted once. A round the
   * venue's slippage bound cut short leaves the band breached and the next hour's round goes on;
   * rounds for the same band at most REBASE_GAP_HOURS apart are one re-base, whatever other bands'
   * rounds come between them.
   */
  rebasesPerYear: number;
  /** Time-averaged NAV, asset units (float). */
  avgNav: number;
  /** bps a year of the time-averaged NAV; + = cost. */
  spotTradingBpsYr: number;
  perpFeesAndImpactBpsYr: number;
  /** The perp cost by what it is (bps/yr); the parts add up to `perpFeesAndImpactBpsYr`. */
  perpPartsBpsYr: { takerFee: number; fill: number; edgeCharge: number; orderFee: number };
  /**
   * What the market's pool shortfall took (bps/yr, + = lost): the open profit it would not pay and
   * the cut a trade made final. Outside the hedge cost: holding the claim loses it too.
   */
  perpShortfallBpsYr: number;
  gasBpsYr: number;
  /**
   * What the rebalances traded a year on each venue, at the oracle price, as a multiple of the
   * time-averaged NAV, and what each unit traded cost there (bps of the volume, signed): the
   * hedge cost is volume x cost per unit, so these say which of the two a configuration lowers.
   */
  volumeOverNavYr: { spot: number; perp: number };
  costPerVolumeBps: { spot: number; perp: number };
  /** The same volume at a plain model's 10 bps a leg (REFERENCE_COST_PER_LEG_BPS), bps/yr of NAV. */
  volumeAtReferenceCostBpsYr: number;
  hedgeCostBpsYr: number;
  /**
   * The hedge cost by the band each rebalance was for (bps/yr, spot + perp + gas); the bands'
   * figures add up to `hedgeCostBpsYr` less what no rebalance's segment carried (a liquidation's
   * fill, a keeper transaction that emitted no `Rebalanced`), which the bench table shows apart. Idle rounds deploy depositors' cash (their entry charges
   * pay for it) or raise cash for leavers; margin and delta rounds keep the hedge.
   */
  hedgeCostByBandBpsYr: Record<string, number>;
  /** bps a year of the time-averaged NAV; + = received. */
  fundingBpsYr: number;
  avgNotionalOverNav: number;
  netCarryBpsYr: number;
  netCarryAtReferenceBpsYr: number;
  minMarginRatioBps: number;
  liquidations: number;
  maxAbsDeltaBps: number;
  maxDrawdownPct: number;
  /** Share-price change over the run and its parts, bps of the starting share price. */
  shareChangeBps: number;
  partsBps: Parts;
  /** The vault's orders on a delayed market (zeros on a synchronous one). */
  orders: {
    submitted: number;
    executed: number;
    cancelledOutOfBounds: number;
    expired: number;
    meanWaitSeconds: number;
    maxWaitSeconds: number;
    /**
     * The price move on the net delta of the segments that began with a round pending, bps of the
     * starting share price over the run (+ = gain): the part of `partsBps.priceOnDelta` that fell
     * while orders waited (the rest is delta the books held between rounds).
     */
    delayBps: number;
  };
  /** Redeems cut to what the vault could pay then (maxRedeem), and redeems that failed. */
  redeemsCapped: number;
  redeemFailures: number;
}

export function runMetrics(r: SimulationResult): RunMetrics {
  const hours = r.samples[r.samples.length - 1].hour - r.samples[0].hour;
  const years = Math.max(hours, 1) / HOURS_PER_YEAR;
  const avgNav = r.samples.reduce((a, s) => a + Number(s.totalAssets), 0) / r.samples.length;
  const bpsYr = (amount: bigint | number) => (Number(amount) / avgNav / years) * 10_000;
  const gas = r.rebalances.reduce((a, b) => a + b.gasCostUsdc, 0n);
  const spot = bpsYr(r.ledger.amounts.hedgeSpotCost);
  const perp = bpsYr(r.ledger.amounts.hedgePerpFeesAndImpact);
  const hedgeCost = spot + perp + bpsYr(gas);
  const volume = r.ledger.hedgeVolume;
  const perUnitBps = (cost: bigint, traded: bigint) => (traded > 0n ? (Number(cost) / Number(traded)) * 10_000 : 0);
  // Hedged notional / NAV as the vault reports it (vaultState().deploymentBps), hours with a NAV.
  const notional = r.samples.filter((s) => s.totalAssets > 0n);
  const avgNotionalOverNav = notional.reduce((a, s) => a + s.deploymentBps / 10_000, 0) / Math.max(notional.length, 1);
  const fundingBpsYr = bpsYr(r.ledger.amounts.funding);
  let peak = 0;
  let maxDrawdown = 0;
  for (const s of r.samples) {
    peak = Math.max(peak, s.sharePrice);
    if (peak > 0) maxDrawdown = Math.max(maxDrawdown, (peak - s.sharePrice) / peak);
  }
  const ratios = r.samples.map((s) => s.marginRatioBps).filter(Number.isFinite);
  const byBand: Record<string, number> = {};
  for (const rb of r.rebalances) byBand[BAND_NAMES[rb.band]] = (byBand[BAND_NAMES[rb.band]] ?? 0) + 1;
  // Each band's own last round: another band's round between two steps does not split a re-base.
  let rebases = 0;
  const lastRoundOf = new Map<number, number>();
  for (const rb of r.rebalances) {
    const last = lastRoundOf.get(rb.band);
    if (last === undefined || rb.hour - last > REBASE_GAP_HOURS) rebases++;
    lastRoundOf.set(rb.band, rb.hour);
  }
  const hedgeCostByBandBpsYr: Record<string, number> = {};
  for (const rb of r.rebalances) {
    const band = BAND_NAMES[rb.band];
    hedgeCostByBandBpsYr[band] =
      (hedgeCostByBandBpsYr[band] ?? 0) + bpsYr(rb.spotCost + rb.perpFeesAndImpact + rb.gasCostUsdc);
  }
  const partsBps = { ...r.ledger.parts };
  for (const k of Object.keys(partsBps) as (keyof Parts)[]) partsBps[k] = r.ledger.bps(partsBps[k]);
  return {
    hours,
    years,
    rebalances: r.rebalances.length,
    rebalancesPerYear: r.rebalances.length / years,
    byBand,
    rebasesPerYear: rebases / years,
    avgNav,
    spotTradingBpsYr: spot,
    perpFeesAndImpactBpsYr: perp,
    perpPartsBpsYr: {
      takerFee: bpsYr(r.ledger.hedgePerpParts.takerFee),
      fill: bpsYr(r.ledger.hedgePerpParts.fill),
      edgeCharge: bpsYr(r.ledger.hedgePerpParts.edgeCharge),
      orderFee: bpsYr(r.ledger.hedgePerpParts.orderFee),
    },
    perpShortfallBpsYr: bpsYr(r.ledger.amounts.perpShortfall),
    gasBpsYr: bpsYr(gas),
    volumeOverNavYr: { spot: bpsYr(volume.spot) / 10_000, perp: bpsYr(volume.perp) / 10_000 },
    costPerVolumeBps: {
      spot: perUnitBps(r.ledger.amounts.hedgeSpotCost, volume.spot),
      perp: perUnitBps(r.ledger.amounts.hedgePerpFeesAndImpact, volume.perp),
    },
    volumeAtReferenceCostBpsYr: (bpsYr(volume.spot + volume.perp) * REFERENCE_COST_PER_LEG_BPS) / 10_000,
    hedgeCostBpsYr: hedgeCost,
    hedgeCostByBandBpsYr,
    fundingBpsYr,
    avgNotionalOverNav,
    netCarryBpsYr: fundingBpsYr - hedgeCost,
    netCarryAtReferenceBpsYr: REFERENCE_FUNDING_BPS_PER_YEAR * avgNotionalOverNav - hedgeCost,
    minMarginRatioBps: ratios.length ? Math.min(...ratios) : Number.NaN,
    liquidations: r.liquidations,
    maxAbsDeltaBps: Math.max(...r.samples.map((s) => Math.abs(s.deltaBps))),
    maxDrawdownPct: maxDrawdown * 100,
    shareChangeBps: r.ledger.bps(r.ledger.change),
    orders: {
      submitted: r.orders.submitted,
      executed: r.orders.executed,
      cancelledOutOfBounds: r.orders.cancelledOutOfBounds,
      expired: r.orders.expired,
      meanWaitSeconds: r.orders.executed ? r.orders.waitSecondsTotal / r.orders.executed : 0,
      maxWaitSeconds: r.orders.waitSecondsMax,
      delayBps: r.ledger.bps(r.orders.delayPriceMove),
    },
    redeemsCapped: r.flows.redeemsCapped,
    redeemFailures: r.flows.redeemFailures,
    partsBps,
  };
}

/** The share-price decomposition as lines: each part, their sum, the change, the residual. */
export function decompositionLines(m: RunMetrics): [string, string][] {
  const f = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)} bps`;
  const keys = (Object.keys(PART_LABELS) as (keyof Parts)[]).filter((k) => k !== "residual");
  const explained = keys.reduce((a, k) => a + m.partsBps[k], 0);
  return [
    ...keys.map((k): [string, string] => [`  ${PART_LABELS[k]}`, f(m.partsBps[k])]),
    ["  sum of the parts", f(explained)],
    ["  share price change", f(m.shareChangeBps)],
    [`  ${PART_LABELS.residual}`, f(m.partsBps.residual)],
  ];
}
