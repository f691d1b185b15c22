import { network } from "hardhat";
import { deployPerpMarket, USDC, WAD } from "../deploy/lib/stack/perp.js";

// Gas used (from receipts) by the PerpMarket calls the vault's rebalance makes, directly and
// through the adapter. Each row is one transaction on a fresh local chain.
const { ethers } = await network.create();
const { usdc, market, feed } = await deployPerpMarket(ethers);
const [, trader, vault] = await ethers.getSigners();
const marketAddress = await market.getAddress();

const rows: [string, bigint][] = [];
async function record(label: string, tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error(`no receipt for ${label}`);
  rows.push([label, receipt.gasUsed]);
}

// Direct: a trader with margin on the market.
await usdc.mint(trader.address, 100_000n * USDC);
await usdc.connect(trader).approve(marketAddress, ethers.MaxUint256);
await record("market.depositMargin (first)", market.connect(trader).depositMargin(20_000n * USDC));
await record("market.depositMargin (again)", market.connect(trader).depositMargin(1_000n * USDC));
await record("market open short 5 ETH", market.connect(trader).modifyPosition(-5n * WAD, 0));
await record("market increase short 2 ETH", market.connect(trader).modifyPosition(-2n * WAD, 0));
await record("market decrease short 3 ETH", market.connect(trader).modifyPosition(3n * WAD, ethers.MaxUint256));
await feed.updateAnswer(3_010n * 10n ** 8n);
await record("market increase short (new price)", market.connect(trader).modifyPosition(-1n * WAD, 0));
await record("market close short", market.connect(trader).modifyPosition(5n * WAD, ethers.MaxUint256));

// Through the adapter, with a plain signer acting as the vault, once the last round's oracle-edge
// window has passed (the usual case); the last row trades inside the window after a new round,
// where the market also reads the previous round.
await ethers.provider.send("evm_increaseTime", [Number(await market.oracleEdgeWindow())]);
const adapter = await ethers.deployContract("PerpMarketAdapter", [marketAddress]);
const adapterAddress = await adapter.getAddress();
await adapter.bindVault(vault.address);
await usdc.mint(vault.address, 100_000n * USDC);
await usdc.connect(vault).approve(adapterAddress, ethers.MaxUint256);
await record("adapter.depositMargin (first)", adapter.connect(vault).depositMargin(20_000n * USDC));
await record("adapter.increaseShort (open 5 ETH)", adapter.connect(vault).increaseShort(5n * WAD, 0));
await record("adapter.depositMargin (again)", adapter.connect(vault).depositMargin(1_000n * USDC));
await record("adapter.increaseShort (2 ETH)", adapter.connect(vault).increaseShort(2n * WAD, 0));
await record("adapter.decreaseShort (3 ETH)", adapter.connect(vault).decreaseShort(3n * WAD, ethers.MaxUint256));
await record("adapter.decreaseShort (close)", adapter.connect(vault).decreaseShort(4n * WAD, ethers.MaxUint256));
await record("adapter.withdrawMargin", adapter.connect(vault).withdrawMargin(1_000n * USDC, vault.address));
await (await adapter.connect(vault).increaseShort(5n * WAD, 0)).wait();
await feed.updateAnswer(3_000n * 10n ** 8n);
await record("adapter.increaseShort (2 ETH, in the window)", adapter.connect(vault).increaseShort(2n * WAD, 0));

// A spot-collateral market: a long on WETH collateral is liquidated into a debt the WETH covers,
// then an outside buyer takes the seized WETH (its sale back into the pool's cash).
{
  const spot = await deployPerpMarket(ethers, { spotCollateral: true, oracleEdgeWindow: 0n });
  const weth = spot.weth!;
  const [, borrower, buyer, keeper] = await ethers.getSigners();
  const spotAddress = await spot.market.getAddress();
  await weth.mint(borrower.address, 10n * WAD);
  await weth.connect(borrower).approve(spotAddress, ethers.MaxUint256);
  await spot.market.connect(borrower).depositCollateral(10n * WAD);
  await spot.market.connect(borrower).modifyPosition(50n * WAD, ethers.MaxUint256);
  await spot.feed.updateAnswer(2_640n * 10n ** 8n);
  await record("spot market.liquidate (seizes WETH)", spot.market.connect(keeper).liquidate(borrower.address));
  const seized = await spot.market.poolCollateral();
  const [cost] = await spot.market.seizedCollateralCost(seized);
  await spot.usdc.mint(buyer.address, cost);
  await spot.usdc.connect(buyer).approve(spotAddress, cost);
  await record("spot market.buySeizedCollateral (all)", spot.market.connect(buyer).buySeizedCollateral(seized, cost));
}

// The adapter's trades before the market counted open claims in its solvency, reported funding in
// one event and priced trades by the oracle-edge rule (the goal: within 10% of these).
const BEFORE: Record<string, bigint> = {
  "adapter.increaseShort (open 5 ETH)": 94_792n,
  "adapter.increaseShort (2 ETH)": 80_503n,
  "adapter.decreaseShort (3 ETH)": 82_472n,
  "adapter.decreaseShort (close)": 80_410n,
  "adapter.increaseShort (2 ETH, in the window)": 80_503n,
};

// Receipts include the 21,000 intrinsic gas and calldata; execution = gasUsed - intrinsic.
const width = Math.max(...rows.map(([label]) => label.length));
const head = ["gasUsed", "minus 21k", "before", "change"].map((h) => h.padStart(9)).join("  ");
console.log(`${"operation".padEnd(width)}  ${head}`);
console.log(`${"-".repeat(width)}  ${Array(4).fill("-".repeat(9)).join("  ")}`);
for (const [label, gas] of rows) {
  const before = BEFORE[label];
  const change = before === undefined ? "" : `${((Number(gas - before) / Number(before)) * 100).toFixed(1)}%`;
  const cells = [gas.toString(), (gas - 21_000n).toString(), before?.toString() ?? "", change];
  console.log(`${label.padEnd(width)}  ${cells.map((c) => c.padStart(9)).join("  ")}`);
}

// The market's deployed code against the EIP-170 limit.
const codeBytes = ((await ethers.provider.getCode(marketAddress)).length - 2) / 2;
console.log(`\nPerpMarket deployed code: ${codeBytes} bytes (goal: at most 24576, the EIP-170 limit)`);
