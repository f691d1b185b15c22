/**
 * The adapter on a delayed-mode market: `increaseShort`/`decreaseShort` submit orders and return
 * `filled == false`, the fee comes from the vault, `position().pendingOrder` and `pendingOrder()`
 * report the order until it executes, and `cancelOrder` returns an expired order's fee to the
 * vault. On a synchronous market the new views stay empty.
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

const { ethers, networkHelpers } = await network.create();

const FEE = DELAYED_ORDERS_DEFAULTS.executionFee;

async function delayedAdapterFixture() {
  const deployed = await deployPerpMarket(ethers, {
    params: { ...PERP_DEFAULT_PARAMS, maxFundingRatePerDay: 0n },
    oracleEdgeWindow: 0n,
    delayedOrders: DELAYED_ORDERS_DEFAULTS,
  });
  const book = deployed.orderBook!;
  const [, vault, executor, stranger] = await ethers.getSigners();
  const adapter = await ethers.deployContract("PerpMarketAdapter", [await deployed.market.getAddress()]);
  await adapter.bindVault(vault.address);
  await deployed.usdc.mint(vault.address, 100_000n * USDC);
  await deployed.usdc.connect(vault).approve(await adapter.getAddress(), ethers.MaxUint256);
  await adapter.connect(vault).depositMargin(20_000n * USDC);
  /** Publishes the next round after the minimum delay and executes the adapter's order. */
  async function executeAt(answer: bigint) {
    await networkHelpers.time.increase(DELAYED_ORDERS_DEFAULTS.minDelay);
    await deployed.feed.updateAnswer(answer);
    return book.connect(executor).executeOrder(await adapter.getAddress());
  }
  return { ...deployed, book, adapter, vault, executor, stranger, executeAt };
}

