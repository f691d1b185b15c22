import { expect } from "chai";
import {
  Ledger,
  NO_EVENTS,
  NO_ORDERS,
  perpShortfall,
  splitSegment,
  sharePrice,
  type Checkpoint,
} from "../../demo/ledger.js";
import { HOURS_PER_YEAR, runMetrics } from "../../demo/metrics.js";
import type { SimulationResult } from "../../demo/simulate.js";

/** A synchronous venue's run: no venue orders, no flows (the fields the figures below ignore). */
const SYNC_RUN = {
  orders: NO_ORDERS,
  flows: { deposits: 0, redeems: 0, redeemFailures: 0, redeemsCapped: 0 },
};

const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
/** A checkpoint whose exact share price is (assets + 1) / (supply + 1e6) = `a1` / `s1`. */
function cp(a1: bigint, s1: bigint, over: Partial<Checkpoint> = {}): Checkpoint {
  return {
    totalAssets: a1 - 1n,
    totalSupply: s1 - E6,
    spotQty: 100n * E18,
    shortQty: 100n * E18,
    accruedFunding: 0n,
    priceWad: 3_000n * E18,
    perpShortfall: 0n,
    ...over,
  };
}
// A plain tolerance check: the suite's chai plugins read closeTo as a bigint matcher.
const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).to.be.at.most(Math.abs(expected) * 1e-9 + 1e-24);

