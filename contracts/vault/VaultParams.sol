// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";
import {IPerpVenue} from "../interfaces/IPerpVenue.sol";
import {VaultMath} from "../libraries/VaultMath.sol";

/// @title VaultParams
/// @notice The hard bounds on every admin-set parameter. The admin can tune the vault only inside
/// these; they are constants so no role can widen them.
library VaultParams {
    // Strategy bounds.
    uint256 internal constant MIN_LEVERAGE_BPS = 10_000; // 1x
    uint256 internal constant MAX_LEVERAGE_BPS = 50_000; // 5x
    uint256 internal constant MAX_IDLE_BUFFER_BPS = 3_000;
    /// @notice The smallest idle buffer on a venue that fills orders later (exits are paid from idle).
    uint256 internal constant MIN_IDLE_BUFFER_FILLS_LATER_BPS = 200;
    /// @notice Floor on the slippage bound, which also bounds every exit's unwind: the admin may
    /// not tighten it until exits freeze. 30 bps is what the deep ETH/USDC pools fill a sizeable
    /// trade within: the 0.05% fee tier leaves 25 bps for price impact (pools of the 0.30% tier
    /// need a bound above 30 bps, which deploy/params.ts checks against the pool fee).
    uint256 internal constant MIN_SLIPPAGE_BPS = 30;
    uint256 internal constant MAX_SLIPPAGE_BPS = 300;
    uint256 internal constant MIN_REBALANCE_COST_BPS = 1;
    uint256 internal constant MAX_REBALANCE_COST_BPS = 300;
    uint256 internal constant MAX_REBALANCE_INTERVAL = 1 days;
    /// @notice Furthest a rebalance may aim toward the breached soft edge, in bps of the distance
    /// from the centre: with the soft bands at least MIN_TARGET_CLEARANCE_BPS from the centre, the
    /// target keeps at least a fifth of that (100 bps of margin ratio) clear of the edge, room for
    /// the trade's own costs, so a fresh rebalance never lands back on the band it cleared.
    uint256 internal constant MAX_REBALANCE_TARGET_BPS = 8_000;

    // Band bounds.
    uint256 internal constant MIN_DELTA_BAND_BPS = 10;
    uint256 internal constant MAX_DELTA_BAND_BPS = 2_000;
    uint256 internal constant MIN_MARGIN_RATIO_FLOOR_BPS = 1_000; // hard floor stays above typical maintenance margins
    uint256 internal constant MAX_MARGIN_RATIO_CEIL_BPS = 50_000;
    uint256 internal constant MIN_IDLE_BAND_BPS = 10;
    uint256 internal constant MAX_IDLE_BAND_BPS = 5_000;
    /// @notice Room between the target margin ratio and each soft margin band, so a fresh
    /// rebalance (which lands at the target less trading costs) never sits on a band.
    uint256 internal constant MIN_TARGET_CLEARANCE_BPS = VaultMath.TARGET_CLEARANCE_BPS;

    /// @notice After an emergency unwind, the admin may unpause (and so let the book be
    /// redeployed) no sooner than this: at most one unwind-and-redeploy round a day, each one
    /// needing both the guardian and the admin.
    uint256 internal constant REDEPLOY_DELAY = 1 days;

    /// @notice After a change of bands or strategy, rebalances that deploy or reposition wait
    /// this long (the margin and delta rescues do not): the admin cannot make the book a hard
    /// breach and sandwich the forced repositioning in one block, and holders see the change
    /// (its event) a day before it trades, with exits open meanwhile.
    uint256 internal constant PARAMS_SETTLE_DELAY = 1 days;

    // Fee bounds.
    uint256 internal constant MAX_MANAGEMENT_FEE_BPS = 200; // 2% a year
    uint256 internal constant MAX_PERFORMANCE_FEE_BPS = 3_000; // 30% of gains

    function checkStrategy(IDeltaNeutralVault.Strategy memory s) public pure {
        _check("targetLeverageBps", s.targetLeverageBps, MIN_LEVERAGE_BPS, MAX_LEVERAGE_BPS);
        _check("idleBufferBps", s.idleBufferBps, 0, MAX_IDLE_BUFFER_BPS);
        _check("maxSlippageBps", s.maxSlippageBps, MIN_SLIPPAGE_BPS, MAX_SLIPPAGE_BPS);
        _check("maxRebalanceCostBps", s.maxRebalanceCostBps, MIN_REBALANCE_COST_BPS, MAX_REBALANCE_COST_BPS);
        _check("minRebalanceInterval", s.minRebalanceInterval, 0, MAX_REBALANCE_INTERVAL);
        _check("rebalanceTargetBps", s.rebalanceTargetBps, 0, MAX_REBALANCE_TARGET_BPS);
    }

    /// @notice Bands in range, soft inside hard, and the target margin ratio (1/L less the venue's
    /// collateral haircut in SpotCollateral mode: VaultMath.centreMarginRatioBps) clear of both
    /// soft margin bands so that a rebalance can always land inside them. The hard margin floor
    /// must sit above the perp venue's initial margin: below it the venue refuses the margin and
    /// collateral withdrawals an unwind needs, so anyone must be able to rebalance before that
    /// point. The venue's initial margin and haircut are read now; the venue may raise either
    /// later (a margin ratio that falls at an unchanged price: the margin floor is what catches
    /// it). In SpotCollateral mode the target leverage is 1x: a rebalance grows the short
    /// from spot bought with positive cash equity, never by borrowing, so a target beyond the
    /// deployable NAV could not be reached.
    function checkBands(
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Strategy memory s,
        IPerpVenue venue,
        IDeltaNeutralVault.HedgeMode mode
    ) public view {
        bool spotCollateral = mode == IDeltaNeutralVault.HedgeMode.SpotCollateral;
        if (spotCollateral) _check("targetLeverageBps", s.targetLeverageBps, VaultMath.BPS, VaultMath.BPS);
        uint256 venueInitialMarginBps = venue.initialMarginBps();
        uint256 haircutBps = spotCollateral ? venue.collateralHaircutBps() : 0;
        _check("deltaSoftBps", b.deltaSoftBps, MIN_DELTA_BAND_BPS, MAX_DELTA_BAND_BPS);
        _check("deltaHardBps", b.deltaHardBps, uint256(b.deltaSoftBps) + 1, MAX_DELTA_BAND_BPS);
        // Where orders fill later every exit is paid from idle, and idle is refilled toward the
        // buffer: a buffer too small to refill would leave exits shut.
        if (venue.fillsLater())
            _check("idleBufferBps", s.idleBufferBps, MIN_IDLE_BUFFER_FILLS_LATER_BPS, MAX_IDLE_BUFFER_BPS);
        uint256 targetRatio = VaultMath.centreMarginRatioBps(s.targetLeverageBps, haircutBps);
        _check(
            "minMarginRatioHardBps",
            b.minMarginRatioHardBps,
            Math.max(MIN_MARGIN_RATIO_FLOOR_BPS, venueInitialMarginBps + 1),
            MAX_MARGIN_RATIO_CEIL_BPS
        );
        _check(
            "minMarginRatioSoftBps",
            b.minMarginRatioSoftBps,
            uint256(b.minMarginRatioHardBps) + 1,
            targetRatio > MIN_TARGET_CLEARANCE_BPS ? targetRatio - MIN_TARGET_CLEARANCE_BPS : 0
        );
        _check(
            "maxMarginRatioSoftBps",
            b.maxMarginRatioSoftBps,
            targetRatio + MIN_TARGET_CLEARANCE_BPS,
            MAX_MARGIN_RATIO_CEIL_BPS - 1
        );
        _check(
            "maxMarginRatioHardBps",
            b.maxMarginRatioHardBps,
            uint256(b.maxMarginRatioSoftBps) + 1,
            MAX_MARGIN_RATIO_CEIL_BPS
        );
        _check("idleSoftBps", b.idleSoftBps, MIN_IDLE_BAND_BPS, MAX_IDLE_BAND_BPS);
        _check("idleHardBps", b.idleHardBps, uint256(b.idleSoftBps) + 1, MAX_IDLE_BAND_BPS);
    }

    function checkFees(uint256 managementFeeBps, uint256 performanceFeeBps) public pure {
        _check("managementFeeBps", managementFeeBps, 0, MAX_MANAGEMENT_FEE_BPS);
        _check("performanceFeeBps", performanceFeeBps, 0, MAX_PERFORMANCE_FEE_BPS);
    }

    function _check(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert IDeltaNeutralVault.ParameterOutOfBounds(name, value, min, max);
    }
}
