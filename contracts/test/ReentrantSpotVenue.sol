// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ISpotVenue} from "../interfaces/ISpotVenue.sol";

/// @notice Test-only hostile spot venue: forwards swaps to a real venue, but first calls back into
/// the vault with `attackData` and bubbles up whatever the vault answers.
contract ReentrantSpotVenue is ISpotVenue {
    using SafeERC20 for IERC20;

    ISpotVenue public immutable inner;
    address public attackTarget;
    bytes public attackData;

    constructor(ISpotVenue inner_) {
        inner = inner_;
    }

    function arm(address target_, bytes calldata attackData_) external {
        attackTarget = target_;
        attackData = attackData_;
    }

    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut,
        address recipient
    ) external returns (uint256) {
        if (attackTarget != address(0)) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory answer) = attackTarget.call(attackData);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(answer, 32), mload(answer))
                }
            }
        }
        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        IERC20(tokenIn).forceApprove(address(inner), amountIn);
        return inner.swapExactIn(tokenIn, tokenOut, amountIn, minAmountOut, recipient);
    }

    function quoteExactIn(address tokenIn, address tokenOut, uint256 amountIn) external returns (uint256) {
        return inner.quoteExactIn(tokenIn, tokenOut, amountIn);
    }
}
