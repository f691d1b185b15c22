import { expect } from "chai";
import { decide } from "../../keeper/decide.js";
import type { OrderBook, VenueOrder } from "../../keeper/orders.js";
import { thresholdPolicy } from "../../keeper/policies/threshold.js";
import { decideSettle, describeRound, roundView } from "../../keeper/rounds.js";
import { formatStatusTable } from "../../keeper/status-table.js";
import { Band, type PendingRound, Tier } from "../../keeper/types.js";
import { BANDS, CALM_STATE, STRATEGY, WAD } from "./helpers/states.js";

const GWEI = 1_000_000_000n;
const GAS = { baseFeePerGas: 10n * GWEI, priorityFeePerGas: 1n * GWEI, maxFeePerGasCap: 100n * GWEI };
const BOOK: OrderBook = {
  address: "0x0000000000000000000000000000000000000b00",
  minDelay: 5n,
  maxDelay: 10_800n,
  feed: "0xfeed",
};
// Submitted at 1,000 with its order; the order expires at 11,800 (the testnet book: 5 s, 3 h).
const ROUND: PendingRound = {
  submittedAt: 1_000n,
  band: Band.Idle,
  tier: Tier.Soft,
  increasesShort: true,
  emergencyClose: false,
  totalAssetsBefore: 100_000n * 10n ** 6n,
  shortTarget: 30n * WAD,
  marginTarget: 30_000n * 10n ** 6n,
};
const ORDER: VenueOrder = {
  pending: true,
  size: 30n * WAD,
  increasesShort: true,
  submittedAt: 1_000n,
  expiresAt: 11_800n,
  acceptablePrice: 2_970n * WAD,
  executionFee: 1_000_000n,
};
const GONE: VenueOrder = { ...ORDER, pending: false, size: 0n, submittedAt: 0n, expiresAt: 0n };

describe("keeper vault rounds (pure)", function () {
  describe("roundView: settleable exactly when IDeltaNeutralVault.settleRound goes through", function () {
    const table: [string, VenueOrder | undefined, bigint, string][] = [
      ["its order waits at the book", ORDER, 1_040n, "awaiting-fill"],
      ["one second before the order's expiry", ORDER, 11_799n, "awaiting-fill"],
      ["at the order's expiry (the vault's rule is inclusive)", ORDER, 11_800n, "order-expired"],
      ["its order left the book (executed or cancelled by it)", GONE, 1_040n, "settleable"],
      ["the venue's order unreadable: not settled blind", undefined, 11_900n, "order-unread"],
    ];
    for (const [name, order, now, phase] of table)
      it(name, function () {
        expect(roundView(ROUND, order, BOOK, now).phase).to.equal(phase);
      });

    it("the expiry: the venue's while it holds the order, else the submission plus the book's max delay", function () {
      expect(roundView(ROUND, ORDER, BOOK, 1_040n)).to.include({ ageSeconds: 40n, expiresAt: 11_800n });
      expect(roundView(ROUND, GONE, BOOK, 1_040n).expiresAt).to.equal(11_800n);
      expect(roundView(ROUND, GONE, undefined, 1_040n).expiresAt).to.equal(undefined);
    });
  });

  it("describeRound: one line for status and logs", function () {
    expect(describeRound(roundView(ROUND, ORDER, BOOK, 1_040n), 1_040n)).to.equal(
      "pending 40s, Idle Soft, increase, awaiting fill",
    );
    expect(describeRound(roundView(ROUND, GONE, BOOK, 1_040n), 1_040n)).to.equal(
      "pending 40s, Idle Soft, increase, settleable (order left the book)",
    );
    const close = { ...ROUND, band: Band.None, tier: Tier.None, increasesShort: false, emergencyClose: true };
    expect(describeRound(roundView(close, ORDER, BOOK, 11_900n), 11_900n)).to.equal(
      "pending 10900s, emergency close, decrease, order expired 100s ago, settleable (fee refunded)",
    );
  });

  describe("decideSettle", function () {
    const settleable = roundView(ROUND, GONE, BOOK, 1_040n);
    it("settles a settleable round under the gas cap, with the rebalance's fee rule", function () {
      expect(decideSettle({ view: settleable, gas: GAS, blocksSettleable: 0n, standbyBlocks: 0n })).to.deep.equal({
        action: "settle",
        maxFeePerGas: 21n * GWEI,
        maxPriorityFeePerGas: 1n * GWEI,
      });
    });
    const waits: [string, Parameters<typeof decideSettle>[0], RegExp][] = [
      [
        "its order still waits",
        { view: roundView(ROUND, ORDER, BOOK, 1_040n), gas: GAS, blocksSettleable: 0n, standbyBlocks: 0n },
        /awaiting-fill/,
      ],
      [
        "a standby instance, inside its delay",
        { view: settleable, gas: GAS, blocksSettleable: 1n, standbyBlocks: 2n },
        /standby/,
      ],
      [
        "the base fee above the cap",
        { view: settleable, gas: { ...GAS, baseFeePerGas: 200n * GWEI }, blocksSettleable: 0n, standbyBlocks: 0n },
        /above cap/,
      ],
    ];
    for (const [name, input, detail] of waits)
      it(`waits: ${name}`, function () {
        const d = decideSettle(input);
        expect(d.action).to.equal("wait");
        if (d.action === "wait") expect(d.detail).to.match(detail);
      });
  });

  describe("decide() while the vault's round is pending", function () {
    const input = (tier: Tier, pendingRound?: string) => ({
      state: { ...CALM_STATE, band: Band.MarginLow, tier, marginRatioBps: tier === Tier.Hard ? 5_500n : 7_500n },
      bands: BANDS,
      strategy: STRATEGY,
      policy: thresholdPolicy(),
      prices: [],
      gas: GAS,
      now: 2_000n,
      isKeeper: true,
      blocksSinceBreach: 0n,
      standbyBlocks: 0n,
      edgeWaitSeconds: 0n,
      pendingRound,
    });
    for (const tier of [Tier.Soft, Tier.Hard])
      it(`never rebalances at the ${tier === Tier.Soft ? "soft" : "hard"} tier, and says why`, function () {
        const d = decide(input(tier, "pending 40s, Idle Soft, increase, settleable (order left the book)"));
        expect(d).to.include({ action: "skip", reason: "round-pending" });
        if (d.action === "skip") expect(d.detail).to.match(/round is pending \(pending 40s, .*\).*until it is settled/);
        expect(decide(input(tier)).action).to.equal("rebalance");
      });
  });

  it("status table: a vault round column beside the venue order: the round, 'none', '-' unread, 'unreadable'", function () {
    const row = { name: "v0", address: "0x1", policy: "threshold" };
    const round = "pending 40s, Idle Soft, increase, awaiting fill";
    const table = formatStatusTable(
      [
        { ...row, order: "short +30, 40s, executable in 2s", round },
        { ...row, name: "v1", round: "none" },
        { ...row, name: "v2" },
        { ...row, name: "v3", roundError: "pendingRound() failed" },
      ],
      7n,
    );
    const lines = table.split("\n");
    expect(lines[1]).to.match(/venue order\s+vault round\s+decision$/);
    expect(lines[3]).to.include(`short +30, 40s, executable in 2s  ${round}`);
    expect(lines[4]).to.match(/\s-\s+none\s+-$/);
    expect(lines[5]).to.match(/\s-\s+-\s+-$/);
    expect(lines[6]).to.match(/\s-\s+unreadable\s+-$/);
  });
});
