// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SkewMath} from "../../contracts/perp/libraries/SkewMath.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice SkewMath on its own: fill prices and funding rates.
contract SkewMathTest is TestBase {
    /// @notice A fill is the exact premium price rounded against the trader, by less than a wei.
    function testFuzz_fillPriceRoundsAgainstTheTrader(
        uint256 price,
        int256 skew,
        int256 delta,
        uint256 scale
    ) public pure {
        price = bound(price, 1e18, 1e24);
        scale = bound(scale, 1_000_000, 1e10);
        skew = int256(bound(uint256(skew), 0, 2e27)) - 1e27;
        delta = int256(bound(uint256(delta), 1, 2e27)) - 1e27;
        if (delta == 0) delta = 1;
        // Keep the premium well above -100% so the fill stays positive.
        vm.assume(2 * skew + delta > -int256(scale) * 1e18);
        uint256 fill = SkewMath.fillPrice(price, skew, delta, scale);
        int256 numerator = int256(price) * (2 * skew + delta);
        int256 denominator = 2 * int256(scale) * 1e18;
        // exact = price + numerator / denominator; compare fill * denominator with it.
        int256 scaledFill = int256(fill) * denominator;
        int256 scaledExact = int256(price) * denominator + numerator;
        if (delta > 0)
            require(scaledFill >= scaledExact && scaledFill - scaledExact < denominator, "buy not rounded up");
        else require(scaledFill <= scaledExact && scaledExact - scaledFill < denominator, "sell not rounded down");
    }

    /// @notice Opening and closing the same size at the same oracle price, with nobody trading in
    /// between, pays the premium back and forth: the round trip never earns the trader anything.
    function testFuzz_premiumRoundTripNeverPays(uint256 price, int256 skew, int256 delta) public pure {
        price = bound(price, 1e18, 1e24);
        // Within +-40% of the 1M-token scale each, so the premium stays above -100%.
        skew = int256(bound(uint256(skew), 0, 8e23)) - 4e23;
        delta = int256(bound(uint256(delta), 1, 8e23)) - 4e23;
        if (delta == 0) delta = 1;
        uint256 open = SkewMath.fillPrice(price, skew, delta, 1_000_000);
        uint256 close = SkewMath.fillPrice(price, skew + delta, -delta, 1_000_000);
        if (delta > 0) require(close <= open, "a long round trip earned");
        else require(close >= open, "a short round trip earned");
    }

    /// @notice The rate follows the skew's sign and is clamped at the maximum beyond the scale.
    function testFuzz_fundingRateIsClampedAndSigned(int256 skew, uint256 scale, uint256 maxRate) public pure {
        scale = bound(scale, 1, 1e10);
        maxRate = bound(maxRate, 0, 0.1e18);
        skew = int256(bound(uint256(skew), 0, 2e28)) - 1e28;
        int256 rate = SkewMath.fundingRate(skew, scale, maxRate);
        require(rate <= int256(maxRate) && rate >= -int256(maxRate), "rate beyond the maximum");
        if (skew > 0) require(rate >= 0, "long skew, negative rate");
        if (skew < 0) require(rate <= 0, "short skew, positive rate");
        if (skew >= int256(scale) * 1e18) require(rate == int256(maxRate), "not clamped");
    }
}