describe("hedge bench arithmetic: share-price decomposition on a hand-checked path", () => {
  // $1M of assets over 1e18 share units (plus the virtual ones): 1e-6 asset units per share unit.
  const A = 1_000_000n * E6;
  const S = 10n ** 18n;

  it("funding accrued on an open short: $100 on $1M is +1 bp, nothing left over", () => {
    const before = cp(A, S);
    const after = cp(A + 100n * E6, S, { accruedFunding: 100n * E6, priceWad: 3_300n * E18 });
    const p = splitSegment("market", before, after, NO_EVENTS);
    close((p.funding / sharePrice(before)) * 1e4, 1);
    expect(p.priceOnDelta).to.equal(0); // spot == short: a +10% move leaves NAV alone
    expect(Math.abs(p.residual)).to.be.below(1e-18);
  });

  it("a price move on 1 ETH of net delta: -$300 is -3 bps", () => {
    const before = cp(A, S, { spotQty: 101n * E18 });
    const after = cp(A - 300n * E6, S, { spotQty: 101n * E18, priceWad: 2_700n * E18 });
    const p = splitSegment("market", before, after, NO_EVENTS);
    close((p.priceOnDelta / sharePrice(before)) * 1e4, -3);
    expect(Math.abs(p.residual)).to.be.below(1e-18);
  });

  it("a rebalance: spot cost $50 (-0.5 bp), perp fee $20 less $5 better fill (-0.15 bp), funding settled out of the accrual moves nothing", () => {
    const before = cp(A, S, { accruedFunding: 30n * E6 });
    const after = cp(A - 65n * E6, S, { accruedFunding: 20n * E6 });
    const ev = { ...NO_EVENTS, spotCost: 50n * E6, perpFee: 20n * E6, perpImpact: -5n * E6, settledFunding: 10n * E6 };
    const p = splitSegment("rebalance", before, after, ev);
    const bps = (x: number) => (x / sharePrice(before)) * 1e4;
    close(bps(p.hedgeSpotTrading), -0.5);
    close(bps(p.hedgePerpFeesAndImpact), -0.15);
    expect(p.funding).to.equal(0);
    expect(p.flowTrading).to.equal(0);
    expect(Math.abs(p.residual)).to.be.below(1e-18);
  });

  it("a deposit that gets 1% fewer shares than fair: the $10 charge goes to the holders, exactly", () => {
    const before = cp(2n * A, 2n * S);
    // $1,000 in, 990e12 share units out where 1,000e12 would be fair at 1e-6.
    const after = cp(2n * A + 1_000n * E6, 2n * S + 990n * 10n ** 12n);
    const ev = { ...NO_EVENTS, flowAssets: 1_000n * E6, flowShares: 990n * 10n ** 12n };
    const p = splitSegment("flows", before, after, ev);
    close(p.flowCharges, Number(10n * E6) / Number(2n * S + 990n * 10n ** 12n));
    close(p.flowCharges, sharePrice(after) - sharePrice(before));
    expect(Math.abs(p.residual)).to.be.below(1e-18);
  });

  it("a redeem that unwinds: the leaver pays $2 over the fair value, the unwind costs $1.50", () => {
    const before = cp(2n * A, 2n * S);
    const after = cp(2n * A - 498n * E6 - 1_500_000n, 2n * S - 500n * 10n ** 12n);
    const ev = { ...NO_EVENTS, flowAssets: -498n * E6, flowShares: -500n * 10n ** 12n, spotCost: 1_500_000n };
    const p = splitSegment("flows", before, after, ev);
    const s1 = Number(2n * S - 500n * 10n ** 12n);
    close(p.flowCharges, 2e6 / s1);
    close(p.flowTrading, -1.5e6 / s1);
    expect(p.hedgeSpotTrading).to.equal(0); // a flow's trades are not the hedge's
    expect(Math.abs(p.residual)).to.be.below(1e-18);
  });

  it("an unexplained loss shows up whole in the residual, not in a part", () => {
    const p = splitSegment("market", cp(A, S), cp(A - 1_000n * E6, S), NO_EVENTS);
    close((p.residual / 1e-6) * 1e4, -10);
  });

  it("the ledger's parts and residual add up to the share price change over the path", () => {
    const l = new Ledger(cp(A, S));
    l.record("market", cp(A + 100n * E6, S, { accruedFunding: 100n * E6 }));
    l.record("rebalance", cp(A + 40n * E6, S), {
      ...NO_EVENTS,
      spotCost: 50n * E6,
      perpFee: 10n * E6,
      settledFunding: 100n * E6,
    });
    l.record("market", cp(A + 37n * E6, S)); // $3 nobody explains
    const sum = Object.values(l.parts).reduce((a, b) => a + b, 0);
    close(sum, l.change);
    close(l.bps(l.change), 0.37);
    close(l.bps(l.parts.funding), 1);
    close(l.bps(l.parts.residual), -0.03);
    expect(l.amounts).to.deep.equal({
      funding: 100n * E6,
      hedgeSpotCost: 50n * E6,
      hedgePerpFeesAndImpact: 10n * E6,
      flowTradingCost: 0n,
      perpShortfall: 0n,
    });
  });

  it("a rebalance's perp cost by what it is: $10 fee, $5 better fill, $3 edge charge: $8 (-0.08 bp); the $7 profit the pool did not pay is its shortfall, not a cost of the trade", () => {
    const l = new Ledger(cp(A, S));
    const ev = {
      ...NO_EVENTS,
      perpFee: 10n * E6,
      perpImpact: -5n * E6,
      perpEdgeCharge: 3n * E6,
      perpUnpaidProfit: 7n * E6,
    };
    l.record("rebalance", cp(A - 15n * E6, S), ev);
    close(l.bps(l.parts.hedgePerpFeesAndImpact), -0.08);
    close(l.bps(l.parts.perpShortfall), -0.07);
    expect(Math.abs(l.bps(l.parts.residual))).to.be.below(1e-9);
    expect(l.amounts.hedgePerpFeesAndImpact).to.equal(8n * E6);
    expect(l.amounts.perpShortfall).to.equal(7n * E6);
    expect(l.hedgePerpParts).to.deep.equal({ takerFee: 10n * E6, fill: -5n * E6, edgeCharge: 3n * E6, orderFee: 0n });
    // A leaver's unwind books the same costs to the flows, not to the hedge.
    const f = new Ledger(cp(A, S));
    f.record("flows", cp(A - 15n * E6, S), ev);
    expect(f.amounts.flowTradingCost).to.equal(8n * E6);
    expect(f.amounts.perpShortfall).to.equal(7n * E6);
    expect(f.hedgePerpParts).to.deep.equal({ takerFee: 0n, fill: 0n, edgeCharge: 0n, orderFee: 0n });
  });

  it("a pool short of cash: the open profit's cut moves the NAV between trades, and the trade that makes it final costs nothing more", () => {
    // 100 ETH short from $3,000; the oracle falls to $2,900: a $10,000 face profit. Open claims are
    // twice the pool's cash, so the market values it at $5,000 (positionOf) and the NAV with it.
    const account = {
      shortSize: 100n * E18,
      entryPrice: 3_000n * E18,
      margin: 150_000n * E6,
      marginDebt: 0n,
      unrealizedPnl: 5_000n * E6,
      accruedFunding: 0n,
      payableEquity: 155_000n * E6,
      collateral: 0n,
    };
    expect(perpShortfall(account, 2_900n * E18)).to.equal(5_000n * E6);
    // A venue that can pay $152,000 of the $155,000 account: the vault counts $152,000.
    expect(perpShortfall({ ...account, payableEquity: 152_000n * E6 }, 2_900n * E18)).to.equal(8_000n * E6);
    // At a loss nothing is cut: the -$10,000.000001 face is all counted.
    const loss = { ...account, unrealizedPnl: -10_000_000_001n, payableEquity: 139_999_999_999n };
    expect(perpShortfall(loss, 3_100n * E18 + 10n ** 10n)).to.equal(0n);
    // The vault holds 101 ETH of spot: -$100 on its 1 ETH of delta, -$5,000 of the cut.
    const before = cp(A, S, { spotQty: 101n * E18 });
    const fell = cp(A - 100n * E6 - 5_000n * E6, S, {
      spotQty: 101n * E18,
      priceWad: 2_900n * E18,
      perpShortfall: 5_000n * E6,
    });
    const l = new Ledger(before);
    const market = l.record("market", fell);
    close(l.bps(market.priceOnDelta), -1);
    close(l.bps(market.perpShortfall), -50);
    expect(Math.abs(l.bps(market.residual))).to.be.below(1e-9);
    // A round buys back half the short at the oracle ($10 fee) and sells 50 ETH at it: the pool pays
    // $2,500 of the $5,000 realised (ProfitReduced 5,000 owed, 2,500 paid); the open cut on the
    // rest is $2,500. NAV moves by the fee alone.
    const traded = cp(A - 100n * E6 - 5_000n * E6 - 10n * E6, S, {
      spotQty: 51n * E18,
      shortQty: 50n * E18,
      priceWad: 2_900n * E18,
      perpShortfall: 2_500n * E6,
    });
    const round = l.record("rebalance", traded, { ...NO_EVENTS, perpFee: 10n * E6, perpUnpaidProfit: 2_500n * E6 });
    close(l.bps(round.hedgePerpFeesAndImpact), -0.1);
    expect(round.perpShortfall).to.equal(0); // the cut was already in the NAV
    expect(Math.abs(l.bps(round.residual))).to.be.below(1e-9);
    expect(l.amounts.perpShortfall).to.equal(5_000n * E6);
    expect(l.amounts.hedgePerpFeesAndImpact).to.equal(10n * E6);
  });

  it("run figures: a year of four samples, $1M NAV, $1,000 hedge cost (by band too), $5,000 funding, 0.6x notional", () => {
    const sample = (hour: number, sharePrice: number, deltaBps = 1) => ({
      hour,
      price: 3_000,
      sharePrice,
      deltaBps,
      marginRatioBps: 5_000 - hour * 100,
      totalAssets: A,
      hedgedNotional: 600_000n * E6,
      deploymentBps: 6_000,
      collateralQty: 0n,
    });
    const step = HOURS_PER_YEAR / 3;
    const ledger = new Ledger(cp(A, S));
    ledger.amounts.funding = 5_000n * E6;
    ledger.amounts.hedgeSpotCost = 700n * E6;
    ledger.amounts.hedgePerpFeesAndImpact = 250n * E6;
    // $2M of spot and $1M of perp traded: 2x and 1x NAV a year, at 3.5 and 2.5 bps a unit.
    ledger.hedgeVolume.spot = 2_000_000n * E6;
    ledger.hedgeVolume.perp = 1_000_000n * E6;
    const r = {
      samples: [sample(0, 1), sample(step, 1.02), sample(2 * step, 0.9996, -4), sample(3 * step, 1.03)],
      rebalances: [
        {
          hour: 1,
          band: 2,
          tier: 1,
          navChange: 0n,
          spotCost: 700n * E6,
          perpFeesAndImpact: 50n * E6,
          settledFunding: 0n,
          gasUsed: 1n,
          gasCostUsdc: 30n * E6,
        },
        {
          hour: 2,
          band: 3,
          tier: 1,
          navChange: 0n,
          spotCost: 0n,
          perpFeesAndImpact: 200n * E6,
          settledFunding: 0n,
          gasUsed: 1n,
          gasCostUsdc: 20n * E6,
        },
      ],
      liquidations: 0,
      ...SYNC_RUN,
      ledger,
    } as unknown as SimulationResult;
    const m = runMetrics(r);
    close(m.years, 1);
    close(m.rebalancesPerYear, 2);
    close(m.rebasesPerYear, 2); // two bands: two re-bases, although an hour apart
    close(m.spotTradingBpsYr, 7);
    close(m.perpFeesAndImpactBpsYr, 2.5);
    close(m.gasBpsYr, 0.5);
    close(m.hedgeCostBpsYr, 10);
    close(m.fundingBpsYr, 50);
    close(m.avgNotionalOverNav, 0.6);
    close(m.netCarryBpsYr, 40);
    close(m.netCarryAtReferenceBpsYr, 1_000 * 0.6 - 10);
    expect(m.minMarginRatioBps).to.equal(5_000 - 3 * step * 100);
    expect(m.maxAbsDeltaBps).to.equal(4);
    close(m.maxDrawdownPct, (1 - 0.9996 / 1.02) * 100);
    expect(m.byBand).to.deep.equal({ "margin-low": 1, "margin-high": 1 });
    // Each band's rounds: $700 + $50 + $30 gas and $200 + $20 gas of $1M, adding up to the total.
    close(m.hedgeCostByBandBpsYr["margin-low"], 7.8);
    close(m.hedgeCostByBandBpsYr["margin-high"], 2.2);
    close(m.volumeOverNavYr.spot, 2);
    close(m.volumeOverNavYr.perp, 1);
    close(m.costPerVolumeBps.spot, 3.5);
    close(m.costPerVolumeBps.perp, 2.5);
    // Volume x cost per unit is the venue's part of the hedge cost: 2 x 3.5 = 7, 1 x 2.5 = 2.5.
    close(m.volumeOverNavYr.spot * m.costPerVolumeBps.spot, m.spotTradingBpsYr);
    close(m.volumeOverNavYr.perp * m.costPerVolumeBps.perp, m.perpFeesAndImpactBpsYr);
    close(m.volumeAtReferenceCostBpsYr, 30); // $3M at 10 bps of $1M
  });

  it("volume: a rebalance's trades count toward the hedge's volume, a leaver's unwind's do not", () => {
    const ledger = new Ledger(cp(A, S));
    const trades = { ...NO_EVENTS, spotCost: 50n * E6, spotVolume: 100_000n * E6, perpVolume: 90_000n * E6 };
    ledger.record("rebalance", cp(A - 50n * E6 + 1n, S), trades);
    ledger.record("flows", cp(A - 100n * E6 + 1n, S), trades);
    expect(ledger.hedgeVolume).to.deep.equal({ spot: 100_000n * E6, perp: 90_000n * E6 });
    expect(ledger.amounts.flowTradingCost).to.equal(50n * E6);
  });
});

