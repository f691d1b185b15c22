/**
 * Hostile review of the oracle-edge guard and the owner's parameter powers, replayed against the
 * market's stateless edge rule and its delayed parameter changes. Each scenario extracted from the
 * pool (or overcharged a trader) under the per-account guard and immediate loosening changes.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { deployPerpMarket, PERP_DEFAULT_PARAMS, USDC, WAD } from "../../deploy/lib/stack/perp.js";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

const { ethers, networkHelpers } = await network.create();
const cents = (c: bigint) => c * 10n ** 6n;
const STACK_PARAMS = { ...PERP_DEFAULT_PARAMS, maxLongOpenInterest: 100_000n, maxShortOpenInterest: 100_000n };
const name = (s: string) => ethers.encodeBytes32String(s);

async function market() {
  const deployed = await deployPerpMarket(ethers, { params: STACK_PARAMS, poolFunding: 20_000_000n * USDC });
  const signers = await ethers.getSigners();
  const marketAddress = await deployed.market.getAddress();
  async function fund(trader: HardhatEthersSigner, amount: bigint) {
    await deployed.usdc.mint(trader.address, amount);
    await deployed.usdc.connect(trader).approve(marketAddress, amount);
    await deployed.market.connect(trader).depositMargin(amount);
  }
  async function wealth(trader: HardhatEthersSigner) {
    return (await deployed.market.positionOf(trader.address)).margin + (await deployed.usdc.balanceOf(trader.address));
  }
  return { ...deployed, signers, marketAddress, fund, wealth };
}

describe("Review: market branch", function () {
  it("R1 guard bypass: front-run on one account, hedge on another right after the update, close both after the next update", async function () {
    const m = await networkHelpers.loadFixture(market);
    const legs = m.signers.slice(1, 5); // two pairs, alternating rounds
    const deposit = 5_000_000n * USDC;
    for (const s of legs) await m.fund(s, deposit);
    const size = 6_000n * WAD;
    let answer = cents(300_000n);
    let open: [HardhatEthersSigner, HardhatEthersSigner, boolean] | undefined;
    for (let i = 0; i < 10; i++) {
      const up = i % 2 === 0;
      const [front, hedge] = i % 2 === 0 ? [legs[0], legs[1]] : [legs[2], legs[3]];
      const next = up ? (answer * 10_050n) / 10_000n : (answer * 9_950n) / 10_000n;
      // Front-run the update seen in the mempool.
      await m.market.connect(front).modifyPosition(up ? size : -size, up ? ethers.MaxUint256 : 0);
      await m.feed.updateAnswer(next);
      answer = next;
      // The previous round's pair is unguarded now (its update is no longer the latest): close it.
      if (open) {
        const [f, h, wasUp] = open;
        await m.market.connect(f).modifyPosition(wasUp ? -size : size, wasUp ? 0 : ethers.MaxUint256);
        await m.market.connect(h).modifyPosition(wasUp ? size : -size, wasUp ? ethers.MaxUint256 : 0);
      }
      // Hedge right after the update on a second account (grown after it: not guarded).
      await m.market.connect(hedge).modifyPosition(up ? -size : size, up ? 0 : ethers.MaxUint256);
      open = [front, hedge, up];
      await networkHelpers.time.increase(60);
    }
    // One more (heartbeat) round at the same answer lifts the guard on the last pair.
    await m.feed.updateAnswer(answer);
    const [f, h, wasUp] = open!;
    await m.market.connect(f).modifyPosition(wasUp ? -size : size, wasUp ? 0 : ethers.MaxUint256);
    await m.market.connect(h).modifyPosition(wasUp ? size : -size, wasUp ? ethers.MaxUint256 : 0);
    let gained = 0n;
    for (const s of legs) gained += (await m.wealth(s)) - deposit;
    console.log(`      R1 attacker net over ten updates: ${ethers.formatUnits(gained, 6)} USDC`);
    // The issue requires this to net the trader nothing.
    expect(gained <= 0n, `attacker gained ${gained}`).to.equal(true);
  });

  it("R2 owner turns the oracle-edge rule and the fee off (a 'loosening'), front-runs an update", async function () {
    const m = await networkHelpers.loadFixture(market);
    const [owner, ownerTrader] = m.signers;
    const deposit = 5_000_000n * USDC;
    await m.fund(ownerTrader, deposit);
    await m.market.connect(owner).setParameter(name("oracleEdgeWindow"), 0n);
    await m.market.connect(owner).setParameter(name("takerFeeBps"), 0n);
    // Both wait out the parameter delay, in view of every trader.
    expect(await m.market.oracleEdgeWindow()).to.equal(15n);
    expect((await m.market.marketParams()).takerFeeBps).to.equal(5n);
    expect((await m.market.pendingParameters()).map((p) => p.name)).to.deep.equal([
      name("takerFeeBps"),
      name("oracleEdgeWindow"),
    ]);
    const size = 10_000n * WAD;
    await m.market.connect(ownerTrader).modifyPosition(size, ethers.MaxUint256);
    await m.feed.updateAnswer(cents(301_500n)); // +0.5%
    await m.market.connect(ownerTrader).modifyPosition(-size, 0);
    const gained = (await m.wealth(ownerTrader)) - deposit;
    console.log(`      R2 owner's trader net on one +0.5% update: ${ethers.formatUnits(gained, 6)} USDC`);
    expect(gained <= 0n, `owner's trader gained ${gained}`).to.equal(true);
  });
});

describe("Review: guard scope", function () {
  /** A 10,000-ETH long held for an hour, optionally topped up by 1 ETH just before a +0.5% update, closed right after it. */
  async function closeAfterUpdate(topUp: boolean) {
    const m = await networkHelpers.loadFixture(market);
    const [, trader] = m.signers;
    const deposit = 5_000_000n * USDC;
    await m.fund(trader, deposit);
    await m.market.connect(trader).modifyPosition(10_000n * WAD, ethers.MaxUint256);
    await networkHelpers.time.increase(3_600);
    await m.feed.updateAnswer(cents(300_000n)); // heartbeat: the long is long out of any window
    await networkHelpers.time.increase(600);
    if (topUp) await m.market.connect(trader).modifyPosition(1n * WAD, ethers.MaxUint256);
    await m.feed.updateAnswer(cents(301_500n));
    await m.market.connect(trader).modifyPosition(topUp ? -10_001n * WAD : -10_000n * WAD, 0);
    return (await m.wealth(trader)) - deposit;
  }

  it("R3 a 1-ETH growth of a 10,000-ETH long held for an hour re-guards the whole position", async function () {
    const without = await closeAfterUpdate(false);
    const withTopUp = await closeAfterUpdate(true);
    console.log(
      `      R3 close right after +0.5%: ${ethers.formatUnits(without, 6)} USDC; with a 1-ETH top-up before it: ${ethers.formatUnits(withTopUp, 6)}`,
    );
    // The top-up's own cost: 1 ETH of fees, premium and the update's 15 USDC, no more.
    expect(without - withTopUp).to.be.lessThanOrEqual(20n * USDC);
  });
});

