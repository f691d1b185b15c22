/**
 * A PerpMarket in delayed mode and its DelayedOrders book: every transition of an order (submit,
 * execute in bound, out of bound, too early, at a later round than the first, after expiry,
 * cancel by the owner before and after expiry, by a stranger), the deployment's bounds, a
 * liquidation while an order is pending, and the escrow's conservation over a seeded random walk.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  DELAYED_ORDERS_DEFAULTS,
  deployPerpMarket,
  PERP_DEFAULT_PARAMS,
  USDC,
  WAD,
} from "../../deploy/lib/stack/perp.js";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

const { ethers, networkHelpers } = await network.create();

const FEE = DELAYED_ORDERS_DEFAULTS.executionFee;
const MIN_DELAY = DELAYED_ORDERS_DEFAULTS.minDelay;
const MAX_DELAY = DELAYED_ORDERS_DEFAULTS.maxDelay;
/** An 8-decimal feed answer for a price in whole dollars. */
const dollars = (d: bigint) => d * 10n ** 8n;
const CANCEL = { Expired: 0n, PriceOutOfBounds: 1n, NothingToReduce: 2n };

async function delayedFixture() {
  // Funding off so margins read the same in every block; no oracle-edge window so each fill is
  // at its round's answer alone (the window is tested on the synchronous market).
  const deployed = await deployPerpMarket(ethers, {
    params: { ...PERP_DEFAULT_PARAMS, maxFundingRatePerDay: 0n },
    oracleEdgeWindow: 0n,
    delayedOrders: DELAYED_ORDERS_DEFAULTS,
  });
  const book = deployed.orderBook!;
  const [, trader, executor, stranger, liquidator] = await ethers.getSigners();
  const marketAddress = await deployed.market.getAddress();
  const bookAddress = await book.getAddress();
  async function fund(account: HardhatEthersSigner, margin: bigint, fees = 10n * FEE) {
    await deployed.usdc.mint(account.address, margin + fees);
    await deployed.usdc.connect(account).approve(marketAddress, ethers.MaxUint256);
    await deployed.usdc.connect(account).approve(bookAddress, ethers.MaxUint256);
    if (margin > 0n) await deployed.market.connect(account).depositMargin(margin);
  }
  /** Publishes a round at `answer` (a heartbeat round when it is the same answer). */
  async function round(answer: bigint) {
    await deployed.feed.updateAnswer(answer);
  }
  /** Submits, waits the minimum delay, publishes the next round and executes it. */
  async function fill(account: HardhatEthersSigner, sizeDelta: bigint, answer: bigint) {
    await book.connect(account).submitOrder(sizeDelta, sizeDelta > 0n ? ethers.MaxUint256 : 0n);
    await networkHelpers.time.increase(MIN_DELAY);
    await round(answer);
    await book.connect(executor).executeOrder(account.address);
  }
  await fund(trader, 100_000n * USDC);
  return { ...deployed, book, trader, executor, stranger, liquidator, marketAddress, bookAddress, fund, round, fill };
}

