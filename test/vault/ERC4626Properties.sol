// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {Vm} from "../utils/Vm.sol";
import {VaultStackBase} from "./VaultStack.sol";

/// @notice Every MUST of EIP-4626 (https://eips.ethereum.org/EIPS/eip-4626, "Specification" and
/// "Security Considerations") as a fuzz property of the delta-neutral vault, written from the
/// standard's text. Each property first builds a fuzzed world (`_build`): depositors of fuzzed
/// sizes, and, depending on the scenario contract, a rebalance that deploys those deposits into
/// spot and a perp short followed by a price move either way, an uncapped or a nearly full
/// deposit cap, and fees accruing for 30 days without being minted. Every scenario runs in both
/// hedge modes (`_hedgeMode`): CashMargin, and SpotCollateral, where the spot is posted as the
/// short's collateral, so a rally leaves the USDC margin a debt and a fall a profit. The positions
/// scenarios run on both venue modes too: a market that fills at once, and one that fills later
/// (`_delayedVenue`), where the rebalance's round is executed and settled, or left pending. The
/// scenario contracts live in ERC4626Properties.t.sol.
///
/// The rules, and the properties that check them:
/// - views (`totalAssets`, `convertTo*`, `max*`) MUST NOT revert, a stale feed included ->
///   `views_neverRevert`, `maxViews_neverRevertOnAStaleFeed`, `maxEntries_zeroWhilePaused`;
/// - `convertTo*` MUST round down, MUST NOT depend on the caller, MUST NOT include fees or
///   slippage -> `convertTo*`, `previews_noMoreFavourableThanConvert`;
/// - `preview*` MUST be as close as possible to, and never more favourable than, the same call
///   executed in the same transaction, in the direction of each (deposit: shares >= preview;
///   mint: assets <= preview; withdraw: shares <= preview; redeem: assets >= preview), and MUST
///   NOT account for limits or the caller's balance -> `deposit_*`, `mint_*`, `withdraw_*`,
///   `redeem_*`, `previews_ignoreCallerAndLimits`;
/// - `max*` MUST NOT be higher than what the call accepts, MUST be 0 when the action is disabled
///   and 2^256 - 1 when unlimited -> `max*_isHonoured`, `maxEntries_zeroWhilePaused`;
/// - each mutating call MUST revert when it cannot do all of what was asked, MUST emit its event,
///   and withdraw/redeem MUST work for the owner and for a spender with an ERC-20 allowance on
///   the shares -> `*_beyond*Reverts`, the events checked in each flow, `*_bySpender*`;
/// - rounding MUST favour the vault, so no round trip profits -> `roundTrip_*`; zero amounts
///   move nothing -> `zeroAmounts_moveNothing`;
/// - and the vault's ERC-5143-style overloads accept each flow's own preview as their limit ->
///   `slippageGuards_acceptTheirPreview`.
abstract contract ERC4626Properties is VaultStackBase {
    uint256 internal constant BPS = 10_000;
    /// @notice Largest single flow a property tries (5M USDC), far above the scenario's books.
    uint256 internal constant MAX_FLOW = 5_000_000e6;
    /// @notice Fees of the fee-accruing scenario: the maxima VaultParams allows.
    uint16 internal constant MANAGEMENT_FEE_BPS = 200;
    uint16 internal constant PERFORMANCE_FEE_BPS = 3_000;
    uint256 internal constant FEE_PERIOD = 30 days;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA401);
    address internal constant SPENDER = address(0x5BE4D);
    address internal constant RECEIVER = address(0x4EC);
    address internal constant FEE_RECIPIENT = address(0xFEE);
    address internal constant EXECUTOR = address(0xE1EC);

    // ---------------------------------------------------------------------------------------
    // Scenario switches (each scenario contract sets them)
    // ---------------------------------------------------------------------------------------

    /// @dev A rebalance deploys the fuzzed deposits into spot and a short; then the price moves.
    function _deploysPositions() internal pure virtual returns (bool);

    /// @dev The deposit cap is type(uint256).max; otherwise it is set a fuzzed room above NAV.
    function _uncapped() internal pure virtual returns (bool);

    /// @dev The maximum management and performance fees are on and 30 days pass unaccrued.
    function _feesAccruing() internal pure virtual returns (bool);

    /// @dev On a venue that fills later (`_delayedVenue`), the rebalance's round is left pending
    /// (its order never executed) instead of executed at the next oracle round and settled.
    function _roundLeftPending() internal pure virtual returns (bool) {
        return false;
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice totalAssets, convertTo*, max* and preview* never revert for any account and any
    /// amount within the vault's scale.
    function testFuzz_views_neverRevert(uint256 world, address who, uint256 amount) public {
        _build(world);
        amount = bound(amount, 0, 1e30);
        vault.asset();
        vault.totalAssets();
        vault.convertToShares(amount);
        vault.convertToAssets(amount);
        vault.maxDeposit(who);
        vault.maxMint(who);
        vault.maxWithdraw(who);
        vault.maxRedeem(who);
        vault.previewDeposit(bound(amount, 0, MAX_FLOW));
        vault.previewMint(bound(amount, 0, vault.convertToShares(MAX_FLOW)));
        vault.previewWithdraw(bound(amount, 0, vault.totalAssets()));
        vault.previewRedeem(bound(amount, 0, vault.totalSupply()));
    }

    /// @notice The max* views never revert while paused either, and report 0 for the disabled
    /// entries ("MUST return 0 if deposits are entirely disabled"); entries then revert.
    function testFuzz_maxEntries_zeroWhilePaused(uint256 world, address who, uint256 assets) public {
        _build(world);
        _pause();
        require(vault.maxDeposit(who) == 0, "maxDeposit != 0 while paused");
        require(vault.maxMint(who) == 0, "maxMint != 0 while paused");
        vault.maxWithdraw(who);
        vault.maxRedeem(who);
        assets = bound(assets, 1, MAX_FLOW);
        _fund(CAROL, assets);
        vm.prank(CAROL);
        try vault.deposit(assets, CAROL) {
            revert("deposit succeeded while maxDeposit is 0");
        } catch {}
    }

    /// @notice The max* views never revert, even when the books cannot be valued (the feed went
    /// stale with positions open): they report what the vault would accept, which is then nothing
    /// beyond what needs no price. (A book holding only cash needs none: a CashMargin round pending
    /// on a delayed venue has posted margin but bought no spot and opened no short yet.)
    function testFuzz_maxViews_neverRevertOnAStaleFeed(uint256 world, address who) public {
        _build(world);
        IDeltaNeutralVault.VaultState memory books = vault.vaultState();
        bool priced = books.spotQty != 0 || books.shortQty != 0;
        vm.warp(block.timestamp + HEARTBEAT + 1);
        uint256 maxDeposit = vault.maxDeposit(who);
        uint256 maxMint = vault.maxMint(who);
        vault.maxWithdraw(who);
        vault.maxRedeem(who);
        if (priced) require(maxDeposit == 0 && maxMint == 0, "entries open on a stale feed");
    }

    /// @notice convertToShares = floor(assets * (supply + virtual) / (totalAssets + 1)): rounded
    /// down, pinned exactly so a rounding-up change fails whenever the division is inexact.
    function testFuzz_convertToShares_roundsDown(uint256 world, uint256 assets) public {
        _build(world);
        vault.accrueFees(); // settles the supply, so totalSupply() is the one the view prices with
        assets = bound(assets, 0, 1e24);
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        uint256 nav = vault.totalAssets() + 1;
        require(vault.convertToShares(assets) == Math.mulDiv(assets, supply, nav), "convertToShares not floor");
    }

    /// @notice convertToAssets = floor(shares * (totalAssets + 1) / (supply + virtual)).
    function testFuzz_convertToAssets_roundsDown(uint256 world, uint256 shares) public {
        _build(world);
        vault.accrueFees();
        shares = bound(shares, 0, 1e30);
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        uint256 nav = vault.totalAssets() + 1;
        require(vault.convertToAssets(shares) == Math.mulDiv(shares, nav, supply), "convertToAssets not floor");
    }

    /// @notice convertTo* "MUST NOT show any variations depending on the caller", and a round
    /// trip through them never grows (both directions round down).
    function testFuzz_convertTo_callerFreeAndRoundTripsNeverGrow(uint256 world, uint256 assets, uint256 shares) public {
        _build(world);
        assets = bound(assets, 0, 1e24);
        shares = bound(shares, 0, 1e30);
        uint256 sharesForAlice = _convertToSharesAs(ALICE, assets);
        require(sharesForAlice == _convertToSharesAs(CAROL, assets), "convertToShares depends on the caller");
        uint256 assetsForBob = _convertToAssetsAs(BOB, shares);
        require(assetsForBob == _convertToAssetsAs(CAROL, shares), "convertToAssets depends on the caller");
        require(vault.convertToAssets(sharesForAlice) <= assets, "assets -> shares -> assets grew");
        require(vault.convertToShares(assetsForBob) <= shares, "shares -> assets -> shares grew");
    }

    /// @notice convertTo* exclude fees and slippage, preview* include them: every preview is at
    /// most as favourable to the caller as the plain conversion.
    function testFuzz_previews_noMoreFavourableThanConvert(uint256 world, uint256 assets, uint256 shares) public {
        _build(world);
        assets = bound(assets, 0, MAX_FLOW);
        shares = bound(shares, 0, vault.totalSupply());
        require(vault.previewDeposit(assets) <= vault.convertToShares(assets), "previewDeposit > convertToShares");
        require(vault.previewMint(shares) >= vault.convertToAssets(shares), "previewMint < convertToAssets");
        require(vault.previewWithdraw(assets) >= vault.convertToShares(assets), "previewWithdraw < convertToShares");
        require(vault.previewRedeem(shares) <= vault.convertToAssets(shares), "previewRedeem > convertToAssets");
    }

    /// @notice Previews "MUST NOT account for" limits or the caller's balances: the same answer
    /// for a caller holding nothing as for a holder, and an answer (no revert) past maxDeposit.
    function testFuzz_previews_ignoreCallerAndLimits(uint256 world, uint256 assets, uint256 shares) public {
        _build(world);
        assets = bound(assets, 0, MAX_FLOW);
        shares = bound(shares, 0, vault.convertToShares(MAX_FLOW));
        bytes[4] memory calls = [
            abi.encodeCall(IERC4626.previewDeposit, (assets)),
            abi.encodeCall(IERC4626.previewMint, (shares)),
            abi.encodeCall(IERC4626.previewWithdraw, (assets)),
            abi.encodeCall(IERC4626.previewRedeem, (shares))
        ];
        for (uint256 i = 0; i < calls.length; i++) {
            require(
                keccak256(_viewAs(ALICE, calls[i])) == keccak256(_viewAs(CAROL, calls[i])),
                "a preview depends on the caller"
            );
        }
        if (!_uncapped()) {
            uint256 past = vault.maxDeposit(CAROL) + 1 + (assets % MAX_FLOW);
            vault.previewDeposit(past); // must not revert past the cap
            vault.previewMint(vault.convertToShares(past));
        }
    }

    // ---------------------------------------------------------------------------------------
    // deposit / maxDeposit
    // ---------------------------------------------------------------------------------------

    /// @notice deposit mints at least previewDeposit, pulls exactly `assets` from the caller,
    /// credits the receiver and emits Deposit(caller, receiver, assets, shares).
    function testFuzz_deposit_mintsAtLeastPreview(uint256 world, uint256 assets) public {
        _build(world);
        assets = bound(assets, 1, _depositRoom());
        _fund(CAROL, assets);
        uint256 preview = vault.previewDeposit(assets);
        uint256 before = vault.balanceOf(RECEIVER);
        vm.recordLogs();
        vm.prank(CAROL);
        uint256 shares = vault.deposit(assets, RECEIVER);
        require(shares >= preview, "deposit minted fewer shares than previewDeposit");
        require(usdc.balanceOf(CAROL) == 0, "deposit did not pull exactly the assets");
        require(vault.balanceOf(RECEIVER) - before == shares, "receiver not credited the returned shares");
        _requireFlowEvent(IERC4626.Deposit.selector, CAROL, RECEIVER, address(0), assets, shares);
    }

    /// @notice deposit(maxDeposit) succeeds; past it the deposit reverts whole (capped), and an
    /// uncapped vault reports 2^256 - 1 ("MUST return 2 ** 256 - 1 if there is no limit").
    function testFuzz_maxDeposit_isHonoured(uint256 world) public {
        _build(world);
        uint256 max = vault.maxDeposit(CAROL);
        if (_uncapped()) {
            require(max == type(uint256).max, "uncapped maxDeposit is not 2^256 - 1");
            max = MAX_FLOW;
        } else {
            uint256 state = vm.snapshotState();
            _fund(CAROL, max + 1);
            vm.prank(CAROL);
            try vault.deposit(max + 1, CAROL) {
                revert("deposit past maxDeposit succeeded");
            } catch {}
            vm.revertToState(state);
        }
        _fund(CAROL, max);
        vm.prank(CAROL);
        vault.deposit(max, CAROL);
    }

    // ---------------------------------------------------------------------------------------
    // mint / maxMint
    // ---------------------------------------------------------------------------------------

    /// @notice mint takes at most previewMint, credits exactly `shares` to the receiver and
    /// emits Deposit(caller, receiver, assets, shares).
    function testFuzz_mint_takesAtMostPreview(uint256 world, uint256 shares) public {
        _build(world);
        shares = bound(shares, 1, _mintRoom());
        uint256 preview = vault.previewMint(shares);
        _fund(CAROL, preview);
        uint256 before = vault.balanceOf(RECEIVER);
        vm.recordLogs();
        vm.prank(CAROL);
        uint256 assets = vault.mint(shares, RECEIVER);
        require(assets <= preview, "mint took more assets than previewMint");
        require(usdc.balanceOf(CAROL) == preview - assets, "mint did not pull exactly the returned assets");
        require(vault.balanceOf(RECEIVER) - before == shares, "receiver not credited exactly the shares");
        _requireFlowEvent(IERC4626.Deposit.selector, CAROL, RECEIVER, address(0), assets, shares);
    }

    /// @notice maxMint never reverts (capped or not), mint(maxMint) succeeds, and a mint past it
    /// never takes the vault past its cap; uncapped, maxMint is 2^256 - 1.
    function testFuzz_maxMint_isHonoured(uint256 world) public {
        _build(world);
        uint256 max = vault.maxMint(CAROL);
        if (_uncapped()) {
            require(max == type(uint256).max, "uncapped maxMint is not 2^256 - 1");
            max = vault.convertToShares(MAX_FLOW);
        } else {
            uint256 state = vm.snapshotState();
            _fund(CAROL, vault.previewMint(max + 1));
            vm.prank(CAROL);
            // maxMint may under-estimate by rounding, so max + 1 may fit; the cap must hold.
            try vault.mint(max + 1, CAROL) {
                require(vault.totalAssets() <= vault.depositCap(), "mint past maxMint broke the cap");
            } catch {}
            vm.revertToState(state);
        }
        _fund(CAROL, vault.previewMint(max));
        vm.prank(CAROL);
        vault.mint(max, CAROL);
    }

    // ---------------------------------------------------------------------------------------
    // withdraw / maxWithdraw
    // ---------------------------------------------------------------------------------------

    /// @notice withdraw burns at most previewWithdraw, pays the receiver exactly `assets`, burns
    /// the returned shares from the owner and emits Withdraw(caller, receiver, owner, ...).
    function testFuzz_withdraw_burnsAtMostPreview(uint256 world, uint256 assets, bool paused) public {
        _build(world);
        assets = bound(assets, 1, vault.maxWithdraw(ALICE));
        if (paused) _pause();
        uint256 preview = vault.previewWithdraw(assets);
        uint256 sharesBefore = vault.balanceOf(ALICE);
        vm.recordLogs();
        vm.prank(ALICE);
        uint256 shares = vault.withdraw(assets, RECEIVER, ALICE);
        require(shares <= preview, "withdraw burned more shares than previewWithdraw");
        require(usdc.balanceOf(RECEIVER) == assets, "receiver not paid exactly the assets");
        require(sharesBefore - vault.balanceOf(ALICE) == shares, "owner not debited the returned shares");
        _requireFlowEvent(IERC4626.Withdraw.selector, ALICE, RECEIVER, ALICE, assets, shares);
    }

    /// @notice withdraw(maxWithdraw(owner)) succeeds for every holder, paused or not.
    function testFuzz_maxWithdraw_isHonoured(uint256 world, bool bob, bool paused) public {
        _build(world);
        address owner = bob ? BOB : ALICE;
        if (paused) _pause();
        uint256 max = vault.maxWithdraw(owner);
        vm.prank(owner);
        vault.withdraw(max, owner, owner);
        require(usdc.balanceOf(owner) == max, "owner not paid maxWithdraw");
    }

    /// @notice A withdrawal worth more than the owner's shares reverts whole.
    function testFuzz_withdraw_beyondOwnedReverts(uint256 world, uint256 extra) public {
        _build(world);
        uint256 assets = vault.convertToAssets(vault.balanceOf(BOB)) + bound(extra, 1, MAX_FLOW);
        vm.prank(BOB);
        try vault.withdraw(assets, BOB, BOB) {
            revert("withdraw beyond the owner's shares succeeded");
        } catch {}
    }

    // ---------------------------------------------------------------------------------------
    // redeem / maxRedeem
    // ---------------------------------------------------------------------------------------

    /// @notice redeem pays at least previewRedeem, burns exactly `shares`, pays the receiver the
    /// returned assets and emits Withdraw(caller, receiver, owner, assets, shares).
    function testFuzz_redeem_paysAtLeastPreview(uint256 world, uint256 shares, bool paused) public {
        _build(world);
        shares = bound(shares, 1, vault.maxRedeem(ALICE));
        if (paused) _pause();
        uint256 preview = vault.previewRedeem(shares);
        uint256 sharesBefore = vault.balanceOf(ALICE);
        vm.recordLogs();
        vm.prank(ALICE);
        uint256 assets = vault.redeem(shares, RECEIVER, ALICE);
        require(assets >= preview, "redeem paid less than previewRedeem");
        require(usdc.balanceOf(RECEIVER) == assets, "receiver not paid the returned assets");
        require(sharesBefore - vault.balanceOf(ALICE) == shares, "owner not debited exactly the shares");
        _requireFlowEvent(IERC4626.Withdraw.selector, ALICE, RECEIVER, ALICE, assets, shares);
    }

    /// @notice redeem(maxRedeem(owner)) succeeds for every holder, paused or not.
    function testFuzz_maxRedeem_isHonoured(uint256 world, bool bob, bool paused) public {
        _build(world);
        address owner = bob ? BOB : ALICE;
        if (paused) _pause();
        uint256 max = vault.maxRedeem(owner);
        require(max <= vault.balanceOf(owner), "maxRedeem above the owner's shares");
        vm.prank(owner);
        vault.redeem(max, owner, owner);
    }

    /// @notice Redeeming more shares than the owner holds reverts whole.
    function testFuzz_redeem_beyondBalanceReverts(uint256 world, uint256 extra) public {
        _build(world);
        uint256 shares = vault.balanceOf(BOB) + bound(extra, 1, 1e30);
        vm.prank(BOB);
        try vault.redeem(shares, BOB, BOB) {
            revert("redeem beyond the owner's shares succeeded");
        } catch {}
    }

    // ---------------------------------------------------------------------------------------
    // Allowance paths
    // ---------------------------------------------------------------------------------------

    /// @notice A spender approved for previewWithdraw shares can withdraw for the owner; the
    /// allowance falls by exactly the shares burned; one share less of allowance would have
    /// reverted with ERC20InsufficientAllowance.
    function testFuzz_withdraw_bySpenderSpendsAllowance(uint256 world, uint256 assets) public {
        _build(world);
        assets = bound(assets, 1, vault.maxWithdraw(ALICE));
        uint256 allowance = vault.previewWithdraw(assets);
        vm.prank(ALICE);
        vault.approve(SPENDER, allowance);
        uint256 sharesBefore = vault.balanceOf(ALICE);
        vm.prank(SPENDER);
        uint256 shares = vault.withdraw(assets, RECEIVER, ALICE);
        require(vault.allowance(ALICE, SPENDER) == allowance - shares, "allowance not spent by the burned shares");
        require(sharesBefore - vault.balanceOf(ALICE) == shares, "shares not burned from the owner");
        require(usdc.balanceOf(RECEIVER) == assets, "receiver not paid");
    }

    /// @notice A spender approved for exactly `shares` can redeem them for the owner.
    function testFuzz_redeem_bySpenderSpendsAllowance(uint256 world, uint256 shares) public {
        _build(world);
        shares = bound(shares, 1, vault.maxRedeem(ALICE));
        vm.prank(ALICE);
        vault.approve(SPENDER, shares);
        vm.prank(SPENDER);
        uint256 assets = vault.redeem(shares, RECEIVER, ALICE);
        require(vault.allowance(ALICE, SPENDER) == 0, "allowance not spent");
        require(usdc.balanceOf(RECEIVER) == assets, "receiver not paid");
    }

    /// @notice Without enough allowance a third party's withdraw and redeem revert with
    /// ERC20InsufficientAllowance, and nothing moves. (A withdrawal burns at least
    /// convertToShares(assets), so an allowance one share below that must fail.)
    function testFuzz_exits_withoutAllowanceRevert(uint256 world, uint256 shares, uint256 shortBy) public {
        _build(world);
        shares = bound(shares, 1, vault.maxRedeem(ALICE));
        uint256 allowance = shares - bound(shortBy, 1, shares);
        vm.prank(ALICE);
        vault.approve(SPENDER, allowance);
        uint256 sharesBefore = vault.balanceOf(ALICE);
        vm.prank(SPENDER);
        try vault.redeem(shares, SPENDER, ALICE) {
            revert("redeem without allowance succeeded");
        } catch (bytes memory reason) {
            _requireSelector(reason, IERC20Errors.ERC20InsufficientAllowance.selector);
        }
        uint256 assets = vault.previewRedeem(shares);
        uint256 floorShares = vault.convertToShares(assets);
        if (floorShares != 0) {
            vm.prank(ALICE);
            vault.approve(SPENDER, floorShares - 1);
            vm.prank(SPENDER);
            try vault.withdraw(assets, SPENDER, ALICE) {
                revert("withdraw without allowance succeeded");
            } catch (bytes memory reason) {
                _requireSelector(reason, IERC20Errors.ERC20InsufficientAllowance.selector);
            }
        }
        require(vault.balanceOf(ALICE) == sharesBefore && usdc.balanceOf(SPENDER) == 0, "a failed exit moved value");
    }

    // ---------------------------------------------------------------------------------------
    // Round trips (rounding and costs in the vault's favour)
    // ---------------------------------------------------------------------------------------

    /// @notice deposit(a) then redeem of every share received pays at most a.
    function testFuzz_roundTrip_depositThenRedeemNeverProfits(uint256 world, uint256 assets) public {
        _build(world);
        assets = bound(assets, 1, _depositRoom());
        _fund(CAROL, assets);
        vm.startPrank(CAROL);
        uint256 shares = vault.deposit(assets, CAROL);
        uint256 back = vault.redeem(shares, CAROL, CAROL);
        vm.stopPrank();
        require(back <= assets, "deposit -> redeem profited");
    }

    /// @notice mint(s) then withdraw of what it cost burns at least s (or reverts for want of
    /// shares): the minter never gets the same assets back for fewer shares.
    function testFuzz_roundTrip_mintThenWithdrawNeverProfits(uint256 world, uint256 shares) public {
        _build(world);
        shares = bound(shares, 1, _mintRoom());
        _fund(CAROL, vault.previewMint(shares));
        vm.startPrank(CAROL);
        uint256 paid = vault.mint(shares, CAROL);
        try vault.withdraw(paid, CAROL, CAROL) returns (uint256 burned) {
            require(burned >= shares, "mint -> withdraw profited");
        } catch {}
        vm.stopPrank();
    }

    /// @notice redeem(s) then deposit of the proceeds gets back at most s shares.
    function testFuzz_roundTrip_redeemThenDepositNeverProfits(uint256 world, uint256 shares) public {
        _build(world);
        shares = bound(shares, 1, vault.maxRedeem(BOB));
        vm.startPrank(BOB);
        uint256 assets = vault.redeem(shares, BOB, BOB);
        usdc.approve(address(vault), assets);
        if (assets != 0 && assets <= vault.maxDeposit(BOB)) {
            require(vault.deposit(assets, BOB) <= shares, "redeem -> deposit profited");
        }
        vm.stopPrank();
    }

    /// @notice withdraw(a) burning s, then mint(s) costs at least a.
    function testFuzz_roundTrip_withdrawThenMintNeverProfits(uint256 world, uint256 assets) public {
        _build(world);
        assets = bound(assets, 1, vault.maxWithdraw(BOB));
        vm.prank(BOB);
        uint256 burned = vault.withdraw(assets, BOB, BOB);
        uint256 cost = vault.previewMint(burned);
        if (burned == 0 || burned > vault.maxMint(BOB)) return;
        _fund(BOB, cost);
        vm.prank(BOB);
        require(vault.mint(burned, BOB) >= assets, "withdraw -> mint profited");
    }

    /// @notice Zero amounts move nothing: each flow of 0 returns 0 (or reverts) and leaves the
    /// caller's balances alone; every preview of 0 is 0.
    function testFuzz_zeroAmounts_moveNothing(uint256 world) public {
        _build(world);
        require(vault.previewDeposit(0) == 0 && vault.previewMint(0) == 0, "entry preview of 0 is not 0");
        require(vault.previewWithdraw(0) == 0 && vault.previewRedeem(0) == 0, "exit preview of 0 is not 0");
        uint256 shares = vault.balanceOf(BOB);
        uint256 assets = usdc.balanceOf(BOB);
        vm.startPrank(BOB);
        try vault.deposit(0, BOB) returns (uint256 out) {
            require(out == 0, "deposit(0) minted shares");
        } catch {}
        try vault.mint(0, BOB) returns (uint256 out) {
            require(out == 0, "mint(0) took assets");
        } catch {}
        try vault.withdraw(0, BOB, BOB) returns (uint256 out) {
            require(out == 0, "withdraw(0) burned shares");
        } catch {}
        try vault.redeem(0, BOB, BOB) returns (uint256 out) {
            require(out == 0, "redeem(0) paid assets");
        } catch {}
        vm.stopPrank();
        require(vault.balanceOf(BOB) == shares && usdc.balanceOf(BOB) == assets, "a zero flow moved value");
    }

    // ---------------------------------------------------------------------------------------
    // Slippage-protected entry points (ERC-5143 style): a preview is a bound they accept
    // ---------------------------------------------------------------------------------------

    /// @notice Each flow's own preview, passed as its limit, is always accepted in the same
    /// transaction (the preview is never more favourable than execution), and the limit one unit
    /// past what the flow delivers reverts with the flow's custom error.
    function testFuzz_slippageGuards_acceptTheirPreview(uint256 world, uint256 assets, uint256 shares) public {
        _build(world);
        assets = bound(assets, 1, _depositRoom());
        _fund(CAROL, assets);
        uint256 minShares = vault.previewDeposit(assets);
        vm.prank(CAROL);
        uint256 got = vault.deposit(assets, CAROL, minShares);
        require(got >= minShares, "deposit below its own preview");

        shares = bound(shares, 1, vault.maxRedeem(ALICE));
        uint256 minAssets = vault.previewRedeem(shares);
        uint256 state = vm.snapshotState();
        vm.prank(ALICE);
        uint256 paid = vault.redeem(shares, ALICE, ALICE, minAssets);
        vm.revertToState(state);
        vm.prank(ALICE);
        try vault.redeem(shares, ALICE, ALICE, paid + 1) {
            revert("redeem paid less than its minimum");
        } catch (bytes memory reason) {
            _requireSelector(reason, IDeltaNeutralVault.RedeemAssetsBelowMin.selector);
        }

        uint256 out = bound(assets, 1, vault.maxWithdraw(ALICE));
        uint256 maxShares = vault.previewWithdraw(out);
        state = vm.snapshotState();
        vm.prank(ALICE);
        uint256 burned = vault.withdraw(out, ALICE, ALICE, maxShares);
        vm.revertToState(state);
        if (burned != 0) {
            vm.prank(ALICE);
            try vault.withdraw(out, ALICE, ALICE, burned - 1) {
                revert("withdraw burned more than its maximum");
            } catch (bytes memory reason) {
                _requireSelector(reason, IDeltaNeutralVault.WithdrawSharesAboveMax.selector);
            }
        }

        uint256 mintShares = bound(shares, 1, _mintRoom());
        uint256 maxAssets = vault.previewMint(mintShares);
        _fund(CAROL, maxAssets);
        vm.prank(CAROL);
        require(vault.mint(mintShares, CAROL, maxAssets) <= maxAssets, "mint above its own preview");
    }

    // ---------------------------------------------------------------------------------------
    // The fuzzed world
    // ---------------------------------------------------------------------------------------

    /// @dev Two holders deposit fuzzed sizes; the scenario then deploys them (a rebalance anyone
    /// may call, since a fresh deposit breaches the hard idle band), moves the price
    /// (`_priceMoveBps`) and adds a fuzzed idle deposit; lets time pass (30 days with fees on);
    /// and, capped, sets the cap a fuzzed room above NAV so that maxDeposit binds.
    function _build(uint256 world) internal {
        if (_uncapped()) {
            vm.prank(_admin());
            vault.setDepositCap(type(uint256).max);
        }
        if (_feesAccruing()) {
            vm.prank(_admin());
            vault.setFees(MANAGEMENT_FEE_BPS, PERFORMANCE_FEE_BPS, FEE_RECIPIENT);
        }
        _depositFor(ALICE, bound(_seed(world, 1), 10_000e6, 2_000_000e6));
        _depositFor(BOB, bound(_seed(world, 2), 1_000e6, 500_000e6));
        if (_deploysPositions()) {
            vm.prank(CAROL);
            vault.rebalance();
            if (_delayedVenue() && !_roundLeftPending()) _executeAndSettleRound();
            _movePrice(_priceMoveBps(_seed(world, 3)));
            _depositFor(BOB, bound(_seed(world, 4), 0, 50_000e6));
        }
        _elapse(_feesAccruing() ? FEE_PERIOD : bound(_seed(world, 5), 0, 1 hours));
        if (!_uncapped()) {
            uint256 cap = vault.totalAssets() + bound(_seed(world, 6), 1_000e6, 1_000_000e6);
            vm.prank(_admin());
            vault.setDepositCap(cap);
        }
    }

    /// @dev The vault's order fills at the first oracle round after it (5 s later, at the same
    /// price), executed by a keeper of the book's; anyone then settles the round.
    function _executeAndSettleRound() internal {
        require(vault.pendingRound().submittedAt != 0, "setup: the rebalance submitted no round");
        vm.warp(block.timestamp + orderBook.minDelay());
        _movePrice(0);
        vm.prank(EXECUTOR);
        orderBook.executeOrder(address(adapter));
        vm.prank(CAROL);
        require(vault.settleRound(), "setup: the round's order did not fill");
    }

    /// @dev The move after the rebalance, bps, either way. CashMargin: ±5% (a USDC-margined short
    /// leaves its soft margin band at about +15%). SpotCollateral: -40%..+60%, which keeps the
    /// book inside its soft bands (margin ratio = 0.9 - r / (1 + r) at a 10% haircut: 157% after
    /// -40%, 52.5% after +60%) with the cash margin a debt after a rally and a profit after a fall.
    function _priceMoveBps(uint256 seed) internal pure returns (int256) {
        if (_spotCollateral()) return int256(bound(seed, 0, 10_000)) - 4_000;
        return int256(bound(seed, 0, 1_000)) - 500;
    }

    function _seed(uint256 world, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(world, salt)));
    }

    /// @dev The stack's handler holds the admin, guardian and keeper roles (VaultStackBase).
    function _admin() internal view returns (address) {
        return address(handler);
    }

    function _pause() internal {
        vm.prank(_admin());
        vault.pause();
    }

    function _movePrice(int256 stepBps) internal {
        (, int256 answer, , , ) = feed.latestRoundData();
        feed.updateAnswer((answer * (int256(BPS) + stepBps)) / int256(BPS));
    }

    /// @dev Time passes; the feed keeps publishing within its heartbeat.
    function _elapse(uint256 seconds_) internal {
        vm.warp(block.timestamp + seconds_);
        _movePrice(0);
    }

    /// @dev Largest deposit a property tries: the room under the cap, at most MAX_FLOW.
    function _depositRoom() internal view returns (uint256) {
        return Math.min(vault.maxDeposit(CAROL), MAX_FLOW);
    }

    /// @dev Largest mint a property tries. Uncapped, maxMint is itself under test, so the room
    /// comes from a MAX_FLOW deposit instead.
    function _mintRoom() internal view returns (uint256) {
        uint256 flow = vault.previewDeposit(MAX_FLOW);
        return _uncapped() ? flow : Math.min(vault.maxMint(CAROL), flow);
    }

    function _convertToSharesAs(address caller, uint256 assets) internal returns (uint256) {
        return abi.decode(_viewAs(caller, abi.encodeCall(IERC4626.convertToShares, (assets))), (uint256));
    }

    function _convertToAssetsAs(address caller, uint256 shares) internal returns (uint256) {
        return abi.decode(_viewAs(caller, abi.encodeCall(IERC4626.convertToAssets, (shares))), (uint256));
    }

    /// @dev A view of the vault called with `caller` as msg.sender.
    function _viewAs(address caller, bytes memory data) internal returns (bytes memory ret) {
        vm.prank(caller);
        bool ok;
        // A plain call is the only way to vary msg.sender of a view from a test.
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ret) = address(vault).call(data);
        require(ok, "view reverted");
    }

    /// @dev The last recorded vault event with `topic0` carries these indexed accounts (a zero
    /// third account: the event has two) and (assets, shares) as data.
    function _requireFlowEvent(
        bytes32 topic0,
        address a,
        address b,
        address c,
        uint256 assets,
        uint256 shares
    ) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; i--) {
            Vm.Log memory log = logs[i - 1];
            if (log.emitter != address(vault) || log.topics[0] != topic0) continue;
            require(log.topics[1] == bytes32(uint256(uint160(a))), "event: wrong sender");
            require(log.topics[2] == bytes32(uint256(uint160(b))), "event: wrong receiver/owner");
            if (c != address(0)) require(log.topics[3] == bytes32(uint256(uint160(c))), "event: wrong owner");
            (uint256 loggedAssets, uint256 loggedShares) = abi.decode(log.data, (uint256, uint256));
            require(loggedAssets == assets && loggedShares == shares, "event: wrong amounts");
            return;
        }
        revert("flow event not emitted");
    }

    function _requireSelector(bytes memory reason, bytes4 expected) internal pure {
        require(reason.length >= 4 && bytes4(reason) == expected, "reverted with another error");
    }
}
