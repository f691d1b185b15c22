/**
 * Real Uniswap V3 on a local chain, from the prebuilt artifacts of the `@uniswap/v3-core`,
 * `@uniswap/v3-periphery` and `@uniswap/swap-router-contracts` npm packages, plus the price maths needed to seed a pool at an oracle
 * price and to push it to any other price.
 *
 * Plain ethers v6 only (no Hardhat imports): every function takes a `Signer` or contracts that are
 * already connected, so the deploy scripts, the keeper, the demo and the tests can share it.
 *
 * Prices follow the on-chain convention of `OracleLib`: a WAD (18 decimals) of quote token per whole
 * base token, e.g. 3000e18 for 1 WETH = 3000 USDC. All amounts are bigints; nothing goes through
 * floating point.
 */
import { createRequire } from "node:module";
import {
  Contract,
  ContractFactory,
  MaxUint256,
  ZeroAddress,
  type ContractRunner,
  type InterfaceAbi,
  type Signer,
} from "ethers";

const require = createRequire(import.meta.url);

interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

function loadArtifact(path: string): Artifact {
  return require(path) as Artifact;
}

/** Artifacts as published on npm (v3-core 1.0.1, v3-periphery 1.4.4, swap-router-contracts 1.3.1). */
export const UNISWAP_ARTIFACTS = {
  factory: loadArtifact("@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json"),
  pool: loadArtifact("@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"),
  router: loadArtifact("@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"),
  quoter: loadArtifact("@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json"),
  positionManager: loadArtifact(
    "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
  ),
  /** The router Uniswap deploys on the public testnets (no `deadline` in its swap structs). */
  router02: loadArtifact("@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json"),
} as const;

const ERC20_ABI = [
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address account) view returns (uint256)",
];

/** 2^96, the fixed-point unit of `sqrtPriceX96`. */
export const Q96 = 1n << 96n;
const Q192 = Q96 * Q96;
const WAD = 10n ** 18n;
/** Bounds of `sqrtPriceX96` accepted by a pool (TickMath.MIN_SQRT_RATIO / MAX_SQRT_RATIO). */
export const MIN_SQRT_RATIO = 4295128739n;
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;
/** Bounds of a pool tick (TickMath.MIN_TICK / MAX_TICK). */
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
/** Denominator of a fee tier: fee 500 means 500 / 1e6 = 0.05%. */
const FEE_DENOMINATOR = 1_000_000n;

/** The deployed Uniswap V3 contracts, each connected to the deploying signer. */
export interface UniswapV3Deployment {
  factory: Contract;
  router: Contract;
  quoter: Contract;
  positionManager: Contract;
}

/**
 * A pool seen as a base/quote market. `base` is the priced token (WETH), `quote` the unit of the
 * price (USDC); either may be the pool's token0.
 */
export interface PoolPair {
  base: string;
  quote: string;
  baseDecimals: number;
  quoteDecimals: number;
  /** Fee tier in hundredths of a basis point (500 = 0.05%). */
  fee: number;
}

/** Result of a liquidity mint through the NonfungiblePositionManager. */
export interface MintedPosition {
  tokenId: bigint;
  liquidity: bigint;
  amount0: bigint;
  amount1: bigint;
  tickLower: number;
  tickUpper: number;
}

/** Result of `pushPoolToPrice`. */
export interface PushResult {
  /** Swaps sent (0 when the pool already sat at the target). */
  swaps: number;
  /** Token0 and token1 paid into the pool by the pusher, in raw units. */
  amount0In: bigint;
  amount1In: bigint;
  sqrtPriceX96: bigint;
  priceWad: bigint;
}

/**
 * Deploys UniswapV3Factory, SwapRouter, QuoterV2 and NonfungiblePositionManager from the npm
 * artifacts. `weth` is what the periphery treats as WETH9; it is only used for native-ETH
 * wrapping, so a plain test ERC-20 works. The position manager's token descriptor is set to the
 * signer's address: it is only read by `tokenURI`, which nothing here calls.
 */
