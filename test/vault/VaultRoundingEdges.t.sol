// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {CashMarginMode, SpotCollateralMode, VaultStackBase} from "./VaultStack.sol";

/// @notice The edges of a withdraw's rounding allowance (VaultMath.UNWIND_ROUNDING_UNITS) and of
/// the dust short (VaultMath.DUST_SHORT_NOTIONAL_UNITS), in both hedge modes: a withdraw of idle
/// exactly, of idle and one unit, and of maxWithdraw, each previewed no more favourably than it
/// executes and never at the stayers' expense; and a vault small enough to hold only a dust short.
abstract contract VaultRoundingEdges is VaultStackBase {
    using Math for uint256;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA401);
    uint256 internal constant BPS = 10_000;

    /// @notice withdraw(idle) and withdraw(idle + 1), after a deployment of fuzzed size and a
    /// price move of -20%..+20%: each pays exactly, burns exactly previewWithdraw's shares when
    /// idle pays (no unwind) and no more than it with an unwind, and the stayer's share price holds.
    function testFuzz_withdrawAtTheIdleEdgePaysExactly(uint256 world, uint256 move, bool oneMore) public {
        _deploy(world, move, 10_000e6); // Alice holds more than all of idle
        uint256 idle = usdc.balanceOf(address(vault));
        uint256 assets = oneMore ? idle + 1 : idle;
        vm.assume(assets != 0);
        uint256 preview = vault.previewWithdraw(assets);
        (uint256 navPre, uint256 supplyPre) = _books();

        vm.prank(ALICE);
        uint256 burned = vault.withdraw(assets, CAROL, ALICE);

        require(usdc.balanceOf(CAROL) == assets, "withdraw did not pay exactly assets");
        if (oneMore) require(burned <= preview, "withdraw burned more than previewWithdraw");
        else require(burned == preview, "a withdraw paid from idle differs from its preview");
        _requireSharePriceHeld(navPre, supplyPre);
    }

    /// @notice ERC-4626: maxWithdraw is withdrawable. Alice (a fuzzed share of the vault, or all of
    /// it) withdraws maxWithdraw after a price move, with idle full or emptied: it pays exactly,
    /// burns no more than previewWithdraw said and the stayer's share price holds.
    function testFuzz_maxWithdrawIsWithdrawable(uint256 world, uint256 move, bool emptyIdle, bool alone) public {
        _deploy(world, move, 1e6);
        if (alone) {
            uint256 bobShares = vault.balanceOf(BOB);
            vm.prank(BOB);
            vault.redeem(bobShares, BOB, BOB);
        }
        if (emptyIdle) {
            // All of idle, or all Alice may take where a small Alice holds less than idle.
            uint256 idle = Math.min(usdc.balanceOf(address(vault)), vault.maxWithdraw(ALICE));
            vm.prank(ALICE);
            vault.withdraw(idle, CAROL, ALICE);
        }
        uint256 assets = vault.maxWithdraw(ALICE);
        uint256 preview = vault.previewWithdraw(assets);
        (uint256 navPre, uint256 supplyPre) = _books();
        uint256 paidBefore = usdc.balanceOf(ALICE);

        vm.prank(ALICE);
        uint256 burned = vault.withdraw(assets, ALICE, ALICE);

        require(usdc.balanceOf(ALICE) - paidBefore == assets, "withdraw did not pay exactly assets");
        require(burned <= preview, "withdraw burned more than previewWithdraw");
        _requireSharePriceHeld(navPre, supplyPre);
    }

    /// @notice Withdraw against redeem for the same shares: Alice leaves by withdraw(maxWithdraw)
    /// then redeems what is left; she takes no more than previewRedeem of all her shares plus the
    /// slack that maxWithdraw keeps back (2 x UNWIND_ROUNDING_UNITS), and the stayer loses nothing.
    function testFuzz_withdrawThenRedeemTakesNoMoreThanItsShares(uint256 world, uint256 move) public {
        _deploy(world, move, 1e6);
        uint256 bobValueBefore = vault.convertToAssets(vault.balanceOf(BOB));
        uint256 value = vault.convertToAssets(vault.balanceOf(ALICE));
        vm.startPrank(ALICE);
        vault.withdraw(vault.maxWithdraw(ALICE), ALICE, ALICE);
        vault.redeem(vault.balanceOf(ALICE), ALICE, ALICE);
        vm.stopPrank();
        require(usdc.balanceOf(ALICE) <= value, "the exit took more than its shares were worth");
        require(vault.convertToAssets(vault.balanceOf(BOB)) >= bobValueBefore, "the stayer lost value");
    }

    /// @notice A vault whose first deposit is 0.01..0.03 USDC, deployed by the hard idle band: its
    /// short has no margin band at or below DUST_SHORT_NOTIONAL_UNITS, so what a liquidation of it
    /// could lose is bounded by that threshold; above it the margin bands read the venue's ratio.
    function testFuzz_tinyFirstDepositDustShortBoundsItsRisk(uint256 amount) public {
        _depositFor(ALICE, bound(amount, 10_000, 30_000));
        vm.prank(CAROL);
        vault.rebalance();
        IDeltaNeutralVault.VaultState memory st = vault.vaultState();
        uint256 notional = (st.shortQty * st.price) / 1e30; // 18-decimal qty x WAD price -> 6-decimal units
        if (st.marginRatioBps == type(uint256).max) {
            require(notional <= 10_000, "a short above the dust threshold reads no margin band");
        } else {
            require(notional >= 10_000, "a dust short reads a margin band");
            require(st.tier == IDeltaNeutralVault.Tier.None, "the first deployment left a band breached");
        }
    }

    /// @dev Alice (100,000 USDC, or a fuzzed `aliceMin`..2,000,000) and Bob (50,000) deposit,
    /// anyone deploys it, and the price moves by -20%..+20% (`move`, 0: none).
    function _deploy(uint256 world, uint256 move, uint256 aliceMin) internal {
        _depositFor(ALICE, world == 0 ? 100_000e6 : bound(_seed(world, 1), aliceMin, 2_000_000e6));
        _depositFor(BOB, 50_000e6);
        vm.prank(CAROL);
        vault.rebalance();
        if (move != 0) _movePrice(move, 2_000, 2_000);
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

    function _seed(uint256 world, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(world, salt)));
    }
}

contract CashMarginRoundingEdgesTest is VaultRoundingEdges, CashMarginMode {}

contract SpotCollateralRoundingEdgesTest is VaultRoundingEdges, SpotCollateralMode {}
