// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IOracleErrors} from "../interfaces/IOracleErrors.sol";

/// @notice The answer bounds of a Chainlink feed: its proxy names the current aggregator, whose
/// minAnswer/maxAnswer clamp every report (Chainlink OCR2Aggregator; Chainlink docs, "Data
/// Feeds: Risk Mitigation", which tells consumers to check answers against them).
interface IChainlinkAnswerBounds {
    function aggregator() external view returns (address);
    function minAnswer() external view returns (int192);
    function maxAnswer() external view returns (int192);
}

/// @title OracleLib
/// @notice Reads Chainlink price feeds defensively and converts between token amounts with an
/// explicit rounding direction. Every price in this codebase is a WAD (18 decimals): quote-token
/// value of one whole base token (e.g. 3000e18 USD per 1 WETH). Its errors are IOracleErrors.
library OracleLib {
    /// @notice Precision of every normalised price.
    uint256 internal constant WAD = 1e18;
    uint8 internal constant WAD_DECIMALS = 18;
    /// @notice Largest token or feed decimals the conversions accept.
    uint8 internal constant MAX_DECIMALS = 18;

    /// @notice A price feed and the checks that make its answer usable.
    /// @param aggregator Chainlink AggregatorV3Interface of the asset price.
    /// @param heartbeat Longest accepted age of the latest round, in seconds (per feed).
    /// @param sequencerUptimeFeed Chainlink L2 sequencer uptime feed, or address(0) on L1.
    /// @param sequencerGracePeriod Seconds after the sequencer comes back before prices are trusted.
    struct Feed {
        AggregatorV3Interface aggregator;
        uint32 heartbeat;
        AggregatorV3Interface sequencerUptimeFeed;
        uint32 sequencerGracePeriod;
    }

    /// @notice The feed's latest price as a WAD, after every check; reverts instead of returning
    /// a price that should not be used.
    function readPriceWad(Feed memory feed) internal view returns (uint256 priceWad) {
        return readPriceWad(feed, feed.aggregator.decimals());
    }

    /// @notice `readPriceWad` with the feed's decimals supplied by the caller: a Chainlink feed's
    /// decimals never change, so contracts read them once at construction and skip a call per read.
    function readPriceWad(Feed memory feed, uint8 feedDecimals) internal view returns (uint256 priceWad) {
        (priceWad, ) = readPriceWadAndTime(feed, feedDecimals, 0, 0);
    }

    /// @notice `readPriceWad` that also refuses an answer pinned at the aggregator's bounds
    /// (`answerBounds`); with `maxAnswer` 0 the feed has no known bounds and none is checked.
    function readPriceWad(
        Feed memory feed,
        uint8 feedDecimals,
        int256 minAnswer,
        int256 maxAnswer
    ) internal view returns (uint256 priceWad) {
        (priceWad, ) = readPriceWadAndTime(feed, feedDecimals, minAnswer, maxAnswer);
    }

    /// @notice `readPriceWad` with bounds, and the time the answer was written (`updatedAt`).
    function readPriceWadAndTime(
        Feed memory feed,
        uint8 feedDecimals,
        int256 minAnswer,
        int256 maxAnswer
    ) internal view returns (uint256 priceWad, uint256 updatedAt) {
        (priceWad, updatedAt, ) = readRoundWad(feed, feedDecimals, minAnswer, maxAnswer);
    }

    /// @notice `readPriceWadAndTime` and the latest round's id.
    function readRoundWad(
        Feed memory feed,
        uint8 feedDecimals,
        int256 minAnswer,
        int256 maxAnswer
    ) internal view returns (uint256 priceWad, uint256 updatedAt, uint80 roundId) {
        if (address(feed.sequencerUptimeFeed) != address(0)) {
            checkSequencer(feed.sequencerUptimeFeed, feed.sequencerGracePeriod);
        }
        AggregatorV3Interface aggregator = feed.aggregator;

        int256 answer;
        uint80 answeredInRound;
        (roundId, answer, , updatedAt, answeredInRound) = aggregator.latestRoundData();
        if (updatedAt == 0 || updatedAt > block.timestamp || answeredInRound < roundId) {
            revert IOracleErrors.OracleIncompleteRound(address(aggregator), roundId, updatedAt);
        }
        if (block.timestamp - updatedAt > feed.heartbeat) {
            revert IOracleErrors.OracleStalePrice(address(aggregator), updatedAt, feed.heartbeat, block.timestamp);
        }
        if (answer <= 0) revert IOracleErrors.OracleNonPositivePrice(address(aggregator), answer);
        if (maxAnswer != 0 && (answer <= minAnswer || answer >= maxAnswer)) {
            revert IOracleErrors.OraclePricePinned(address(aggregator), answer, minAnswer, maxAnswer);
        }
        // Cast is safe: answer > 0 was checked just above.
        priceWad = scaleToWad(uint256(answer), feedDecimals);
    }

    /// @notice The bounds the feed's current aggregator clamps answers to, or (0, 0) when the feed
    /// does not expose them (a test double, a non-OCR feed). Read once at deployment: a proxy
    /// moving to a new aggregator with other bounds needs a new reader.
    function answerBounds(AggregatorV3Interface feed) internal view returns (int256 minAnswer, int256 maxAnswer) {
        try IChainlinkAnswerBounds(address(feed)).aggregator() returns (address current) {
            try IChainlinkAnswerBounds(current).minAnswer() returns (int192 low) {
                try IChainlinkAnswerBounds(current).maxAnswer() returns (int192 high) {
                    return (low, high);
                } catch {} // solhint-disable-line no-empty-blocks
            } catch {} // solhint-disable-line no-empty-blocks
        } catch {} // solhint-disable-line no-empty-blocks
        return (0, 0);
    }

    /// @notice A base/USD price as a price in a quote token that has its own quote/USD price:
    /// base/USD ÷ quote/USD, WAD, rounded down (e.g. WETH in USDC from ETH/USD and USDC/USD).
    function inQuoteToken(uint256 baseUsdWad, uint256 quoteUsdWad) internal pure returns (uint256) {
        return Math.mulDiv(baseUsdWad, WAD, quoteUsdWad);
    }

    /// @notice The answer of the round before `roundId` as a WAD, or `fallbackWad` when that round
    /// cannot be read: `roundId` is the first (0 or the first round of a proxy phase, whose
    /// predecessor belongs to another aggregator), the call reverts, or the round is empty or
    /// non-positive.
    function previousAnswerWad(
        AggregatorV3Interface aggregator,
        uint80 roundId,
        uint8 feedDecimals,
        uint256 fallbackWad
    ) internal view returns (uint256) {
        if (uint64(roundId) <= 1) return fallbackWad;
        try aggregator.getRoundData(roundId - 1) returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (updatedAt == 0 || answer <= 0) return fallbackWad;
            return scaleToWad(uint256(answer), feedDecimals);
        } catch {
            return fallbackWad;
        }
    }

    /// @notice Reverts unless the L2 sequencer is up and has been up for `gracePeriod` seconds.
    /// @dev Chainlink uptime feeds answer 0 when up and 1 when down; `startedAt` is when the
    /// current status began (Chainlink docs, "L2 Sequencer Uptime Feeds").
    function checkSequencer(AggregatorV3Interface uptimeFeed, uint256 gracePeriod) internal view {
        (, int256 answer, uint256 startedAt, , ) = uptimeFeed.latestRoundData();
        if (answer != 0) revert IOracleErrors.SequencerDown(address(uptimeFeed));
        // startedAt == 0 means the feed has no round yet: treat it as not known to be up.
        if (startedAt == 0 || block.timestamp - startedAt <= gracePeriod) {
            revert IOracleErrors.SequencerGracePeriodNotOver(address(uptimeFeed), startedAt, gracePeriod);
        }
    }

    /// @notice A feed answer with `decimals` decimals as a WAD. Exact for decimals <= 18.
    function scaleToWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals > MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(decimals);
        return answer * 10 ** (WAD_DECIMALS - decimals);
    }

    /// @notice Quote-token value of `baseAmount`, rounded down (use when the result is paid out
    /// or credited to a caller).
    function baseToQuoteDown(
        uint256 baseAmount,
        uint256 priceWad,
        uint8 baseDecimals,
        uint8 quoteDecimals
    ) internal pure returns (uint256) {
        return Math.mulDiv(baseAmount, priceWad, _baseToQuoteDivisor(baseDecimals, quoteDecimals), Math.Rounding.Floor);
    }

    /// @notice Quote-token value of `baseAmount`, rounded up (use when the result is owed by a caller).
    function baseToQuoteUp(
        uint256 baseAmount,
        uint256 priceWad,
        uint8 baseDecimals,
        uint8 quoteDecimals
    ) internal pure returns (uint256) {
        return Math.mulDiv(baseAmount, priceWad, _baseToQuoteDivisor(baseDecimals, quoteDecimals), Math.Rounding.Ceil);
    }

    /// @notice Base-token amount worth `quoteAmount`, rounded down.
    function quoteToBaseDown(
        uint256 quoteAmount,
        uint256 priceWad,
        uint8 baseDecimals,
        uint8 quoteDecimals
    ) internal pure returns (uint256) {
        return
            Math.mulDiv(quoteAmount, _baseToQuoteDivisor(baseDecimals, quoteDecimals), priceWad, Math.Rounding.Floor);
    }

    /// @notice Base-token amount worth `quoteAmount`, rounded up.
    function quoteToBaseUp(
        uint256 quoteAmount,
        uint256 priceWad,
        uint8 baseDecimals,
        uint8 quoteDecimals
    ) internal pure returns (uint256) {
        return Math.mulDiv(quoteAmount, _baseToQuoteDivisor(baseDecimals, quoteDecimals), priceWad, Math.Rounding.Ceil);
    }

    /// @dev value = base * price / 10^(baseDecimals + 18 - quoteDecimals). With both decimals
    /// at most 18 the exponent is in [0, 36], so the divisor never overflows or underflows.
    function _baseToQuoteDivisor(uint8 baseDecimals, uint8 quoteDecimals) private pure returns (uint256) {
        if (baseDecimals > MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(baseDecimals);
        if (quoteDecimals > MAX_DECIMALS) revert IOracleErrors.DecimalsTooLarge(quoteDecimals);
        return 10 ** (uint256(baseDecimals) + WAD_DECIMALS - quoteDecimals);
    }
}
