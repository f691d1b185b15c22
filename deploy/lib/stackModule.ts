/**
 * The part of the vault stack that the local and testnet Ignition modules share: the USDC/WETH
 * Uniswap V3 pool created at the oracle price and seeded with full-range liquidity, the spot
 * venue, the PerpMarket with a funded pool and its adapter, and the vault with its roles.
 *
 * Each function takes the calling module's builder, so every parameter it reads
 * (`m.getParameter`) belongs to that module (`LocalStack` or `TestnetStack`) and one parameter
 * file section configures the whole stack. `deploy/params.ts` validates those parameters.
 */
import { createRequire } from "node:module";
import { MaxUint256, ZeroAddress } from "ethers";
import type {
  AccountRuntimeValue,
  Artifact,
  ArgumentType,
  CallableContractFuture,
  IgnitionModuleBuilder,
} from "@nomicfoundation/ignition-core";
import { HEDGE_MODE, NO_ASSET_FEED } from "./vaultLibraries.js";

const require = createRequire(import.meta.url);

/**
 * Full Hardhat-format artifacts from the npm packages (v3-core 1.0.1, v3-periphery 1.4.4,
 * swap-router-contracts 1.3.1). The testnet module only uses their ABIs, to address the public
 * deployments.
 */
export const UNISWAP_IGNITION_ARTIFACTS = {
  factory: require("@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json") as Artifact,
  pool: require("@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json") as Artifact,
  router: require("@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json") as Artifact,
  quoter: require("@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json") as Artifact,
  positionManager:
    require("@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json") as Artifact,
  router02:
    require("@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json") as Artifact,
};

/** The spot adapter matching each router kind: the original SwapRouter or SwapRouter02. */
export const SPOT_VENUE_CONTRACTS = { SwapRouter: "UniswapV3SpotVenue", SwapRouter02: "UniswapV3SpotVenue02" } as const;

/** The contracts the stack trades against, deployed by the calling module or a sub-module. */
export interface StackInputs {
  usdc: CallableContractFuture<string>;
  weth: CallableContractFuture<string>;
  factory: CallableContractFuture<string>;
  router: CallableContractFuture<string>;
  quoter: CallableContractFuture<string>;
  positionManager: CallableContractFuture<string>;
  /** ETH/USD Chainlink aggregator: a deployed mock or a parameter holding a real feed's address. */
  feed: ArgumentType;
  sequencerUptimeFeed: ArgumentType;
  sequencerGracePeriod: ArgumentType;
  /** The asset's own USD feed and its heartbeat (VaultInputs); none values the asset at $1. */
  assetFeed?: ArgumentType;
  assetHeartbeat?: ArgumentType;
  /** Which router `router` is, hence which spot adapter to deploy; SwapRouter (v1) if omitted. */
  routerKind?: keyof typeof SPOT_VENUE_CONTRACTS;
  /**
   * Defaults of the role parameters; a module without defaults makes them required (testnets:
   * a keeper or guardian silently equal to the deployer would be a surprise).
   */
  roleDefaults?: { keeper: AccountRuntimeValue; guardian: AccountRuntimeValue; feeRecipient: AccountRuntimeValue };
  /**
   * Deploy the PerpMarket in delayed mode, with a DelayedOrders book configured by the parameter
   * `perpOrders` (`minDelay`, `maxDelay` in seconds, `executionFee` in USDC units). Ignition
   * cannot branch on a parameter's value, so the mode is the module's choice.
   */
  delayedOrders?: boolean;
}

/**
 * Creates the USDC/WETH pool at the feed's price and seeds it with full-range liquidity minted
 * from the test tokens. Token order, sqrtPriceX96, ticks and amounts come from
 * `UniswapV3SeedPlanner` static calls because the token addresses (hence token0) are only known
 * while the deployment runs; see that contract for why.
 */
