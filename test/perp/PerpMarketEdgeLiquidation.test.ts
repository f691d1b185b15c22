import { expect } from "chai";
import { network } from "hardhat";
import { deployPerpMarket, PERP_DEFAULT_PARAMS, USDC, WAD } from "../../deploy/lib/stack/perp.js";

const { ethers, networkHelpers } = await network.create();

const answer = (dollars: bigint) => dollars * 10n ** 8n;

/**
 * A narrow margin band (10% initial, 9.9% maintenance) and the market's own 15-second oracle-edge
 * window: a long opened on just over its initial margin crosses maintenance on a +1.5% round that
 * its growth charge takes back, because the requirement grows with the price.
 */
async function narrowBandMarket() {
  const deployed = await deployPerpMarket(ethers, {
    params: { ...PERP_DEFAULT_PARAMS, maintenanceMarginBps: 990n, maxFundingRatePerDay: 0n },
  });
  const [, alice, keeper] = await ethers.getSigners();
  await deployed.usdc.mint(alice.address, 10_000_000n * USDC);
  await deployed.usdc.connect(alice).approve(await deployed.market.getAddress(), ethers.MaxUint256);
  return { ...deployed, alice, keeper };
}

type Fixture = Awaited<ReturnType<typeof narrowBandMarket>>;

/** Alice opens a `size` long on `margin` well past the last round's window (at $3,000); the round
 * it was placed ahead of lands a second later at `nextDollars`. */
async function longAheadOfRound(f: Fixture, size: bigint, margin: bigint, nextDollars: bigint) {
  await networkHelpers.time.increase(60);
  await f.market.connect(f.alice).depositMargin(margin);
  await f.market.connect(f.alice).modifyPosition(size, ethers.MaxUint256);
  await f.feed.updateAnswer(answer(nextDollars));
}

/** 100 ETH on $30,200, then +1.5%. */
async function narrowBandFixture() {
  const f = await narrowBandMarket();
  await longAheadOfRound(f, 100n * WAD, 30_200n * USDC, 3_045n);
  return f;
}

/** The events of `tx` by name. */
async function eventsOf(f: Fixture, tx: Promise<{ wait(): Promise<unknown> }>) {
  const receipt = (await (await tx).wait()) as { logs: { topics: string[]; data: string }[] };
  return receipt.logs.map((l) => f.market.interface.parseLog(l)).filter((l) => l !== null);
}

