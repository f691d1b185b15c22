// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPerpMarket} from "../../interfaces/IPerpMarket.sol";

/// @title ParamsLib
/// @notice The perp market's parameters: their packed form, hard bounds, which changes tighten,
/// and how far one tightening change may go.
library ParamsLib {
    /// @notice Every parameter in one slot (256 bits). Skew scale and caps are whole base tokens so
    /// they fit; the bounds keep each value inside its field (the fee's 100 bps fits 8 bits, the
    /// skew scale's 1e10 tokens 40 bits).
    struct Params {
        uint8 takerFeeBps;
        uint16 initialMarginBps;
        uint16 maintenanceMarginBps;
        uint16 liquidationRewardBps;
        uint64 maxFundingRatePerDay;
        uint40 skewScaleTokens;
        uint32 maxLongTokens;
        uint32 maxShortTokens;
        uint16 oracleEdgeWindow;
        uint16 collateralHaircutBps;
    }

    bytes32 internal constant TAKER_FEE_BPS = "takerFeeBps";
    bytes32 internal constant INITIAL_MARGIN_BPS = "initialMarginBps";
    bytes32 internal constant MAINTENANCE_MARGIN_BPS = "maintenanceMarginBps";
    bytes32 internal constant LIQUIDATION_REWARD_BPS = "liquidationRewardBps";
    bytes32 internal constant MAX_FUNDING_RATE_PER_DAY = "maxFundingRatePerDay";
    bytes32 internal constant SKEW_SCALE = "skewScale";
    bytes32 internal constant MAX_LONG_OPEN_INTEREST = "maxLongOpenInterest";
    bytes32 internal constant MAX_SHORT_OPEN_INTEREST = "maxShortOpenInterest";
    bytes32 internal constant ORACLE_EDGE_WINDOW = "oracleEdgeWindow";
    bytes32 internal constant COLLATERAL_HAIRCUT_BPS = "collateralHaircutBps";

    // Hard bounds. Margin bounds are further tied together: liquidationReward <= maintenance <
    // initial, so a liquidation can always pay its reward from an account at maintenance equity.
    uint256 internal constant MAX_TAKER_FEE_BPS = 100;
    uint256 internal constant MIN_INITIAL_MARGIN_BPS = 100;
    uint256 internal constant MAX_INITIAL_MARGIN_BPS = 10_000;
    uint256 internal constant MIN_MAINTENANCE_MARGIN_BPS = 20;
    uint256 internal constant MAX_LIQUIDATION_REWARD_BPS = 500;
    uint256 internal constant MAX_FUNDING_RATE_PER_DAY_LIMIT = 0.1e18;
    uint256 internal constant MIN_SKEW_SCALE = 1;
    uint256 internal constant MAX_SKEW_SCALE = 1e10;
    uint256 internal constant MAX_OPEN_INTEREST_LIMIT = 1e9;
    uint256 internal constant MAX_ORACLE_EDGE_WINDOW = 1 hours;
    // The base-token collateral's haircut: at least 1%, so a collateral-backed debt keeps a buffer
    // for the move between two oracle rounds (ETH-USD feeds deviate by 0.5% before updating) and
    // the liquidation that follows; at most 50%, beyond which the collateral would back little.
    uint256 internal constant MIN_COLLATERAL_HAIRCUT_BPS = 100;
    uint256 internal constant MAX_COLLATERAL_HAIRCUT_BPS = 5_000;

    // How far one tightening change may move a parameter from the value in force.
    uint256 internal constant TAKER_FEE_STEP_BPS = 10;
    uint256 internal constant MARGIN_STEP_BPS = 500;
    uint256 internal constant LIQUIDATION_REWARD_STEP_BPS = 50;
    uint256 internal constant FUNDING_RATE_STEP = 0.01e18;
    uint256 internal constant ORACLE_EDGE_WINDOW_STEP = 5 minutes;
    uint256 internal constant COLLATERAL_HAIRCUT_STEP_BPS = 500;

    /// @notice Every parameter name, in the order the constructor sets them (each margin bound
    /// refers to the ones set before it).
    function names() internal pure returns (bytes32[10] memory) {
        return
            [
                SKEW_SCALE,
                MAX_FUNDING_RATE_PER_DAY,
                TAKER_FEE_BPS,
                INITIAL_MARGIN_BPS,
                MAINTENANCE_MARGIN_BPS,
                LIQUIDATION_REWARD_BPS,
                MAX_LONG_OPEN_INTEREST,
                MAX_SHORT_OPEN_INTEREST,
                ORACLE_EDGE_WINDOW,
                COLLATERAL_HAIRCUT_BPS
            ];
    }

    /// @notice The value of `name` in force.
    function get(Params memory p, bytes32 name) internal pure returns (uint256) {
        if (name == TAKER_FEE_BPS) return p.takerFeeBps;
        if (name == INITIAL_MARGIN_BPS) return p.initialMarginBps;
        if (name == MAINTENANCE_MARGIN_BPS) return p.maintenanceMarginBps;
        if (name == LIQUIDATION_REWARD_BPS) return p.liquidationRewardBps;
        if (name == MAX_FUNDING_RATE_PER_DAY) return p.maxFundingRatePerDay;
        if (name == SKEW_SCALE) return p.skewScaleTokens;
        if (name == MAX_LONG_OPEN_INTEREST) return p.maxLongTokens;
        if (name == MAX_SHORT_OPEN_INTEREST) return p.maxShortTokens;
        if (name == ORACLE_EDGE_WINDOW) return p.oracleEdgeWindow;
        if (name == COLLATERAL_HAIRCUT_BPS) return p.collateralHaircutBps;
        revert IPerpMarket.UnknownParameter(name);
    }

    /// @notice Writes `value` to `name` after checking it against its hard bounds and the
    /// parameters it is tied to.
    function set(Params memory p, bytes32 name, uint256 value) internal pure {
        (uint256 min, uint256 max) = bounds(p, name);
        if (value < min || value > max) revert IPerpMarket.ParameterOutOfBounds(name, value, min, max);
        // Casts are safe: every max fits its field.
        if (name == TAKER_FEE_BPS) p.takerFeeBps = uint8(value);
        else if (name == INITIAL_MARGIN_BPS) p.initialMarginBps = uint16(value);
        else if (name == MAINTENANCE_MARGIN_BPS) p.maintenanceMarginBps = uint16(value);
        else if (name == LIQUIDATION_REWARD_BPS) p.liquidationRewardBps = uint16(value);
        else if (name == MAX_FUNDING_RATE_PER_DAY) p.maxFundingRatePerDay = uint64(value);
        else if (name == SKEW_SCALE) p.skewScaleTokens = uint40(value);
        else if (name == MAX_LONG_OPEN_INTEREST) p.maxLongTokens = uint32(value);
        else if (name == MAX_SHORT_OPEN_INTEREST) p.maxShortTokens = uint32(value);
        else if (name == ORACLE_EDGE_WINDOW) p.oracleEdgeWindow = uint16(value);
        else p.collateralHaircutBps = uint16(value);
    }

    /// @notice Hard bounds of `name`, given the parameters it is tied to.
    function bounds(Params memory p, bytes32 name) internal pure returns (uint256 min, uint256 max) {
        if (name == TAKER_FEE_BPS) return (0, MAX_TAKER_FEE_BPS);
        if (name == INITIAL_MARGIN_BPS) {
            return (Math.max(MIN_INITIAL_MARGIN_BPS, uint256(p.maintenanceMarginBps) + 1), MAX_INITIAL_MARGIN_BPS);
        }
        if (name == MAINTENANCE_MARGIN_BPS) {
            // Before the constructor sets initial margin it is 0: the bound then reads as empty.
            uint256 below = p.initialMarginBps == 0 ? 0 : uint256(p.initialMarginBps) - 1;
            return (Math.max(MIN_MAINTENANCE_MARGIN_BPS, p.liquidationRewardBps), below);
        }
        if (name == LIQUIDATION_REWARD_BPS) {
            return (0, Math.min(MAX_LIQUIDATION_REWARD_BPS, p.maintenanceMarginBps));
        }
        if (name == MAX_FUNDING_RATE_PER_DAY) return (0, MAX_FUNDING_RATE_PER_DAY_LIMIT);
        if (name == SKEW_SCALE) return (MIN_SKEW_SCALE, MAX_SKEW_SCALE);
        if (name == MAX_LONG_OPEN_INTEREST || name == MAX_SHORT_OPEN_INTEREST) return (0, MAX_OPEN_INTEREST_LIMIT);
        if (name == ORACLE_EDGE_WINDOW) return (0, MAX_ORACLE_EDGE_WINDOW);
        if (name == COLLATERAL_HAIRCUT_BPS) return (MIN_COLLATERAL_HAIRCUT_BPS, MAX_COLLATERAL_HAIRCUT_BPS);
        revert IPerpMarket.UnknownParameter(name);
    }

    /// @notice True when moving `name` from `current` to `value` makes open positions worse off:
    /// a higher fee, margin, reward, funding rate, edge window or collateral haircut (collateral
    /// counts for less), or a lower skew scale (a larger premium on every close). Open-interest caps only limit growth, so they never tighten.
    function tightens(bytes32 name, uint256 current, uint256 value) internal pure returns (bool) {
        if (name == MAX_LONG_OPEN_INTEREST || name == MAX_SHORT_OPEN_INTEREST) return false;
        if (name == SKEW_SCALE) return value < current;
        return value > current;
    }

    /// @notice Reverts unless a tightening change from `current` to `value` is within one step.
    function checkStep(bytes32 name, uint256 current, uint256 value) internal pure {
        if (name == SKEW_SCALE) {
            // At most halves the scale (doubles the premium) per change.
            uint256 floor = Math.ceilDiv(current, 2);
            if (value < floor) revert IPerpMarket.ParameterStepTooLarge(name, value, current, floor);
            return;
        }
        uint256 step;
        if (name == TAKER_FEE_BPS) step = TAKER_FEE_STEP_BPS;
        else if (name == INITIAL_MARGIN_BPS || name == MAINTENANCE_MARGIN_BPS) step = MARGIN_STEP_BPS;
        else if (name == LIQUIDATION_REWARD_BPS) step = LIQUIDATION_REWARD_STEP_BPS;
        else if (name == MAX_FUNDING_RATE_PER_DAY) step = FUNDING_RATE_STEP;
        else if (name == COLLATERAL_HAIRCUT_BPS) step = COLLATERAL_HAIRCUT_STEP_BPS;
        else step = ORACLE_EDGE_WINDOW_STEP;
        if (value > current + step) revert IPerpMarket.ParameterStepTooLarge(name, value, current, current + step);
    }
}