export async function deployUniswapV3(signer: Signer, weth: string): Promise<UniswapV3Deployment> {
  const deploy = async (artifact: Artifact, ...args: unknown[]): Promise<Contract> => {
    const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
    await contract.waitForDeployment();
    return new Contract(await contract.getAddress(), artifact.abi, signer);
  };
  const factory = await deploy(UNISWAP_ARTIFACTS.factory);
  const factoryAddress = await factory.getAddress();
  const router = await deploy(UNISWAP_ARTIFACTS.router, factoryAddress, weth);
  const quoter = await deploy(UNISWAP_ARTIFACTS.quoter, factoryAddress, weth);
  const descriptor = await signer.getAddress();
  const positionManager = await deploy(UNISWAP_ARTIFACTS.positionManager, factoryAddress, weth, descriptor);
  return { factory, router, quoter, positionManager };
}

/**
 * Deploys SwapRouter02 from the npm artifact against an existing V3 factory and position manager,
 * connected to `signer`. Its V2 factory is the zero address by default: the spot venue only takes
 * single-pool V3 routes, so the V2 half of the router is never reached. SwapRouter02 derives pool
 * addresses from the init-code hash compiled into it, which equals the npm v3-core pool's
 * (`keccak256(UNISWAP_ARTIFACTS.pool.bytecode)`), so it finds pools of `deployUniswapV3`'s factory.
 */
export async function deploySwapRouter02(
  signer: Signer,
  factoryV3: string,
  positionManager: string,
  weth: string,
  factoryV2: string = ZeroAddress,
): Promise<Contract> {
  const { abi, bytecode } = UNISWAP_ARTIFACTS.router02;
  const router = await new ContractFactory(abi, bytecode, signer).deploy(factoryV2, factoryV3, positionManager, weth);
  await router.waitForDeployment();
  return new Contract(await router.getAddress(), abi, signer);
}

/** Attaches the UniswapV3Pool ABI to an address. */
export function poolAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, UNISWAP_ARTIFACTS.pool.abi, runner);
}

/** The pool for (tokenA, tokenB, fee) from the factory; throws if it does not exist. */
export async function getPool(factory: Contract, tokenA: string, tokenB: string, fee: number): Promise<Contract> {
  const address: string = await factory.getPool(tokenA, tokenB, fee);
  if (BigInt(address) === 0n) throw new Error(`no Uniswap V3 pool for ${tokenA}/${tokenB} fee ${fee}`);
  return poolAt(address, factory.runner as ContractRunner);
}

/** The pool's (token0, token1): the lower address is token0. */
export function sortTokens(tokenA: string, tokenB: string): [string, string] {
  const a = BigInt(tokenA);
  const b = BigInt(tokenB);
  if (a === b) throw new Error(`identical tokens ${tokenA}`);
  return a < b ? [tokenA, tokenB] : [tokenB, tokenA];
}

/** floor(sqrt(n)) for any non-negative bigint (Newton's method from an upper bound). */
export function sqrtBigInt(n: bigint): bigint {
  if (n < 0n) throw new Error("square root of a negative number");
  if (n < 2n) return n;
  // Start at 2^ceil(bits/2) >= sqrt(n); the iteration then decreases monotonically to the floor.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * The pool `sqrtPriceX96` at which one whole `baseToken` is worth `priceWad / 1e18` whole
 * `quoteToken`, rounded down. Uniswap prices token0 in token1 raw units:
 * sqrtPriceX96 = sqrt(raw1 / raw0) * 2^96, and raw1 / raw0 is price * 10^quoteDec / 10^baseDec
 * when base is token0, its inverse otherwise.
 */
export function sqrtPriceX96FromPrice(
  priceWad: bigint,
  baseToken: string,
  quoteToken: string,
  baseDecimals: number,
  quoteDecimals: number,
): bigint {
  if (priceWad <= 0n) throw new Error(`price must be positive, got ${priceWad}`);
  const [token0] = sortTokens(baseToken, quoteToken);
  const baseScale = 10n ** BigInt(baseDecimals);
  const quoteScale = 10n ** BigInt(quoteDecimals);
  // Multiply everything before the single division so the only rounding is the final floor.
  const ratioX192 =
    BigInt(token0) === BigInt(baseToken)
      ? (priceWad * quoteScale * Q192) / (WAD * baseScale)
      : (WAD * baseScale * Q192) / (priceWad * quoteScale);
  const sqrtPriceX96 = sqrtBigInt(ratioX192);
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new Error(`price ${priceWad} is outside the range a Uniswap V3 pool can represent`);
  }
  return sqrtPriceX96;
}