describe("Review: loosening at once", function () {
  it("R5 owner loosens margins and the skew scale at once; a hedged 100x pair turns a 2% jump into pool bad debt", async function () {
    const m = await networkHelpers.loadFixture(market);
    const [owner, longLeg, shortLeg] = m.signers;
    // The review's loosening changes. Each waits out PARAMETER_DELAY; the margin pair can only
    // follow once the reward below it is in force (each is checked against the values in force).
    const proposed = [
      ["skewScale", 10_000_000_000n],
      ["takerFeeBps", 0n],
      ["liquidationRewardBps", 10n],
    ] as const;
    for (const [param, value] of proposed) await m.market.connect(owner).setParameter(name(param), value);
    await expect(m.market.connect(owner).setParameter(name("maintenanceMarginBps"), 50n)).to.be.revertedWithCustomError(
      m.market,
      "ParameterOutOfBounds",
    );
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const pending = await m.market.pendingParameters();
    expect(pending.length).to.equal(proposed.length);
    for (const p of pending) expect(p.effectiveAt >= now - 3n + (await m.market.PARAMETER_DELAY())).to.equal(true);
    // Nothing has changed for open positions: the 100x pair cannot open.
    const size = 20_000n * WAD; // 60M notional a leg, 1% initial margin = 600k
    const legMargin = 610_000n * USDC;
    await m.fund(longLeg, legMargin);
    await m.fund(shortLeg, legMargin);
    await expect(m.market.connect(longLeg).modifyPosition(size, ethers.MaxUint256)).to.be.revertedWithCustomError(
      m.market,
      "InsufficientMargin",
    );
    await expect(m.market.connect(shortLeg).modifyPosition(-size, 0)).to.be.revertedWithCustomError(
      m.market,
      "InsufficientMargin",
    );
    expect((await m.market.marketParams()).initialMarginBps).to.equal(STACK_PARAMS.initialMarginBps);
  });
});
