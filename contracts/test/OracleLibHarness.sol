// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {OracleLib} from "../libraries/OracleLib.sol";

/// @notice Test-only: exposes OracleLib so mocha tests can call it.
contract OracleLibHarness {
    function readPriceWad(
        address aggregator,
        uint32 heartbeat,
        address sequencerUptimeFeed,
        uint32 gracePeriod
    ) external view returns (uint256) {
        return
            OracleLib.readPriceWad(
                OracleLib.Feed(
                    AggregatorV3Interface(aggregator),
                    heartbeat,
                    AggregatorV3Interface(sequencerUptimeFeed),
                    gracePeriod
                )
            );
    }

    /// @notice readPriceWad with the answer bounds the feed exposes (OracleLib.answerBounds).
    function readPriceWadBounded(address aggregator, uint32 heartbeat) external view returns (uint256) {
        AggregatorV3Interface feed = AggregatorV3Interface(aggregator);
        (int256 minAnswer, int256 maxAnswer) = OracleLib.answerBounds(feed);
        return
            OracleLib.readPriceWad(
                OracleLib.Feed(feed, heartbeat, AggregatorV3Interface(address(0)), 0),
                feed.decimals(),
                minAnswer,
                maxAnswer
            );
    }

    function answerBounds(address aggregator) external view returns (int256, int256) {
        return OracleLib.answerBounds(AggregatorV3Interface(aggregator));
    }

    function inQuoteToken(uint256 baseUsdWad, uint256 quoteUsdWad) external pure returns (uint256) {
        return OracleLib.inQuoteToken(baseUsdWad, quoteUsdWad);
    }

    function baseToQuoteDown(
        uint256 base,
        uint256 price,
        uint8 baseDec,
        uint8 quoteDec
    ) external pure returns (uint256) {
        return OracleLib.baseToQuoteDown(base, price, baseDec, quoteDec);
    }

    function baseToQuoteUp(uint256 base, uint256 price, uint8 baseDec, uint8 quoteDec) external pure returns (uint256) {
        return OracleLib.baseToQuoteUp(base, price, baseDec, quoteDec);
    }

    function quoteToBaseDown(
        uint256 quote,
        uint256 price,
        uint8 baseDec,
        uint8 quoteDec
    ) external pure returns (uint256) {
        return OracleLib.quoteToBaseDown(quote, price, baseDec, quoteDec);
    }

    function quoteToBaseUp(
        uint256 quote,
        uint256 price,
        uint8 baseDec,
        uint8 quoteDec
    ) external pure returns (uint256) {
        return OracleLib.quoteToBaseUp(quote, price, baseDec, quoteDec);
    }
}