describe("PerpMarketAdapter on a delayed market", function () {
  it("reads the order book from the market and approves it for the fee", async function () {
    const { adapter, book, usdc } = await networkHelpers.loadFixture(delayedAdapterFixture);
    expect(await adapter.orderBook()).to.equal(await book.getAddress());
    expect(await adapter.orderExecutionFee()).to.equal(FEE);
    expect(await usdc.allowance(await adapter.getAddress(), await book.getAddress())).to.equal(ethers.MaxUint256);
  });

  it("increaseShort submits an order (filled == false), the fee pulled from the vault, and reports it", async function () {
    const { adapter, book, usdc, vault, executor, executeAt } = await networkHelpers.loadFixture(delayedAdapterFixture);
    const adapterAddress = await adapter.getAddress();
    const [filled, price] = await adapter.connect(vault).increaseShort.staticCall(5n * WAD, 2_990n * WAD);
    expect([filled, price]).to.deep.equal([false, 0n]);
    const vaultBefore = await usdc.balanceOf(vault.address);
    await expect(adapter.connect(vault).increaseShort(5n * WAD, 2_990n * WAD))
      .to.emit(book, "OrderSubmitted")
      .withArgs(adapterAddress, -5n * WAD, 2_990n * WAD, FEE, false);
    const submittedAt = BigInt(await networkHelpers.time.latest());
    expect(await usdc.balanceOf(vault.address)).to.equal(vaultBefore - FEE);
    expect(await usdc.balanceOf(adapterAddress)).to.equal(0n);

    const pos = await adapter.position();
    expect(pos.pendingOrder).to.equal(true);
    expect(pos.shortSize).to.equal(0n);
    // The escrowed fee is not margin: the position reports only what the market holds.
    expect(pos.margin).to.equal(20_000n * USDC);
    expect(await adapter.payableEquity()).to.equal(20_000n * USDC);
    const order = await adapter.pendingOrder();
    expect([...order]).to.deep.equal([
      true,
      5n * WAD,
      true,
      submittedAt,
      submittedAt + DELAYED_ORDERS_DEFAULTS.maxDelay,
      2_990n * WAD,
      FEE,
    ]);
    expect([order.pending, order.increasesShort, order.expiresAt]).to.deep.equal([
      true,
      true,
      submittedAt + DELAYED_ORDERS_DEFAULTS.maxDelay,
    ]);

    await expect(executeAt(3_000n * 10n ** 8n)).to.emit(book, "OrderExecuted");
    expect(await usdc.balanceOf(executor.address)).to.equal(FEE);
    const after = await adapter.position();
    expect(after.pendingOrder).to.equal(false);
    expect(after.shortSize).to.equal(5n * WAD);
    expect((await adapter.pendingOrder()).pending).to.equal(false);
  });

  it("decreaseShort submits a reduce-only order, bounded by the open short", async function () {
    const { adapter, book, vault, executeAt } = await networkHelpers.loadFixture(delayedAdapterFixture);
    await adapter.connect(vault).increaseShort(5n * WAD, 0);
    await executeAt(3_000n * 10n ** 8n);
    await expect(adapter.connect(vault).decreaseShort(6n * WAD, ethers.MaxUint256))
      .to.be.revertedWithCustomError(adapter, "DecreaseExceedsShort")
      .withArgs(6n * WAD, 5n * WAD);
    await adapter.connect(vault).decreaseShort(2n * WAD, 3_010n * WAD);
    const order = await adapter.pendingOrder();
    expect([order.size, order.increasesShort, order.acceptablePrice]).to.deep.equal([2n * WAD, false, 3_010n * WAD]);
    expect((await book.orderOf(await adapter.getAddress())).reduceOnly).to.equal(true);
    // One order at a time: the book refuses a second.
    await expect(adapter.connect(vault).increaseShort(WAD, 0))
      .to.be.revertedWithCustomError(book, "OrderAlreadyPending")
      .withArgs(await adapter.getAddress(), order.submittedAt);
    await executeAt(3_000n * 10n ** 8n);
    expect((await adapter.position()).shortSize).to.equal(3n * WAD);
  });

  it("cancelOrder: vault only, after expiry, the fee back to the vault", async function () {
    const { adapter, book, usdc, vault, stranger } = await networkHelpers.loadFixture(delayedAdapterFixture);
    await expect(adapter.connect(vault).cancelOrder()).to.be.revertedWithCustomError(adapter, "NoVenueOrder");
    await adapter.connect(vault).increaseShort(WAD, 0);
    const { expiresAt } = await adapter.pendingOrder();
    await expect(adapter.connect(stranger).cancelOrder())
      .to.be.revertedWithCustomError(adapter, "NotVault")
      .withArgs(stranger.address);
    await expect(adapter.connect(vault).cancelOrder())
      .to.be.revertedWithCustomError(book, "OrderNotExpired")
      .withArgs(await adapter.getAddress(), expiresAt);
    await networkHelpers.time.increaseTo(expiresAt);
    const before = await usdc.balanceOf(vault.address);
    expect(await adapter.connect(vault).cancelOrder.staticCall()).to.equal(FEE);
    await adapter.connect(vault).cancelOrder();
    expect(await usdc.balanceOf(vault.address)).to.equal(before + FEE);
    expect((await adapter.position()).pendingOrder).to.equal(false);
  });

  it("on a synchronous market the order views are empty and cancelOrder has nothing to cancel", async function () {
    const { market, usdc } = await deployPerpMarket(ethers);
    const [, vault] = await ethers.getSigners();
    const adapter = await ethers.deployContract("PerpMarketAdapter", [await market.getAddress()]);
    await adapter.bindVault(vault.address);
    expect(await adapter.orderBook()).to.equal(ethers.ZeroAddress);
    expect(await adapter.orderExecutionFee()).to.equal(0n);
    const order = await adapter.pendingOrder();
    expect([order.pending, order.size, order.submittedAt, order.executionFee]).to.deep.equal([false, 0n, 0n, 0n]);
    await expect(adapter.connect(vault).cancelOrder()).to.be.revertedWithCustomError(adapter, "NoVenueOrder");
    await usdc.mint(vault.address, 10_000n * USDC);
    await usdc.connect(vault).approve(await adapter.getAddress(), ethers.MaxUint256);
    await adapter.connect(vault).depositMargin(10_000n * USDC);
    const [filled] = await adapter.connect(vault).increaseShort.staticCall(WAD, 0);
    expect(filled).to.equal(true);
  });
});
