// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {SpotCollateralMode} from "./VaultStack.sol";

/// @notice Findings of the SpotCollateral property and invariant suites, minimised to concrete
/// sequences. Each pins today's behaviour (so the suite stays green) and says what the fixed vault
/// must do instead: when the vault is fixed the pin fails, and the test is turned into the property.
contract SpotCollateralFindingsTest is SpotCollateralMode {
    address internal constant ALICE = address(0xA11CE);

    /// @notice FINDING (found by SpotCollateralPreviews' previewWithdraw fuzz test): with no idle
    /// left, a small `withdraw` reverts with the USDC's ERC20InsufficientBalance, although it is
    /// far below maxWithdraw. The unwind's proceeds fall a couple of units short of `assets`:
    /// `fractionForProceeds` sizes the unwind from the worst-case prices with no allowance for the
    /// trades' roundings (ceil'd short buy-back and fee, floored sale, the debt's share repaid in
    /// the stayers' favour), and for a tiny fraction the slippage margin (45 bps of a few units)
    /// is below one unit. `redeem` clips to what idle holds; `withdraw` must pay exactly `assets`.
    /// The fixed vault pays withdraw(9) (or maxWithdraw excludes the amounts it cannot pay).
    function test_finding_smallWithdrawRevertsWhenIdleIsEmpty() public {
        // Alice deposits 100,000 USDC; anyone deploys it (hard idle band): idle 5,000 USDC,
        // 31.6508 WETH bought and posted, short 31.6508 ETH, margin ratio 89.94%.
        usdc.mint(ALICE, 100_000e6);
        vm.startPrank(ALICE);
        usdc.approve(address(vault), 100_000e6);
        vault.deposit(100_000e6, ALICE);
        vault.rebalance();
        vm.stopPrank();
        // ETH rallies 3,000 -> 7,224 (+140.8%): margin ratio 31.50%, under the soft floor (37.5%).
        vm.warp(block.timestamp + 600);
        feed.updateAnswer(7_224e8);
        // The keeper's margin rescue re-bases the book: it repays the USDC debt from idle and the
        // collateral it sells. Collateral 22.5054 WETH = short, margin ratio 51.40%, idle 0.
        vm.prank(address(handler));
        vault.rebalance();
        IDeltaNeutralVault.VaultState memory st = vault.vaultState();
        require(st.idle == 0 && st.marginRatioBps == 5_140, "setup: the rescue's book changed");
        require(vault.maxWithdraw(ALICE) > 90_000e6, "setup: maxWithdraw");

        // withdraw(9 units = $0.000009): the unwind raises 7 units, the payout of 9 reverts.
        vm.prank(ALICE);
        try vault.withdraw(9, ALICE, ALICE) {
            revert("FIXED: withdraw(9) now pays; turn this pin into the property");
        } catch (bytes memory err) {
            bytes memory expected = abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientBalance.selector,
                address(vault),
                7,
                9
            );
            require(keccak256(err) == keccak256(expected), "withdraw(9) reverted otherwise");
        }
        // The same at 50 units (48 raised); from about 1,000 units up the slippage margin covers it.
        vm.prank(ALICE);
        try vault.withdraw(50, ALICE, ALICE) {
            revert("FIXED: withdraw(50) now pays");
        } catch (bytes memory err) {
            require(bytes4(err) == IERC20Errors.ERC20InsufficientBalance.selector, "withdraw(50) reverted otherwise");
        }
        vm.prank(ALICE);
        vault.withdraw(1_000, ALICE, ALICE);
    }
}
