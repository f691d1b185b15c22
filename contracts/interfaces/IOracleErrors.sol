// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOracleErrors
/// @notice The errors of a refused oracle read (OracleLib). Declared apart from the library so
/// that a contract whose reads run in a linked library (the vault, through VaultPrices) still
/// declares them in its ABI, where wallets and the keeper decode its reverts.
interface IOracleErrors {
    /// @notice The feed answered zero or a negative price.
    error OracleNonPositivePrice(address aggregator, int256 answer);
    /// @notice The latest round is older than the feed's heartbeat.
    error OracleStalePrice(address aggregator, uint256 updatedAt, uint256 heartbeat, uint256 blockTimestamp);
    /// @notice The latest round has not completed (no timestamp, a timestamp in the future, or an
    /// answer carried over from an earlier round).
    error OracleIncompleteRound(address aggregator, uint80 roundId, uint256 updatedAt);
    /// @notice The L2 sequencer uptime feed reports the sequencer down.
    error SequencerDown(address uptimeFeed);
    /// @notice The sequencer restarted less than a grace period ago; prices may still be stale.
    error SequencerGracePeriodNotOver(address uptimeFeed, uint256 upSince, uint256 gracePeriod);
    /// @notice A token or feed with more decimals than OracleLib handles.
    error DecimalsTooLarge(uint8 decimals);
    /// @notice The answer sits at the aggregator's minimum or maximum bound: the feed has stopped
    /// tracking the market (a crash below minAnswer reports minAnswer), so it is refused.
    error OraclePricePinned(address aggregator, int256 answer, int256 minAnswer, int256 maxAnswer);
}
