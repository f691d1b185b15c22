// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC4626Properties} from "./ERC4626Properties.sol";

/// @notice The EIP-4626 properties on an idle-only vault (deposits not yet deployed), with the
/// deposit cap a fuzzed room above NAV.
contract ERC4626IdleCappedTest is ERC4626Properties {
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

/// @notice The EIP-4626 properties on an idle-only vault with no deposit cap.
contract ERC4626IdleUncappedTest is ERC4626Properties {
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

/// @notice The EIP-4626 properties after a rebalance deployed the fuzzed deposits (spot and a
/// perp short) and the price moved, with the deposit cap a fuzzed room above NAV.
contract ERC4626PositionsCappedTest is ERC4626Properties {
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

/// @notice The EIP-4626 properties with positions and no deposit cap.
contract ERC4626PositionsUncappedTest is ERC4626Properties {
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

/// @notice The EIP-4626 properties with positions and the maximum management and performance
/// fees owed for 30 days but not yet minted.
contract ERC4626PositionsFeeAccruingTest is ERC4626Properties {
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
