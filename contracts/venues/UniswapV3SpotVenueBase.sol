// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ISpotVenue} from "../interfaces/ISpotVenue.sol";
import {IUniswapV3QuoterV2} from "./uniswap/IUniswapV3QuoterV2.sol";

/// @title UniswapV3SpotVenueBase
/// @notice `ISpotVenue` over one Uniswap V3 pool (two tokens and a fee tier), quoting through
/// `QuoterV2`. Everything but the router call lives here, so the SwapRouter and SwapRouter02
/// adapters cannot drift apart in their checks, errors or events: a subclass only implements
/// `_routerExactInputSingle`. Stateless: every setting is immutable and the adapter holds tokens
/// only inside a `swapExactIn` call.
/// @dev Why no ReentrancyGuard: the adapter has no storage and starts and ends every call with no
/// balance. `swapExactIn` pulls exactly `amountIn` from its caller and the router immediately pulls
/// that same amount on to the pool; output goes from the pool to `recipient`. A re-entrant call
/// (through a token hook, say) can only move the re-entering caller's own funds, and cannot reach
/// the outer call's input because the router charges each swap exactly its own `amountIn`.
/// Skipping the guard saves two storage writes per swap, which matters for the vault's gas budget.
///
/// Tokens that take a fee on transfer or rebase are not supported: the pulled amount is assumed to
/// equal `amountIn` and the router's reported output is assumed to reach `recipient` in full.
abstract contract UniswapV3SpotVenueBase is ISpotVenue {
    using SafeERC20 for IERC20;

    /// @notice A constructor argument was the zero address.
    error ZeroAddress();
    /// @notice Both tokens of the pair were the same.
    error IdenticalTokens(address token);

    /// @notice Uniswap V3 router that executes swaps (SwapRouter or SwapRouter02, per subclass).
    /// Stored as a plain address so both subclasses expose the same `router()` getter.
    address public immutable router;
    /// @notice Uniswap V3 QuoterV2 used by `quoteExactIn`.
    IUniswapV3QuoterV2 public immutable quoter;
    /// @notice One token of the pool (order is irrelevant; it need not be the pool's token0).
    address public immutable tokenA;
    /// @notice The other token of the pool.
    address public immutable tokenB;
    /// @notice Pool fee tier in hundredths of a basis point (500 = 0.05%).
    uint24 public immutable fee;

    /// @param router_ Uniswap V3 router of the subclass's kind.
    /// @param quoter_ Uniswap V3 QuoterV2 deployed against the same factory.
    /// @param tokenA_ One token of the pair.
    /// @param tokenB_ The other token of the pair.
    /// @param fee_ Fee tier of the pool to trade in.
    constructor(address router_, address quoter_, address tokenA_, address tokenB_, uint24 fee_) {
        if (router_ == address(0) || quoter_ == address(0) || tokenA_ == address(0) || tokenB_ == address(0)) {
            revert ZeroAddress();
        }
        if (tokenA_ == tokenB_) revert IdenticalTokens(tokenA_);
        router = router_;
        quoter = IUniswapV3QuoterV2(quoter_);
        tokenA = tokenA_;
        tokenB = tokenB_;
        fee = fee_;
        // One unlimited approval per token instead of one per swap: OpenZeppelin-style tokens do not
        // spend an infinite allowance, so each swap saves an approval write. Safe because the
        // adapter's balance is zero between calls, so the router can never pull more than the
        // swap in progress put here.
        IERC20(tokenA_).forceApprove(router_, type(uint256).max);
        IERC20(tokenB_).forceApprove(router_, type(uint256).max);
    }

    /// @inheritdoc ISpotVenue
    /// @dev The router is given no minimum output; the minimum is checked here afterwards so that
    /// callers see `InsufficientOutput(amountOut, minAmountOut)` rather than the router's string
    /// revert. Reverting after the swap unwinds it entirely, so a short output costs the caller
    /// nothing but gas. `minAmountOut` of zero is accepted (no slippage protection; the caller's
    /// choice). The deadline is the current block: callers needing one check it themselves.
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut,
        address recipient
    ) external returns (uint256 amountOut) {
        _checkRequest(tokenIn, tokenOut, amountIn);
        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        amountOut = _routerExactInputSingle(tokenIn, tokenOut, amountIn, recipient);
        if (amountOut < minAmountOut) revert InsufficientOutput(amountOut, minAmountOut);
        emit Swapped(tokenIn, tokenOut, amountIn, amountOut, recipient);
    }

    /// @inheritdoc ISpotVenue
    /// @dev Runs QuoterV2's simulation, some 94,000 gas a call (npm run bench:gas): off-chain, call
    /// it with eth_call (staticCall). The vault calls it on-chain only where a plan must know what
    /// the pool takes now (VaultTrading.fillable).
    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external returns (uint256 amountOut) {
        _checkRequest(tokenIn, tokenOut, amountIn);
        (amountOut, , , ) = quoter.quoteExactInputSingle(
            IUniswapV3QuoterV2.QuoteExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: tokenOut,
                amountIn: amountIn,
                fee: fee,
                sqrtPriceLimitX96: 0
            })
        );
    }

    /// @dev Swaps exactly `amountIn` of `tokenIn` (already held by this contract and approved to
    /// `router`) for `tokenOut` in the `fee` pool, with no minimum and no price limit, delivering
    /// the output to `recipient`; returns the output amount.
    function _routerExactInputSingle(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        address recipient
    ) internal virtual returns (uint256 amountOut);

    /// @dev Reverts unless (tokenIn, tokenOut) is this venue's pair in either direction and the
    /// amount is non-zero.
    function _checkRequest(address tokenIn, address tokenOut, uint256 amountIn) private view {
        if (amountIn == 0) revert ZeroAmount();
        if (!((tokenIn == tokenA && tokenOut == tokenB) || (tokenIn == tokenB && tokenOut == tokenA))) {
            revert UnsupportedPair(tokenIn, tokenOut);
        }
    }
}