describe("PerpMarket: a liquidation inside the window after a round", function () {
  it("gives a guarded growth's favourable move up once: the account keeps what a close would leave, less the reward", async function () {
    const f = await networkHelpers.loadFixture(narrowBandFixture);
    // Inside the round's window the growth's +$4,500 is counted as charged: equity ~$30,035
    // against a maintenance of 9.9% of $304,500 ($30,146).
    const [, , guarded, pendingCharge] = await f.market.edgeGrowthOf(f.alice.address);
    expect(guarded).to.equal(100n * WAD);
    expect(pendingCharge).to.be.closeTo(4_500n * USDC, 2n * USDC);
    expect(await f.market.isLiquidatable(f.alice.address)).to.equal(true);

    // A close in the same block as the liquidation below fills at the pre-round $3,000 (the
    // after-round rule), which already gives the move up: no charge on top.
    const snapshot = await networkHelpers.takeSnapshot();
    const closed = await eventsOf(f, f.market.connect(f.alice).modifyPosition(-100n * WAD, 0));
    expect(closed.some((e) => e.name === "OracleEdgeCharged")).to.equal(false);
    const closeFill = closed.find((e) => e.name === "PositionModified")!.args.fillPrice;
    const afterClose = (await f.market.positionOf(f.alice.address)).signedMargin;
    await snapshot.restore();

    const liquidated = await eventsOf(f, f.market.connect(f.keeper).liquidate(f.alice.address));
    const modified = liquidated.find((e) => e.name === "PositionModified")!;
    const reward: bigint = liquidated.find((e) => e.name === "Liquidated")!.args.reward;
    expect(modified.args.fillPrice).to.equal(closeFill);
    // The pre-round answer and the premium the open paid ($3,000.15 both ways): only the two
    // $150 fees are lost; the liquidation loses the same plus its 1% reward.
    expect(closeFill).to.equal((3_000n * WAD * 1_000_050n) / 1_000_000n);
    expect(afterClose).to.be.closeTo(29_900n * USDC, 1n * USDC);
    expect(reward).to.be.closeTo(3_000n * USDC, 1n * USDC);
    // Charging the growth as well would re-price the entry to ~$3,045.15 before that fill: a
    // $4,500 loss on top, the account left with ~$22,400 instead of ~$26,900.
    expect(liquidated.some((e) => e.name === "OracleEdgeCharged")).to.equal(false);
    expect(modified.args.realizedPnl).to.equal(0n);
    expect((await f.market.positionOf(f.alice.address)).signedMargin).to.equal(afterClose - reward);
    expect(afterClose - reward).to.be.closeTo(26_900n * USDC, 1n * USDC);
  });

  it("after the window the same liquidation charges the growth once and fills at the new answer", async function () {
    const f = await networkHelpers.loadFixture(narrowBandFixture);
    await networkHelpers.time.increase(await f.market.oracleEdgeWindow());
    const [, , , pendingCharge] = await f.market.edgeGrowthOf(f.alice.address);
    const liquidated = await eventsOf(f, f.market.connect(f.keeper).liquidate(f.alice.address));
    const charged = liquidated.find((e) => e.name === "OracleEdgeCharged")!;
    expect(charged.args.charge).to.equal(pendingCharge);
    const fill: bigint = liquidated.find((e) => e.name === "PositionModified")!.args.fillPrice;
    expect(fill).to.be.closeTo(3_045n * WAD, WAD);
    // Entry re-priced to ~$3,045.15 and sold there: the move is given up once (the account keeps
    // none of its $4,500) and loses only the two fees ($150 and $152) and the 1% reward ($3,045).
    expect(liquidated.find((e) => e.name === "PositionModified")!.args.realizedPnl).to.equal(0n);
    const left = (await f.market.positionOf(f.alice.address)).signedMargin;
    expect(left).to.be.closeTo(30_200n * USDC - 302n * USDC - 3_045n * USDC, 1n * USDC);
  });

  it("property: over sizes and rounds up, a liquidation inside the window leaves what a close would, less the reward", async function () {
    const f = await networkHelpers.loadFixture(narrowBandMarket);
    let seed = 0xed9e11n;
    const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n);
    for (let i = 0; i < 8; i++) {
      const size = (next() % 180n) * WAD + 20n * WAD; // 20..200 ETH
      const moveBps = (next() % 350n) + 150n; // +1.5%..+5%
      // Just over the 10% initial margin, its fees and premium.
      const margin = (size * 3_000n * 1_009n) / (10n ** 12n * 10n ** 4n) + 1n;
      const base = await networkHelpers.takeSnapshot();
      await longAheadOfRound(f, size, margin, (3_000n * (10_000n + moveBps)) / 10_000n);
      expect(await f.market.isLiquidatable(f.alice.address)).to.equal(true);
      const beforeClose = await networkHelpers.takeSnapshot();
      await f.market.connect(f.alice).modifyPosition(-size, 0);
      const afterClose = (await f.market.positionOf(f.alice.address)).signedMargin;
      await beforeClose.restore();
      const liquidated = await eventsOf(f, f.market.connect(f.keeper).liquidate(f.alice.address));
      const reward: bigint = liquidated.find((e) => e.name === "Liquidated")!.args.reward;
      expect((await f.market.positionOf(f.alice.address)).signedMargin).to.equal(afterClose - reward);
      await base.restore();
    }
  });
});
