// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

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
