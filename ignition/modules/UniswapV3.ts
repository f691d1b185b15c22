import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { UNISWAP_IGNITION_ARTIFACTS as UNI } from "../../deploy/lib/stackModule.js";
import TestTokensModule from "./TestTokens.js";

/**
 * Real Uniswap V3 (factory, SwapRouter, QuoterV2, NonfungiblePositionManager) from the bytecode
 * published in the `@uniswap/v3-core` and `@uniswap/v3-periphery` npm packages. The periphery's
 * WETH9 is our test WETH: it is only used to wrap native ETH, which the stack never sends. The
 * position manager's token descriptor is the deployer: only `tokenURI` reads it.
 */
export default buildModule("UniswapV3", (m) => {
  const { weth } = m.useModule(TestTokensModule);
  const factory = m.contract("UniswapV3Factory", UNI.factory);
  const router = m.contract("SwapRouter", UNI.router, [factory, weth]);
  const quoter = m.contract("QuoterV2", UNI.quoter, [factory, weth]);
  const positionManager = m.contract("NonfungiblePositionManager", UNI.positionManager, [
    factory,
    weth,
    m.getAccount(0),
  ]);
  return { factory, router, quoter, positionManager };
});
