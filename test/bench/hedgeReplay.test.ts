import { expect } from "chai";
import { DEMO_PERP_PARAMS } from "../../demo/simulate.js";
import { HEDGE_CONFIGS } from "../../bench/hedge/configs.js";
import { runOne, type RunOutput } from "../../bench/hedge/run.js";
import { renderTable } from "../../bench/hedge/table.js";

describe("hedge bench: a seven-hour path through the real contracts and keeper", () => {
  // Flat, a +20% rally (margin ratio 50% -> 25%: below the 35% soft band), flat, a -25% fall
  // (margin piles up above the 70% soft band), back up.
  const prices = [3_000, 3_000, 3_600, 3_600, 2_700, 2_700, 3_000];
  let out: RunOutput;

  before(async function () {
    this.timeout(120_000);
    out = await runOne({ config: "cash-recentre", prices, floorHours: 10 });
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

  it("prints the configurations this build cannot run as such, with their goals unmeasured", () => {
    const table = renderTable(
      HEDGE_CONFIGS,
      new Map([["cash-recentre", out]]),
      Number(DEMO_PERP_PARAMS.maintenanceMarginBps),
    );
    expect(table).to.contain("| (a) cash-recentre | (b) cash-no-trade-region | (c) spot-collateral |");
    expect(table).to.contain("not available in this build; goal <= 5: not measured");
    expect(table).to.not.match(/NaN/);
  });
});
