/** Shared setup of the market's spot-collateral tests. */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { USDC, WAD, type deployPerpMarket } from "../../deploy/lib/stack/perp.js";

type DeployedMarket = Awaited<ReturnType<typeof deployPerpMarket>>;

/**
 * A market deployed with spot collateral, with three traders (signers 1..3) holding 1,000,000 USDC
 * and 1,000 WETH each, both approved to the market, and signer 4 as the keeper.
 */
export async function withCollateralTraders(ethers: HardhatEthers, deployed: DeployedMarket) {
  const weth = deployed.weth!;
  const [, alice, bob, carol, keeper] = await ethers.getSigners();
  const marketAddress = await deployed.market.getAddress();
  for (const trader of [alice, bob, carol]) {
    await deployed.usdc.mint(trader.address, 1_000_000n * USDC);
    await deployed.usdc.connect(trader).approve(marketAddress, ethers.MaxUint256);
    await weth.mint(trader.address, 1_000n * WAD);
    await weth.connect(trader).approve(marketAddress, ethers.MaxUint256);
  }
  return { ...deployed, weth, alice, bob, carol, keeper, marketAddress };
}
