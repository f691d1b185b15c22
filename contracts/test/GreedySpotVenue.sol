// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ISpotVenue} from "../interfaces/ISpotVenue.sol";

/// @notice Test-only faulty spot venue: swaps through a real venue but keeps half the output and
/// ignores the caller's minimum, to prove the vault checks what it actually receives.
contract GreedySpotVenue is ISpotVenue {
    using SafeERC20 for IERC20;

    ISpotVenue public immutable inner;

    constructor(ISpotVenue inner_) {
        inner = inner_;
    }

    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256,
        address recipient
    ) external returns (uint256) {
        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        IERC20(tokenIn).forceApprove(address(inner), amountIn);
        uint256 out = inner.swapExactIn(tokenIn, tokenOut, amountIn, 0, address(this));
        IERC20(tokenOut).safeTransfer(recipient, out / 2);
        return out;
    }

    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external returns (uint256) {
        return inner.quoteExactIn(tokenIn, tokenOut, amountIn);
    }
}
