// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {IPerpMarket} from "../../contracts/interfaces/IPerpMarket.sol";
import {Vm} from "../utils/Vm.sol";
import {SpotCollateralMode} from "./VaultStack.sol";

/// @notice A SpotCollateral shrink on a synchronous venue buys back only the short its sale
/// sells (SpotCollateralTrading._toSellable). The rally's rescue of SpotCollateralFindings sells
/// 9.15 ETH of collateral at $7,224; on a pool that fills it 70 bps under the oracle (beyond the
/// 50 bps bound) the sale is halved to 4.57 ETH. FIXED: the round bought the whole 9.15 ETH back
/// first, posted the unsold half back and shorted it again: two perp trades and their taker fees
/// and fills for the same book.
contract SpotCollateralSaleCutTest is SpotCollateralMode {
    address internal constant ALICE = address(0xA11CE);

    function test_aHalvedSaleBuysBackOnlyWhatItSells() public {
        _deployAndRally(ALICE); // margin ratio 31.50%, under the 37.5% soft floor
        // Each 0.13 ETH a swap trades withholds one more bps: 9.15 ETH at 5 + 70 bps, half at 40.
        venue.setDepth(0.13e18);
        IDeltaNeutralVault.VaultState memory before = vault.vaultState();
        uint256 poolSpot = weth.balanceOf(address(venue));

        vm.recordLogs();
        vm.prank(address(handler));
        vault.rebalance();
        uint256 perpTrades = _positionChanges(vm.getRecordedLogs());

        IDeltaNeutralVault.VaultState memory st = vault.vaultState();
        uint256 sold = weth.balanceOf(address(venue)) - poolSpot;
        require(sold > 4.5e18 && sold < 4.6e18, "the sale was not halved");
        require(perpTrades == 1, "the unsold half was bought back and shorted again");
        require(before.shortQty - st.shortQty == sold, "the short came down by more than the sale");
        require(st.shortQty == st.spotQty, "the round left delta");
        require(st.marginRatioBps > before.marginRatioBps, "the rescue did not raise the margin ratio");
        // The round's loss: the sale 40 bps under the oracle, the buy-back's 5 bps fee and its fill
        // over the index (the long skew's premium); uncut it paid a second fee and fill on 4.58 ETH.
        uint256 saleValue = (sold * 7_224e6) / 1e18;
        require(before.totalAssets - st.totalAssets <= (saleValue * 60) / 10_000, "the round cost more than one trade");
    }

    /// @notice The sale cut asks the pool's quote first (VaultTrading.fillable). A quote that
    /// reverts (a quoter misconfigured or down) leaves the sale uncut: the rescue still runs, and
    /// ends where it does with quotes (SpotCollateralFindings: 51.40%, short = spot, idle 0).
    function test_aRescueGoesOnWhenTheQuoteReverts() public {
        _deployAndRally(ALICE);
        venue.setQuotesRevert(true);
        vm.prank(address(handler));
        vault.rebalance();
        IDeltaNeutralVault.VaultState memory st = vault.vaultState();
        require(st.marginRatioBps == 5_140, "the rescue's book changed");
        require(st.shortQty == st.spotQty, "the rescue left delta");
        require(st.band == IDeltaNeutralVault.Band.None, "a band is still breached");
    }

    function _positionChanges(Vm.Log[] memory logs) internal view returns (uint256 count) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market)) continue;
            if (logs[i].topics[0] != IPerpMarket.PositionModified.selector) continue;
            if (logs[i].topics[1] == bytes32(uint256(uint160(address(adapter))))) ++count;
        }
    }
}
