// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

import {OracleLib} from "../libraries/OracleLib.sol";

/// @title VaultPrices
/// @notice The vault's oracle read: the spot token's price in the asset and the perp venue's
/// index. A linked library like VaultTrading (its two checked feed reads would otherwise be
/// inlined into the vault, past the 24,576-byte code limit of EIP-170).
library VaultPrices {
    /// @notice The vault's two feeds with what it read from them at construction.
    /// @param spot The spot token's USD feed (e.g. ETH/USD) and its checks.
    /// @param asset The asset's own USD feed (e.g. USDC/USD); address(0) values the asset at one
    /// dollar. The sequencer is checked with `spot`.
    struct Feeds {
        OracleLib.Feed spot;
        uint8 spotDecimals;
        int256 spotMinAnswer;
        int256 spotMaxAnswer;
        AggregatorV3Interface asset;
        uint32 assetHeartbeat;
        uint8 assetDecimals;
        int256 assetMinAnswer;
        int256 assetMaxAnswer;
    }

    /// @notice The spot token's price in the asset: its USD price over the asset's USD price when
    /// the asset has a feed (so a depegged asset does not mis-value the spot), every answer
    /// checked for freshness (each feed against its own heartbeat), completeness, sign and the
    /// aggregator's bounds. And the perp venue's index, the USD price alone: the USDC-margined
    /// venue fills and margins at it whatever the asset's peg. WADs.
    function read(Feeds memory f) public view returns (uint256 price, uint256 perpPrice) {
        perpPrice = OracleLib.readPriceWad(f.spot, f.spotDecimals, f.spotMinAnswer, f.spotMaxAnswer);
        if (address(f.asset) == address(0)) return (perpPrice, perpPrice);
        uint256 assetUsd = OracleLib.readPriceWad(
            OracleLib.Feed(f.asset, f.assetHeartbeat, AggregatorV3Interface(address(0)), 0),
            f.assetDecimals,
            f.assetMinAnswer,
            f.assetMaxAnswer
        );
        return (OracleLib.inQuoteToken(perpPrice, assetUsd), perpPrice);
    }
}
