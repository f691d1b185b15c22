// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ParamsLib} from "../../contracts/perp/libraries/ParamsLib.sol";
import {IPerpMarket} from "../../contracts/interfaces/IPerpMarket.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice ParamsLib on its own: which changes tighten and how far one step goes.
contract ParamsLibTest is TestBase {
    using ParamsLib for ParamsLib.Params;

    /// @dev External so a revert can be caught.
    function checkStep(bytes32 name, uint256 current, uint256 value) external pure {
        ParamsLib.checkStep(name, current, value);
    }

    function _names() internal pure returns (bytes32[10] memory) {
        return ParamsLib.names();
    }

    /// @notice A tightening change passes the step check exactly when it stays within one step;
    /// loosening changes and open-interest caps never tighten.
    function testFuzz_oneStepBoundsEveryTighteningChange(uint256 nameSeed, uint256 current, uint256 value) public view {
        bytes32 name = _names()[nameSeed % 10];
        current = bound(current, 1, 1e18);
        value = bound(value, 0, 2e18);
        bool tightens = ParamsLib.tightens(name, current, value);
        if (name == ParamsLib.MAX_LONG_OPEN_INTEREST || name == ParamsLib.MAX_SHORT_OPEN_INTEREST) {
            require(!tightens, "a cap tightened");
            return;
        }
        require(tightens == (name == ParamsLib.SKEW_SCALE ? value < current : value > current), "direction");
        if (!tightens) return;
        uint256 limit;
        bool within;
        if (name == ParamsLib.SKEW_SCALE) {
            limit = (current + 1) / 2;
            within = value >= limit;
        } else {
            uint256 step =
                name == ParamsLib.TAKER_FEE_BPS
                    ? 10
                    : name == ParamsLib.LIQUIDATION_REWARD_BPS
                        ? 50
                        : name == ParamsLib.MAX_FUNDING_RATE_PER_DAY
                            ? 0.01e18
                            : name == ParamsLib.ORACLE_EDGE_WINDOW
                                ? 5 minutes
                                : 500; // margins and the collateral haircut
            within = value <= current + step;
        }
        try this.checkStep(name, current, value) {
            require(within, "a step too large passed");
        } catch (bytes memory reason) {
            require(!within, "a step within bounds reverted");
            require(bytes4(reason) == IPerpMarket.ParameterStepTooLarge.selector, "unexpected revert");
        }
    }

    /// @notice The collateral haircut is bounded to [1%, 50%], and raising it tightens.
    function test_collateralHaircutBounds() public pure {
        ParamsLib.Params memory p;
        (uint256 min, uint256 max) = p.bounds(ParamsLib.COLLATERAL_HAIRCUT_BPS);
        require(min == 100 && max == 5_000, "haircut bounds");
        p.set(ParamsLib.COLLATERAL_HAIRCUT_BPS, 1_000);
        require(p.get(ParamsLib.COLLATERAL_HAIRCUT_BPS) == 1_000, "get");
        require(ParamsLib.tightens(ParamsLib.COLLATERAL_HAIRCUT_BPS, 1_000, 1_001), "raising must tighten");
        require(!ParamsLib.tightens(ParamsLib.COLLATERAL_HAIRCUT_BPS, 1_000, 999), "lowering must loosen");
    }

    /// @notice Every field keeps its hard maximum: the packed struct is one slot and a value at the
    /// bound reads back unchanged.
    function test_everyMaximumFitsItsField() public pure {
        ParamsLib.Params memory p;
        bytes32[10] memory names = _names();
        p.set(ParamsLib.SKEW_SCALE, ParamsLib.MAX_SKEW_SCALE);
        p.set(ParamsLib.MAX_FUNDING_RATE_PER_DAY, ParamsLib.MAX_FUNDING_RATE_PER_DAY_LIMIT);
        p.set(ParamsLib.TAKER_FEE_BPS, ParamsLib.MAX_TAKER_FEE_BPS);
        p.set(ParamsLib.INITIAL_MARGIN_BPS, ParamsLib.MAX_INITIAL_MARGIN_BPS);
        p.set(ParamsLib.MAINTENANCE_MARGIN_BPS, ParamsLib.MAX_INITIAL_MARGIN_BPS - 1);
        p.set(ParamsLib.LIQUIDATION_REWARD_BPS, ParamsLib.MAX_LIQUIDATION_REWARD_BPS);
        p.set(ParamsLib.MAX_LONG_OPEN_INTEREST, ParamsLib.MAX_OPEN_INTEREST_LIMIT);
        p.set(ParamsLib.MAX_SHORT_OPEN_INTEREST, ParamsLib.MAX_OPEN_INTEREST_LIMIT);
        p.set(ParamsLib.ORACLE_EDGE_WINDOW, ParamsLib.MAX_ORACLE_EDGE_WINDOW);
        p.set(ParamsLib.COLLATERAL_HAIRCUT_BPS, ParamsLib.MAX_COLLATERAL_HAIRCUT_BPS);
        for (uint256 i; i < names.length; ++i) {
            (, uint256 max) = p.bounds(names[i]);
            if (names[i] == ParamsLib.MAINTENANCE_MARGIN_BPS) max = ParamsLib.MAX_INITIAL_MARGIN_BPS - 1;
            require(p.get(names[i]) == max, "a maximum does not fit its field");
        }
    }

    /// @notice The margin bounds tie reward <= maintenance < initial.
    function test_marginBoundsAreTiedTogether() public pure {
        ParamsLib.Params memory p;
        p.set(ParamsLib.INITIAL_MARGIN_BPS, 1_000);
        p.set(ParamsLib.MAINTENANCE_MARGIN_BPS, 500);
        p.set(ParamsLib.LIQUIDATION_REWARD_BPS, 100);
        (uint256 min, uint256 max) = p.bounds(ParamsLib.MAINTENANCE_MARGIN_BPS);
        require(min == 100 && max == 999, "maintenance bounds");
        (min, max) = p.bounds(ParamsLib.INITIAL_MARGIN_BPS);
        require(min == 501 && max == 10_000, "initial bounds");
        (min, max) = p.bounds(ParamsLib.LIQUIDATION_REWARD_BPS);
        require(min == 0 && max == 500, "reward bounds");
        require(p.get(ParamsLib.MAINTENANCE_MARGIN_BPS) == 500, "get");
    }
}