/** Inverse of `sqrtPriceX96FromPrice`: quote per whole base as a WAD, rounded down. */
export function priceFromSqrtPriceX96(
  sqrtPriceX96: bigint,
  baseToken: string,
  quoteToken: string,
  baseDecimals: number,
  quoteDecimals: number,
): bigint {
  if (sqrtPriceX96 <= 0n) throw new Error(`sqrtPriceX96 must be positive, got ${sqrtPriceX96}`);
  const [token0] = sortTokens(baseToken, quoteToken);
  const baseScale = 10n ** BigInt(baseDecimals);
  const quoteScale = 10n ** BigInt(quoteDecimals);
  const ratioX192 = sqrtPriceX96 * sqrtPriceX96;
  return BigInt(token0) === BigInt(baseToken)
    ? (ratioX192 * WAD * baseScale) / (Q192 * quoteScale)
    : (Q192 * WAD * baseScale) / (ratioX192 * quoteScale);
}

/** Quote-token value of `amountBase` at `priceWad`, rounded down (mirrors OracleLib.baseToQuoteDown). */
export function baseToQuote(amountBase: bigint, priceWad: bigint, baseDecimals: number, quoteDecimals: number): bigint {
  return (amountBase * priceWad) / 10n ** BigInt(baseDecimals + 18 - quoteDecimals);
}

/** Base-token amount worth `amountQuote` at `priceWad`, rounded down (mirrors OracleLib.quoteToBaseDown). */
export function quoteToBase(
  amountQuote: bigint,
  priceWad: bigint,
  baseDecimals: number,
  quoteDecimals: number,
): bigint {
  return (amountQuote * 10n ** BigInt(baseDecimals + 18 - quoteDecimals)) / priceWad;
}

/** The pool's current price as quote per whole base (WAD), from slot0. */
export async function poolPriceWad(pool: Contract, pair: PoolPair): Promise<bigint> {
  const { sqrtPriceX96 } = await pool.slot0();
  return priceFromSqrtPriceX96(sqrtPriceX96, pair.base, pair.quote, pair.baseDecimals, pair.quoteDecimals);
}

/**
 * Creates the pair's pool and initialises it at `priceWad` (through the position manager's
 * `createAndInitializePoolIfNecessary`). A pool that already exists and is initialised is left at
 * its price: use `pushPoolToPrice` to move it.
 */
export async function createPoolAtPrice(
  signer: Signer,
  uniswap: Pick<UniswapV3Deployment, "factory" | "positionManager">,
  pair: PoolPair,
  priceWad: bigint,
): Promise<Contract> {
  const [token0, token1] = sortTokens(pair.base, pair.quote);
  const sqrtPriceX96 = sqrtPriceX96FromPrice(priceWad, pair.base, pair.quote, pair.baseDecimals, pair.quoteDecimals);
  const pm = uniswap.positionManager.connect(signer) as Contract;
  await (await pm.createAndInitializePoolIfNecessary(token0, token1, pair.fee, sqrtPriceX96)).wait();
  return getPool(uniswap.factory.connect(signer) as Contract, token0, token1, pair.fee);
}

/** Options of `addLiquidity`. */
export interface AddLiquidityOptions {
  /** Base and quote tokens offered (raw units); the position manager takes as much as fits the price. */
  amountBase: bigint;
  amountQuote: bigint;
  /**
   * Half-width of a concentrated position in ticks around the current tick (1 tick = 0.01% of
   * price; rounded outwards to the pool's tick spacing). Omit for a full-range position.
   */
  halfWidthTicks?: number;
  /** Owner of the position NFT; the signer by default. */
  recipient?: string;
}

/**
 * Mints a liquidity position with the signer's tokens (approving the position manager for the
 * offered amounts). Full range by default, which makes the pool behave like a constant-product
 * pool with one liquidity value L at every price; pass `halfWidthTicks` for a concentrated range
 * around the current price (deeper near the price, empty outside the range).
 */
