import { expect } from "chai";
import { decide, type DecideInput } from "../../keeper/decide.js";
import { createPolicy } from "../../keeper/policies/index.js";
import { thresholdPolicy } from "../../keeper/policies/threshold.js";
import { timePolicy } from "../../keeper/policies/time.js";
import { isqrt, realisedVolPpm, volatilityPolicy, widenBps } from "../../keeper/policies/volatility.js";
import { Band, Tier, UINT256_MAX, type VaultState } from "../../keeper/types.js";
import { BANDS, CALM_STATE, STRATEGY, WAD } from "./helpers/states.js";

const GWEI = 1_000_000_000n;

type Over = Omit<Partial<DecideInput>, "state"> & { state?: Partial<VaultState> };

function input(over: Over = {}): DecideInput {
  const { state, ...rest } = over;
  return {
    state: { ...CALM_STATE, ...state },
    bands: BANDS,
    strategy: STRATEGY,
    policy: thresholdPolicy(),
    prices: [],
    gas: { baseFeePerGas: 10n * GWEI, priorityFeePerGas: 1n * GWEI, maxFeePerGasCap: 100n * GWEI },
    now: 2_000n,
    isKeeper: true,
    blocksSinceBreach: 0n,
    standbyBlocks: 0n,
    edgeWaitSeconds: 15n,
    ...rest,
  };
}

const softMarginLow = { band: Band.MarginLow, tier: Tier.Soft, marginRatioBps: 7_500n };
const hardMarginLow = { band: Band.MarginLow, tier: Tier.Hard, marginRatioBps: 5_500n };

