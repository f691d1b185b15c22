import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildSeededPool, buildVenuesAndVault } from "../../deploy/lib/stackModule.js";
import TestTokensModule from "./TestTokens.js";
import UniswapV3Module from "./UniswapV3.js";

/**
 * The stack on a public testnet (sepolia, arbitrumSepolia, baseSepolia), priced by the REAL
 * Chainlink ETH/USD feed (`ethUsdFeed`) and, on L2s that have one, checked against the L2
 * sequencer uptime feed (`sequencerUptimeFeed`, the zero address where Chainlink publishes none).
 * The addresses come from deploy/networks.json (with their sources), merged into the parameters
 * by deploy/deploy.ts; the tunables and roles from ignition/parameters/<network>.json.
 *
 * Uniswap: we deploy our own Uniswap V3 from the npm artifacts rather than use the public
 * testnet deployment, because
 *  - the public testnet router is SwapRouter02, whose `exactInputSingle` struct has no `deadline`
 *    field, so `UniswapV3SpotVenue` (SwapRouter v1 ABI) cannot call it; an 02 adapter could not
 *    be tested here (SwapRouter02 is not in the npm packages we have), and an untested venue
 *    would hold the vault's allowances;
 *  - the vault needs a pool priced at the oracle with deep liquidity: existing testnet pools sit
 *    at arbitrary prices with thin liquidity, so every rebalance would fail the slippage check
 *    against the feed, and we would have to create our own pool (with our test tokens) anyway;
 *  - no Uniswap address has to be trusted or kept up to date, and the spot path on testnets is
 *    the exact code the local tests exercise.
 * The cost is gas for four large contracts once per testnet.
 *
 * Tokens: TestERC20 USDC and WETH (see TestTokens.ts): the perp pool and the Uniswap pool need
 * far more than faucets give, and the pool must hold the same token the vault and perp use.
 *
 * Roles: the deployer owns the vault and the PerpMarket during the deployment (it must set the
 * keeper and fees and bind the adapter), then proposes `admin` as owner of both (Ownable2Step):
 * `admin` calls `acceptOwnership()` on each to finish the handover.
 */
export default buildModule("TestnetStack", (m) => {
  const { usdc, weth } = m.useModule(TestTokensModule);
  const { factory, router, quoter, positionManager } = m.useModule(UniswapV3Module);

  const inputs = {
    usdc,
    weth,
    factory,
    router,
    quoter,
    positionManager,
    feed: m.getParameter<string>("ethUsdFeed"),
    sequencerUptimeFeed: m.getParameter<string>("sequencerUptimeFeed"),
    sequencerGracePeriod: m.getParameter<number>("sequencerGracePeriod"),
  };
  const { planner, pool } = buildSeededPool(m, inputs);
  const { spotVenue, perpMarket, perpAdapter, vault, wiring } = buildVenuesAndVault(m, inputs);

  const admin = m.getParameter<string>("admin");
  m.call(vault, "transferOwnership", [admin], { id: "Vault_proposeAdmin", after: wiring });
  m.call(perpMarket, "transferOwnership", [admin], { id: "PerpMarket_proposeAdmin", after: wiring });

  return {
    usdc,
    weth,
    factory,
    router,
    quoter,
    positionManager,
    planner,
    pool,
    spotVenue,
    perpMarket,
    perpAdapter,
    vault,
  };
});
