// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {OracleLib} from "../../contracts/libraries/OracleLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @dev A feed whose historical rounds cannot be read (an aggregator that reverts on them).
contract NoHistoryAggregator {
    function getRoundData(uint80) external pure returns (uint80, int256, uint256, uint256, uint80) {
        revert("No data present");
    }
}

/// @notice OracleLib.previousAnswerWad: the round before, or the fallback when it cannot be read.
contract OracleLibPreviousTest is TestBase {
    uint256 internal constant FALLBACK = 7e18;

    function _previous(AggregatorV3Interface aggregator, uint80 roundId) internal view returns (uint256) {
        return OracleLib.previousAnswerWad(aggregator, roundId, 8, FALLBACK);
    }

    function test_readsTheRoundBefore() public {
        MockV3Aggregator feed = new MockV3Aggregator(8, 3_000e8); // round 1
        feed.updateAnswer(3_030e8); // round 2
        require(_previous(AggregatorV3Interface(address(feed)), 2) == 3_000e18, "not round 1's answer");
    }

    function test_firstRoundFallsBack() public {
        MockV3Aggregator feed = new MockV3Aggregator(8, 3_000e8);
        require(_previous(AggregatorV3Interface(address(feed)), 1) == FALLBACK, "first round");
        require(_previous(AggregatorV3Interface(address(feed)), 0) == FALLBACK, "round zero");
    }

    /// @notice A proxy's round id is phase << 64 | aggregator round: the first round of a new phase
    /// has no predecessor in that phase.
    function test_firstRoundOfAPhaseFallsBack() public {
        MockV3Aggregator feed = new MockV3Aggregator(8, 3_000e8);
        uint80 firstOfPhase2 = (uint80(2) << 64) | 1;
        require(_previous(AggregatorV3Interface(address(feed)), firstOfPhase2) == FALLBACK, "phase boundary");
    }

    function test_unreadableOrEmptyRoundFallsBack() public {
        NoHistoryAggregator none = new NoHistoryAggregator();
        require(_previous(AggregatorV3Interface(address(none)), 5) == FALLBACK, "reverting feed");
        MockV3Aggregator feed = new MockV3Aggregator(8, 3_000e8);
        // Round 9 was never written: an empty round.
        require(_previous(AggregatorV3Interface(address(feed)), 10) == FALLBACK, "empty round");
    }
}
