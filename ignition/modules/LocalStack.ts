import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { buildSeededPool, buildVenuesAndVault, NO_FEED } from "../../deploy/lib/stackModule.js";
import TestTokensModule from "./TestTokens.js";
import UniswapV3Module from "./UniswapV3.js";

/**
 * The whole stack on a local chain (`npx hardhat node`, or in-process in tests): test tokens, a
 * Chainlink MockV3Aggregator (8 decimals) answering `oracleAnswer`, real Uniswap V3 with a
 * USDC/WETH pool created at that price and seeded with full-range liquidity, the spot venue,
 * PerpMarket with a funded pool, the adapter bound to the vault, and the vault with keeper,
 * guardian and fee recipient (accounts #3, #4 and #0 unless the parameters name others, the
 * same accounts as deploy/lib/stack/vaultStack.ts). The PerpMarket is handed to account #1,
 * never the vault's admin (the deployer).
 *
 * Parameters: ignition/parameters/local.json, validated by deploy/params.ts (run through
 * deploy/deploy.ts, which validates before anything is sent). Optional: `sequencerUptimeFeed` and
 * `sequencerGracePeriod` (an L2 sequencer check for the market and the vault), `assetFeed` and
 * `assetHeartbeat` (the asset's own USD feed). The tests, the demo and the benches deploy their
 * stack through this module too (deploy/lib/stack/vaultStack.ts).
 *
 * `LocalDelayedStackModule` is the same stack with the PerpMarket in delayed mode (orders fill at
 * the next oracle round, IDelayedOrders), its book configured by the parameter `perpOrders`.
 */
export default localStack("LocalStack", false);
export const LocalDelayedStackModule = localStack("LocalDelayedStack", true);

function localStack(id: string, delayedOrders: boolean) {
  return buildModule(id, (m) => {
    const { usdc, weth } = m.useModule(TestTokensModule);
    const { factory, router, quoter, positionManager } = m.useModule(UniswapV3Module);
    const oracle = m.contract("MockV3Aggregator", [8, m.getParameter<bigint>("oracleAnswer")]);

    const inputs = {
      usdc,
      weth,
      factory,
      router,
      quoter,
      positionManager,
      feed: oracle,
      // None on a local chain unless the parameters name them (e.g. a test's uptime-feed double).
      sequencerUptimeFeed: m.getParameter("sequencerUptimeFeed", NO_FEED),
      sequencerGracePeriod: m.getParameter("sequencerGracePeriod", 0),
      assetFeed: m.getParameter("assetFeed", NO_FEED),
      assetHeartbeat: m.getParameter("assetHeartbeat", 0),
      roleDefaults: { keeper: m.getAccount(3), guardian: m.getAccount(4), feeRecipient: m.getAccount(0) },
      delayedOrders,
    };
    const { planner, pool } = buildSeededPool(m, inputs);
    const { spotVenue, perpMarket, orderBook, perpAdapter, vault, libraries, wiring } = buildVenuesAndVault(m, inputs);
    // A local account's key is at hand, so the two-step handover completes in the deployment.
    const marketOwner = m.getAccount(1);
    const propose = m.call(perpMarket, "transferOwnership", [marketOwner], {
      id: "PerpMarket_proposeOwner",
      after: wiring,
    });
    m.call(perpMarket, "acceptOwnership", [], { id: "PerpMarket_acceptOwner", from: marketOwner, after: [propose] });
    // The keeper batches its reads through Multicall3 (canonical address on public chains).
    const multicall3 = m.contract("Multicall3");

    return {
      usdc,
      weth,
      oracle,
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
      ...libraries,
      multicall3,
      ...(orderBook ? { orderBook } : {}),
    };
  });
}
