import { expect } from "chai";
import { decide } from "../../keeper/decide.js";
import {
  type OrderBook,
  type OrderView,
  type VenueOrder,
  decideOrder,
  describeOrder,
  orderView,
} from "../../keeper/orders.js";
import type { BlockRead } from "../../keeper/chain/reader.js";
import { createLogger } from "../../keeper/ops/log.js";
import { Metrics } from "../../keeper/ops/metrics.js";
import { OrderWatch } from "../../keeper/order-watch.js";
import { thresholdPolicy } from "../../keeper/policies/threshold.js";
import { formatStatusTable } from "../../keeper/status-table.js";
import { Band, Tier } from "../../keeper/types.js";
import { BANDS, CALM_STATE, STRATEGY, WAD } from "./helpers/states.js";

const GWEI = 1_000_000_000n;
const GAS = { baseFeePerGas: 10n * GWEI, priorityFeePerGas: 1n * GWEI, maxFeePerGasCap: 100n * GWEI };
const BOOK: OrderBook = {
  address: "0x0000000000000000000000000000000000000b00",
  minDelay: 5n,
  maxDelay: 10_800n,
  feed: "0xfeed",
};
// Submitted at 1,000; executable from 1,005; expires at 11,800 (the testnet book: 5 s, 3 h).
const ORDER: VenueOrder = {
  pending: true,
  size: (25n * WAD) / 2n,
  increasesShort: true,
  submittedAt: 1_000n,
  expiresAt: 11_800n,
  acceptablePrice: 2_970n * WAD,
  executionFee: 1_000_000n,
};

const phaseAt = (now: bigint, feedUpdatedAt: bigint | undefined, missed = false) =>
  orderView(ORDER, BOOK, now, feedUpdatedAt, missed).phase;

