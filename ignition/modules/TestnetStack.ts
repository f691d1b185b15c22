import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import {
  buildSeededPool,
  buildVenuesAndVault,
  UNISWAP_IGNITION_ARTIFACTS as UNI,
} from "../../deploy/lib/stackModule.js";
import TestTokensModule from "./TestTokens.js";

/**
 * The stack on a public testnet (sepolia, arbitrumSepolia, baseSepolia), priced by the REAL
 * Chainlink ETH/USD feed (`ethUsdFeed`) and, on L2s that have one, checked against the L2
 * sequencer uptime feed (`sequencerUptimeFeed`, the zero address where Chainlink publishes none).
 * The addresses come from deploy/networks.json (with their sources), merged into the parameters
 * by deploy/deploy.ts; the tunables and roles from ignition/parameters/<network>.json.
 *
 * Uniswap: the network's PUBLIC Uniswap V3 deployment (UniswapV3Factory, NonfungiblePositionManager,
 * SwapRouter02, QuoterV2 at the addresses in deploy/networks.json, each with its source in the
 * Uniswap docs), traded through `UniswapV3SpotVenue02` because the public router on these testnets
 * is SwapRouter02 (no `deadline` in its swap struct). We still create our own USDC/WETH pool on
 * the public factory, at the feed's price and with deep full-range liquidity, because the vault's
 * tokens are our test tokens and any existing testnet pool sits at an arbitrary price with thin
 * liquidity (every rebalance would fail the slippage check against the feed). The local stack
 * keeps deploying SwapRouter v1 from the npm artifacts (LocalStack.ts).
 *
 * Tokens: TestERC20 USDC and WETH (see TestTokens.ts): the perp pool and the Uniswap pool need
 * far more than faucets give, and the pool must hold the same token the vault and perp use.
 *
 * Roles: the deployer owns the vault and the PerpMarket during the deployment (it must set the
 * keeper and fees and bind the adapter), then proposes `admin` as owner of the vault and
 * `marketOwner`, a different account, as owner of the PerpMarket (Ownable2Step): each calls
 * `acceptOwnership()` to finish the handover. The venue's owner is never the vault's admin.
 */
export default buildModule("TestnetStack", (m) => {
  const { usdc, weth } = m.useModule(TestTokensModule);
  // Required parameters without defaults: a missing one stops Ignition before any transaction,
  // naming it (deploy/params.ts already refuses a null or zero address in networks.json).
  const factory = m.contractAt("UniswapV3Factory", UNI.factory, m.getParameter<string>("uniswapV3Factory"));
  const positionManager = m.contractAt(
    "NonfungiblePositionManager",
    UNI.positionManager,
    m.getParameter<string>("nonfungiblePositionManager"),
  );
  const router = m.contractAt("SwapRouter02", UNI.router02, m.getParameter<string>("swapRouter02"));
  const quoter = m.contractAt("QuoterV2", UNI.quoter, m.getParameter<string>("quoterV2"));

  const inputs = {
    usdc,
    weth,
    factory,
    router,
    quoter,
    positionManager,
    routerKind: "SwapRouter02" as const,
    feed: m.getParameter<string>("ethUsdFeed"),
    sequencerUptimeFeed: m.getParameter<string>("sequencerUptimeFeed"),
    sequencerGracePeriod: m.getParameter<number>("sequencerGracePeriod"),
    // Testnet markets fill orders at the next oracle round (IDelayedOrders).
    delayedOrders: true,
  };
  const { planner, pool } = buildSeededPool(m, inputs);
  const { spotVenue, perpMarket, orderBook, perpAdapter, vault, wiring } = buildVenuesAndVault(m, inputs);

  const admin = m.getParameter<string>("admin");
  m.call(vault, "transferOwnership", [admin], { id: "Vault_proposeAdmin", after: wiring });
  const marketOwner = m.getParameter<string>("marketOwner");
  m.call(perpMarket, "transferOwnership", [marketOwner], { id: "PerpMarket_proposeOwner", after: wiring });

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
    ...(orderBook === undefined ? {} : { perpOrderBook: orderBook }),
    perpAdapter,
    vault,
  };
});