export function buildSeededPool(m: IgnitionModuleBuilder, inputs: StackInputs) {
  const { usdc, weth, factory, positionManager, feed } = inputs;
  const deployer = m.getAccount(0);
  const fee = m.getParameter<number>("poolFee");
  const liquidityUsdc = m.getParameter<bigint>("poolLiquidityUsdc");

  const planner = m.contract("UniswapV3SeedPlanner");
  const token0 = m.staticCall(planner, "sortedTokens", [weth, usdc], "token0", { id: "Plan_token0" });
  const token1 = m.staticCall(planner, "sortedTokens", [weth, usdc], "token1", { id: "Plan_token1" });
  const sqrtPriceX96 = m.staticCall(planner, "sqrtPriceX96", [weth, usdc, feed], 0, { id: "Plan_sqrtPriceX96" });
  const tickSpacing = m.staticCall(factory, "feeAmountTickSpacing", [fee], 0, { id: "Plan_tickSpacing" });
  const tickLower = m.staticCall(planner, "fullRangeTicks", [tickSpacing], "tickLower", { id: "Plan_tickLower" });
  const tickUpper = m.staticCall(planner, "fullRangeTicks", [tickSpacing], "tickUpper", { id: "Plan_tickUpper" });
  const amountArgs = [weth, usdc, feed, liquidityUsdc];
  const amount0 = m.staticCall(planner, "seedAmounts", amountArgs, "amount0", { id: "Plan_amount0" });
  const amount1 = m.staticCall(planner, "seedAmounts", amountArgs, "amount1", { id: "Plan_amount1" });
  const amountWeth = m.staticCall(planner, "seedAmounts", amountArgs, "amountBase", { id: "Plan_amountWeth" });

  const createPool = m.call(positionManager, "createAndInitializePoolIfNecessary", [token0, token1, fee, sqrtPriceX96]);
  // The position manager calls the factory, so the factory is the event's emitter.
  const poolAddress = m.readEventArgument(createPool, "PoolCreated", "pool", { emitter: factory });
  const pool = m.contractAt("UniswapV3Pool", UNISWAP_IGNITION_ARTIFACTS.pool, poolAddress);

  const mintUsdc = m.call(usdc, "mint", [deployer, liquidityUsdc], { id: "USDC_mint_poolLiquidity" });
  const mintWeth = m.call(weth, "mint", [deployer, amountWeth], { id: "WETH_mint_poolLiquidity" });
  const approveUsdc = m.call(usdc, "approve", [positionManager, liquidityUsdc], { id: "USDC_approve_positionManager" });
  const approveWeth = m.call(weth, "approve", [positionManager, amountWeth], { id: "WETH_approve_positionManager" });
  const seed = m.call(
    positionManager,
    "mint",
    [
      {
        token0,
        token1,
        fee,
        tickLower,
        tickUpper,
        amount0Desired: amount0,
        amount1Desired: amount1,
        // A fresh pool at a price we just set: nothing can move it between these transactions
        // that the deployer would need protecting from, and on a testnet a feed update between
        // the plan and the mint only leaves a little of one token unspent.
        amount0Min: 0n,
        amount1Min: 0n,
        recipient: deployer,
        deadline: MaxUint256,
      },
    ],
    { id: "SeedFullRangeLiquidity", after: [createPool, mintUsdc, mintWeth, approveUsdc, approveWeth] },
  );
  return { planner, pool, seed };
}

/** Spot venue, PerpMarket (funded pool), adapter and the vault with keeper, guardian and fees. */
export function buildVenuesAndVault(m: IgnitionModuleBuilder, inputs: StackInputs) {
  const { usdc, weth, router, quoter, feed, roleDefaults } = inputs;
  const deployer = m.getAccount(0);
  const fee = m.getParameter<number>("poolFee");
  const perpPoolUsdc = m.getParameter<bigint>("perpPoolUsdc");
  const keeper = roleDefaults ? m.getParameter("keeper", roleDefaults.keeper) : m.getParameter("keeper");
  const guardian = roleDefaults ? m.getParameter("guardian", roleDefaults.guardian) : m.getParameter("guardian");
  const feeRecipient = roleDefaults
    ? m.getParameter("feeRecipient", roleDefaults.feeRecipient)
    : m.getParameter("feeRecipient");

  const feedConfig = {
    aggregator: feed,
    heartbeat: m.getParameter<number>("heartbeat"),
    sequencerUptimeFeed: inputs.sequencerUptimeFeed,
    sequencerGracePeriod: inputs.sequencerGracePeriod,
  };

  const spotVenue = m.contract(SPOT_VENUE_CONTRACTS[inputs.routerKind ?? "SwapRouter"], [
    router,
    quoter,
    usdc,
    weth,
    fee,
  ]);

  // In delayed mode the book comes first: the market names it at construction, then it binds.
  const orderBook = inputs.delayedOrders ? m.contract("DelayedOrders", [m.getParameter("perpOrders")]) : undefined;
  // The market also takes the spot token as collateral (the vault's SpotCollateral mode).
  const perpMarket = m.contract("PerpMarket", [
    usdc,
    feedConfig,
    m.getParameter("perpParams"),
    weth,
    orderBook ?? ZeroAddress,
  ]);
  const bindBook = orderBook === undefined ? [] : [m.call(orderBook, "bindMarket", [perpMarket])];
  const mintPerp = m.call(usdc, "mint", [deployer, perpPoolUsdc], { id: "USDC_mint_perpPool" });
  const approvePerp = m.call(usdc, "approve", [perpMarket, perpPoolUsdc], { id: "USDC_approve_perpMarket" });
  const fundPool = m.call(perpMarket, "fundPool", [perpPoolUsdc], { after: [mintPerp, approvePerp] });
  const perpAdapter = m.contract("PerpMarketAdapter", [perpMarket]);

  // The deployer is the first admin: `setKeeper` and `setFees` are owner-only and must run inside
  // this deployment. A testnet module then hands ownership over (two-step) to its `admin`.
  const { vault, libraries } = buildVault(m, {
    asset: usdc,
    spotToken: weth,
    spotVenue,
    perpVenue: perpAdapter,
    feed: feedConfig,
    assetFeed: inputs.assetFeed,
    assetHeartbeat: inputs.assetHeartbeat,
    admin: deployer,
    guardian,
  });
  const bind = m.call(perpAdapter, "bindVault", [vault]);
  const setKeeper = m.call(vault, "setKeeper", [keeper, true]);
  // Always called: a recipient is required, so (0, 0, recipient) differs from the initial
  // all-zero config and never reverts with ParameterUnchanged.
  const setFees = m.call(vault, "setFees", [
    m.getParameter<number>("managementFeeBps"),
    m.getParameter<number>("performanceFeeBps"),
    feeRecipient,
  ]);
  return {
    spotVenue,
    perpMarket,
    orderBook,
    perpAdapter,
    vault,
    libraries,
    wiring: [fundPool, bind, setKeeper, setFees, ...bindBook],
  };
}

