// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {VaultMath} from "../../contracts/libraries/VaultMath.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice Fuzz properties of VaultMath: classification, targets, unwind fractions and costs.
/// Values range up to $10B in 6-decimal assets; bands are the stack's defaults.
contract VaultMathFuzzTest is TestBase {
    using VaultMath for VaultMath.Snapshot;

    uint256 internal constant MAX_VALUE = 1e16; // $10B at 6 decimals
    uint256 internal constant WAD = 1e18;

    function _bands() internal pure returns (IDeltaNeutralVault.Bands memory) {
        return
            IDeltaNeutralVault.Bands({
                deltaSoftBps: 100,
                deltaHardBps: 300,
                minMarginRatioSoftBps: 3_500,
                minMarginRatioHardBps: 2_000,
                maxMarginRatioSoftBps: 7_000,
                maxMarginRatioHardBps: 10_000,
                idleSoftBps: 500,
                idleHardBps: 2_000
            });
    }

    /// @dev A consistent snapshot: totalAssets = idle + spotValue + equity; the gap's sign is set
    /// by which side is larger (the value of the gap is what classification reads).
    function _snapshot(
        uint256 idle,
        uint256 spotValue,
        uint256 shortNotional,
        uint256 equity,
        uint256 gapValue
    ) internal pure returns (VaultMath.Snapshot memory s) {
        s.price = 3_000e18;
        s.idle = idle;
        s.spotValue = spotValue;
        s.spotQty = spotValue * 1e12;
        s.shortNotional = shortNotional;
        s.shortQty = shortNotional == 0 ? 0 : shortNotional * 1e12 + 1;
        s.gapValue = gapValue;
        s.perpMargin = equity;
        s.perpEquity = int256(equity);
        s.totalAssets = idle + spotValue + equity;
    }

    /// @notice A larger |delta| (everything else equal) never yields a lower tier.
    function testFuzz_classify_tierMonotonicInDelta(
        uint256 idle,
        uint256 spotValue,
        uint256 shortNotional,
        uint256 equity,
        uint256 gapA,
        uint256 gapB
    ) public pure {
        idle = bound(idle, 0, MAX_VALUE);
        spotValue = bound(spotValue, 0, MAX_VALUE);
        shortNotional = bound(shortNotional, 0, MAX_VALUE);
        equity = bound(equity, 0, MAX_VALUE);
        uint256 nav = idle + spotValue + equity;
        gapA = bound(gapA, 0, nav);
        gapB = bound(gapB, gapA, nav);
        (, IDeltaNeutralVault.Tier tierA) = _snapshot(idle, spotValue, shortNotional, equity, gapA).classify(
            _bands(),
            500
        );
        (, IDeltaNeutralVault.Tier tierB) = _snapshot(idle, spotValue, shortNotional, equity, gapB).classify(
            _bands(),
            500
        );
        require(uint8(tierB) >= uint8(tierA), "a larger delta lowered the tier");
    }

    /// @notice A lower margin ratio (less equity on the same short, same NAV) never lowers the tier
    /// as long as the ratio stays at or under the target: the low-margin side is monotonic.
    function testFuzz_classify_tierMonotonicInFallingMargin(
        uint256 shortNotional,
        uint256 ratioA,
        uint256 ratioB
    ) public pure {
        shortNotional = bound(shortNotional, 1e6, MAX_VALUE);
        ratioA = bound(ratioA, 0, 5_000);
        ratioB = bound(ratioB, 0, ratioA);
        uint256 equityA = (shortNotional * ratioA) / 10_000;
        uint256 equityB = (shortNotional * ratioB) / 10_000;
        // Idle near the buffer so the idle band does not mask the margin bands; the equity
        // difference sits idle, so NAV stays the same.
        uint256 idle = shortNotional / 20;
        (, IDeltaNeutralVault.Tier tierA) = _snapshot(idle, shortNotional, shortNotional, equityA, 0).classify(
            _bands(),
            500
        );
        (, IDeltaNeutralVault.Tier tierB) = _snapshot(
            idle + equityA - equityB,
            shortNotional,
            shortNotional,
            equityB,
            0
        ).classify(_bands(), 500);
        require(uint8(tierB) >= uint8(tierA), "a lower margin ratio lowered the tier");
    }

    /// @notice The targets never over-deploy: S* + margin(S*) <= N(1 - buffer), for every
    /// leverage and buffer the parameter bounds allow.
    function testFuzz_targets_neverExceedDeployable(uint256 nav, uint256 bufferBps, uint256 leverageBps) public pure {
        nav = bound(nav, 0, MAX_VALUE);
        bufferBps = bound(bufferBps, 0, 3_000);
        leverageBps = bound(leverageBps, 10_000, 50_000);
        uint256 deployable = (nav * (10_000 - bufferBps)) / 10_000;
        uint256 spot = VaultMath.targetSpotValue(nav, bufferBps, leverageBps);
        uint256 margin = VaultMath.targetMargin(spot, leverageBps);
        require(spot + margin <= deployable, "targets over-deploy");
        // And they use it: at most a couple of units plus rounding of the two divisions stay unused.
        require(deployable - (spot + margin) <= 2 + deployable / 1e12, "targets leave value undeployed");
    }

    /// @notice fractionForValue is a share of the positions: never above WAD, and (below WAD)
    /// valued at the positions it covers at least `value`.
    function testFuzz_fractionForValue_boundedAndCovering(
        uint256 spotValue,
        uint256 equity,
        uint256 value
    ) public pure {
        spotValue = bound(spotValue, 0, MAX_VALUE);
        equity = bound(equity, 0, MAX_VALUE);
        value = bound(value, 0, 2 * MAX_VALUE);
        VaultMath.Snapshot memory s = _snapshot(0, spotValue, spotValue, equity, 0);
        uint256 f = s.fractionForValue(value);
        require(f <= WAD, "fraction above WAD");
        uint256 deployed = spotValue + equity;
        if (f < WAD && deployed != 0) require((f * deployed) / WAD + 1 >= value, "fraction covers less than value");
    }

    /// @notice fractionForProceeds covers the shortfall and the roundings' allowance at worst-case
    /// slippage whenever it is feasible (<= WAD).
    function testFuzz_fractionForProceeds_coversShortfall(
        uint256 spotValue,
        uint256 equity,
        uint256 shortfall,
        uint256 slippageBps
    ) public pure {
        spotValue = bound(spotValue, 0, MAX_VALUE);
        equity = bound(equity, 0, MAX_VALUE);
        shortfall = bound(shortfall, 1, 2 * MAX_VALUE);
        slippageBps = bound(slippageBps, 1, 300);
        VaultMath.Snapshot memory s = _snapshot(0, spotValue, spotValue, equity, 0);
        uint256 f = s.fractionForProceeds(shortfall, slippageBps);
        if (f > WAD) return;
        uint256 worst = VaultMath.lessBps(spotValue, slippageBps) + equity;
        // With the roundings' allowance on top, which the unwind's legs may eat.
        require(
            (f * worst) / WAD + 1 >= shortfall + VaultMath.UNWIND_ROUNDING_UNITS,
            "fraction's worst proceeds fall short"
        );
    }

    /// @notice worstUnwindCost grows with the fraction and never exceeds the slippage on the
    /// spot plus the buy-back's worst cost on the short, on their whole notional (plus rounding).
    function testFuzz_worstUnwindCost_monotonicInFraction(
        uint256 spotValue,
        uint256 shortNotional,
        uint256 fA,
        uint256 fB,
        uint256 slippageBps
    ) public pure {
        spotValue = bound(spotValue, 0, MAX_VALUE);
        shortNotional = bound(shortNotional, 0, MAX_VALUE);
        fA = bound(fA, 0, WAD);
        fB = bound(fB, fA, WAD);
        slippageBps = bound(slippageBps, 1, 300);
        VaultMath.Snapshot memory s = _snapshot(0, spotValue, shortNotional, 0, 0);
        uint256 costA = s.worstUnwindCost(fA, slippageBps);
        uint256 costB = s.worstUnwindCost(fB, slippageBps);
        require(costB >= costA, "cost fell as the fraction grew");
        // The bound: slippage on the spot; on the short twice it (fill bound plus fees) and the
        // premium allowance; plus the rounding allowance and the round-up.
        uint256 shortBps = 2 * slippageBps + VaultMath.PERP_PREMIUM_ALLOWANCE_BPS;
        require(
            costB <=
                (spotValue * slippageBps + shortNotional * shortBps) / 10_000 + VaultMath.UNWIND_ROUNDING_UNITS + 1,
            "cost above the slippage bound"
        );
    }
}
