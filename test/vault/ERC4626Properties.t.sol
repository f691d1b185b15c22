// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {ERC4626Properties} from "./ERC4626Properties.sol";
import {CashMarginMode, SpotCollateralMode} from "./VaultStack.sol";

// The scenarios, each run in both hedge modes by the concrete contracts at the end of the file.

/// @notice An idle-only vault (deposits not yet deployed), the deposit cap a fuzzed room above NAV.
abstract contract IdleCapped is ERC4626Properties {
    function _deploysPositions() internal pure override returns (bool) {
        return false;
    }

    function _uncapped() internal pure override returns (bool) {
        return false;
    }

    function _feesAccruing() internal pure override returns (bool) {
        return false;
    }
}

/// @notice An idle-only vault with no deposit cap.
abstract contract IdleUncapped is ERC4626Properties {
    function _deploysPositions() internal pure override returns (bool) {
        return false;
    }

    function _uncapped() internal pure override returns (bool) {
        return true;
    }

    function _feesAccruing() internal pure override returns (bool) {
        return false;
    }
}

/// @notice After a rebalance deployed the fuzzed deposits (spot and a perp short) and the price
/// moved, with the deposit cap a fuzzed room above NAV.
abstract contract PositionsCapped is ERC4626Properties {
    function _deploysPositions() internal pure override returns (bool) {
        return true;
    }

    function _uncapped() internal pure override returns (bool) {
        return false;
    }

    function _feesAccruing() internal pure override returns (bool) {
        return false;
    }
}

/// @notice With positions and no deposit cap.
abstract contract PositionsUncapped is ERC4626Properties {
    function _deploysPositions() internal pure override returns (bool) {
        return true;
    }

    function _uncapped() internal pure override returns (bool) {
        return true;
    }

    function _feesAccruing() internal pure override returns (bool) {
        return false;
    }
}

/// @notice With positions and the maximum management and performance fees owed for 30 days but
/// not yet minted.
abstract contract PositionsFeeAccruing is ERC4626Properties {
    function _deploysPositions() internal pure override returns (bool) {
        return true;
    }

    function _uncapped() internal pure override returns (bool) {
        return false;
    }

    function _feesAccruing() internal pure override returns (bool) {
        return true;
    }
}

/// @notice With positions, on a perp market that fills orders later (a DelayedOrders book): the
/// rebalance's round is executed at the next oracle round and settled before the price move, and
/// every exit is paid from idle only.
abstract contract DelayedPositionsCapped is PositionsCapped {
    function _delayedVenue() internal pure override returns (bool) {
        return true;
    }
}

/// @notice As DelayedPositionsCapped, with the maximum fees owed for 30 days.
abstract contract DelayedPositionsFeeAccruing is PositionsFeeAccruing {
    function _delayedVenue() internal pure override returns (bool) {
        return true;
    }
}

/// @notice As DelayedPositionsCapped, but the round is still pending at the venue (its order never
/// executed): the book holds what the round's first phase left (CashMargin: the margin posted;
/// SpotCollateral: the spot bought and posted).
abstract contract DelayedRoundPending is DelayedPositionsCapped {
    function _roundLeftPending() internal pure override returns (bool) {
        return true;
    }
}

contract ERC4626IdleCappedTest is IdleCapped, CashMarginMode {}

contract ERC4626IdleUncappedTest is IdleUncapped, CashMarginMode {}

contract ERC4626PositionsCappedTest is PositionsCapped, CashMarginMode {}

contract ERC4626PositionsUncappedTest is PositionsUncapped, CashMarginMode {}

contract ERC4626PositionsFeeAccruingTest is PositionsFeeAccruing, CashMarginMode {}

contract ERC4626SpotCollateralIdleCappedTest is IdleCapped, SpotCollateralMode {}

contract ERC4626SpotCollateralIdleUncappedTest is IdleUncapped, SpotCollateralMode {}

contract ERC4626SpotCollateralPositionsCappedTest is PositionsCapped, SpotCollateralMode {}

contract ERC4626SpotCollateralPositionsUncappedTest is PositionsUncapped, SpotCollateralMode {}

contract ERC4626SpotCollateralPositionsFeeAccruingTest is PositionsFeeAccruing, SpotCollateralMode {}

// The same properties on a venue that fills later, in both hedge modes: the positions scenarios
// (an idle-only book never reaches the venue). Each names its mode itself: a mode mixin beside a
// scenario that overrides `_delayedVenue` would be two paths to one base function.

contract ERC4626DelayedPositionsCappedTest is DelayedPositionsCapped {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.CashMargin;
    }
}

contract ERC4626DelayedPositionsFeeAccruingTest is DelayedPositionsFeeAccruing {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.CashMargin;
    }
}

contract ERC4626DelayedRoundPendingTest is DelayedRoundPending {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.CashMargin;
    }
}

contract ERC4626SpotCollateralDelayedPositionsCappedTest is DelayedPositionsCapped {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }
}

contract ERC4626SpotCollateralDelayedPositionsFeeAccruingTest is DelayedPositionsFeeAccruing {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }
}

contract ERC4626SpotCollateralDelayedRoundPendingTest is DelayedRoundPending {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }
}