export async function addLiquidity(
  signer: Signer,
  positionManager: Contract,
  pool: Contract,
  pair: PoolPair,
  options: AddLiquidityOptions,
): Promise<MintedPosition> {
  const [token0, token1] = sortTokens(pair.base, pair.quote);
  const baseIs0 = BigInt(token0) === BigInt(pair.base);
  const amount0Desired = baseIs0 ? options.amountBase : options.amountQuote;
  const amount1Desired = baseIs0 ? options.amountQuote : options.amountBase;
  const spacing = Number(await pool.tickSpacing());
  let tickLower: number;
  let tickUpper: number;
  if (options.halfWidthTicks === undefined) {
    tickLower = Math.ceil(MIN_TICK / spacing) * spacing;
    tickUpper = Math.floor(MAX_TICK / spacing) * spacing;
  } else {
    const { tick } = await pool.slot0();
    const current = Number(tick);
    tickLower = Math.max(
      Math.floor((current - options.halfWidthTicks) / spacing) * spacing,
      Math.ceil(MIN_TICK / spacing) * spacing,
    );
    tickUpper = Math.min(
      Math.ceil((current + options.halfWidthTicks) / spacing) * spacing,
      Math.floor(MAX_TICK / spacing) * spacing,
    );
  }
  const pmAddress = await positionManager.getAddress();
  await (await new Contract(token0, ERC20_ABI, signer).approve(pmAddress, amount0Desired)).wait();
  await (await new Contract(token1, ERC20_ABI, signer).approve(pmAddress, amount1Desired)).wait();
  const pm = positionManager.connect(signer) as Contract;
  const tx = await pm.mint({
    token0,
    token1,
    fee: pair.fee,
    tickLower,
    tickUpper,
    amount0Desired,
    amount1Desired,
    amount0Min: 0n,
    amount1Min: 0n,
    recipient: options.recipient ?? (await signer.getAddress()),
    deadline: MaxUint256,
  });
  const receipt = await tx.wait();
  for (const log of receipt?.logs ?? []) {
    // Only the manager's own logs: the tokens' ERC-20 Transfer shares its topic with the
    // manager's ERC-721 Transfer but not its layout, and would not decode.
    if (log.address.toLowerCase() !== pmAddress.toLowerCase()) continue;
    const parsed = pm.interface.parseLog(log);
    if (parsed?.name === "IncreaseLiquidity") {
      const [tokenId, liquidity, amount0, amount1] = parsed.args;
      return { tokenId, liquidity, amount0, amount1, tickLower, tickUpper };
    }
  }
  throw new Error("mint emitted no IncreaseLiquidity event");
}

/** Full-range `addLiquidity`. */
export async function addFullRangeLiquidity(
  signer: Signer,
  positionManager: Contract,
  pool: Contract,
  pair: PoolPair,
  amountBase: bigint,
  amountQuote: bigint,
): Promise<MintedPosition> {
  return addLiquidity(signer, positionManager, pool, pair, { amountBase, amountQuote });
}

/**
 * Swaps exactly `amountIn` through `SwapRouter.exactInputSingle`, approving the router first.
 * `sqrtPriceLimitX96` of 0 means no limit. Returns the mined receipt.
 */