describe("DelayedOrders", function () {
  describe("deployment", function () {
    it("a delayed market refuses direct trades and takes fills only from its book", async function () {
      const { market, book, bookAddress, trader, stranger } = await networkHelpers.loadFixture(delayedFixture);
      expect(await market.orderBook()).to.equal(bookAddress);
      expect(await book.market()).to.equal(await market.getAddress());
      await expect(market.connect(trader).modifyPosition(-WAD, 0))
        .to.be.revertedWithCustomError(market, "DelayedOrdersOnly")
        .withArgs(bookAddress);
      await expect(market.connect(stranger).fillOrder(trader.address, -WAD, 0))
        .to.be.revertedWithCustomError(market, "NotOrderBook")
        .withArgs(stranger.address);
    });

    it("a synchronous market has no book and refuses every fillOrder", async function () {
      const { market } = await deployPerpMarket(ethers);
      const [, trader] = await ethers.getSigners();
      expect(await market.orderBook()).to.equal(ethers.ZeroAddress);
      await expect(market.connect(trader).fillOrder(trader.address, -WAD, 0))
        .to.be.revertedWithCustomError(market, "NotOrderBook")
        .withArgs(trader.address);
    });

    it("the market refuses an order book that is not deployed code", async function () {
      const { market, usdc, feed, stranger } = await networkHelpers.loadFixture(delayedFixture);
      const feedArg = [await feed.getAddress(), 3_600, ethers.ZeroAddress, 0];
      await expect(
        ethers.deployContract("PerpMarket", [
          await usdc.getAddress(),
          feedArg,
          Object.values(PERP_DEFAULT_PARAMS),
          ethers.ZeroAddress,
          stranger.address,
        ]),
      )
        .to.be.revertedWithCustomError(market, "OrderBookNotContract")
        .withArgs(stranger.address);
    });

    it("the book's parameters are bounded", async function () {
      const { book } = await networkHelpers.loadFixture(delayedFixture);
      const name = (n: string) => ethers.encodeBytes32String(n);
      const hour = 3_600n;
      const day = 86_400n;
      await expect(ethers.deployContract("DelayedOrders", [[hour + 1n, day, 0n]]))
        .to.be.revertedWithCustomError(book, "ParameterOutOfBounds")
        .withArgs(name("minDelay"), hour + 1n, 0n, hour);
      await expect(ethers.deployContract("DelayedOrders", [[10n, 10n, 0n]]))
        .to.be.revertedWithCustomError(book, "ParameterOutOfBounds")
        .withArgs(name("maxDelay"), 10n, 11n, day);
      await expect(ethers.deployContract("DelayedOrders", [[10n, day + 1n, 0n]]))
        .to.be.revertedWithCustomError(book, "ParameterOutOfBounds")
        .withArgs(name("maxDelay"), day + 1n, 11n, day);
    });

    it("binds once, by its deployer, to the market that names it, with a fee of at most 100 tokens", async function () {
      const { book, market, usdc, feed, stranger } = await networkHelpers.loadFixture(delayedFixture);
      const marketAddress = await market.getAddress();
      await expect(book.connect(stranger).bindMarket(marketAddress))
        .to.be.revertedWithCustomError(book, "NotDeployer")
        .withArgs(stranger.address);
      await expect(book.bindMarket(marketAddress))
        .to.be.revertedWithCustomError(book, "MarketAlreadyBound")
        .withArgs(marketAddress);
      const feedArg = [await feed.getAddress(), 3_600, ethers.ZeroAddress, 0];
      const p = Object.values(PERP_DEFAULT_PARAMS);
      const costly = await ethers.deployContract("DelayedOrders", [[5n, 600n, 100n * USDC + 1n]]);
      const other = await ethers.deployContract("PerpMarket", [
        await usdc.getAddress(),
        feedArg,
        p,
        ethers.ZeroAddress,
        await costly.getAddress(),
      ]);
      await expect(costly.bindMarket(await other.getAddress()))
        .to.be.revertedWithCustomError(book, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("executionFee"), 100n * USDC + 1n, 0n, 100n * USDC);
      const unbound = await ethers.deployContract("DelayedOrders", [[5n, 600n, 0n]]);
      await expect(unbound.bindMarket(marketAddress))
        .to.be.revertedWithCustomError(book, "NotThisMarketsBook")
        .withArgs(marketAddress, await book.getAddress());
      await expect(unbound.submitOrder(WAD, 0)).to.be.revertedWithCustomError(book, "MarketNotBound");
    });
  });

  describe("submit", function () {
    it("escrows the fee, records the order and its window, moves no margin", async function () {
      const { book, market, usdc, trader, bookAddress } = await networkHelpers.loadFixture(delayedFixture);
      const walletBefore = await usdc.balanceOf(trader.address);
      const marginBefore = (await market.positionOf(trader.address)).margin;
      await expect(book.connect(trader).submitOrder(-10n * WAD, dollars(2_990n) * 10n ** 10n))
        .to.emit(book, "OrderSubmitted")
        .withArgs(trader.address, -10n * WAD, 2_990n * WAD, FEE, false);
      const submittedAt = BigInt(await networkHelpers.time.latest());
      expect(await usdc.balanceOf(trader.address)).to.equal(walletBefore - FEE);
      expect(await usdc.balanceOf(bookAddress)).to.equal(FEE);
      expect(await book.escrowOf(trader.address)).to.equal(FEE);
      expect(await book.totalEscrow()).to.equal(FEE);
      expect((await market.positionOf(trader.address)).margin).to.equal(marginBefore);
      const order = await book.orderOf(trader.address);
      expect([order.sizeDelta, order.acceptablePrice, order.submittedAt, order.executionFee]).to.deep.equal([
        -10n * WAD,
        2_990n * WAD,
        submittedAt,
        FEE,
      ]);
      expect(await book.hasPendingOrder(trader.address)).to.equal(true);
      const [executableAt, expiresAt] = await book.orderWindow(trader.address);
      expect([executableAt, expiresAt]).to.deep.equal([submittedAt + MIN_DELAY, submittedAt + MAX_DELAY]);
    });

    it("refuses a zero size and a second order while one is pending", async function () {
      const { book, trader } = await networkHelpers.loadFixture(delayedFixture);
      await expect(book.connect(trader).submitOrder(0, 0)).to.be.revertedWithCustomError(book, "ZeroSize");
      await book.connect(trader).submitOrder(-WAD, 0);
      const submittedAt = BigInt(await networkHelpers.time.latest());
      await expect(book.connect(trader).submitOrder(WAD, ethers.MaxUint256))
        .to.be.revertedWithCustomError(book, "OrderAlreadyPending")
        .withArgs(trader.address, submittedAt);
    });
  });

  describe("execute", function () {
    it("fills at the first round after submission, in bound, and pays the executor the fee", async function () {
      const { book, market, usdc, feed, trader, executor, round } = await networkHelpers.loadFixture(delayedFixture);
      await book.connect(trader).submitOrder(-10n * WAD, 3_000n * WAD);
      await networkHelpers.time.increase(MIN_DELAY);
      // The round lands at 3,030: the fill is there (less the short's skew premium), not at 3,000.
      await round(dollars(3_030n));
      const [roundId] = await feed.latestRoundData();
      const expected = await market.fillPrice(-10n * WAD);
      const executorBefore = await usdc.balanceOf(executor.address);
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.emit(book, "OrderExecuted")
        .withArgs(trader.address, executor.address, -10n * WAD, expected, roundId, FEE)
        .and.to.emit(market, "PositionModified");
      expect(expected > 3_029n * WAD && expected < 3_030n * WAD).to.equal(true);
      expect(await usdc.balanceOf(executor.address)).to.equal(executorBefore + FEE);
      expect(await market.sizeOf(trader.address)).to.equal(-10n * WAD);
      expect((await market.positionOf(trader.address)).entryPrice).to.equal(expected);
      expect(await book.hasPendingOrder(trader.address)).to.equal(false);
      expect(await book.totalEscrow()).to.equal(0n);
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.be.revertedWithCustomError(book, "NoPendingOrder")
        .withArgs(trader.address);
    });

    it("refuses before the minimum delay and before any round after submission", async function () {
      const { book, feed, trader, executor, round } = await networkHelpers.loadFixture(delayedFixture);
      await book.connect(trader).submitOrder(-WAD, 0);
      const submittedAt = BigInt(await networkHelpers.time.latest());
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.be.revertedWithCustomError(book, "OrderTooEarly")
        .withArgs(trader.address, submittedAt + MIN_DELAY);
      await networkHelpers.time.increase(MIN_DELAY);
      const [roundId, , , updatedAt] = await feed.latestRoundData();
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.be.revertedWithCustomError(book, "RoundNotAfterSubmission")
        .withArgs(roundId, updatedAt, submittedAt);
      // The next round, even at the same answer, is the one the order fills at.
      await round(dollars(3_000n));
      await book.connect(executor).executeOrder(trader.address);
    });

    it("a round in the same block as the submission is not the first after it", async function () {
      const { book, feed, trader, executor } = await networkHelpers.loadFixture(delayedFixture);
      await networkHelpers.mine(1);
      await ethers.provider.send("evm_setAutomine", [false]);
      await book.connect(trader).submitOrder(-WAD, 0);
      await feed.updateAnswer(dollars(3_100n));
      await networkHelpers.mine(1);
      await ethers.provider.send("evm_setAutomine", [true]);
      const submittedAt = (await book.orderOf(trader.address)).submittedAt;
      const [roundId, , , updatedAt] = await feed.latestRoundData();
      expect(updatedAt).to.equal(submittedAt);
      await networkHelpers.time.increase(MIN_DELAY);
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.be.revertedWithCustomError(book, "RoundNotAfterSubmission")
        .withArgs(roundId, updatedAt, submittedAt);
    });

    it("refuses at a later round than the first: the order can then only expire", async function () {
      const { book, feed, trader, executor, round } = await networkHelpers.loadFixture(delayedFixture);
      await book.connect(trader).submitOrder(-WAD, 0);
      const submittedAt = BigInt(await networkHelpers.time.latest());
      await networkHelpers.time.increase(MIN_DELAY);
      await round(dollars(3_010n));
      const [, , , firstAt] = await feed.latestRoundData();
      await round(dollars(3_050n));
      const [secondId] = await feed.latestRoundData();
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.be.revertedWithCustomError(book, "LaterRoundThanFirst")
        .withArgs(secondId, firstAt, submittedAt);
      expect(await book.hasPendingOrder(trader.address)).to.equal(true);
    });

    it("out of its price bound: cancelled, the fee pays the executor, nothing else changes", async function () {
      const { book, market, usdc, trader, executor, round, marketAddress } =
        await networkHelpers.loadFixture(delayedFixture);
      // A short at no less than 3,000; the round lands at 2,970.
      await book.connect(trader).submitOrder(-10n * WAD, 3_000n * WAD);
      await networkHelpers.time.increase(MIN_DELAY);
      await round(dollars(2_970n));
      const quoted = await market.fillPrice(-10n * WAD);
      const before = {
        margin: (await market.positionOf(trader.address)).margin,
        wallet: await usdc.balanceOf(trader.address),
        pool: await market.poolBalance(),
        marketUsdc: await usdc.balanceOf(marketAddress),
        executor: await usdc.balanceOf(executor.address),
      };
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.emit(book, "OrderCancelled")
        .withArgs(trader.address, CANCEL.PriceOutOfBounds, executor.address, FEE, quoted)
        .and.not.to.emit(market, "PositionModified");
      expect(await market.sizeOf(trader.address)).to.equal(0n);
      expect((await market.positionOf(trader.address)).margin).to.equal(before.margin);
      expect(await usdc.balanceOf(trader.address)).to.equal(before.wallet);
      expect(await market.poolBalance()).to.equal(before.pool);
      expect(await usdc.balanceOf(marketAddress)).to.equal(before.marketUsdc);
      expect(await usdc.balanceOf(executor.address)).to.equal(before.executor + FEE);
      expect(await book.hasPendingOrder(trader.address)).to.equal(false);
    });

    it("a fill the market refuses for margin reverts and leaves the order pending", async function () {
      const { book, market, trader, executor, round } = await networkHelpers.loadFixture(delayedFixture);
      // 100k of margin carries at most ~333 ETH at 10% initial margin.
      await book.connect(trader).submitOrder(-400n * WAD, 0);
      await networkHelpers.time.increase(MIN_DELAY);
      await round(dollars(3_000n));
      await expect(book.connect(executor).executeOrder(trader.address)).to.be.revertedWithCustomError(
        market,
        "InsufficientMargin",
      );
      expect(await book.escrowOf(trader.address)).to.equal(FEE);
    });

    it("refuses after expiry", async function () {
      const { book, trader, executor, round } = await networkHelpers.loadFixture(delayedFixture);
      await book.connect(trader).submitOrder(-WAD, 0);
      const submittedAt = BigInt(await networkHelpers.time.latest());
      await networkHelpers.time.increaseTo(submittedAt + MAX_DELAY);
      await round(dollars(3_000n));
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.be.revertedWithCustomError(book, "OrderExpired")
        .withArgs(trader.address, submittedAt + MAX_DELAY);
    });
  });

  describe("cancel", function () {
    it("only the owner, only after expiry, with the fee refunded in full", async function () {
      const { book, usdc, trader, stranger, bookAddress } = await networkHelpers.loadFixture(delayedFixture);
      await book.connect(trader).submitOrder(-WAD, 0);
      const submittedAt = BigInt(await networkHelpers.time.latest());
      const expiresAt = submittedAt + MAX_DELAY;
      await expect(book.connect(trader).cancelOrder(trader.address))
        .to.be.revertedWithCustomError(book, "OrderNotExpired")
        .withArgs(trader.address, expiresAt);
      await networkHelpers.time.increaseTo(expiresAt);
      await expect(book.connect(stranger).cancelOrder(trader.address))
        .to.be.revertedWithCustomError(book, "NotOrderOwner")
        .withArgs(stranger.address, trader.address);
      const walletBefore = await usdc.balanceOf(trader.address);
      await expect(book.connect(trader).cancelOrder(trader.address))
        .to.emit(book, "OrderCancelled")
        .withArgs(trader.address, CANCEL.Expired, trader.address, FEE, 0n);
      expect(await usdc.balanceOf(trader.address)).to.equal(walletBefore + FEE);
      expect(await usdc.balanceOf(bookAddress)).to.equal(0n);
      await expect(book.connect(trader).cancelOrder(trader.address))
        .to.be.revertedWithCustomError(book, "NoPendingOrder")
        .withArgs(trader.address);
      // The account may submit again.
      await book.connect(trader).submitOrder(-WAD, 0);
    });
  });

  describe("liquidation while an order is pending", function () {
    it("stays synchronous, and a queued reduction of the liquidated short opens no long", async function () {
      const { book, market, usdc, trader, executor, liquidator, round, fill } =
        await networkHelpers.loadFixture(delayedFixture);
      await fill(trader, -300n * WAD, dollars(3_000n));
      // The trader queues the close; before it executes the price rallies 6% and a liquidator acts.
      await book.connect(trader).submitOrder(300n * WAD, ethers.MaxUint256);
      expect((await book.orderOf(trader.address)).reduceOnly).to.equal(true);
      await networkHelpers.time.increase(MIN_DELAY);
      await round(dollars(3_180n));
      expect(await market.isLiquidatable(trader.address)).to.equal(true);
      await expect(market.connect(liquidator).liquidate(trader.address)).to.emit(market, "Liquidated");
      expect(await market.sizeOf(trader.address)).to.equal(0n);
      const executorBefore = await usdc.balanceOf(executor.address);
      await expect(book.connect(executor).executeOrder(trader.address))
        .to.emit(book, "OrderCancelled")
        .withArgs(trader.address, CANCEL.NothingToReduce, executor.address, FEE, 0n);
      expect(await market.sizeOf(trader.address)).to.equal(0n);
      expect(await usdc.balanceOf(executor.address)).to.equal(executorBefore + FEE);
    });
  });

  it("conservation over a seeded random walk: every USDC is margin, pool, escrow or in a wallet", async function () {
    const { book, market, usdc, trader, executor, stranger, fund, round, marketAddress, bookAddress } =
      await networkHelpers.loadFixture(delayedFixture);
    const accounts = [trader, stranger];
    await fund(stranger, 100_000n * USDC);
    const holders = [...accounts, executor];
    const total = async () => {
      let sum = (await usdc.balanceOf(marketAddress)) + (await usdc.balanceOf(bookAddress));
      for (const h of holders) sum += await usdc.balanceOf(h.address);
      return sum;
    };
    const totalBefore = await total();
    // A fixed-seed linear congruential generator: failures reproduce.
    let seed = 0x64656c61n;
    const next = (n: number) => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      return Number((seed >> 33n) % BigInt(n));
    };
    let answer = dollars(3_000n);
    let executed = 0;
    let cancelled = 0;
    for (let step = 0; step < 120; step++) {
      const who = accounts[next(accounts.length)];
      if (!(await book.hasPendingOrder(who.address))) {
        const size = BigInt(1 + next(20)) * WAD * (next(2) === 0 ? 1n : -1n);
        // A bound near the answer: some orders land outside it.
        const bound = (answer * 10n ** 10n * BigInt(9_950 + next(101))) / 10_000n;
        await book.connect(who).submitOrder(size, bound);
      } else {
        // One of five continuations (the first more often), with random timings and moves: a round after the delay and
        // an execution (a fill or a cancel at the bound), an execution at once (too early or no
        // round yet), two rounds then an execution (a later round), expiry and the owner's
        // cancel, a stranger's cancel. Rounds published here also age the other account's order.
        const mode = [0, 0, 0, 1, 2, 3, 3, 4][next(8)];
        const move = async () => {
          answer = (answer * BigInt(9_980 + next(41))) / 10_000n;
          await round(answer);
        };
        let attempt;
        if (mode === 0) {
          await networkHelpers.time.increase(Number(MIN_DELAY) + next(3));
          await move();
          attempt = book.connect(executor).executeOrder(who.address);
        } else if (mode === 1) {
          attempt = book.connect(executor).executeOrder(who.address);
        } else if (mode === 2) {
          await networkHelpers.time.increase(1 + next(3));
          await move();
          await networkHelpers.time.increase(Number(MIN_DELAY));
          await move();
          attempt = book.connect(executor).executeOrder(who.address);
        } else if (mode === 3) {
          await networkHelpers.time.increase(Number(MAX_DELAY));
          attempt = book.connect(who).cancelOrder(who.address);
        } else {
          attempt = book.connect(stranger).cancelOrder(who.address);
        }
        const tx = await attempt.catch(() => undefined);
        if (tx !== undefined) {
          const receipt = await tx.wait();
          const names = receipt!.logs.map((l) => book.interface.parseLog(l)?.name);
          if (names.includes("OrderExecuted")) executed++;
          if (names.includes("OrderCancelled")) cancelled++;
        }
        if (mode === 3) await round(answer);
      }
      let escrow = 0n;
      let margins = 0n;
      for (const a of accounts) {
        escrow += await book.escrowOf(a.address);
        margins += (await market.positionOf(a.address)).signedMargin;
      }
      expect(await usdc.balanceOf(bookAddress)).to.equal(escrow);
      expect(await book.totalEscrow()).to.equal(escrow);
      expect(await usdc.balanceOf(marketAddress)).to.equal(margins + (await market.poolBalance()));
      expect(await total()).to.equal(totalBefore);
    }
    console.log(`      random walk: ${executed} fills, ${cancelled} cancels`);
    // The walk did reach the interesting transitions.
    expect(executed).to.be.greaterThan(3);
    expect(cancelled).to.be.greaterThan(0);
  });
});
