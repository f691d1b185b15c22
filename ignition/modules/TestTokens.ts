import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Mintable USDC (6 decimals) and WETH (18 decimals) stand-ins. Used on local chains and on the
 * testnets too: the perp pool and the Uniswap pool need millions of USDC and thousands of WETH,
 * far more than any testnet faucet gives. Anyone can mint them: never deploy where value is real.
 */
export default buildModule("TestTokens", (m) => {
  const usdc = m.contract("TestERC20", ["USD Coin", "USDC", 6], { id: "USDC" });
  const weth = m.contract("TestERC20", ["Wrapped Ether", "WETH", 18], { id: "WETH" });
  return { usdc, weth };
});
