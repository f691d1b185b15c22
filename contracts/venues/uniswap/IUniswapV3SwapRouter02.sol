// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IUniswapV3SwapRouter02
/// @notice The one `SwapRouter02` entry point the spot venue uses. The ABI (function selector
/// 0x04e45aaf and struct layout) is that of `IV3SwapRouter.exactInputSingle` in Uniswap's
/// swap-router-contracts (npm package swap-router-contracts 1.3.1 under the uniswap scope,
/// contracts/interfaces/IV3SwapRouter.sol). Declared here because that package targets solc 0.7.6
/// with `pragma abicoder v2`. Unlike the original SwapRouter, the struct has no `deadline`.
interface IUniswapV3SwapRouter02 {
    /// @notice Parameters of `exactInputSingle`, field order as in swap-router-contracts.
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    /// @notice Swaps `amountIn` of `tokenIn` for as much `tokenOut` as the pool gives. The router
    /// reads `recipient` address(1) as "msg.sender" and address(2) as "the router itself".
    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);
}
