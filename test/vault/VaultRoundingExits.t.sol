// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {CashMarginMode, SpotCollateralMode, VaultStackBase} from "./VaultStack.sol";

/// @notice The vault's behaviour at the scale of its roundings, in both hedge modes: a small
/// withdraw with no idle left pays exactly what it asks (its unwind is sized with a rounding
/// allowance, VaultMath.UNWIND_ROUNDING_UNITS) and never at the stayers' expense, also when
/// repeated; and a book left with a dust short after a bank run (VaultMath.DUST_SHORT_NOTIONAL_UNITS)
/// never blocks the round that deploys the next deposit, whoever stays behind with a few shares.
abstract contract VaultRoundingExits is VaultStackBase {
    using Math for uint256;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA401);
    uint256 internal constant BPS = 10_000;

    /// @notice Any withdraw of 1..10,000 units with idle empty, after a price move of -20%..+20%
    /// from the deployment (inside both modes' hard bands): it pays exactly `assets`, burns no
    /// more shares than previewWithdraw said, and the stayers' assets per share do not fall.
    function testFuzz_smallWithdrawWithIdleEmptyPaysExactly(uint256 world, uint256 move, uint256 amount) public {
        _deployAndEmptyIdle(world, move);
        uint256 assets = bound(amount, 1, 10_000);
        uint256 preview = vault.previewWithdraw(assets);
        (uint256 navPre, uint256 supplyPre) = _books();
        uint256 sharesBefore = vault.balanceOf(ALICE);

        vm.prank(ALICE);
        uint256 burned = vault.withdraw(assets, ALICE, ALICE);

        require(usdc.balanceOf(ALICE) == assets, "withdraw did not pay exactly assets");
        require(sharesBefore - vault.balanceOf(ALICE) == burned, "withdraw misreported its shares");
        require(burned <= preview, "withdraw burned more than previewWithdraw");
        _requireSharePriceHeld(navPre, supplyPre);
    }

    /// @notice The attacker's loop: 100 withdraws of 1 unit each, starting with idle empty (a call
    /// that finds idle pays from it; one that does not unwinds with the rounding allowance). Alice
    /// takes exactly 100 units; the shares she burns were worth more, each at the price before its
    /// call, and Bob's assets per share never fall.
    function test_tinyWithdrawLoopTakesNoMoreThanItsSharesValue() public {
        _deployAndEmptyIdle(0, 0);
        uint256 bobValueBefore = vault.convertToAssets(vault.balanceOf(BOB));
        (uint256 paid, uint256 valueBurned) = _withdrawLoop(100, 0);
        require(paid == 100 && usdc.balanceOf(ALICE) == 100, "the loop did not pay 100 units");
        // The leaver pays the roundings: 100 units paid for shares worth 219 (CashMargin) and 207
        // (SpotCollateral) units before each call; none of it reaches the stayer.
        require(valueBurned >= 100, "the loop took more than its shares were worth");
        require(vault.convertToAssets(vault.balanceOf(BOB)) >= bobValueBefore, "the stayer lost value");
    }

    /// @notice The same loop fuzzed: 30 withdraws of 1..20 units each, after a price move of
    /// -20%..+20% from the deployment.
    function testFuzz_tinyWithdrawLoopTakesNoMoreThanItsSharesValue(uint256 world, uint256 move, uint256 sizes) public {
        _deployAndEmptyIdle(world, move);
        uint256 bobValueBefore = vault.convertToAssets(vault.balanceOf(BOB));
        (uint256 paid, uint256 valueBurned) = _withdrawLoop(30, sizes);
        require(usdc.balanceOf(ALICE) == paid, "the loop did not pay what it asked");
        require(valueBurned >= paid, "the loop took more than its shares were worth");
        require(vault.convertToAssets(vault.balanceOf(BOB)) >= bobValueBefore, "the stayer lost value");
    }

    /// @notice A bank run at a random price leaves the book to whoever stays with 0..~1,000,000
    /// units' worth of shares (the last exit leaves at least the virtual shares' cut: a dust short
    /// beside dust spot); the price then moves -50%..+100%. Carol's deposit of 100,000 USDC is then
    /// deployed by the rebalances anyone may call: a dust short has no margin band, so the first
    /// round sees the hard idle band and clears it (a residual book with bands of its own may take
    /// its rescue first, in a round before).
    function testFuzz_bankRunThenDepositDeploys(
        uint256 world,
        uint256 stay,
        uint256 firstMove,
        uint256 secondMove
    ) public {
        _depositFor(ALICE, bound(_seed(world, 1), 1e6, 1_000_000e6));
        vm.prank(CAROL);
        vault.rebalance(); // anyone: a fresh deposit breaches the hard idle band
        _movePrice(firstMove, 2_000, 2_000);
        uint256 kept = _tiny(vault.balanceOf(ALICE), stay);
        uint256 shares = vault.balanceOf(ALICE) - kept;
        vm.prank(ALICE);
        vault.redeem(shares, ALICE, ALICE);
        _movePrice(secondMove, 5_000, 10_000);

        _depositFor(CAROL, 100_000e6);
        // A residual book large enough to have bands may need its own rescue first (a rescue
        // only rescues); a dust one is no position, and the first round deploys.
        _requireDepositDeployedBy(CAROL);
    }

    /// @dev Alice (100,000 USDC, or a fuzzed 10,000..2,000,000) and Bob (50,000) deposit, anyone
    /// deploys it, the price moves by -20%..+20% (`move`, 0: none), and Alice withdraws all the
    /// idle (paid from idle, no unwind): idle is empty.
    function _deployAndEmptyIdle(uint256 world, uint256 move) internal {
        _depositFor(ALICE, world == 0 ? 100_000e6 : bound(_seed(world, 1), 10_000e6, 2_000_000e6));
        _depositFor(BOB, 50_000e6);
        vm.prank(CAROL);
        vault.rebalance();
        if (move != 0) _movePrice(move, 2_000, 2_000);
        uint256 idle = usdc.balanceOf(address(vault));
        vm.prank(ALICE);
        vault.withdraw(idle, CAROL, ALICE);
        require(usdc.balanceOf(address(vault)) == 0, "setup: idle not empty");
    }

    /// @dev `n` withdraws by Alice of 1 unit each (`sizes` 0) or of 1..20 units drawn from `sizes`,
    /// each leaving the share price where it was. Returns the assets paid and what the shares
    /// burned were worth, each at the price before its call.
    function _withdrawLoop(uint256 n, uint256 sizes) internal returns (uint256 paid, uint256 valueBurned) {
        for (uint256 i; i < n; ++i) {
            uint256 assets = sizes == 0 ? 1 : bound(_seed(sizes, i), 1, 20);
            (uint256 navPre, uint256 supplyPre) = _books();
            vm.prank(ALICE);
            uint256 burned = vault.withdraw(assets, ALICE, ALICE);
            paid += assets;
            valueBurned += burned.mulDiv(navPre + 1, supplyPre + VIRTUAL_SHARES);
            _requireSharePriceHeld(navPre, supplyPre);
        }
    }

    /// @dev After a flow, (nav + 1) / (supply + virtual shares) is no lower than before it.
    function _requireSharePriceHeld(uint256 navPre, uint256 supplyPre) internal view {
        (uint256 navPost, uint256 supplyPost) = _books();
        require(
            (navPost + 1) * (supplyPre + VIRTUAL_SHARES) >= (navPre + 1) * (supplyPost + VIRTUAL_SHARES),
            "the exit lowered the stayers' share price"
        );
    }

    function _books() internal view returns (uint256 nav, uint256 supply) {
        return (vault.totalAssets(), vault.totalSupply());
    }

    /// @dev A minute passes and the price moves by -downBps..+upBps of what it was.
    function _movePrice(uint256 seed, uint256 downBps, uint256 upBps) internal {
        int256 stepBps = int256(bound(seed, 0, downBps + upBps)) - int256(downBps);
        (, int256 answer, , , ) = feed.latestRoundData();
        vm.warp(block.timestamp + 60);
        feed.updateAnswer((answer * (int256(BPS) + stepBps)) / int256(BPS));
    }

    /// @dev None of `total` one time in four, else up to min(total, 1e12 >> k) for k in 0..39
    /// shares (1e12 shares are worth about 1,000,000 units), so dust is as frequent as a dollar.
    function _tiny(uint256 total, uint256 seed) internal pure returns (uint256) {
        if (seed % 4 == 0) return 0;
        uint256 cap = Math.min(total, uint256(1e12) >> ((seed >> 2) % 40));
        return bound(seed >> 8, 0, cap);
    }

    function _seed(uint256 world, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(world, salt)));
    }
}

contract CashMarginRoundingExitsTest is VaultRoundingExits, CashMarginMode {}

contract SpotCollateralRoundingExitsTest is VaultRoundingExits, SpotCollateralMode {}
