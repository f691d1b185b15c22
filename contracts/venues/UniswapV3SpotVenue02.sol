// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {UniswapV3SpotVenueBase} from "./UniswapV3SpotVenueBase.sol";
import {IUniswapV3SwapRouter02} from "./uniswap/IUniswapV3SwapRouter02.sol";

/// @title UniswapV3SpotVenue02
/// @notice `ISpotVenue` over one Uniswap V3 pool, trading through `SwapRouter02`
/// (swap-router-contracts), the router Uniswap deploys on the public testnets and newer chains.
/// Same checks, quoting, errors and events as `UniswapV3SpotVenue` (both come from
/// `UniswapV3SpotVenueBase`); only the router call differs.
contract UniswapV3SpotVenue02 is UniswapV3SpotVenueBase {
    using SafeERC20 for IERC20;

    /// @dev SwapRouter02 reads these two recipients as placeholders (swap-router-contracts
    /// `Constants.MSG_SENDER` and `Constants.ADDRESS_THIS`), not as addresses.
    address private constant ROUTER_MSG_SENDER = address(1);
    address private constant ROUTER_ADDRESS_THIS = address(2);

    /// @param router_ Uniswap V3 SwapRouter02.
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
    /// @dev SwapRouter02 has no deadline, so the swap runs in the current block as with the v1
    /// adapter. A `recipient` of address(1) or address(2) would be rewritten by the router to this
    /// adapter or to the router itself (where anyone could sweep it); for those two the output is
    /// taken here and forwarded, so every recipient is paid exactly as the v1 adapter pays it.
    function _routerExactInputSingle(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        address recipient
    ) internal override returns (uint256 amountOut) {
        bool placeholder = recipient == ROUTER_MSG_SENDER || recipient == ROUTER_ADDRESS_THIS;
        amountOut = IUniswapV3SwapRouter02(router).exactInputSingle(
            IUniswapV3SwapRouter02.ExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: tokenOut,
                fee: fee,
                recipient: placeholder ? address(this) : recipient,
                amountIn: amountIn,
                amountOutMinimum: 0,
                sqrtPriceLimitX96: 0
            })
        );
        if (placeholder) IERC20(tokenOut).safeTransfer(recipient, amountOut);
    }
}
