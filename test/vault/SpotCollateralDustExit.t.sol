// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SpotCollateralMode} from "./VaultStack.sol";

/// @notice FIXED (found by the SpotCollateral handler invariant that exits revert only for
/// venue reasons): the last holder of a dust book could not leave. A 1 USDC deposit is deployed,
/// ETH moves, and everyone exits; the fee recipient's last 30 units (3e-5 USDC) reverted
/// CostTooHigh(30, 24, 5): the unwind's roundings, one per leg (collateral withdrawn at its
/// haircut, sold, the short bought back, the debt repaid), lost 6 units against an allowance of
/// 5. The allowance (VaultMath.UNWIND_ROUNDING_UNITS) is now 12 units. The campaign's own seeds.
contract SpotCollateralDustExitTest is SpotCollateralMode {
    function test_lastHolderOfADustBookLeaves() public {
        handler.mint(24314, 17326);
        handler.setFees(
            30370868344625215036103464074475633616486990912780947822063,
            1524238702096272176649188795330713653859,
            true
        );
        handler.warp(42674388981878909059661823716602252508715808601133636182447922248);
        handler.rebalanceAsAnyone(26113);
        handler.movePrice(21144456580833501690744170119106243543129);
        handler.exitEveryone();
        require(handler.exits() != 0 && handler.exitReverts() == 0, "an exit reverted");
        require(vault.balanceOf(address(0xFEE)) == 0, "the fee recipient kept its shares");
    }

    /// @notice The same on another of the campaign's paths, with the allowance at 8 units: the
    /// last exit paid 24 units where its preview said 26 (invariant: previews are conservative).
    function test_lastExitOfADustBookPaysItsPreview() public {
        handler.mint(5289, 14203);
        handler.setFees(
            30370868344625215036103464074475633616486990912780947822063,
            1524238702096272176649188795330713653859,
            true
        );
        handler.warp(42674388981878909059661823716602252508715808601133636182447922248);
        handler.rebalanceAsAnyone(26113);
        handler.exitEveryone();
        require(handler.exitReverts() == 0, "an exit reverted");
        _requireFlag(handler.previewNotConservative());
    }
}
