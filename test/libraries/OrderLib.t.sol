// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OrderLib} from "../../contracts/perp/libraries/OrderLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice OrderLib on its own: which orders are reduce-only, and what they may still fill.
contract OrderLibTest is TestBase {
    /// @notice A reduce-only order never opens, grows or flips a position, whatever the position
    /// has become by its execution.
    function testFuzz_cappedReductionNeverGrowsOrFlips(int256 size, int256 delta) public pure {
        size = int256(bound(uint256(size), 0, 2e27)) - 1e27;
        delta = int256(bound(uint256(delta), 1, 2e27)) - 1e27;
        if (delta == 0) delta = 1;
        int256 filled = OrderLib.cappedReduction(size, delta);
        int256 after_ = size + filled;
        require(OrderLib.abs(after_) <= OrderLib.abs(size), "grew");
        require(after_ == 0 || (after_ > 0) == (size > 0), "flipped");
        require(filled == 0 || (filled > 0) == (delta > 0), "wrong side");
        require(OrderLib.abs(filled) <= OrderLib.abs(delta), "beyond the order");
    }

    /// @notice An order against the position and no larger is a reduction, and then fills in full
    /// against the same position.
    function testFuzz_reductionFillsInFullAgainstItsPosition(int256 size, int256 delta) public pure {
        size = int256(bound(uint256(size), 0, 2e27)) - 1e27;
        delta = int256(bound(uint256(delta), 1, 2e27)) - 1e27;
        if (delta == 0) delta = 1;
        if (OrderLib.isReduction(size, delta)) require(OrderLib.cappedReduction(size, delta) == delta, "capped");
        else require(size == 0 || (size > 0) == (delta > 0) || OrderLib.abs(delta) > OrderLib.abs(size), "missed");
    }

    function test_liquidatedPositionReducesNothing() public pure {
        require(OrderLib.cappedReduction(0, 5e18) == 0, "flat");
        require(OrderLib.cappedReduction(-3e18, 5e18) == 3e18, "capped at the position");
        require(OrderLib.cappedReduction(3e18, 5e18) == 0, "same side");
        require(!OrderLib.isReduction(0, 1), "flat is no reduction");
    }
}
