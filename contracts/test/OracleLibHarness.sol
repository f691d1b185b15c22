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
