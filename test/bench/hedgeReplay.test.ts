import { expect } from "chai";
import { DEMO_PERP_PARAMS } from "../../demo/simulate.js";
import { HEDGE_CONFIGS } from "../../bench/hedge/configs.js";
import { runOne, type RunOutput } from "../../bench/hedge/run.js";
import { renderTable } from "../../bench/hedge/table.js";

describe("hedge bench: a seven-hour path through the real contracts and keeper, (a), (b) and (c)", () => {
  // Flat, a +20% rally (margin ratio 50% -> 25%: below the 35% soft band), flat, a -25% fall
  // (margin piles up above the 70% soft band), back up.
  const prices = [3_000, 3_000, 3_600, 3_600, 2_700, 2_700, 3_000];
  // (c): the margin ratio is entry / price - 10% (the haircut). +140% takes it from 90% to 31.7%,
  // below (c)'s 37.5% soft floor. The re-base at $7,200 buys the short back on a market the long
  // trader skews (about 0.5% over the oracle), so the 50 bps bound may halve it: it ends inside
  // the band, short of the centre. -70% then takes it past the 180% soft ceiling.
  const SPOT_PATH = [3_000, 3_000, 7_200, 7_200, 7_200, 2_100, 2_100, 2_100];
  let out: RunOutput;
  let region: RunOutput;
  let spot: RunOutput;

  before(async function () {
    this.timeout(400_000);
    out = await runOne({ config: "cash-recentre", prices, floorHours: 10 });
    region = await runOne({ config: "cash-no-trade-region", prices, floorHours: 10 });
    spot = await runOne({ config: "spot-collateral", prices: SPOT_PATH, floorHours: 10 });
  });

  it("rebalances where the bands say: idle at hour 0, margin-low after the rally, margin-high after the fall", () => {
    expect(out.rebalanceHours.map((r) => r.hour)).to.include.members([0, 2, 4]);
    const bands = new Map(out.rebalanceHours.map((r) => [r.hour, r.band]));
    expect([bands.get(0), bands.get(2), bands.get(4)]).to.deep.equal([4, 2, 3]);
    expect(out.metrics.liquidations).to.equal(0);
  });

  it("the decomposition adds up to the share price change within 0.01 bp (residual), with signed parts", () => {
    const m = out.metrics;
    expect(Math.abs(m.partsBps.residual)).to.be.below(0.01);
    expect(m.partsBps.funding).to.be.above(0); // the long trader pays the short
    expect(m.partsBps.hedgeSpotTrading).to.be.below(0); // pool fee and slippage are a cost
  });

  it("(b) rebalances at the same hours, to its region's targets instead of the centre", () => {
    // Target 65% of the way from the centre (50%) to the breached soft edge: after the rally
    // 50 - 0.65 x 14 (its soft floor is 36%) = 40.9%, after the fall 50 + 0.65 x 20 = 63%.
    expect(region.rebalanceHours.map((r) => [r.hour, r.band])).to.deep.equal(
      out.rebalanceHours.map((r) => [r.hour, r.band]),
    );
    // Percent, two decimals (the chart's figure); chai's closeTo wants integers under the
    // ethers matchers, so the distance is checked as a number.
    const offBy = (o: RunOutput, hour: number, pct: number) =>
      Math.abs(o.chart.find((c) => c.hour === hour)!.marginRatioPct - pct);
    expect(offBy(out, 2, 50)).to.be.below(0.5);
    expect(offBy(region, 2, 40.9)).to.be.below(0.5);
    expect(offBy(out, 4, 50)).to.be.below(0.5);
    expect(offBy(region, 4, 63)).to.be.below(0.5);
    expect(Math.abs(region.metrics.partsBps.residual)).to.be.below(0.01);
  });

  it("(c) spot-collateral: the rally's floor and the fall's ceiling re-base the book; NAV holds, the figures reconcile", () => {
    const bands = spot.rebalanceHours.map((r) => [r.hour, r.band]);
    expect(bands[0]).to.deep.equal([0, 4]); // the deposits deployed
    expect(bands.find(([h]) => h === 2)).to.deep.equal([2, 2]); // margin-low after +140%
    expect(bands.find(([h]) => h >= 5)?.[1]).to.equal(3); // margin-high after -70%
    const at = (hour: number) => spot.chart.find((c) => c.hour === hour)!;
    expect(at(1).notionalOverNav).to.be.within(0.93, 0.96); // 95% of NAV hedged at 1x
    expect(at(2).marginRatioPct).to.be.within(45, 95); // re-based from 31.7% toward the 90% centre
    expect(at(7).marginRatioPct).to.be.within(60, 180);
    const m = spot.metrics;
    expect(m.liquidations).to.equal(0);
    expect(m.maxAbsDeltaBps).to.be.at.most(100);
    expect(Math.abs(m.partsBps.residual)).to.be.below(0.01);
    expect(m.partsBps.priceOnDelta).to.equal(0); // the posted spot is counted: no delta to price
    expect(m.spotTradingBpsYr).to.be.above(0); // collateral sold and bought on the pool
    // Every round's cost is booked to its band, and the bands add up to the whole.
    expect(Object.keys(m.hedgeCostByBandBpsYr).sort()).to.deep.equal(["idle", "margin-high", "margin-low"]);
    const byBand = Object.values(m.hedgeCostByBandBpsYr).reduce((a, x) => a + x, 0);
    expect(Math.abs(byBand - m.hedgeCostBpsYr)).to.be.below(1e-9 * Math.abs(m.hedgeCostBpsYr) + 1e-9);
    expect(spot.marginBandsPct).to.deep.equal({ minSoft: 37.5, minHard: 25, maxSoft: 180, maxHard: 300 });
    // Volume x cost per unit is each venue's part of the hedge cost.
    const { volumeOverNavYr: v, costPerVolumeBps: c } = m;
    expect(Math.abs(v.spot * c.spot - m.spotTradingBpsYr)).to.be.below(1e-9 * m.spotTradingBpsYr);
    expect(Math.abs(v.perp * c.perp - m.perpFeesAndImpactBpsYr)).to.be.below(1e-9 * Math.abs(m.perpFeesAndImpactBpsYr));
    // The short follows the spot and a shrink buys back only what its sale sells: each venue
    // trades the same volume (within the fills' fees).
    expect(v.perp / v.spot).to.be.within(0.99, 1.01);
  });

  it("prints every configuration, a run's goals measured against (a) only when (a) ran", () => {
    const mm = Number(DEMO_PERP_PARAMS.maintenanceMarginBps);
    const table = renderTable(HEDGE_CONFIGS, new Map([["spot-collateral", spot]]), mm);
    expect(table).to.contain("| (a) cash-recentre | (b) cash-no-trade-region | (c) spot-collateral |");
    expect(table).to.contain("goal >= 1.8x (a): not measured");
    expect(table).to.contain("| rebalances a year (count, by band) | not run | not run |");
    expect(table).to.not.match(/NaN/);
    const withBaseline = renderTable(
      HEDGE_CONFIGS,
      new Map([
        ["cash-recentre", out],
        ["spot-collateral", spot],
      ]),
      mm,
    );
    expect(withBaseline).to.match(/goal >= 1\.8x \(a\): (met|missed)/);
  });
});

