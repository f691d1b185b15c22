// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISpotVenue
/// @notice The vault's view of a spot market: exact-input swaps between the vault's asset and its
/// spot token, with a caller-set minimum output. Implementations pull `amountIn` from the caller
/// (which must have approved the venue) and send the output to `recipient`.
interface ISpotVenue {
    /// @notice Emitted after every swap.
    event Swapped(
        address indexed tokenIn,
        address indexed tokenOut,
        uint256 amountIn,
        uint256 amountOut,
        address indexed recipient
    );

    /// @notice The venue does not trade this pair.
    error UnsupportedPair(address tokenIn, address tokenOut);
    /// @notice The swap returned less than the caller's minimum.
    error InsufficientOutput(uint256 amountOut, uint256 minAmountOut);
    /// @notice A zero amount was passed.
    error ZeroAmount();

    /// @notice Swaps exactly `amountIn` of `tokenIn` for at least `minAmountOut` of `tokenOut`.
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut,
        address recipient
    ) external returns (uint256 amountOut);

    /// @notice What `swapExactIn` would return now. Not a view: venues such as Uniswap V3 quote by
    /// simulating the swap and reverting; call it with eth_call.
    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external returns (uint256 amountOut);
}
