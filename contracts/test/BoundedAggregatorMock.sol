// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";

/// @notice Test-only: a Chainlink mock feed that also answers like a proxy over an OCR
/// aggregator with answer bounds (`aggregator()` is itself; `minAnswer`/`maxAnswer`), so tests can
/// pin an answer at a bound as a real aggregator does when the market moves past it.
contract BoundedAggregatorMock is MockV3Aggregator {
    int192 public immutable minAnswer;
    int192 public immutable maxAnswer;

    constructor(
        uint8 decimals_,
        int256 initialAnswer,
        int192 minAnswer_,
        int192 maxAnswer_
    ) MockV3Aggregator(decimals_, initialAnswer) {
        minAnswer = minAnswer_;
        maxAnswer = maxAnswer_;
    }

    function aggregator() external view returns (address) {
        return address(this);
    }
}
