// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title UniswapV3SeedPlanner
/// @notice Read-only maths an Ignition module needs to create a Uniswap V3 pool at a Chainlink
/// price and seed it with full-range liquidity: token order, the initial sqrtPriceX96, the
/// full-range ticks and the token amounts.
/// @dev Why on-chain: the pool's token0 is the lower token address, and the test tokens' addresses
/// only exist once the deployment runs, so an Ignition module cannot compute the order or the
/// sqrtPriceX96 when it is built. Ignition can, however, feed a `staticCall` result into a later
/// call, so the maths lives here and runs against the deployed tokens and feed. It mirrors
/// `sqrtPriceX96FromPrice` and `quoteToBase` in deploy/lib/uniswap.ts to the wei (same single
/// floor division, then a floor square root); a test pins the equivalence.
/// Holds no state and no tokens; nothing ever needs to trust it on-chain.
contract UniswapV3SeedPlanner {
    /// @dev TickMath.MIN_SQRT_RATIO / MAX_SQRT_RATIO / MAX_TICK of Uniswap V3 core.
    uint160 internal constant MIN_SQRT_RATIO = 4295128739;
    uint160 internal constant MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342;
    int24 internal constant MAX_TICK = 887272;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant Q192 = 2 ** 192;

    /// @notice The feed answered zero or less.
    error NonPositivePrice(int256 answer);
    /// @notice The price cannot be represented by a Uniswap V3 pool.
    error PriceOutOfRange(uint256 sqrtPriceX96);
    /// @notice Tick spacing must be positive (an unknown fee tier has spacing 0).
    error InvalidTickSpacing(int24 tickSpacing);
    /// @notice The two tokens are the same.
    error IdenticalTokens(address token);

    /// @notice The pool's token order: token0 is the lower address.
    function sortedTokens(address tokenA, address tokenB) public pure returns (address token0, address token1) {
        if (tokenA == tokenB) revert IdenticalTokens(tokenA);
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    /// @notice The feed's latest answer as a WAD (quote per whole base token). Only the sign is
    /// checked: this seeds a pool at deployment, it is not a trading oracle.
    function priceWad(AggregatorV3Interface feed) public view returns (uint256) {
        (, int256 answer, , , ) = feed.latestRoundData();
        if (answer <= 0) revert NonPositivePrice(answer);
        return uint256(answer) * 10 ** (18 - feed.decimals());
    }

    /// @notice sqrtPriceX96 at which one whole `base` is worth the feed's price in `quote`,
    /// rounded down. Uniswap prices token0 in raw token1 units.
    function sqrtPriceX96(address base, address quote, AggregatorV3Interface feed) external view returns (uint160) {
        uint256 price = priceWad(feed);
        uint256 baseScale = 10 ** IERC20Metadata(base).decimals();
        uint256 quoteScale = 10 ** IERC20Metadata(quote).decimals();
        (address token0, ) = sortedTokens(base, quote);
        // One floor division of the exact ratio * 2^192 (512-bit intermediate), as in the TS helper.
        uint256 ratioX192 =
            token0 == base
                ? Math.mulDiv(price * quoteScale, Q192, WAD * baseScale)
                : Math.mulDiv(WAD * baseScale, Q192, price * quoteScale);
        uint256 root = Math.sqrt(ratioX192);
        if (root < MIN_SQRT_RATIO || root >= MAX_SQRT_RATIO) revert PriceOutOfRange(root);
        return uint160(root);
    }

    /// @notice The widest ticks a position can use at `tickSpacing` (a full-range position).
    function fullRangeTicks(int24 tickSpacing) external pure returns (int24 tickLower, int24 tickUpper) {
        if (tickSpacing <= 0) revert InvalidTickSpacing(tickSpacing);
        tickUpper = (MAX_TICK / tickSpacing) * tickSpacing;
        tickLower = -tickUpper;
    }

    /// @notice Amounts to offer a full-range position worth `amountQuote` of quote on each side:
    /// `amountBase` of base at the feed's price (rounded down), and both in pool order.
    function seedAmounts(
        address base,
        address quote,
        AggregatorV3Interface feed,
        uint256 amountQuote
    ) external view returns (uint256 amount0, uint256 amount1, uint256 amountBase) {
        uint256 exponent = uint256(IERC20Metadata(base).decimals()) + 18 - IERC20Metadata(quote).decimals();
        amountBase = Math.mulDiv(amountQuote, 10 ** exponent, priceWad(feed));
        (address token0, ) = sortedTokens(base, quote);
        (amount0, amount1) = token0 == base ? (amountBase, amountQuote) : (amountQuote, amountBase);
    }
}