describe("keeper decide()", function () {
  describe("mirrors the on-chain gate", function () {
    const table: [string, Over, string][] = [
      ["calm state", {}, "skip:within-bands"],
      ["paused, even at the hard tier", { state: { ...hardMarginLow, paused: true } }, "skip:paused"],
      ["soft breach, keeper, interval passed", { state: softMarginLow }, "rebalance"],
      ["soft breach exactly at nextKeeperRebalanceAt", { state: softMarginLow, now: 1_000n }, "rebalance"],
      ["soft breach one second early", { state: softMarginLow, now: 999n }, "skip:too-soon"],
      ["soft breach without the KEEPER role", { state: softMarginLow, isKeeper: false }, "skip:needs-keeper-role"],
      ["hard breach without the KEEPER role", { state: hardMarginLow, isKeeper: false }, "rebalance"],
      ["hard breach before the keeper interval", { state: hardMarginLow, now: 10n }, "rebalance"],
      ["soft delta breach", { state: { band: Band.Delta, tier: Tier.Soft, deltaBps: -250n } }, "rebalance"],
      ["soft idle breach", { state: { band: Band.Idle, tier: Tier.Soft, idleBps: 800n } }, "rebalance"],
      [
        "margin high hard breach",
        { state: { band: Band.MarginHigh, tier: Tier.Hard, marginRatioBps: 17_000n } },
        "rebalance",
      ],
    ];
    for (const [name, over, expected] of table) {
      it(name, function () {
        const d = decide(input(over));
        expect(d.action === "skip" ? `skip:${d.reason}` : d.action).to.equal(expected);
      });
    }
  });

  describe("gas", function () {
    const table: [string, bigint, bigint, bigint, string, bigint?, bigint?][] = [
      // name, baseFee, priority, cap, expected, maxFee, maxPriority
      ["2x base fee plus tip under the cap", 10n * GWEI, GWEI, 100n * GWEI, "rebalance", 21n * GWEI, GWEI],
      ["clamped to the cap", 60n * GWEI, GWEI, 100n * GWEI, "rebalance", 100n * GWEI, GWEI],
      ["base fee exactly at the cap", 100n * GWEI, GWEI, 100n * GWEI, "rebalance", 100n * GWEI, GWEI],
      ["base fee one wei above the cap", 100n * GWEI + 1n, GWEI, 100n * GWEI, "skip:gas-price-above-cap"],
      ["tip larger than the cap is clamped", 0n, 5n * GWEI, 2n * GWEI, "rebalance", 2n * GWEI, 2n * GWEI],
    ];
    for (const [name, baseFeePerGas, priorityFeePerGas, maxFeePerGasCap, expected, maxFee, maxPrio] of table) {
      it(name, function () {
        const d = decide(input({ state: hardMarginLow, gas: { baseFeePerGas, priorityFeePerGas, maxFeePerGasCap } }));
        expect(d.action === "skip" ? `skip:${d.reason}` : d.action).to.equal(expected);
        if (d.action === "rebalance") {
          expect(d.maxFeePerGas).to.equal(maxFee);
          expect(d.maxPriorityFeePerGas).to.equal(maxPrio);
        }
      });
    }
  });

  describe("the venue's oracle-edge window", function () {
    const table: [string, Over, string][] = [
      ["soft breach, feed 14 s old", { state: softMarginLow, oracleAgeSeconds: 14n }, "skip:oracle-edge"],
      ["soft breach, feed exactly 15 s old", { state: softMarginLow, oracleAgeSeconds: 15n }, "rebalance"],
      ["soft breach, feed age unknown", { state: softMarginLow }, "rebalance"],
      ["hard breach acts at once", { state: hardMarginLow, oracleAgeSeconds: 0n }, "rebalance"],
      ["wait 0 acts at once", { state: softMarginLow, oracleAgeSeconds: 0n, edgeWaitSeconds: 0n }, "rebalance"],
    ];
    for (const [name, over, expected] of table) {
      it(name, function () {
        const d = decide(input(over));
        expect(d.action === "skip" ? `skip:${d.reason}` : d.action).to.equal(expected);
      });
    }
  });

  describe("standby instances", function () {
    const table: [bigint, bigint, string][] = [
      [0n, 0n, "rebalance"],
      [2n, 0n, "skip:standby"],
      [2n, 1n, "skip:standby"],
      [2n, 2n, "rebalance"],
    ];
    for (const [standbyBlocks, blocksSinceBreach, expected] of table) {
      it(`standby ${standbyBlocks}, breach seen ${blocksSinceBreach} blocks → ${expected}`, function () {
        const d = decide(input({ state: hardMarginLow, standbyBlocks, blocksSinceBreach }));
        expect(d.action === "skip" ? `skip:${d.reason}` : d.action).to.equal(expected);
      });
    }
  });

  describe("time policy", function () {
    const policy = timePolicy({ minIntervalSeconds: 86_400n });
    const table: [string, Partial<VaultState>, string][] = [
      ["soft breach too soon for the policy", { ...softMarginLow, secondsSinceRebalance: 86_399n }, "skip:policy"],
      ["soft breach at the policy interval", { ...softMarginLow, secondsSinceRebalance: 86_400n }, "rebalance"],
      ["hard breach ignores the policy", { ...hardMarginLow, secondsSinceRebalance: 1n }, "rebalance"],
    ];
    for (const [name, state, expected] of table) {
      it(name, function () {
        const d = decide(input({ state, policy }));
        expect(d.action === "skip" ? `skip:${d.reason}` : d.action).to.equal(expected);
      });
    }
  });

  describe("volatility policy", function () {
    const policy = volatilityPolicy({ window: 8, calmVolBps: 20n, stormVolBps: 200n, maxWidenBps: 5_000n });
    const calm = [3_000n, 3_001n, 3_000n, 3_001n].map((p) => p * WAD);
    // ±3% swings: far above stormVolBps, soft thresholds move halfway to hard (margin low 8000 → 7000).
    const stormy = [3_000n, 3_090n, 2_997n, 3_087n, 2_994n].map((p) => p * WAD);
    const table: [string, readonly bigint[], Partial<VaultState>, string][] = [
      ["calm prices: same as threshold", calm, softMarginLow, "rebalance"],
      ["no history: same as threshold", [], softMarginLow, "rebalance"],
      ["stormy, soft breach inside the widened band", stormy, softMarginLow, "skip:policy"],
      [
        "stormy, soft breach beyond the widened band",
        stormy,
        { ...softMarginLow, marginRatioBps: 6_900n },
        "rebalance",
      ],
      ["stormy, hard breach always acts", stormy, hardMarginLow, "rebalance"],
      [
        "stormy, delta inside widened band (350 bps)",
        stormy,
        { band: Band.Delta, tier: Tier.Soft, deltaBps: -340n },
        "skip:policy",
      ],
      ["stormy, delta beyond widened band", stormy, { band: Band.Delta, tier: Tier.Soft, deltaBps: 351n }, "rebalance"],
      [
        "stormy, idle excess beyond widened band (750)",
        stormy,
        { band: Band.Idle, tier: Tier.Soft, idleBps: 200n + 751n },
        "rebalance",
      ],
      [
        "stormy, margin high inside widened band (14500)",
        stormy,
        { band: Band.MarginHigh, tier: Tier.Soft, marginRatioBps: 14_000n },
        "skip:policy",
      ],
    ];
    for (const [name, prices, state, expected] of table) {
      it(name, function () {
        const d = decide(input({ state, policy, prices }));
        expect(d.action === "skip" ? `skip:${d.reason}` : d.action).to.equal(expected);
      });
    }

    it("measures realised volatility in bigint (RMS return, ppm)", function () {
      expect(realisedVolPpm([])).to.equal(0n);
      expect(realisedVolPpm([WAD])).to.equal(0n);
      expect(realisedVolPpm([100n * WAD, 101n * WAD])).to.equal(10_000n); // +1%
      expect(realisedVolPpm([100n * WAD, 101n * WAD, 100n * WAD])).to.equal(isqrt((10_000n ** 2n + 9_900n ** 2n) / 2n));
    });

    it("widens linearly between calm and storm", function () {
      const p = { window: 8, calmVolBps: 20n, stormVolBps: 220n, maxWidenBps: 5_000n };
      expect(widenBps(2_000n, p)).to.equal(0n);
      expect(widenBps(12_000n, p)).to.equal(2_500n);
      expect(widenBps(22_000n, p)).to.equal(5_000n);
      expect(widenBps(10n ** 9n, p)).to.equal(5_000n);
    });

    it("isqrt is the floor square root", function () {
      for (const [n, r] of [
        [0n, 0n],
        [1n, 1n],
        [3n, 1n],
        [4n, 2n],
        [10n ** 36n, 10n ** 18n],
        [10n ** 36n - 1n, 10n ** 18n - 1n],
      ])
        expect(isqrt(n)).to.equal(r);
    });
  });

  it("a policy can never make a calm vault act", function () {
    for (const policy of [
      thresholdPolicy(),
      timePolicy({ minIntervalSeconds: 0n }),
      volatilityPolicy({ window: 4, calmVolBps: 1n, stormVolBps: 2n, maxWidenBps: 0n }),
    ]) {
      const d = decide(input({ policy, state: { marginRatioBps: 100n, tier: Tier.None } }));
      expect(d.action).to.equal("skip");
    }
  });

  it("no short: the margin ratio is uint256 max and never reads as a breach", function () {
    const policy = volatilityPolicy({ window: 8, calmVolBps: 1n, stormVolBps: 2n, maxWidenBps: 5_000n });
    const prices = [100n * WAD, 110n * WAD, 100n * WAD];
    const d = decide(
      input({
        policy,
        prices,
        state: { band: Band.Idle, tier: Tier.Soft, shortQty: 0n, marginRatioBps: UINT256_MAX, idleBps: 900n },
      }),
    );
    expect(d.action === "skip" ? d.reason : d.action).to.equal("policy"); // idle excess 700 < widened 750
  });

  it("the policy factory fails on an unknown name", function () {
    expect(() => createPolicy({ kind: "yolo" } as never)).to.throw(/unknown policy "yolo"/);
  });
});
