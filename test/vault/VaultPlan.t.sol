// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {VaultMath} from "../../contracts/libraries/VaultMath.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice Fuzz properties of the rebalance plan (VaultMath.planSpot/planHedge), the progress
/// check, the entry charge and the fee accrual, on consistent books of up to $10B (6-decimal asset,
/// 18-decimal spot at $3,000) with the stack's default strategy.
contract VaultPlanFuzzTest is TestBase {
    uint256 internal constant MAX_VALUE = 1e16; // $10B at 6 decimals
    uint256 internal constant PRICE = 3_000e18;
    uint256 internal constant WAD = 1e18;

    function _input() internal pure returns (VaultMath.PlanInput memory) {
        return
            VaultMath.PlanInput({
                idleBufferBps: 500,
                leverageBps: 20_000,
                slippageBps: 50,
                narrowestBandBps: 40,
                assetDecimals: 6,
                rescueOnly: false,
                feeReserve: 0
            });
    }

    /// @dev Books with `spotValue` of spot, a short of `shortValue` notional and `equity` margin.
    function _books(
        uint256 idle,
        uint256 spotValue,
        uint256 shortValue,
        uint256 equity
    ) internal pure returns (VaultMath.Snapshot memory s) {
        s.price = PRICE;
        s.idle = idle;
        s.spotQty = (spotValue * 1e30) / PRICE;
        s.spotValue = (s.spotQty * PRICE) / 1e30;
        s.shortQty = (shortValue * 1e30) / PRICE;
        s.shortNotional = (s.shortQty * PRICE + 1e30 - 1) / 1e30;
        s.perpMargin = equity;
        s.perpEquity = int256(equity);
        s.totalAssets = idle + s.spotValue + equity;
    }

    /// @notice A rescue-only plan (the breached band is MarginLow or Delta) never buys, and moves
    /// margin and sells exactly as the full plan does: deploying idle waits for a later rebalance.
    function testFuzz_planSpot_rescueOnlyNeverDeploys(
        uint256 idle,
        uint256 spotValue,
        uint256 shortValue,
        uint256 equity
    ) public pure {
        VaultMath.Snapshot memory s = _books(
            bound(idle, 0, MAX_VALUE),
            bound(spotValue, 0, MAX_VALUE),
            bound(shortValue, 0, MAX_VALUE),
            bound(equity, 0, MAX_VALUE)
        );
        VaultMath.PlanInput memory rescue = _input();
        rescue.rescueOnly = true;
        VaultMath.SpotPlan memory full = VaultMath.planSpot(s, _input());
        VaultMath.SpotPlan memory only = VaultMath.planSpot(s, rescue);
        require(only.buyAssets == 0, "rescue deploys idle");
        require(only.marginIn == full.marginIn, "rescue margin differs");
        require(only.marginOut == full.marginOut && only.sellQty == full.sellQty, "rescue trades differ");
    }

    /// @notice The spot plan never spends more idle than there is (after freeing margin), never
    /// buys and sells at once, never sells more spot than held, tops up margin only when it does
    /// not sell, and never frees margin it then adds back.
    function testFuzz_planSpot_staysWithinTheBooks(
        uint256 idle,
        uint256 spotValue,
        uint256 shortValue,
        uint256 equity
    ) public pure {
        idle = bound(idle, 0, MAX_VALUE);
        spotValue = bound(spotValue, 0, MAX_VALUE);
        shortValue = bound(shortValue, 0, MAX_VALUE);
        equity = bound(equity, 0, MAX_VALUE);
        VaultMath.Snapshot memory s = _books(idle, spotValue, shortValue, equity);
        VaultMath.SpotPlan memory p = VaultMath.planSpot(s, _input());
        require(p.marginIn + p.buyAssets <= s.idle + p.marginOut, "plan spends more than idle");
        require(p.marginOut <= equity, "plan frees more margin than there is");
        require(p.buyAssets == 0 || p.sellQty == 0, "plan buys and sells");
        require(p.sellQty <= s.spotQty, "plan sells more than held");
        // The rescue top-up belongs to the buy branch (idle may go to margin entirely).
        require(p.marginIn == 0 || p.sellQty == 0, "rescue top-up before a sale");
        require(p.marginIn == 0 || p.marginOut == 0, "margin both freed and added");
    }

    /// @notice After a deposit lands on a book at target, the plan deploys it toward the target
    /// and never past it: spot bought <= S* - spot held.
    function testFuzz_planSpot_buysTowardTargetNeverPast(uint256 nav, uint256 deposit) public pure {
        nav = bound(nav, 1e6, MAX_VALUE);
        deposit = bound(deposit, 0, MAX_VALUE);
        uint256 spotTarget = VaultMath.targetSpotValue(nav, 500, 20_000);
        uint256 margin = VaultMath.targetMargin(spotTarget, 20_000);
        VaultMath.Snapshot memory s = _books(nav - spotTarget - margin + deposit, spotTarget, spotTarget, margin);
        VaultMath.SpotPlan memory p = VaultMath.planSpot(s, _input());
        uint256 newTarget = VaultMath.targetSpotValue(s.totalAssets, 500, 20_000);
        require(p.sellQty == 0, "a deposit made the plan sell");
        require(s.spotValue + p.buyAssets <= newTarget, "plan buys past the target");
    }

    /// @notice The hedge makes the short equal the spot held and never adds more margin than idle.
    function testFuzz_planHedge_shortFollowsSpot(
        uint256 spotQty,
        uint256 shortQty,
        uint256 equity,
        uint256 idle
    ) public pure {
        spotQty = bound(spotQty, 0, 1e30);
        shortQty = bound(shortQty, 0, 1e30);
        equity = bound(equity, 0, MAX_VALUE);
        idle = bound(idle, 0, MAX_VALUE);
        VaultMath.HedgePlan memory h = VaultMath.planHedge(spotQty, shortQty, equity, idle, PRICE, _input());
        require(shortQty + h.shortIncrease - h.shortDecrease == spotQty, "short != spot after the hedge");
        require(h.shortIncrease == 0 || h.shortDecrease == 0, "hedge grows and shrinks");
        require(h.marginIn <= idle, "hedge adds more margin than idle");
        require(h.marginIn == 0 || equity < h.marginTarget, "top-up of a margin already at target");
    }

    /// @notice The entry charge covers the worst case of deploying the deposit: the slippage on
    /// the spot it buys and the buy-side worst case (twice it) on the short, for every strategy.
    function testFuzz_entryCharge_coversWorstDeploy(
        uint256 deposit,
        uint256 bufferBps,
        uint256 leverageBps,
        uint256 slippageBps
    ) public pure {
        deposit = bound(deposit, 0, MAX_VALUE);
        bufferBps = bound(bufferBps, 0, 3_000);
        leverageBps = bound(leverageBps, 10_000, 50_000);
        slippageBps = bound(slippageBps, 30, 300);
        uint256 charge =
            (deposit * VaultMath.entryChargeWad(bufferBps, leverageBps, slippageBps, false) + WAD - 1) / WAD;
        uint256 spot = VaultMath.targetSpotValue(deposit, bufferBps, leverageBps);
        require(charge * 10_000 >= spot * 3 * slippageBps, "entry charge below the worst deploy cost");
        // Below a few units the round-up is the whole deposit.
        require(charge < deposit || deposit < 100, "entry charge takes the whole deposit");
    }

    /// @notice A rebalance that clears the breached band always passes the progress check when
    /// it leaves the other bands as they were.
    function testFuzz_checkProgress_acceptsAClearedBand(uint256 idle, uint256 spotValue) public pure {
        spotValue = bound(spotValue, 1e9, MAX_VALUE);
        idle = bound(idle, spotValue, 10 * MAX_VALUE);
        // All idle over a small hedged book: the idle band is breached hard.
        VaultMath.Snapshot memory before = _books(idle, spotValue, spotValue, spotValue / 2);
        uint256 spotTarget = VaultMath.targetSpotValue(before.totalAssets, 500, 20_000);
        uint256 margin = VaultMath.targetMargin(spotTarget, 20_000);
        VaultMath.Snapshot memory after_ = _books(
            before.totalAssets - spotTarget - margin,
            spotTarget,
            spotTarget,
            margin
        );
        VaultMath.checkProgress(before, after_, IDeltaNeutralVault.Band.Idle, _bands(), 500);
    }

    /// @notice Fees: the shares minted own the fee's assets (never more), and the mark never falls.
    function testFuzz_feesOwed_sharesOwnTheFee(
        uint256 nav,
        uint256 supply,
        uint256 elapsed,
        uint256 managementBps,
        uint256 performanceBps,
        uint256 mark
    ) public pure {
        nav = bound(nav, 1, MAX_VALUE);
        supply = bound(supply, 1, MAX_VALUE * 1e6);
        elapsed = bound(elapsed, 0, 10 * 365 days);
        managementBps = bound(managementBps, 0, 200);
        performanceBps = bound(performanceBps, 0, 3_000);
        mark = bound(mark, 0, 1e9);
        (uint256 feeShares, uint256 managementShares, uint256 newMark) = VaultMath.feesOwed(
            VaultMath.FeeInput(nav, supply, 1e6, 1e12, elapsed, managementBps, performanceBps, mark)
        );
        require(newMark >= mark, "the high-water mark fell");
        require(managementShares <= feeShares, "management part above the whole fee");
        // The value of the fee shares after minting, at most the fee charged (rounded down).
        uint256 managementAssets = (nav * managementBps * elapsed) / (10_000 * 365 days);
        if (performanceBps == 0) {
            uint256 value = (feeShares * (nav + 1)) / (supply + 1e6 + feeShares);
            require(value <= managementAssets, "fee shares worth more than the fee");
        }
    }

    function _bands() internal pure returns (IDeltaNeutralVault.Bands memory) {
        return
            IDeltaNeutralVault.Bands({
                deltaSoftBps: 100,
                deltaHardBps: 300,
                minMarginRatioSoftBps: 3_500,
                minMarginRatioHardBps: 2_000,
                maxMarginRatioSoftBps: 7_000,
                maxMarginRatioHardBps: 10_000,
                idleSoftBps: 500,
                idleHardBps: 2_000
            });
    }
}
