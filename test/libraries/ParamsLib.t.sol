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

    function _names() internal pure returns (bytes32[9] memory) {
        return ParamsLib.names();
    }

    /// @notice A tightening change passes the step check exactly when it stays within one step;
    /// loosening changes and open-interest caps never tighten.
    function testFuzz_oneStepBoundsEveryTighteningChange(uint256 nameSeed, uint256 current, uint256 value) public view {
        bytes32 name = _names()[nameSeed % 9];
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
                                : 500;
            within = value <= current + step;
        }
        try this.checkStep(name, current, value) {
            require(within, "a step too large passed");
        } catch (bytes memory reason) {
            require(!within, "a step within bounds reverted");
            require(bytes4(reason) == IPerpMarket.ParameterStepTooLarge.selector, "unexpected revert");
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
