// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IUniswapV3QuoterV2
/// @notice The one Uniswap V3 `QuoterV2` function the spot venue uses. The ABI is that of
/// `IQuoterV2.quoteExactInputSingle` in the Uniswap V3 periphery (npm v3-periphery 1.4.4,
/// contracts/interfaces/IQuoterV2.sol), declared here because the periphery's own interfaces
/// target solc >=0.7.5 with `pragma abicoder v2`.
interface IUniswapV3QuoterV2 {
    /// @notice Parameters of `quoteExactInputSingle`, field order as in the periphery (note that
    /// `amountIn` comes before `fee`, unlike the router's struct).
    struct QuoteExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint256 amountIn;
        uint24 fee;
        uint160 sqrtPriceLimitX96;
    }

    /// @notice Simulates an exact-input swap on one pool and returns its result. Not a view: it
    /// runs the swap and reverts inside the pool callback to read the outcome.
    function quoteExactInputSingle(
        QuoteExactInputSingleParams memory params
    )
        external
        returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate);
}
