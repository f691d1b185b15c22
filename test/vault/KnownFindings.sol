// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @notice Recognises the reverts of findings that are pinned as concrete tests
/// (SpotCollateralFindings.t.sol), so the fuzz and invariant suites that found them stay green
/// while every other revert still fails them. Remove an entry when its finding is fixed.
library KnownFindings {
    /// @notice Most units a small withdraw's unwind has been seen to raise short of `assets`.
    uint256 internal constant SMALL_WITHDRAW_SHORTFALL_UNITS = 4;

    /// @notice `err` is the revert of test_finding_smallWithdrawRevertsWhenIdleIsEmpty: the asset's
    /// ERC20InsufficientBalance from `vault`, which needed exactly `assets` and held at most
    /// SMALL_WITHDRAW_SHORTFALL_UNITS fewer.
    function isSmallWithdrawShortfall(bytes memory err, address vault, uint256 assets) internal pure returns (bool) {
        if (err.length != 100 || bytes4(err) != IERC20Errors.ERC20InsufficientBalance.selector) return false;
        bytes memory args = new bytes(96);
        for (uint256 i = 0; i < 96; i++) args[i] = err[i + 4];
        (address sender, uint256 balance, uint256 needed) = abi.decode(args, (address, uint256, uint256));
        return
            sender == vault &&
            needed == assets &&
            balance < needed &&
            needed - balance <= SMALL_WITHDRAW_SHORTFALL_UNITS;
    }

    /// @notice Largest short, size units, that test_finding_dustShortAfterBankRunBlocksEveryRebalance
    /// leaves behind a bank run: the vault's own spot dust threshold (1e12 wei).
    uint256 internal constant DUST_SHORT = 1e12;

    /// @notice A rebalance of a book whose short is dust cannot restore its MarginLow band
    /// (test_finding_dustShortAfterBankRunBlocksEveryRebalance).
    function isDustShortStuck(uint256 shortQty) internal pure returns (bool) {
        return shortQty != 0 && shortQty <= DUST_SHORT;
    }
}
