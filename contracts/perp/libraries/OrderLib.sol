// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title OrderLib
/// @notice The pure rules of a delayed order (IDelayedOrders): which orders are reduce-only, what
/// a reduce-only order may still fill.
library OrderLib {
    /// @notice An order against the position held at submission and no larger than it: it may
    /// only reduce (it is capped at execution).
    function isReduction(int256 size, int256 sizeDelta) internal pure returns (bool) {
        return size != 0 && (size > 0) != (sizeDelta > 0) && abs(sizeDelta) <= abs(size);
    }

    /// @notice What a reduce-only `sizeDelta` may fill against the position `size` now: at most the
    /// position, and nothing when the position is gone or on the order's own side.
    function cappedReduction(int256 size, int256 sizeDelta) internal pure returns (int256) {
        if (size == 0 || (size > 0) == (sizeDelta > 0)) return 0;
        return abs(sizeDelta) > abs(size) ? -size : sizeDelta;
    }

    function abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }
}