describe("keeper venue orders (pure)", function () {
  describe("orderView: the order's phase mirrors IDelayedOrders.executeOrder", function () {
    const table: [string, bigint, bigint | undefined, boolean, string][] = [
      ["one second before the minimum delay ends", 1_004n, 1_003n, false, "in-min-delay"],
      ["the delay over, the feed's last round before the submission", 1_005n, 990n, false, "awaiting-round"],
      [
        "the delay over, a round in the submission's own second (may precede it)",
        1_005n,
        1_000n,
        false,
        "awaiting-round",
      ],
      ["the delay over, the feed not read", 1_005n, undefined, false, "awaiting-round"],
      ["the delay over and a round after the submission", 1_005n, 1_001n, false, "executable"],
      ["a round before the delay ends: waits the delay", 1_002n, 1_001n, false, "in-min-delay"],
      ["one second before expiry", 11_799n, 1_001n, false, "executable"],
      ["at expiry (the book refuses from expiresAt on)", 11_800n, 1_001n, false, "expired"],
      ["a simulation found its round missed", 1_010n, 1_009n, true, "missed-round"],
      ["missed, then past expiry", 11_800n, 1_009n, true, "expired"],
    ];
    for (const [name, now, feedAt, missed, phase] of table)
      it(name, function () {
        expect(phaseAt(now, feedAt, missed)).to.equal(phase);
      });

    it("a venue without a known book: reported with its expiry, never executable", function () {
      expect(orderView(ORDER, undefined, 1_005n, 1_001n, false).phase).to.equal("no-book");
      expect(orderView(ORDER, undefined, 11_800n, 1_001n, false).phase).to.equal("expired");
    });

    it("age counts from the submission", function () {
      const view = orderView(ORDER, BOOK, 1_040n, 1_001n, false);
      expect(view.ageSeconds).to.equal(40n);
      expect(view.executableAt).to.equal(1_005n);
    });
  });

  describe("describeOrder: one line for status and logs", function () {
    const at = (now: bigint, feedAt?: bigint, missed = false, order = ORDER) =>
      describeOrder(orderView(order, BOOK, now, feedAt, missed), now);
    it("names side, size in whole tokens, age and what it waits for", function () {
      expect(at(1_003n)).to.equal("short +12.5, 3s, executable in 2s");
      expect(at(1_040n, 990n)).to.equal("short +12.5, 40s, awaits the feed's next round");
      expect(at(1_040n, 1_020n)).to.equal("short +12.5, 40s, executable");
      expect(at(1_040n, 1_020n, true)).to.equal("short +12.5, 40s, missed its round, expires in 10760s");
      expect(at(11_900n, 1_020n)).to.equal(
        "short +12.5, 10900s, EXPIRED 100s ago, the vault's settleRound() takes it back",
      );
      expect(at(1_040n, 1_020n, false, { ...ORDER, increasesShort: false, size: 3n * WAD })).to.equal(
        "short -3, 40s, executable",
      );
    });
  });

  describe("decideOrder", function () {
    const view = (now: bigint, feedAt: bigint): OrderView => orderView(ORDER, BOOK, now, feedAt, false);
    const base = { execute: true, gas: GAS, blocksExecutable: 0n, standbyBlocks: 0n };

    it("executes an executable order with the rebalance's fees (min(cap, 2·base + tip))", function () {
      expect(decideOrder({ ...base, view: view(1_010n, 1_001n) })).to.deep.equal({
        action: "execute",
        maxFeePerGas: 21n * GWEI,
        maxPriorityFeePerGas: 1n * GWEI,
      });
    });

    const waits: [string, Partial<Parameters<typeof decideOrder>[0]>, RegExp][] = [
      ["in its delay", { view: view(1_002n, 1_001n) }, /in-min-delay/],
      ["before the round", { view: view(1_010n, 999n) }, /awaiting-round/],
      ["expired", { view: view(11_800n, 1_001n) }, /expired/],
      ["opted out", { view: view(1_010n, 1_001n), execute: false }, /orders\.execute is off/],
      [
        "a standby before its blocks",
        { view: view(1_010n, 1_001n), standbyBlocks: 2n, blocksExecutable: 1n },
        /standby/,
      ],
      [
        "base fee above the cap",
        { view: view(1_010n, 1_001n), gas: { ...GAS, baseFeePerGas: 200n * GWEI } },
        /above cap/,
      ],
    ];
    for (const [name, over, detail] of waits)
      it(`waits: ${name}`, function () {
        const d = decideOrder({ ...base, view: view(1_010n, 1_001n), ...over });
        expect(d.action).to.equal("wait");
        if (d.action === "wait") expect(d.detail).to.match(detail);
      });
  });

  describe("decide() while the venue's order is pending", function () {
    const input = (tier: Tier, pendingOrder?: string) => ({
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
      pendingOrder,
    });
    for (const tier of [Tier.Soft, Tier.Hard])
      it(`skips the rebalance at the ${tier === Tier.Soft ? "soft" : "hard"} tier and says why`, function () {
        const d = decide(input(tier, "short +12.5, 40s, executable"));
        expect(d).to.include({ action: "skip", reason: "order-pending" });
        if (d.action === "skip")
          expect(d.detail).to.match(/venue's order is pending \(short \+12\.5, 40s, executable\).*VenueOrderPending/);
        expect(decide(input(tier)).action).to.equal("rebalance");
      });

    it("a vault within its bands or paused says so first", function () {
      expect(decide({ ...input(Tier.Soft, "x"), state: CALM_STATE })).to.include({ reason: "within-bands" });
      expect(decide({ ...input(Tier.Hard, "x"), state: { ...input(Tier.Hard).state, paused: true } })).to.include({
        reason: "paused",
      });
    });
  });

  it("OrderWatch: the feed moving past the first round after the submission marks the order missed; a lower round id does not", function () {
    const watch = new OrderWatch("v0", createLogger("silent"), new Metrics());
    watch.setVenue("0x0000000000000000000000000000000000000a0a");
    watch.setBook(BOOK);
    const at = (block: bigint, roundId: bigint, updatedAt: bigint) => {
      const read = {
        block: { number: block, timestamp: 1_010n + block, baseFeePerGas: 0n, parentHash: "0x" },
        feedRounds: new Map([[BOOK.feed, { roundId, updatedAt }]]),
      } as unknown as BlockRead;
      watch.observe({ order: ORDER }, read);
      return watch.view?.phase;
    };
    expect(at(1n, 7n, 990n)).to.equal("awaiting-round"); // the round before the submission
    expect(at(2n, 8n, 1_008n)).to.equal("executable"); // its round
    expect(at(3n, 7n, 1_001n)).to.equal("executable"); // a replaced block's lower round: taken as the first again
    expect(at(4n, 7n, 1_001n)).to.equal("executable");
    expect(at(5n, 8n, 1_008n)).to.equal("missed-round"); // a later round than the first
    expect(at(6n, 8n, 1_008n)).to.equal("missed-round");
  });

  it("status table: a venue order column, '-' with none, 'unreadable' when its read failed", function () {
    const row = { name: "v0", address: "0x1", policy: "threshold" };
    const table = formatStatusTable(
      [
        { ...row, order: "short +12.5, 40s, executable" },
        { ...row, name: "v1" },
        { ...row, name: "v2", orderError: "pendingOrder() failed" },
      ],
      7n,
    );
    const lines = table.split("\n");
    expect(lines[1]).to.match(/venue order/);
    expect(lines[3]).to.include("short +12.5, 40s, executable");
    expect(lines[4]).to.match(/\s-\s+-\s+-$/); // no venue order, no round read, no decision
    expect(lines[5]).to.match(/unreadable/);
  });
});