describe("hedge bench on a delayed venue: the delay is the part of the price move on the net delta that fell while rounds waited", () => {
  const A = 1_000_000n * E6;
  const S = 10n ** 18n;

  it("two years: -$300 on 1 ETH while a round waited, +$200 on it between rounds: the delay is -3 of the -1 bp on the net delta, over the run (not a year)", () => {
    const ledger = new Ledger(cp(A, S, { spotQty: 101n * E18 }));
    // A round is pending through the hour's feed update: $3,000 -> $2,700 on 1 ETH of delta.
    const pending = ledger.record("market", cp(A - 300n * E6, S, { spotQty: 101n * E18, priceWad: 2_700n * E18 }));
    // Later, no round pending: $2,700 -> $2,900 on the same delta.
    ledger.record("market", cp(A - 100n * E6, S, { spotQty: 101n * E18, priceWad: 2_900n * E18 }));
    const sample = (hour: number) => ({
      hour,
      price: 3_000,
      sharePrice: 1,
      deltaBps: 1,
      marginRatioBps: 5_000,
      totalAssets: A,
      hedgedNotional: 0n,
      deploymentBps: 0,
      collateralQty: 0n,
    });
    const r = {
      samples: [sample(0), sample(2 * HOURS_PER_YEAR)],
      rebalances: [],
      liquidations: 0,
      orders: { ...NO_ORDERS, submitted: 1, executed: 1, delayPriceMove: pending.priceOnDelta },
      flows: SYNC_RUN.flows,
      ledger,
    } as unknown as SimulationResult;
    const m = runMetrics(r);
    close(m.years, 2);
    close(m.orders.delayBps, -3);
    close(m.partsBps.priceOnDelta, -1);
    expect(Math.abs(m.partsBps.residual)).to.be.below(1e-9);
  });
});

