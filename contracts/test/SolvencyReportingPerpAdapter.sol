// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPerpVenueSolvency} from "../interfaces/IPerpVenue.sol";
import {PerpMarket} from "../perp/PerpMarket.sol";
import {PerpMarketAdapter} from "../perp/PerpMarketAdapter.sol";

/// @notice Test-only: the PerpMarket adapter plus IPerpVenueSolvency, read from the market's
/// public state. PerpMarket refuses every margin withdrawal while its pool is in deficit, and
/// pays profit beyond settled margin out of the pool.
contract SolvencyReportingPerpAdapter is PerpMarketAdapter, IPerpVenueSolvency {
    constructor(PerpMarket market_) PerpMarketAdapter(market_) {}

    function payableEquity() external view returns (uint256) {
        int256 equity_ = this.equity();
        int256 pool = market.poolBalance();
        if (equity_ <= 0 || pool < 0) return 0;
        return Math.min(uint256(equity_), this.position().margin + uint256(pool));
    }
}
