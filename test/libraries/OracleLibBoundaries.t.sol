// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {BoundedAggregatorMock} from "../../contracts/test/BoundedAggregatorMock.sol";
import {IOracleErrors} from "../../contracts/interfaces/IOracleErrors.sol";
import {OracleLib} from "../../contracts/libraries/OracleLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice A feed whose every latestRoundData field is set by the test, so each check of
/// OracleLib can be put exactly on its boundary (Chainlink's MockV3Aggregator always reports
/// answeredInRound == roundId and startedAt == updatedAt).
contract ScriptedFeed is AggregatorV3Interface {
    uint8 public decimals = 8;
    uint80 internal _roundId = 10;
    int256 internal _answer = 3_000e8;
    uint256 internal _startedAt;
    uint256 internal _updatedAt;
    uint80 internal _answeredInRound = 10;

    function set(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) external {
        (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound) = (
            roundId,
            answer,
            startedAt,
            updatedAt,
            answeredInRound
        );
    }

    function setDecimals(uint8 d) external {
        decimals = d;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }

    function getRoundData(uint80) external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }

    function description() external pure returns (string memory) {
        return "scripted";
    }

    function version() external pure returns (uint256) {
        return 1;
    }
}

/// @notice OracleLib at its exact boundaries: each check of a feed answer (round completeness,
/// future timestamp, staleness, sign), of the sequencer (down, grace period, no round), and of
/// decimals is tested on both sides of the value where it flips; each conversion's rounding is
/// pinned by an amount where rounding up and down differ.
contract OracleLibBoundariesTest is TestBase {
    uint256 internal constant NOW = 1_700_000_000;
    uint32 internal constant HEARTBEAT = 3_600;
    uint32 internal constant GRACE = 3_600;

    ScriptedFeed internal feed;
    ScriptedFeed internal sequencer;

    function setUp() public {
        vm.warp(NOW);
        feed = new ScriptedFeed();
        sequencer = new ScriptedFeed();
        feed.set(10, 3_000e8, NOW, NOW, 10);
        // Up (answer 0) since well before the grace period.
        sequencer.set(1, 0, NOW - 1 days, NOW - 1 days, 1);
    }

    /// @dev External, so a revert inside the library reaches try/catch.
    function readPrice(bool withSequencer) external view returns (uint256) {
        return
            OracleLib.readPriceWad(
                OracleLib.Feed(
                    AggregatorV3Interface(address(feed)),
                    HEARTBEAT,
                    AggregatorV3Interface(withSequencer ? address(sequencer) : address(0)),
                    GRACE
                )
            );
    }

    /// @dev readPriceWad with the aggregator's answer bounds (8-decimal feed, no sequencer).
    function readPriceBounded(int256 minAnswer, int256 maxAnswer) external view returns (uint256) {
        OracleLib.Feed memory f = OracleLib.Feed(
            AggregatorV3Interface(address(feed)),
            HEARTBEAT,
            AggregatorV3Interface(address(0)),
            0
        );
        return OracleLib.readPriceWad(f, 8, minAnswer, maxAnswer);
    }

    function bounds(address aggregator) external view returns (int256, int256) {
        return OracleLib.answerBounds(AggregatorV3Interface(aggregator));
    }

    function scale(uint256 answer, uint8 decimals) external pure returns (uint256) {
        return OracleLib.scaleToWad(answer, decimals);
    }

    function baseToQuoteDown(uint256 base, uint8 baseDec, uint8 quoteDec) external pure returns (uint256) {
        return OracleLib.baseToQuoteDown(base, 1e18, baseDec, quoteDec);
    }

    function _requireReverts(bool withSequencer, bytes4 selector, string memory what) internal view {
        try this.readPrice(withSequencer) returns (uint256) {
            revert(string.concat("accepted: ", what));
        } catch (bytes memory reason) {
            require(reason.length >= 4 && bytes4(reason) == selector, string.concat("wrong error: ", what));
        }
    }

    function _requireReads(bool withSequencer, string memory what) internal view {
        try this.readPrice(withSequencer) returns (uint256 price) {
            require(price != 0, what);
        } catch {
            revert(string.concat("refused: ", what));
        }
    }

    // ---------------------------------------------------------------------------------------
    // Feed answer
    // ---------------------------------------------------------------------------------------

    function test_readPrice_updatedAtZeroIsIncomplete_oneIsARound() public {
        feed.set(10, 3_000e8, 0, 0, 10);
        _requireReverts(false, IOracleErrors.OracleIncompleteRound.selector, "a round with no timestamp");
        // One second after the epoch is a (very old) round: stale, not incomplete.
        feed.set(10, 3_000e8, 1, 1, 10);
        _requireReverts(false, IOracleErrors.OracleStalePrice.selector, "a round from 1970");
    }

    function test_readPrice_updatedNowIsFine_oneSecondInTheFutureIsIncomplete() public {
        feed.set(10, 3_000e8, NOW, NOW, 10);
        _requireReads(false, "a round stamped now");
        feed.set(10, 3_000e8, NOW, NOW + 1, 10);
        _requireReverts(false, IOracleErrors.OracleIncompleteRound.selector, "a round stamped a second ahead");
    }

    function test_readPrice_answeredInRoundEqualIsFine_oneBehindIsIncomplete() public {
        feed.set(10, 3_000e8, NOW, NOW, 10);
        _requireReads(false, "answered in its own round");
        feed.set(10, 3_000e8, NOW, NOW, 11);
        _requireReads(false, "answered in a later round");
        feed.set(10, 3_000e8, NOW, NOW, 9);
        _requireReverts(false, IOracleErrors.OracleIncompleteRound.selector, "an answer carried from an earlier round");
    }

    function test_readPrice_exactlyOneHeartbeatOldIsFine_oneSecondMoreIsStale() public {
        feed.set(10, 3_000e8, NOW - HEARTBEAT, NOW - HEARTBEAT, 10);
        _requireReads(false, "a round exactly one heartbeat old");
        feed.set(10, 3_000e8, NOW - HEARTBEAT - 1, NOW - HEARTBEAT - 1, 10);
        _requireReverts(false, IOracleErrors.OracleStalePrice.selector, "a round a second past the heartbeat");
    }

    function test_readPrice_answerOneIsFine_zeroAndNegativeAreRefused() public {
        feed.set(10, 1, NOW, NOW, 10);
        require(this.readPrice(false) == 1e10, "1 (8 decimals) is not 1e10 as a WAD");
        feed.set(10, 0, NOW, NOW, 10);
        _requireReverts(false, IOracleErrors.OracleNonPositivePrice.selector, "a zero answer");
        feed.set(10, -1, NOW, NOW, 10);
        _requireReverts(false, IOracleErrors.OracleNonPositivePrice.selector, "a negative answer");
    }

    function _pinned(int256 answer, int256 minAnswer, int256 maxAnswer) internal returns (bool) {
        feed.set(10, answer, NOW, NOW, 10);
        try this.readPriceBounded(minAnswer, maxAnswer) returns (uint256) {
            return false;
        } catch (bytes memory reason) {
            require(bytes4(reason) == IOracleErrors.OraclePricePinned.selector, "a bounded read failed otherwise");
            return true;
        }
    }

    /// @notice An answer at the aggregator's minAnswer or maxAnswer is refused (the feed stopped
    /// tracking the market there); one unit inside either bound is a price; no known bounds
    /// (maxAnswer 0) checks nothing.
    function test_readPrice_answerAtEitherAggregatorBoundIsPinned() public {
        require(_pinned(100, 100, 1e13), "an answer at minAnswer accepted");
        require(!_pinned(101, 100, 1e13), "an answer one above minAnswer refused");
        require(_pinned(1e13, 100, 1e13), "an answer at maxAnswer accepted");
        require(!_pinned(1e13 - 1, 100, 1e13), "an answer one below maxAnswer refused");
        require(!_pinned(1, 0, 0), "a feed without bounds refused a price");
        require(!_pinned(type(int192).max, 0, 0), "a feed without bounds refused a large price");
    }

    function test_answerBounds_readFromTheProxysAggregator_orNone() public {
        BoundedAggregatorMock bounded = new BoundedAggregatorMock(8, 3_000e8, 100, 1e13);
        (int256 low, int256 high) = this.bounds(address(bounded));
        require(low == 100 && high == 1e13, "the aggregator's bounds not read in order");
        (low, high) = this.bounds(address(feed));
        require(low == 0 && high == 0, "a feed without bounds reported some");
    }

    /// @notice ETH at $3,000 over USDC at $0.95 is 3,157.894736842105263157... USDC: rounded down.
    function test_inQuoteToken_roundsDown() public pure {
        require(OracleLib.inQuoteToken(3_000e18, 0.95e18) == 3_157_894_736_842_105_263_157, "not rounded down");
        require(OracleLib.inQuoteToken(3_000e18, 1e18) == 3_000e18, "a dollar-pegged quote moved the price");
        require(OracleLib.inQuoteToken(3_000e18, 2e18) == 1_500e18, "an exact division moved");
    }

    // ---------------------------------------------------------------------------------------
    // Sequencer
    // ---------------------------------------------------------------------------------------

    function test_sequencer_upIsFine_downIsRefused() public {
        _requireReads(true, "an up sequencer");
        sequencer.set(2, 1, NOW - 1 days, NOW - 1 days, 2);
        _requireReverts(true, IOracleErrors.SequencerDown.selector, "a down sequencer (answer 1)");
        sequencer.set(2, 2, NOW - 1 days, NOW - 1 days, 2);
        _requireReverts(true, IOracleErrors.SequencerDown.selector, "a sequencer answering neither 0 nor 1");
    }

    function test_sequencer_upForExactlyTheGraceIsRefused_oneSecondMoreIsFine() public {
        sequencer.set(2, 0, NOW - GRACE, NOW - GRACE, 2);
        _requireReverts(true, IOracleErrors.SequencerGracePeriodNotOver.selector, "up for exactly the grace period");
        sequencer.set(2, 0, NOW - GRACE - 1, NOW - GRACE - 1, 2);
        _requireReads(true, "up for a second more than the grace period");
    }

    function test_sequencer_withoutARoundIsRefused() public {
        sequencer.set(0, 0, 0, 0, 0);
        _requireReverts(true, IOracleErrors.SequencerGracePeriodNotOver.selector, "a sequencer feed with no round");
    }

    // ---------------------------------------------------------------------------------------
    // Decimals and conversions
    // ---------------------------------------------------------------------------------------

    function test_scaleToWad_exactUpTo18_refuses19() public view {
        require(this.scale(7, 18) == 7, "18 decimals must pass through");
        require(this.scale(7, 17) == 70, "17 decimals must scale by 10");
        require(this.scale(7, 0) == 7e18, "0 decimals must scale by 1e18");
        try this.scale(7, 19) returns (uint256) {
            revert("19 decimals accepted");
        } catch (bytes memory reason) {
            require(bytes4(reason) == IOracleErrors.DecimalsTooLarge.selector, "19 decimals: wrong error");
        }
    }

    function test_readPrice_usesTheFeedsDecimals() public {
        feed.setDecimals(18);
        feed.set(10, 3_000e18, NOW, NOW, 10);
        require(this.readPrice(false) == 3_000e18, "an 18-decimal feed must pass through");
        feed.setDecimals(6);
        feed.set(10, 3_000e6, NOW, NOW, 10);
        require(this.readPrice(false) == 3_000e18, "a 6-decimal feed must scale by 1e12");
    }

    /// @notice Decimals of 18 on either side are accepted; 19 on either side is refused.
    function test_conversions_accept18Decimals_refuse19() public view {
        require(this.baseToQuoteDown(1e18, 18, 18) == 1e18, "18/18 at price 1");
        require(this.baseToQuoteDown(1e18, 18, 6) == 1e6, "18/6 at price 1");
        bytes4 tooLarge = IOracleErrors.DecimalsTooLarge.selector;
        try this.baseToQuoteDown(1, 19, 6) returns (uint256) {
            revert("19 base decimals accepted");
        } catch (bytes memory reason) {
            require(bytes4(reason) == tooLarge, "19 base decimals: wrong error");
        }
        try this.baseToQuoteDown(1, 6, 19) returns (uint256) {
            revert("19 quote decimals accepted");
        } catch (bytes memory reason) {
            require(bytes4(reason) == tooLarge, "19 quote decimals: wrong error");
        }
    }

    /// @notice 1.5e9 wei of WETH at $3,000 is 4.5 USDC units: 4 down, 5 up. Exactly 1e9 wei is
    /// 3 units both ways (the divisor is 10^(18 + 18 - 6)).
    function test_baseToQuote_roundingPinned() public pure {
        require(OracleLib.baseToQuoteDown(1.5e9, 3_000e18, 18, 6) == 4, "base->quote down");
        require(OracleLib.baseToQuoteUp(1.5e9, 3_000e18, 18, 6) == 5, "base->quote up");
        require(OracleLib.baseToQuoteDown(1e9, 3_000e18, 18, 6) == 3, "exact base->quote down");
        require(OracleLib.baseToQuoteUp(1e9, 3_000e18, 18, 6) == 3, "exact base->quote up");
    }

    /// @notice 1 USDC unit at $3,000 is 333,333,333.33 wei of WETH: 333,333,333 down, ...334 up.
    function test_quoteToBase_roundingPinned() public pure {
        require(OracleLib.quoteToBaseDown(1, 3_000e18, 18, 6) == 333_333_333, "quote->base down");
        require(OracleLib.quoteToBaseUp(1, 3_000e18, 18, 6) == 333_333_334, "quote->base up");
        require(OracleLib.quoteToBaseDown(3, 3_000e18, 18, 6) == 1e9, "exact quote->base down");
        require(OracleLib.quoteToBaseUp(3, 3_000e18, 18, 6) == 1e9, "exact quote->base up");
    }
}