describe("hedge bench re-bases: a breach and the rounds that cleared it count once", () => {
  const round = (hour: number, band: number) => ({
    hour,
    band,
    tier: 1,
    navChange: 0n,
    spotCost: 0n,
    perpFeesAndImpact: 0n,
    settledFunding: 0n,
    gasUsed: 0n,
    gasCostUsdc: 0n,
  });
  const sample = (hour: number) => ({
    hour,
    price: 3_000,
    sharePrice: 1,
    deltaBps: 0,
    marginRatioBps: 5_000,
    totalAssets: 1_000_000n * E6,
    hedgedNotional: 0n,
    deploymentBps: 0,
    collateralQty: 0n,
  });
  /** A year of $1M NAV with these rounds (band numbers as `BAND_NAMES`: 2 margin-low, 3 margin-high, 4 idle). */
  const yearOf = (rebalances: ReturnType<typeof round>[]) =>
    ({
      samples: [sample(0), sample(HOURS_PER_YEAR)],
      rebalances,
      liquidations: 0,
      ...SYNC_RUN,
      ledger: new Ledger(cp(1_000_000n * E6, 10n ** 18n)),
    }) as unknown as SimulationResult;

  it("margin-low at hours 10, 11, 13 is one re-base; again at 20, then margin-high at 21 and 24: four", () => {
    const m = runMetrics(yearOf([round(10, 2), round(11, 2), round(13, 2), round(20, 2), round(21, 3), round(24, 3)]));
    close(m.rebalancesPerYear, 6);
    close(m.rebasesPerYear, 4);
  });

  it("another band's round between a re-base's steps does not split it: margin-low 10, idle 11, margin-low 12: two", () => {
    const m = runMetrics(yearOf([round(10, 2), round(11, 4), round(12, 2)]));
    close(m.rebalancesPerYear, 3);
    close(m.rebasesPerYear, 2);
  });
});

