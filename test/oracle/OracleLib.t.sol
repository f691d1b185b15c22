// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OracleLib} from "../../contracts/libraries/OracleLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice Fuzz properties of OracleLib's decimal scaling.
contract OracleLibFuzzTest is TestBase {
    // Realistic ranges: prices from 1e-6 to 1e12 quote per base token, amounts up to 1e30 base
    // units (a trillion tokens of 18 decimals).
    uint256 internal constant MIN_PRICE = 1e12;
    uint256 internal constant MAX_PRICE = 1e30;
    uint256 internal constant MAX_AMOUNT = 1e30;

    function _decimals(uint8 seed) internal pure returns (uint8) {
        uint8[4] memory options = [uint8(6), 8, 18, 0];
        return options[seed % 4];
    }

    function testFuzz_scaleToWad_isExactForEveryFeedPrecision(uint256 answer, uint8 decimalsSeed) public pure {
        uint8 decimals = uint8(bound(decimalsSeed, 0, 18));
        answer = bound(answer, 0, 1e40);
        uint256 wad = OracleLib.scaleToWad(answer, decimals);
        require(wad / 10 ** (18 - decimals) == answer, "scaling lost precision");
        require(wad % 10 ** (18 - decimals) == 0, "scaling not exact");
    }

    function testFuzz_baseToQuote_roundsDownThenUpByAtMostOne(
        uint256 amount,
        uint256 price,
        uint8 baseSeed,
        uint8 quoteSeed
    ) public pure {
        amount = bound(amount, 0, MAX_AMOUNT);
        price = bound(price, MIN_PRICE, MAX_PRICE);
        uint8 baseDecimals = _decimals(baseSeed);
        uint8 quoteDecimals = _decimals(quoteSeed);
        // No overflow in range: both calls must return.
        uint256 down = OracleLib.baseToQuoteDown(amount, price, baseDecimals, quoteDecimals);
        uint256 up = OracleLib.baseToQuoteUp(amount, price, baseDecimals, quoteDecimals);
        require(up >= down && up - down <= 1, "up and down differ by more than one unit");
        // Exact value times the divisor lies between down*d and up*d.
        uint256 divisor = 10 ** (uint256(baseDecimals) + 18 - quoteDecimals);
        uint256 product = amount * price;
        require(down * divisor <= product, "down rounded up");
        require(up * divisor >= product, "up rounded down");
    }

    function testFuzz_quoteToBase_roundsInItsNamedDirection(
        uint256 quoteAmount,
        uint256 price,
        uint8 baseSeed,
        uint8 quoteSeed
    ) public pure {
        quoteAmount = bound(quoteAmount, 0, MAX_AMOUNT);
        price = bound(price, MIN_PRICE, MAX_PRICE);
        uint8 baseDecimals = _decimals(baseSeed);
        uint8 quoteDecimals = _decimals(quoteSeed);
        uint256 down = OracleLib.quoteToBaseDown(quoteAmount, price, baseDecimals, quoteDecimals);
        uint256 up = OracleLib.quoteToBaseUp(quoteAmount, price, baseDecimals, quoteDecimals);
        require(up >= down && up - down <= 1, "up and down differ by more than one unit");
        // Valuing the rounded-down base never exceeds the quote we started from; the rounded-up
        // base is never worth less.
        require(OracleLib.baseToQuoteDown(down, price, baseDecimals, quoteDecimals) <= quoteAmount, "down overpays");
        require(OracleLib.baseToQuoteUp(up, price, baseDecimals, quoteDecimals) >= quoteAmount, "up underpays");
    }

    /// @notice Base -> quote -> base loses at most one base unit when a quote unit is worth no
    /// more than a base unit (the quote side is the finer one), and in general never more than
    /// one quote unit's worth plus one base unit. It never creates value.
    function testFuzz_roundTrip_losesAtMostOneUnit(
        uint256 amount,
        uint256 price,
        uint8 baseSeed,
        uint8 quoteSeed
    ) public pure {
        amount = bound(amount, 0, MAX_AMOUNT);
        price = bound(price, MIN_PRICE, MAX_PRICE);
        uint8 baseDecimals = _decimals(baseSeed);
        uint8 quoteDecimals = _decimals(quoteSeed);
        uint256 divisor = 10 ** (uint256(baseDecimals) + 18 - quoteDecimals);
        uint256 quote = OracleLib.baseToQuoteDown(amount, price, baseDecimals, quoteDecimals);
        uint256 back = OracleLib.quoteToBaseDown(quote, price, baseDecimals, quoteDecimals);
        require(back <= amount, "round trip created value");
        uint256 lost = amount - back;
        if (divisor <= price) require(lost <= 1, "round trip lost more than one unit");
        require(lost * price <= divisor + price, "round trip lost more than one quote unit plus one base unit");
    }
}
