// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test-only double of a Chainlink L2 sequencer uptime feed: answer 0 = up, 1 = down,
/// `startedAt` = when the current status began.
contract SequencerUptimeFeedMock {
    int256 public answer;
    uint256 public startedAt;
    uint80 public roundId;

    constructor(int256 initialAnswer, uint256 initialStartedAt) {
        setStatus(initialAnswer, initialStartedAt);
    }

    function setStatus(int256 newAnswer, uint256 newStartedAt) public {
        answer = newAnswer;
        startedAt = newStartedAt;
        roundId++;
    }

    function decimals() external pure returns (uint8) {
        return 0;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, answer, startedAt, startedAt, roundId);
    }
}
