// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IUniswapV3SwapRouter
/// @notice The one Uniswap V3 `SwapRouter` entry point the spot venue uses. The ABI (function
/// selector and struct layout) is that of `ISwapRouter.exactInputSingle` in the Uniswap V3
/// periphery (npm v3-periphery 1.4.4, contracts/interfaces/ISwapRouter.sol). It is declared here
/// because the periphery's own interfaces target solc >=0.7.5 with `pragma abicoder v2`.
interface IUniswapV3SwapRouter {
    /// @notice Parameters of `exactInputSingle`, field order as in the periphery.
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 deadline;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    /// @notice Swaps `amountIn` of `tokenIn` for as much `tokenOut` as the pool gives.
    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);
}
