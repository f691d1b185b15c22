import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();

const HEARTBEAT = 3_600;
const GRACE = 3_600;
const ZERO = ethers.ZeroAddress;

async function deployFixture() {
  const harness = await ethers.deployContract("OracleLibHarness");
  const feed8 = await ethers.deployContract("MockV3Aggregator", [8, 3_000_00000000n]);
  const feed18 = await ethers.deployContract("MockV3Aggregator", [18, 3_000n * 10n ** 18n]);
  const now = BigInt(await networkHelpers.time.latest());
  const sequencer = await ethers.deployContract("SequencerUptimeFeedMock", [0, now - 2n * BigInt(GRACE)]);
  return { harness, feed8, feed18, sequencer };
}

describe("OracleLib", function () {
  describe("readPriceWad", function () {
    it("normalises an 8-decimal feed to a WAD", async function () {
      const { harness, feed8 } = await networkHelpers.loadFixture(deployFixture);
      expect(await harness.readPriceWad(feed8, HEARTBEAT, ZERO, 0)).to.equal(3_000n * 10n ** 18n);
    });

    it("passes an 18-decimal feed through unchanged", async function () {
      const { harness, feed18 } = await networkHelpers.loadFixture(deployFixture);
      await feed18.updateAnswer(1_234_567_890_123_456_789n);
      expect(await harness.readPriceWad(feed18, HEARTBEAT, ZERO, 0)).to.equal(1_234_567_890_123_456_789n);
    });

    for (const answer of [0n, -1n, -3_000_00000000n]) {
      it(`rejects a non-positive answer (${answer})`, async function () {
        const { harness, feed8 } = await networkHelpers.loadFixture(deployFixture);
        await feed8.updateAnswer(answer);
        await expect(harness.readPriceWad(feed8, HEARTBEAT, ZERO, 0))
          .to.be.revertedWithCustomError(harness, "OracleNonPositivePrice")
          .withArgs(await feed8.getAddress(), answer);
      });
    }

    it("accepts a round exactly one heartbeat old and rejects one a second older", async function () {
      const { harness, feed8 } = await networkHelpers.loadFixture(deployFixture);
      const [, , , updatedAt] = await feed8.latestRoundData();
      await networkHelpers.time.setNextBlockTimestamp(updatedAt + BigInt(HEARTBEAT));
      await networkHelpers.mine();
      expect(await harness.readPriceWad(feed8, HEARTBEAT, ZERO, 0)).to.equal(3_000n * 10n ** 18n);
      await networkHelpers.mine(1, { interval: 1 });
      const now = BigInt(await networkHelpers.time.latest());
      await expect(harness.readPriceWad(feed8, HEARTBEAT, ZERO, 0))
        .to.be.revertedWithCustomError(harness, "OracleStalePrice")
        .withArgs(await feed8.getAddress(), updatedAt, HEARTBEAT, now);
    });

    it("rejects an incomplete round (no timestamp)", async function () {
      const { harness, feed8 } = await networkHelpers.loadFixture(deployFixture);
      await feed8.updateRoundData(7, 3_000_00000000n, 0, 0);
      await expect(harness.readPriceWad(feed8, HEARTBEAT, ZERO, 0))
        .to.be.revertedWithCustomError(harness, "OracleIncompleteRound")
        .withArgs(await feed8.getAddress(), 7, 0);
    });

    it("rejects a round stamped in the future", async function () {
      const { harness, feed8 } = await networkHelpers.loadFixture(deployFixture);
      const future = BigInt(await networkHelpers.time.latest()) + 1_000n;
      await feed8.updateRoundData(9, 3_000_00000000n, future, future);
      await expect(harness.readPriceWad(feed8, HEARTBEAT, ZERO, 0))
        .to.be.revertedWithCustomError(harness, "OracleIncompleteRound")
        .withArgs(await feed8.getAddress(), 9, future);
    });

    it("reads through an up sequencer past its grace period", async function () {
      const { harness, feed8, sequencer } = await networkHelpers.loadFixture(deployFixture);
      expect(await harness.readPriceWad(feed8, HEARTBEAT, sequencer, GRACE)).to.equal(3_000n * 10n ** 18n);
    });

    it("rejects when the sequencer is down", async function () {
      const { harness, feed8, sequencer } = await networkHelpers.loadFixture(deployFixture);
      await sequencer.setStatus(1, await networkHelpers.time.latest());
      await expect(harness.readPriceWad(feed8, HEARTBEAT, sequencer, GRACE))
        .to.be.revertedWithCustomError(harness, "SequencerDown")
        .withArgs(await sequencer.getAddress());
    });

    it("rejects until the grace period after a sequencer restart is over", async function () {
      const { harness, feed8, sequencer } = await networkHelpers.loadFixture(deployFixture);
      const restartedAt = BigInt(await networkHelpers.time.latest());
      await sequencer.setStatus(0, restartedAt);
      await feed8.updateAnswer(3_000_00000000n); // keep the price fresh while time passes
      await expect(harness.readPriceWad(feed8, HEARTBEAT, sequencer, GRACE))
        .to.be.revertedWithCustomError(harness, "SequencerGracePeriodNotOver")
        .withArgs(await sequencer.getAddress(), restartedAt, GRACE);
      await networkHelpers.time.increaseTo(restartedAt + BigInt(GRACE) + 1n);
      await feed8.updateAnswer(3_000_00000000n);
      expect(await harness.readPriceWad(feed8, HEARTBEAT, sequencer, GRACE)).to.equal(3_000n * 10n ** 18n);
    });

    it("rejects a sequencer feed that has no round yet", async function () {
      const { harness, feed8, sequencer } = await networkHelpers.loadFixture(deployFixture);
      await sequencer.setStatus(0, 0);
      await expect(harness.readPriceWad(feed8, HEARTBEAT, sequencer, GRACE))
        .to.be.revertedWithCustomError(harness, "SequencerGracePeriodNotOver")
        .withArgs(await sequencer.getAddress(), 0, GRACE);
    });

    it("rejects a feed with more than 18 decimals", async function () {
      const { harness } = await networkHelpers.loadFixture(deployFixture);
      const feed24 = await ethers.deployContract("MockV3Aggregator", [24, 10n ** 24n]);
      await expect(harness.readPriceWad(feed24, HEARTBEAT, ZERO, 0))
        .to.be.revertedWithCustomError(harness, "DecimalsTooLarge")
        .withArgs(24);
    });
  });

  describe("conversions across feed and token decimals", function () {
    // price 3000.5 USD per whole base token, as a WAD, from either feed precision.
    const cases = [
      { feedDecimals: 8, answer: 3_000_50000000n },
      { feedDecimals: 18, answer: 3_000_500000000000000000n },
    ];
    const tokens = [
      { base: 18, quote: 6, baseAmount: 2n * 10n ** 18n + 1n, quoteDown: 6_001_000000n, quoteUp: 6_001_000001n },
      {
        base: 6,
        quote: 18,
        baseAmount: 2_000001n,
        quoteDown: 6_001_003000500000000000n,
        quoteUp: 6_001_003000500000000000n,
      },
      {
        base: 18,
        quote: 18,
        baseAmount: 10n ** 18n,
        quoteDown: 3_000_500000000000000000n,
        quoteUp: 3_000_500000000000000000n,
      },
      { base: 6, quote: 6, baseAmount: 1n, quoteDown: 3_000n, quoteUp: 3_001n },
    ];
    for (const feed of cases) {
      for (const t of tokens) {
        it(`feed ${feed.feedDecimals} dec, base ${t.base} dec, quote ${t.quote} dec`, async function () {
          const { harness } = await networkHelpers.loadFixture(deployFixture);
          const aggregator = await ethers.deployContract("MockV3Aggregator", [feed.feedDecimals, feed.answer]);
          const price = await harness.readPriceWad(aggregator, HEARTBEAT, ZERO, 0);
          expect(price).to.equal(3_000_500000000000000000n);
          expect(await harness.baseToQuoteDown(t.baseAmount, price, t.base, t.quote)).to.equal(t.quoteDown);
          expect(await harness.baseToQuoteUp(t.baseAmount, price, t.base, t.quote)).to.equal(t.quoteUp);
          // Going back rounds in the named direction too.
          const backDown = await harness.quoteToBaseDown(t.quoteDown, price, t.base, t.quote);
          const backUp = await harness.quoteToBaseUp(t.quoteUp, price, t.base, t.quote);
          expect(backDown <= t.baseAmount).to.equal(true);
          expect(backUp >= t.baseAmount).to.equal(true);
        });
      }
    }

    it("rejects tokens with more than 18 decimals", async function () {
      const { harness } = await networkHelpers.loadFixture(deployFixture);
      await expect(harness.baseToQuoteDown(1n, 10n ** 18n, 19, 6))
        .to.be.revertedWithCustomError(harness, "DecimalsTooLarge")
        .withArgs(19);
      await expect(harness.quoteToBaseUp(1n, 10n ** 18n, 18, 24))
        .to.be.revertedWithCustomError(harness, "DecimalsTooLarge")
        .withArgs(24);
    });
  });
});
