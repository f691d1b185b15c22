/** The page's chart markup: points scaled into the frame, labels escaped. */
import { expect } from "chai";
import { renderChart } from "../../app/src/chart.js";

const points = [
  { timestamp: 0, sharePrice: 1, spotPrice: 3_000 },
  { timestamp: 3_600, sharePrice: 1.0001, spotPrice: 2_700, rebalanced: true },
  { timestamp: 7_200, sharePrice: 1.0002, spotPrice: 3_300 },
];

describe("Depositor app: chart", function () {
  it("escapes a hostile token symbol instead of inserting markup", function () {
    const svg = renderChart(points, { share: '<img src=x onerror="alert(1)">', spot: "USD" });
    expect(svg).to.not.contain("<img");
    expect(svg).to.contain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("draws both series inside the frame and describes them in words", function () {
    const svg = renderChart(points, { share: "USDC", spot: "USD" });
    const coords = [...svg.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(coords).to.have.length(6);
    for (const [x, y] of coords) {
      expect(x).to.be.within(0, 640);
      expect(y).to.be.within(0, 260);
    }
    expect(svg).to.contain("3 points over 2.0 hours");
    expect(svg.match(/<circle /g)).to.have.length(1); // the one rebalance, marked
    expect(svg).to.contain("● rebalance");
    expect(svg).to.contain("spot price from 3,000.00 to 3,300.00 USD");
  });

  it("waits for two events before drawing", function () {
    expect(renderChart(points.slice(0, 1), { share: "USDC", spot: "USD" })).to.match(
      /appears after the vault's second event/,
    );
  });
});
