/**
 * The policies pinned at every threshold: exactly on each band and widened band, and one unit
 * either side; and price histories longer than the policy's window, so a policy that reads the
 * wrong end of its history fails.
 */
import { expect } from "chai";
import { timePolicy } from "../../keeper/policies/time.js";
import {
  type VolatilityPolicyParams,
  realisedVolPpm,
  volatilityPolicy,
  widenBps,
  widenedSoftBreach,
} from "../../keeper/policies/volatility.js";
import { Band, Tier, UINT256_MAX, type VaultState } from "../../keeper/types.js";
import { BANDS, CALM_STATE, STRATEGY, WAD } from "./helpers/states.js";

const state = (s: Partial<VaultState>): VaultState => ({ ...CALM_STATE, ...s });

describe("keeper policies at their thresholds", function () {
  // w = 0: the soft bands as the chain has them; w = 5000: halfway to the hard bands.
  // [name, state, breached band at w = 0, breached band at w = 5000]
  const table: [string, Partial<VaultState>, number, number][] = [
    ["margin ratio exactly at the soft floor (8000)", { marginRatioBps: 8_000n }, Band.None, Band.None],
    ["margin ratio one below the soft floor", { marginRatioBps: 7_999n }, Band.MarginLow, Band.None],
    ["margin ratio exactly at the widened floor (7000)", { marginRatioBps: 7_000n }, Band.MarginLow, Band.None],
    ["margin ratio one below the widened floor", { marginRatioBps: 6_999n }, Band.MarginLow, Band.MarginLow],
    ["delta exactly at the soft band (+200)", { deltaBps: 200n }, Band.None, Band.None],
    ["delta one above the soft band", { deltaBps: 201n }, Band.Delta, Band.None],
    ["delta one below minus the soft band", { deltaBps: -201n }, Band.Delta, Band.None],
    ["delta exactly at the widened band (-350)", { deltaBps: -350n }, Band.Delta, Band.None],
    ["delta one beyond the widened band (-351)", { deltaBps: -351n }, Band.Delta, Band.Delta],
    ["margin ratio exactly at the soft ceiling (13000)", { marginRatioBps: 13_000n }, Band.None, Band.None],
    ["margin ratio one above the soft ceiling", { marginRatioBps: 13_001n }, Band.MarginHigh, Band.None],
    ["margin ratio exactly at the widened ceiling (14500)", { marginRatioBps: 14_500n }, Band.MarginHigh, Band.None],
    ["margin ratio one above the widened ceiling", { marginRatioBps: 14_501n }, Band.MarginHigh, Band.MarginHigh],
    [
      "no short: an infinite margin ratio is no margin-high breach",
      { shortQty: 0n, marginRatioBps: UINT256_MAX },
      Band.None,
      Band.None,
    ],
    [
      "a dust short (the vault reports the largest ratio: no margin band) is no margin-high breach either",
      { shortQty: 3n * 10n ** 8n, marginRatioBps: UINT256_MAX },
      Band.None,
      Band.None,
    ],
    ["idle excess exactly at the soft band (200 + 500)", { idleBps: 700n }, Band.None, Band.None],
    ["idle excess one above the soft band", { idleBps: 701n }, Band.Idle, Band.None],
    ["idle excess exactly at the widened band (200 + 750)", { idleBps: 950n }, Band.Idle, Band.None],
    ["idle excess one above the widened band", { idleBps: 951n }, Band.Idle, Band.Idle],
  ];
  for (const [name, s, atZero, atHalf] of table)
    it(name, function () {
      expect(widenedSoftBreach(state(s), BANDS, STRATEGY, 0n), "w = 0").to.equal(atZero);
      expect(widenedSoftBreach(state(s), BANDS, STRATEGY, 5_000n), "w = 5000").to.equal(atHalf);
    });

  describe("widening between calm and storm", function () {
    const p: VolatilityPolicyParams = { window: 8, calmVolBps: 20n, stormVolBps: 200n, maxWidenBps: 5_000n };
    const table: [bigint, bigint][] = [
      [2_000n, 0n], // exactly calm (20 bps = 2000 ppm)
      [2_001n, 0n], // one ppm above calm: 5000·1/18000 rounds down
      [2_004n, 1n], // the first ppm that widens
      [11_000n, 2_500n], // halfway
      [19_999n, 4_999n], // one ppm below storm
      [20_000n, 5_000n], // exactly storm
      [20_001n, 5_000n], // beyond storm: capped
    ];
    for (const [vol, w] of table)
      it(`volatility ${vol} ppm widens by ${w} bps`, function () {
        expect(widenBps(vol, p)).to.equal(w);
      });
  });

  describe("histories longer than the window", function () {
    const policy = volatilityPolicy({ window: 4, calmVolBps: 20n, stormVolBps: 200n, maxWidenBps: 5_000n });
    const stormy = [3_000n, 3_090n, 2_997n, 3_087n, 2_994n, 3_084n].map((p) => p * WAD);
    const calm = [3_000n, 3_001n, 3_000n, 3_001n].map((p) => p * WAD);
    const soft = state({ band: Band.MarginLow, tier: Tier.Soft, marginRatioBps: 7_500n });
    const ctx = (prices: bigint[]) => ({ state: soft, bands: BANDS, strategy: STRATEGY, now: 0n, prices });

    it("an old storm followed by calm prices: only the last window counts, so it acts", function () {
      expect(realisedVolPpm(stormy)).to.be.greaterThan(20_000n);
      expect(policy.evaluate(ctx([...stormy, ...calm])).act).to.equal(true);
    });

    it("calm prices followed by a recent storm: the storm widens the band, so it waits", function () {
      expect(policy.evaluate(ctx([...calm, ...calm, ...stormy])).act).to.equal(false);
    });
  });

  describe("time policy", function () {
    const policy = timePolicy({ minIntervalSeconds: 86_400n });
    const ctx = (secondsSinceRebalance: bigint) => ({
      state: state({ band: Band.Delta, tier: Tier.Soft, deltaBps: 300n, secondsSinceRebalance }),
      bands: BANDS,
      strategy: STRATEGY,
      now: 0n,
      prices: [],
    });
    for (const [since, act] of [
      [86_399n, false],
      [86_400n, true],
      [86_401n, true],
    ] as const)
      it(`${since}s after the last rebalance: ${act ? "acts" : "waits"}`, function () {
        expect(policy.evaluate(ctx(since)).act).to.equal(act);
      });
  });
});
