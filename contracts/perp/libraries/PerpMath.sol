// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

/// @title PerpMath
/// @notice Unit conversions of the perp market, each rounded against the account. `divisor` is
/// 10^(18 + 18 - collateralDecimals): base units times a WAD price, divided by it, gives
/// collateral units (the divisor OracleLib.baseToQuoteUp/Down derive; the market computes it once).
library PerpMath {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;

    /// @notice size * perToken (a WAD amount per whole token) in collateral units, rounded toward negative infinity: a credit to
    /// the account rounds down, a debit rounds up.
    function signedValue(int256 size, int256 perToken, uint256 divisor) internal pure returns (int256) {
        if (size == 0 || perToken == 0) return 0;
        uint256 absSize = SignedMath.abs(size);
        uint256 absDelta = SignedMath.abs(perToken);
        if ((size < 0) != (perToken < 0)) return -int256(toCollateralUp(absSize, absDelta, divisor));
        return int256(toCollateralDown(absSize, absDelta, divisor));
    }

    /// @notice |size| * price in collateral units, rounded up (requirements and fees).
    function notionalUp(int256 size, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return toCollateralUp(SignedMath.abs(size), price, divisor);
    }

    /// @notice Collateral value of `baseAmount` at `priceWad`, rounded up.
    function toCollateralUp(uint256 baseAmount, uint256 priceWad, uint256 divisor) internal pure returns (uint256) {
        return Math.mulDiv(baseAmount, priceWad, divisor, Math.Rounding.Ceil);
    }

    /// @notice Collateral value of `baseAmount` at `priceWad`, rounded down.
    function toCollateralDown(uint256 baseAmount, uint256 priceWad, uint256 divisor) internal pure returns (uint256) {
        return Math.mulDiv(baseAmount, priceWad, divisor, Math.Rounding.Floor);
    }

    /// @notice `bps` of `amount`, rounded up (requirements and fees charged to the account).
    function bpsUp(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.ceilDiv(amount * bps, BPS);
    }

    /// @notice price - entry as a signed WAD.
    function priceDelta(uint256 price, uint256 entry) internal pure returns (int256) {
        return int256(price) - int256(entry);
    }
}
