// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SpotCollateralMode} from "./VaultStack.sol";

/// @notice EIP-4626's preview rule on a SpotCollateral vault, fuzzed over the price moves its
/// bands are built for and over every size of flow: a preview is never more favourable to the
/// caller than the same call executed right after it (previewRedeem <= assets paid,
/// previewWithdraw >= shares burned, previewDeposit <= shares minted, previewMint >= assets
/// taken). The world: two holders' deposits deployed by a rebalance (spot bought and posted as the
/// short's collateral), a price move of -60%..+150% from there (a fall leaves the short a profit,
/// a rally the USDC margin a debt; at the 10% haircut the margin ratio is then 240%..30%, inside
/// the hard band 25%..300%), and half the time a keeper rebalance that re-bases the book. Flows run
/// from one unit to everything a holder has; an exit inside the hard bands must also go through
/// (the release loop never locks a leaver's collateral, and a withdraw of a few units is sized
/// with the roundings' allowance).
contract SpotCollateralPreviewsTest is SpotCollateralMode {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA401);
    uint256 internal constant BPS = 10_000;
    /// @notice The price move's range, bps of the price at the deployment: -60%..+150%.
    int256 internal constant MOVE_DOWN_BPS = 6_000;
    int256 internal constant MOVE_UP_BPS = 15_000;

    function testFuzz_previewRedeem_neverAboveAssetsPaid(uint256 world, uint256 move, uint256 size) public {
        _build(world, move);
        uint256 shares = _fraction(vault.balanceOf(ALICE), size);
        uint256 preview = vault.previewRedeem(shares);
        vm.prank(ALICE);
        uint256 paid = vault.redeem(shares, ALICE, ALICE);
        require(paid >= preview, "redeem paid less than previewRedeem");
    }

    function testFuzz_previewWithdraw_neverBelowSharesBurned(uint256 world, uint256 move, uint256 size) public {
        _build(world, move);
        uint256 assets = _fraction(vault.maxWithdraw(ALICE), size);
        uint256 preview = vault.previewWithdraw(assets);
        uint256 before = vault.balanceOf(ALICE);
        vm.prank(ALICE);
        uint256 burned = vault.withdraw(assets, ALICE, ALICE);
        require(burned <= preview, "withdraw burned more than previewWithdraw");
        require(before - vault.balanceOf(ALICE) == burned && usdc.balanceOf(ALICE) == assets, "withdraw misreported");
    }

    function testFuzz_previewDeposit_neverAboveSharesMinted(uint256 world, uint256 move, uint256 size) public {
        _build(world, move);
        uint256 assets = _fraction(Math.min(vault.maxDeposit(CAROL), 5_000_000e6), size);
        _fund(CAROL, assets);
        uint256 preview = vault.previewDeposit(assets);
        vm.prank(CAROL);
        uint256 minted = vault.deposit(assets, CAROL);
        require(minted >= preview, "deposit minted fewer shares than previewDeposit");
    }

    function testFuzz_previewMint_neverBelowAssetsTaken(uint256 world, uint256 move, uint256 size) public {
        _build(world, move);
        uint256 shares = _fraction(Math.min(vault.maxMint(CAROL), vault.previewDeposit(5_000_000e6)), size);
        uint256 preview = vault.previewMint(shares);
        _fund(CAROL, preview);
        vm.prank(CAROL);
        uint256 taken = vault.mint(shares, CAROL);
        require(taken <= preview, "mint took more than previewMint");
    }

    /// @dev The fuzzed world of the contract's notice. The keeper's re-basing rebalance runs only
    /// where the move left a band breached; elsewhere the gate refuses it (WithinBands) and the
    /// book stays as the move left it.
    function _build(uint256 world, uint256 move) internal {
        _depositFor(ALICE, bound(_seed(world, 1), 10_000e6, 2_000_000e6));
        _depositFor(BOB, bound(_seed(world, 2), 1_000e6, 500_000e6));
        vm.prank(CAROL);
        vault.rebalance(); // anyone: fresh deposits breach the hard idle band
        int256 stepBps = int256(bound(move, 0, uint256(MOVE_DOWN_BPS + MOVE_UP_BPS))) - MOVE_DOWN_BPS;
        (, int256 answer, , , ) = feed.latestRoundData();
        _elapse(bound(_seed(world, 3), 0, 1 hours), (answer * (int256(BPS) + stepBps)) / int256(BPS));
        if (_seed(world, 4) % 2 == 0) {
            _elapse(vault.strategy().minRebalanceInterval, 0);
            vm.prank(address(handler)); // the keeper
            try vault.rebalance() {} catch {} // solhint-disable-line no-empty-blocks
        }
    }

    /// @dev From one unit to all of `total`: all of it one time in eight, else a fuzzed amount of
    /// up to total / 2^k for k in 0..47, so tiny flows are as frequent as large ones.
    function _fraction(uint256 total, uint256 seed) internal pure returns (uint256) {
        if (total == 0) return 0;
        if (seed % 8 == 0) return total;
        uint256 scaled = total >> ((seed >> 3) % 48);
        return bound(seed >> 16, 1, Math.max(scaled, 1));
    }

    function _seed(uint256 world, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(world, salt)));
    }

    /// @dev Time passes, then the feed publishes `answer` (0: the same answer again).
    function _elapse(uint256 seconds_, int256 answer) internal {
        vm.warp(block.timestamp + seconds_);
        if (answer == 0) (, answer, , , ) = feed.latestRoundData();
        feed.updateAnswer(answer);
    }
}
