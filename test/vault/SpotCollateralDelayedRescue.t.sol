// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {SpotCollateralMode} from "./VaultStack.sol";

/// @notice A SpotCollateral rescue on a market that fills later is ordered whatever the spot market
/// is at submission: its collateral is sold at settlement, on the pool as it is then. A shrink cut
/// at submission to what the pool would sell (as SpotCollateralTrading._toSellable cuts it on a
/// synchronous venue) ordered nothing while the pool stood past the slippage bound, so a rally's
/// rescue waited on the pool, round after round, with the margin ratio falling toward the hard floor.
contract SpotCollateralDelayedRescueTest is SpotCollateralMode {
    function _delayedVenue() internal pure override returns (bool) {
        return true;
    }

    function test_aRescueIsOrderedWhileThePoolIsPastTheBound() public {
        handler.deposit(0, 0, 100_000e6);
        handler.rebalanceAsKeeper(false); // the idle round: ordered, filled, settled
        feed.updateAnswer(8_366e8);
        // +178.9%: margin ratio 25.84% (just over the 25% hard floor), short 31.65 ETH.
        IDeltaNeutralVault.VaultState memory before = vault.vaultState();
        require(before.band == IDeltaNeutralVault.Band.MarginLow, "setup: no margin-low breach");
        venue.setAdverseBps(60); // 65 bps under the oracle with the fee: past the 50 bps bound
        handler.warp(600);
        handler.rebalanceLeavingRoundPending(0, true);
        require(vault.pendingRound().submittedAt != 0, "no rescue was ordered");
        venue.setAdverseBps(0); // arbitraged back while the order waited
        handler.finishRound(true);
        // Filled and settled on the pool restored: 6.84 ETH of collateral sold, the short with it,
        // the margin ratio from 25.84% to 38.10%, over the 37.5% soft floor.
        IDeltaNeutralVault.VaultState memory st = vault.vaultState();
        require(handler.roundsFilled() == 2, "the rescue's order did not fill");
        require(st.shortQty < 24.9e18 && st.shortQty == st.spotQty, "the rescue did not sell the collateral");
        require(st.marginRatioBps >= 3_750, "the rescue left the margin ratio under the soft floor");
        require(st.band != IDeltaNeutralVault.Band.MarginLow, "the rescue left the margin band breached");
        _requireFlag(handler.rebalanceCostExceeded());
        _requireFlag(handler.roundStuck());
    }
}
