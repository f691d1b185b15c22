// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UniswapV3SpotVenueBase} from "./UniswapV3SpotVenueBase.sol";
import {IUniswapV3SwapRouter} from "./uniswap/IUniswapV3SwapRouter.sol";

/// @title UniswapV3SpotVenue
/// @notice `ISpotVenue` over one Uniswap V3 pool, trading through the original `SwapRouter`
/// (v3-periphery, `exactInputSingle` with a `deadline`). Checks, quoting, errors and events are
/// in `UniswapV3SpotVenueBase`; `UniswapV3SpotVenue02` is the same adapter for SwapRouter02.
contract UniswapV3SpotVenue is UniswapV3SpotVenueBase {
    /// @param router_ Uniswap V3 SwapRouter.
    /// @param quoter_ Uniswap V3 QuoterV2 deployed against the same factory.
    /// @param tokenA_ One token of the pair.
    /// @param tokenB_ The other token of the pair.
    /// @param fee_ Fee tier of the pool to trade in.
    constructor(
        address router_,
        address quoter_,
        address tokenA_,
        address tokenB_,
        uint24 fee_
    ) UniswapV3SpotVenueBase(router_, quoter_, tokenA_, tokenB_, fee_) {}

    /// @inheritdoc UniswapV3SpotVenueBase
    /// @dev The deadline is the current block: the swap runs now or not at all.
    function _routerExactInputSingle(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        address recipient
    ) internal override returns (uint256 amountOut) {
        amountOut = IUniswapV3SwapRouter(router).exactInputSingle(
            IUniswapV3SwapRouter.ExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: tokenOut,
                fee: fee,
                recipient: recipient,
                deadline: block.timestamp,
                amountIn: amountIn,
                amountOutMinimum: 0,
                sqrtPriceLimitX96: 0
            })
        );
    }
}