/** What the vault is wired to: deployed in the same module or given as addresses. */
export interface VaultInputs {
  asset: ArgumentType;
  spotToken: ArgumentType;
  spotVenue: ArgumentType;
  perpVenue: ArgumentType;
  /** The spot token's USD feed and its checks (`OracleLib.Feed`). */
  feed: ArgumentType;
  /** The asset's own USD feed (e.g. USDC/USD); the zero address or none values the asset at $1. */
  assetFeed?: ArgumentType;
  /** Seconds the asset's feed may go without an update. */
  assetHeartbeat?: ArgumentType;
  admin: ArgumentType;
  guardian: ArgumentType;
}

/**
 * The vault and the libraries it links, named and configured by the module's parameters
 * (`vaultName`, `vaultSymbol`, `bands`, `strategy`, `depositCap`, and `hedgeMode`: 0 CashMargin, the
 * default, or 1 SpotCollateral, which needs a perp venue that takes the spot token as collateral).
 * Linked, not inlined: the vault
 * would exceed the contract size limit otherwise (deploy/lib/vaultLibraries.ts says which library
 * holds what).
 */
export function buildVault(m: IgnitionModuleBuilder, inputs: VaultInputs) {
  const vaultMath = m.library("VaultMath");
  const vaultParams = m.library("VaultParams");
  const vaultTrading = m.library("VaultTrading", { libraries: { VaultMath: vaultMath } });
  const spotCollateralTrading = m.library("SpotCollateralTrading");
  const vaultBands = m.library("VaultBands");
  const vaultPrices = m.library("VaultPrices");
  const assetFeed =
    inputs.assetFeed === undefined
      ? NO_ASSET_FEED
      : {
          aggregator: inputs.assetFeed,
          heartbeat: inputs.assetHeartbeat ?? 0,
          // The sequencer is checked with the spot token's feed.
          sequencerUptimeFeed: NO_FEED,
          sequencerGracePeriod: 0,
        };
  const vault = m.contract(
    "DeltaNeutralVault",
    [
      {
        asset: inputs.asset,
        spotToken: inputs.spotToken,
        spotVenue: inputs.spotVenue,
        perpVenue: inputs.perpVenue,
        feed: inputs.feed,
        assetFeed,
        admin: inputs.admin,
        guardian: inputs.guardian,
        name: m.getParameter<string>("vaultName"),
        symbol: m.getParameter<string>("vaultSymbol"),
        bands: m.getParameter("bands"),
        strategy: m.getParameter("strategy"),
        depositCap: m.getParameter<bigint>("depositCap"),
        hedgeMode: m.getParameter<number>("hedgeMode", HEDGE_MODE.CashMargin),
      },
    ],
    {
      libraries: {
        VaultMath: vaultMath,
        VaultParams: vaultParams,
        VaultTrading: vaultTrading,
        SpotCollateralTrading: spotCollateralTrading,
        VaultBands: vaultBands,
        VaultPrices: vaultPrices,
      },
    },
  );
  return { vault, libraries: { vaultMath, vaultParams, vaultTrading, spotCollateralTrading, vaultBands, vaultPrices } };
}

/** The zero address, for feeds a network does not have (no sequencer on a local chain or L1). */
export const NO_FEED = ZeroAddress;