describe("hedge bench arithmetic in SpotCollateral mode: the posted spot is the vault's, on a hand-checked path", () => {
  // $1M of NAV over 1e18 share units: $100k idle and 300 ETH at $3,000 ($900k) posted at the venue
  // as the short's collateral, shorted 1:1. vaultState().spotQty counts the posted 300 ETH.
  const A = 1_000_000n * E6;
  const S = 10n ** 18n;
  const posted = (qty: bigint, over: Partial<Checkpoint> = {}) => ({ spotQty: qty, shortQty: qty, ...over });
  const bps = (x: number, from: Checkpoint) => (x / sharePrice(from)) * 1e4;

  it("a +20% rally: the collateral's +$180k meets the short's -$180k, NAV holds, and only the $50 of funding moves the share price (+0.5 bp)", () => {
    const before = cp(A, S, posted(300n * E18));
    // At $3,600: idle 100k + collateral 300 x 3,600 = 1,080k, cash equity -180k + 50 accrued.
    const after = cp(A + 50n * E6, S, posted(300n * E18, { accruedFunding: 50n * E6, priceWad: 3_600n * E18 }));
    const p = splitSegment("market", before, after, NO_EVENTS);
    expect(p.priceOnDelta).to.equal(0); // spotQty (300, all posted) - shortQty (300) = 0
    close(bps(p.funding, before), 0.5);
    expect(Math.abs(p.residual)).to.be.below(1e-18);
  });

  it("the same rally with the posted spot left out of spotQty would book -1,800 bps to price and +1,800 to the residual", () => {
    // Why the ledger reads spotQty from vaultState(): (0 - 300) x $600 = -$180,000 = -1,800 bps of $1M.
    const before = cp(A, S, { spotQty: 0n, shortQty: 300n * E18 });
    const after = cp(A + 50n * E6, S, {
      spotQty: 0n,
      shortQty: 300n * E18,
      accruedFunding: 50n * E6,
      priceWad: 3_600n * E18,
    });
    const p = splitSegment("market", before, after, NO_EVENTS);
    close(bps(p.priceOnDelta, before), -1_800);
    close(bps(p.residual, before), 1_800);
  });

  it("a rally's re-base: 50 ETH of collateral sold $180 under the oracle is spot trading (-1.8 bp); the buy-back's $90 fee and $90 fill are perp (-1.8 bp)", () => {
    // At $3,600: the short shrinks 300 -> 250 ETH, filled at $3,601.80 with a $90 taker fee; 50 ETH
    // of collateral is withdrawn and sold for $179,820 against $180,000 at the oracle ($180), and
    // the proceeds repay the margin debt (no change of value). The $50 accrued settles into margin
    // (moves nothing). NAV 1,000,050 - 360 = 999,690. Bps of the path's starting share price, 1e-6.
    const before = cp(A + 50n * E6, S, posted(300n * E18, { accruedFunding: 50n * E6, priceWad: 3_600n * E18 }));
    const after = cp(A - 310n * E6, S, posted(250n * E18, { priceWad: 3_600n * E18 }));
    // As the replay books a fill: sizeDelta x (fill - oracle), the buy-back's sizeDelta +50 ETH.
    const perpImpact = (50n * E18 * (3_601_800_000_000_000_000_000n - 3_600n * E18)) / 10n ** 30n;
    expect(perpImpact).to.equal(90n * E6);
    const ev = { ...NO_EVENTS, spotCost: 180n * E6, perpFee: 90n * E6, perpImpact, settledFunding: 50n * E6 };
    const p = splitSegment("rebalance", before, after, ev);
    const start = cp(A, S);
    close(bps(p.hedgeSpotTrading, start), -1.8);
    close(bps(p.hedgePerpFeesAndImpact, start), -1.8);
    expect(p.funding).to.equal(0);
    expect(p.priceOnDelta).to.equal(0);
    expect(Math.abs(p.residual)).to.be.below(1e-18);
  });

  it("over the path: +0.5 - 1.8 - 1.8 = -3.1 bps, parts add up to the change, $360 of cost split $180 / $180", () => {
    const l = new Ledger(cp(A, S, posted(300n * E18)));
    l.record("market", cp(A + 50n * E6, S, posted(300n * E18, { accruedFunding: 50n * E6, priceWad: 3_600n * E18 })));
    l.record("rebalance", cp(A - 310n * E6, S, posted(250n * E18, { priceWad: 3_600n * E18 })), {
      ...NO_EVENTS,
      spotCost: 180n * E6,
      perpFee: 90n * E6,
      perpImpact: 90n * E6,
      settledFunding: 50n * E6,
    });
    close(l.bps(l.change), -3.1);
    close(
      Object.values(l.parts).reduce((a, b) => a + b, 0),
      l.change,
    );
    expect(Math.abs(l.bps(l.parts.residual))).to.be.below(1e-9);
    expect(l.amounts).to.deep.equal({
      funding: 50n * E6,
      hedgeSpotCost: 180n * E6,
      hedgePerpFeesAndImpact: 180n * E6,
      flowTradingCost: 0n,
      perpShortfall: 0n,
    });
  });

  it("run figures: hedged notional / NAV is the vault's deploymentBps (0.95 then 1.14: 1.045x), margin ratio as reported (90% then 37.5%)", () => {
    // A year, two samples as vaultState() reported them: deployment 9,500 bps at the target and
    // 11,400 bps after a rally; the average is their mean, 1.045x (hedgedNotional is not read).
    const sample = (hour: number, deploymentBps: number, marginRatioBps: number) => ({
      hour,
      price: 3_000,
      sharePrice: 1,
      deltaBps: 0,
      marginRatioBps,
      totalAssets: A,
      hedgedNotional: 0n, // not what is averaged
      deploymentBps,
      collateralQty: 300n * E18,
    });
    const ledger = new Ledger(cp(A, S, posted(300n * E18)));
    ledger.amounts.funding = 10_000n * E6; // 100 bps/yr of $1M
    ledger.amounts.hedgeSpotCost = 2_000n * E6; // 20 bps/yr
    ledger.amounts.hedgePerpFeesAndImpact = 1_000n * E6; // 10 bps/yr
    const r = {
      samples: [sample(0, 9_500, 9_000), sample(HOURS_PER_YEAR, 11_400, 3_750)],
      rebalances: [],
      liquidations: 0,
      ...SYNC_RUN,
      ledger,
    } as unknown as SimulationResult;
    const m = runMetrics(r);
    close(m.avgNotionalOverNav, (0.95 + 1.14) / 2); // 1.045
    close(m.hedgeCostBpsYr, 30);
    close(m.netCarryBpsYr, 100 - 30);
    close(m.netCarryAtReferenceBpsYr, 1_000 * 1.045 - 30); // 1,015 bps/yr
    expect(m.minMarginRatioBps).to.equal(3_750);
  });
});