describe("hedge bench on a delayed venue: a round settled after the book came back inside its bands", () => {
  // (b) deploys at hour 0 (filled and settled at hour 1). The +11.7% rally at hour 3 takes the
  // margin ratio to 34.3%, under (b)'s 36% soft floor: the round tops the margin up from idle and
  // orders the smaller short. At hour 4 the price is back at $3,250: the books wait inside every
  // band (margin 44.8%, idle 4.4%), so no band asks for the pool, and the settle sells the 1.94 ETH
  // the short no longer covers on it. Brought to the oracle, the pool pays $6,316.73 for it: $3.20
  // under the oracle's $6,319.93, its 5 bps fee and a little slippage. Left at hour 3's $3,350, it
  // would pay about $190 over the oracle, and the hour's move would be booked as a spot-trading gain.
  const prices = [3_000, 3_000, 3_000, 3_350, 3_250, 3_250, 3_250];
  let out: RunOutput;

  before(async function () {
    this.timeout(400_000);
    out = await runOne({ config: "cash-no-trade-region", prices, floorHours: 10, venue: "delayed" });
  });

  it("the margin-low round fills an hour later and settles; the figures reconcile", () => {
    expect(out.rebalanceHours.map((r) => [r.hour, r.band])).to.deep.equal([
      [1, 4], // the deposits' idle round, settled
      [4, 2], // margin-low, settled
    ]);
    const m = out.metrics;
    expect(m.orders.executed).to.equal(2);
    expect(Math.abs(m.partsBps.residual)).to.be.below(0.01);
  });

  it("the settle sells its spot on a pool brought to the oracle: a cost of its 5 bps fee and slippage, not the hour's move", () => {
    const settled = out.rebalanceHours.find((r) => r.hour === 4)!;
    expect(settled.spotCostUsdc).to.be.within(3.16, 3.3); // 5 bps of $6,317 is $3.16
    expect(out.metrics.spotTradingBpsYr).to.be.above(0);
    expect(out.metrics.partsBps.hedgeSpotTrading).to.be.below(0);
  });
});

describe("hedge bench on a delayed venue: two buy-backs cancelled out of their price bound in a row", () => {
  // FIXED (a finding of the replay): (a) deploys at hour 0. The +11.7% at
  // hour 3 breaches the margin-low band; the round puts its idle into margin and orders the
  // buy-back, bound 50 bps over $3,350. At hour 4 ($3,420) it would fill about 0.5% over the oracle
  // (the long trader's skew premium): out of bounds, cancelled, the executor keeps the fee. The
  // keeper settles and submits again, paying the reserve's second fee; at hour 5 ($3,490) that order
  // is cancelled too. The vault then holds no USDC at all, and every later round reverts in its
  // first phase, ERC20InsufficientBalance(vault, 0, 1 USDC) (the execution fee), with the band
  // still breached, until a deposit brings cash: in the 2017-2021 history (a) waited so from hour
  // 472 to 540 (the next deposit). Each settle now refills the two-fee reserve from the margin: a
  // fourth order is submitted, and fills at hour 6.
  const prices = [3_000, 3_000, 3_000, 3_350, 3_420, 3_490, 3_490, 3_490, 3_490];
  let out: RunOutput;

  before(async function () {
    this.timeout(400_000);
    out = await runOne({ config: "cash-recentre", prices, floorHours: 10, venue: "delayed" });
  });

  it("a round still goes through after them: the vault keeps the fee for the next order", () => {
    expect(out.metrics.orders.cancelledOutOfBounds).to.equal(2);
    expect(out.metrics.orders.submitted).to.be.above(3);
    // A round filled and settled after the two cancellations (the old vault had no cash for it;
    // the settle that refilled the reserve took it from the margin, so the round is an idle one).
    expect(out.rebalanceHours.filter((r) => r.hour > 5)).to.have.length.above(0);
  });
});
