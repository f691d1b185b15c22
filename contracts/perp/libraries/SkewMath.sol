// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPerpMarket} from "../../interfaces/IPerpMarket.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title SkewMath
/// @notice Skew premium and funding of the perp market (premium model: the heavy side pays).
/// Skew is in base units (18 decimals); the skew scale is in whole base tokens.
library SkewMath {
    using SafeCast for uint256;

    /// @notice clamp(skew / skewScale, -1, 1) * maxFundingRatePerDay, WAD per day.
    function fundingRate(
        int256 skew,
        uint256 skewScaleTokens,
        uint256 maxFundingRatePerDay
    ) internal pure returns (int256) {
        if (skew == 0) return 0;
        // skew is in base units and the scale in whole tokens: skew * WAD / (scale * 1e18) = skew / scale.
        int256 proportional = skew / int256(skewScaleTokens);
        int256 one = int256(PerpMath.WAD);
        if (proportional > one) proportional = one;
        else if (proportional < -one) proportional = -one;
        return (proportional * int256(maxFundingRatePerDay)) / one;
    }

    /// @notice Growth of the funding index over `dt` seconds: rate * price * dt / 1 day,
    /// truncated toward zero. The index moves no tokens; each settlement rounds against the account.
    function indexDelta(int256 ratePerDay, uint256 price, uint256 dt) internal pure returns (int256) {
        return (ratePerDay * price.toInt256() * int256(dt)) / int256(1 days * PerpMath.WAD);
    }

    /// @notice oracle * (1 + (2 * skew + delta) / (2 * skewScale * 1e18)); buys round up, sells down.
    function fillPrice(
        uint256 price,
        int256 skew,
        int256 sizeDelta,
        uint256 skewScaleTokens
    ) internal pure returns (uint256) {
        int256 fill = premiumPrice(price, skew, sizeDelta, skewScaleTokens);
        if (fill <= 0) revert IPerpMarket.FillPriceNotPositive(fill);
        return uint256(fill);
    }

    /// @notice The fill of a liquidation: the same premium, floored at one wei, so a sale larger
    /// than the skew scale allows (a scale the owner set below the open-interest caps) still
    /// closes, at a loss the pool absorbs, instead of leaving the position unliquidatable.
    function liquidationFillPrice(
        uint256 price,
        int256 skew,
        int256 sizeDelta,
        uint256 skewScaleTokens
    ) internal pure returns (uint256) {
        int256 fill = premiumPrice(price, skew, sizeDelta, skewScaleTokens);
        return fill <= 0 ? 1 : uint256(fill);
    }

    /// @dev The premium price, signed (it may reach zero or below for a sale past the scale).
    function premiumPrice(
        uint256 price,
        int256 skew,
        int256 sizeDelta,
        uint256 skewScaleTokens
    ) internal pure returns (int256) {
        int256 numerator = price.toInt256() * (2 * skew + sizeDelta);
        int256 denominator = 2 * int256(skewScaleTokens * PerpMath.WAD);
        int256 premium = numerator / denominator; // truncates toward zero
        if (numerator % denominator != 0) {
            if (sizeDelta > 0 && numerator > 0) premium += 1;
            else if (sizeDelta < 0 && numerator < 0) premium -= 1;
        }
        return int256(price) + premium;
    }
}
