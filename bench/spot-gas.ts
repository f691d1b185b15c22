/**
 * Gas of one swap straight through Uniswap V3's SwapRouter.exactInputSingle versus the same swap
 * through UniswapV3SpotVenue, both directions, from the mined receipts. Run with
 * `npx hardhat run bench/spot-gas.ts`. Prints only; asserts nothing.
 *
 * Both paths are measured in the same steady state a vault would see: the pool has traded before
 * (its oracle and fee-growth slots are already non-zero), the trader already holds both tokens, and
 * approvals are unlimited and set beforehand, so no measured swap pays for a first-time storage
 * write that the other does not.
 */
import { network } from "hardhat";
import { MaxUint256, type Contract } from "ethers";
import { deployUniswapFixture } from "../deploy/lib/stack/uniswap.js";

const { ethers } = await network.create();
const f = await deployUniswapFixture(ethers);
const trader = f.alice;
const { usdc: usdcAddr, weth: wethAddr, router: routerAddr, venue: venueAddr } = f.addresses;

await (await f.usdc.mint(trader.address, 10_000_000n * 10n ** 6n)).wait();
await (await f.weth.mint(trader.address, 10_000n * 10n ** 18n)).wait();
for (const token of [f.usdc, f.weth]) {
  await (await token.connect(trader).approve(routerAddr, MaxUint256)).wait();
  await (await token.connect(trader).approve(venueAddr, MaxUint256)).wait();
}
const router = f.uniswap.router.connect(trader) as Contract;
const venue = f.venue.connect(trader);

async function viaRouter(tokenIn: string, tokenOut: string, amountIn: bigint): Promise<bigint> {
  const tx = await router.exactInputSingle({
    tokenIn,
    tokenOut,
    fee: f.fee,
    recipient: trader.address,
    deadline: MaxUint256,
    amountIn,
    amountOutMinimum: 0n,
    sqrtPriceLimitX96: 0n,
  });
  return (await tx.wait())!.gasUsed;
}

async function viaVenue(tokenIn: string, tokenOut: string, amountIn: bigint): Promise<bigint> {
  const tx = await venue.swapExactIn(tokenIn, tokenOut, amountIn, 1n, trader.address);
  return (await tx.wait())!.gasUsed;
}

const directions = [
  { name: "USDC -> WETH (3,000 USDC)", tokenIn: usdcAddr, tokenOut: wethAddr, amountIn: 3_000n * 10n ** 6n },
  { name: "WETH -> USDC (1 WETH)", tokenIn: wethAddr, tokenOut: usdcAddr, amountIn: 10n ** 18n },
];

// Warm-up: one swap each way so the pool's first-trade writes are out of the measurements.
for (const d of directions) await viaRouter(d.tokenIn, d.tokenOut, d.amountIn);

const rows = [];
for (const d of directions) {
  const direct = await viaRouter(d.tokenIn, d.tokenOut, d.amountIn);
  const adapter = await viaVenue(d.tokenIn, d.tokenOut, d.amountIn);
  rows.push({
    direction: d.name,
    "SwapRouter.exactInputSingle": Number(direct),
    "UniswapV3SpotVenue.swapExactIn": Number(adapter),
    "adapter overhead": Number(adapter - direct),
  });
}
console.log(`Uniswap V3 ${f.fee / 10_000}% USDC/WETH pool, gasUsed from receipts (including 21,000 base):`);
console.table(rows);