export async function swapExactInputSingle(
  signer: Signer,
  router: Contract,
  params: {
    tokenIn: string;
    tokenOut: string;
    fee: number;
    amountIn: bigint;
    amountOutMinimum?: bigint;
    recipient?: string;
    sqrtPriceLimitX96?: bigint;
  },
) {
  const r = router.connect(signer) as Contract;
  await (await new Contract(params.tokenIn, ERC20_ABI, signer).approve(await r.getAddress(), params.amountIn)).wait();
  const tx = await r.exactInputSingle({
    tokenIn: params.tokenIn,
    tokenOut: params.tokenOut,
    fee: params.fee,
    recipient: params.recipient ?? (await signer.getAddress()),
    deadline: MaxUint256,
    amountIn: params.amountIn,
    amountOutMinimum: params.amountOutMinimum ?? 0n,
    sqrtPriceLimitX96: params.sqrtPriceLimitX96 ?? 0n,
  });
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("swap transaction was dropped");
  return receipt;
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/**
 * Token0 needed to move the price down from `sqrtFrom` to `sqrtTo` (< sqrtFrom) within one range
 * of liquidity L, before fees: Δx = L * 2^96 * (sqrtFrom - sqrtTo) / (sqrtFrom * sqrtTo), rounded up.
 */
export function amount0Delta(liquidity: bigint, sqrtFrom: bigint, sqrtTo: bigint): bigint {
  const [hi, lo] = sqrtFrom > sqrtTo ? [sqrtFrom, sqrtTo] : [sqrtTo, sqrtFrom];
  return ceilDiv(ceilDiv(liquidity * Q96 * (hi - lo), hi), lo);
}

/**
 * Token1 needed to move the price up from `sqrtFrom` to `sqrtTo` (> sqrtFrom) within one range of
 * liquidity L, before fees: Δy = L * (sqrtTo - sqrtFrom) / 2^96, rounded up.
 */
export function amount1Delta(liquidity: bigint, sqrtFrom: bigint, sqrtTo: bigint): bigint {
  const diff = sqrtTo > sqrtFrom ? sqrtTo - sqrtFrom : sqrtFrom - sqrtTo;
  return ceilDiv(liquidity * diff, Q96);
}

/** Options of `pushPoolToPrice`. */
export interface PushOptions {
  /**
   * Called before each swap with the input token and amount; use it to mint or transfer the
   * pusher's input (e.g. `TestERC20.mint`). Without it the signer must already hold enough.
   */
  fund?: (token: string, amount: bigint) => Promise<void>;
  /** Most swaps to send before giving up (default 8). */
  maxSwaps?: number;
}

/**
 * Trades the pool to `targetPriceWad` (quote per whole base) through the router, as an arbitrageur
 * or a sandwich attacker would. Each swap's input is computed from the pool's active liquidity
 * and the two sqrt prices (Δx or Δy above, grossed up for the fee, plus a 0.1% margin) and the
 * swap carries the target as its `sqrtPriceLimitX96`, so the pool stops exactly at the target and
 * takes only the input it needs. If the move crosses initialised ticks (concentrated liquidity),
 * one swap may fall short; the loop then recomputes from the new state. Output goes to the signer.
 */
export async function pushPoolToPrice(
  signer: Signer,
  router: Contract,
  pool: Contract,
  pair: PoolPair,
  targetPriceWad: bigint,
  options: PushOptions = {},
): Promise<PushResult> {
  const [token0, token1] = sortTokens(pair.base, pair.quote);
  const target = sqrtPriceX96FromPrice(targetPriceWad, pair.base, pair.quote, pair.baseDecimals, pair.quoteDecimals);
  const fee = BigInt(pair.fee);
  const signerAddress = await signer.getAddress();
  const result: PushResult = { swaps: 0, amount0In: 0n, amount1In: 0n, sqrtPriceX96: 0n, priceWad: 0n };
  const maxSwaps = options.maxSwaps ?? 8;

  for (;;) {
    const { sqrtPriceX96 } = await pool.slot0();
    const current = BigInt(sqrtPriceX96);
    result.sqrtPriceX96 = current;
    if (current === target) break;
    if (result.swaps >= maxSwaps) {
      throw new Error(`pool did not reach sqrtPriceX96 ${target} after ${maxSwaps} swaps (at ${current})`);
    }
    const zeroForOne = target < current;
    const liquidity = BigInt(await pool.liquidity());
    const net = zeroForOne ? amount0Delta(liquidity, current, target) : amount1Delta(liquidity, current, target);
    // Gross up for the fee (taken from the input), then 0.1% spare for rounding; the price limit
    // makes any spare go unspent. At least 1 so an empty range (L = 0) is crossed.
    const gross = ceilDiv(net * FEE_DENOMINATOR, FEE_DENOMINATOR - fee);
    const amountIn = gross + gross / 1000n + 1n;
    const tokenIn = zeroForOne ? token0 : token1;
    const tokenOut = zeroForOne ? token1 : token0;
    if (options.fund) await options.fund(tokenIn, amountIn);
    const token = new Contract(tokenIn, ERC20_ABI, signer);
    const before: bigint = await token.balanceOf(signerAddress);
    if (before < amountIn) {
      throw new Error(`pusher holds ${before} of ${tokenIn} but the move needs ${amountIn}; pass options.fund`);
    }
    await swapExactInputSingle(signer, router, {
      tokenIn,
      tokenOut,
      fee: pair.fee,
      amountIn,
      sqrtPriceLimitX96: target,
    });
    const spent = before - (await token.balanceOf(signerAddress));
    if (zeroForOne) result.amount0In += spent;
    else result.amount1In += spent;
    result.swaps += 1;
  }
  result.priceWad = priceFromSqrtPriceX96(
    result.sqrtPriceX96,
    pair.base,
    pair.quote,
    pair.baseDecimals,
    pair.quoteDecimals,
  );
  return result;
}
