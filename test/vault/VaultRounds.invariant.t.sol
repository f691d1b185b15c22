// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {RoundHandler} from "./RoundHandler.sol";
import {VaultRoundStack} from "./VaultRoundStack.sol";

/// @notice Invariants of the vault's two-phase rounds on a PerpMarket in delayed mode (a
/// DelayedOrders book: an order fills at the first oracle round from 5 s after it, expires after
/// 3 h, pays a 1 USDC execution fee), driven by `RoundHandler`: depositors and leavers, transfers,
/// the keeper and anyone rebalancing, an executor that fills at a random later time, in either
/// order with a trader's orders, or never, settlers, price and time moves. Both hedge modes (the
/// concrete contracts at the end of the file). The spot venue prices at the oracle, so a price
/// move is a feed update.
abstract contract VaultRoundsInvariants is VaultRoundStack {
    /// @notice R1 failed: the settle's revert data.
    error ExpiredRoundNotSettled(bytes reason);

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(rounds);
    }

    /// @notice The actions only; the eventual-exit probe is one of them (it restores the state).
    function targetSelectors() public view returns (FuzzSelector[] memory selectors) {
        bytes4[] memory actions = new bytes4[](13);
        actions[0] = RoundHandler.deposit.selector;
        actions[1] = RoundHandler.mint.selector;
        actions[2] = RoundHandler.redeem.selector;
        actions[3] = RoundHandler.withdraw.selector;
        actions[4] = RoundHandler.transfer.selector;
        actions[5] = RoundHandler.rebalanceAsKeeper.selector;
        actions[6] = RoundHandler.rebalanceAsAnyone.selector;
        actions[7] = RoundHandler.execute.selector;
        actions[8] = RoundHandler.settle.selector;
        actions[9] = RoundHandler.traderSubmit.selector;
        actions[10] = RoundHandler.movePrice.selector;
        actions[11] = RoundHandler.warp.selector;
        actions[12] = RoundHandler.probeEventualExit.selector;
        selectors = new FuzzSelector[](1);
        selectors[0] = FuzzSelector({addr: address(rounds), selectors: actions});
    }

    function _syncRounds() internal {
        vm.warp(rounds.currentTime());
    }

    /// @dev The vault's rule for a position that keeps the fee reserve (a short above dust).
    function _shortAboveDust() internal view returns (bool) {
        return market.sizeOf(address(adapter)) < -1e12;
    }

    function _requireRoundFlag(bool violated) internal view {
        require(!violated, rounds.firstViolation());
    }

    // ---------------------------------------------------------------------------------------
    // Invariants
    // ---------------------------------------------------------------------------------------

    /// @notice R1. No state without an exit: from any state, once the pending order's expiry has
    /// passed (with a fresh feed round) anyone's settleRound succeeds and leaves no round pending.
    /// A round nobody can end would freeze rebalancing forever (the audits' main async bug class).
    /// Checked on a snapshot, restored after. And no settle step ever reverted for another reason
    /// than "none pending" or "order still live", nor went through early.
    /// hardhat-config: invariant.depth = 64
    function invariant_everyRoundHasAnExit() public {
        _syncRounds();
        _requireRoundFlag(rounds.settleRevertedUnexpectedly());
        _requireRoundFlag(rounds.settleBeforeItsTime());
        IDeltaNeutralVault.PendingRound memory round = vault.pendingRound();
        if (round.submittedAt == 0) return;
        uint256 snapshot = vm.snapshotState();
        vm.warp(Math.max(block.timestamp, uint256(round.submittedAt) + orderBook.maxDelay()));
        (, int256 answer, , , ) = feed.latestRoundData();
        feed.updateAnswer(answer);
        vm.prank(address(0xBEEF));
        bool settled;
        bytes memory reason;
        try vault.settleRound() {
            settled = vault.pendingRound().submittedAt == 0;
        } catch (bytes memory err) {
            reason = err;
        }
        vm.revertToState(snapshot);
        if (!settled) revert ExpiredRoundNotSettled(reason);
    }

    /// @notice R2. While a round is pending, nobody may take more than idle (less the fee kept for
    /// the next round): the rest of NAV sits in positions the venue has not settled. And rebalance
    /// reverts (VenueOrderPending), for the keeper too: a second order would race the first.
    /// hardhat-config: invariant.depth = 64
    function invariant_pendingRoundPaysFromIdleOnly() public {
        _syncRounds();
        _requireRoundFlag(rounds.rebalanceWhilePending());
        _requireRoundFlag(rounds.exitBeyondIdleWhilePending());
        if (vault.pendingRound().submittedAt == 0) return;
        uint256 balance = usdc.balanceOf(address(vault));
        // The vault keeps two fees while a position is open or ordered (its rule, restated here).
        bool positions =
            _shortAboveDust() || orderBook.hasPendingOrder(address(adapter)) || vault.vaultState().spotQty > 1e12;
        uint256 fee = positions ? 2 * orderBook.executionFee() : 0;
        uint256 idle = balance > fee ? balance - fee : 0;
        address[] memory actors = rounds.actors();
        for (uint256 i; i < actors.length; i++) {
            require(vault.maxWithdraw(actors[i]) <= idle, "maxWithdraw above idle while pending");
            require(vault.previewRedeem(vault.maxRedeem(actors[i])) <= idle, "maxRedeem pays above idle");
        }
        vm.prank(address(rounds));
        try vault.rebalance() {
            revert("rebalance went through while a round was pending");
        } catch (bytes memory err) {
            require(bytes4(err) == IDeltaNeutralVault.VenueOrderPending.selector, "rebalance: not VenueOrderPending");
        }
    }

    /// @notice R3. No value created or lost beyond measured costs. Exact (to the wei): a deposit,
    /// mint, redeem or withdraw moves NAV by exactly the assets paid in or out, and never lowers the
    /// assets per share (the entry charge stays in NAV and only raises it); a transfer moves
    /// neither. Within NAV_ROUNDING_UNITS (4 units): a price or time move changes NAV by the book's
    /// delta (spot owned - short, which a pending round leaves open) times the price change plus
    /// the funding accrued. Bounded: a round's own steps (submit, fill, settle) lose at most
    /// maxRebalanceCostBps of the NAV before it plus the execution fee (+4 units), and mint no
    /// shares; the settle step is the only non-flow step that may lower the share price, and only
    /// within that bound.
    /// hardhat-config: invariant.depth = 64
    function invariant_valueIsExplained() public {
        _syncRounds();
        _requireRoundFlag(rounds.flowNavNotExact());
        _requireRoundFlag(rounds.sharePriceFellOnFlow());
        _requireRoundFlag(rounds.navNotConserved());
        _requireRoundFlag(rounds.roundCostExceeded());
        _requireRoundFlag(rounds.maxExitReverted());
    }

    /// @notice R4. Tokens are conserved: the book holds exactly its escrowed fees (the vault's and
    /// the trader's orders); a vault that needs a round with none pending holds at least the
    /// execution fee in idle (else the round that refills idle could never be submitted); nobody
    /// but the executor earns anything (each depositor's wallet reconciles to the wei, a settler
    /// earns nothing, the executor exactly its orders' fees).
    /// hardhat-config: invariant.depth = 64
    function invariant_tokensConserved() public {
        _syncRounds();
        _requireRoundFlag(rounds.feeEarnedByOutsider());
        uint256 escrow = orderBook.escrowOf(address(adapter)) + orderBook.escrowOf(rounds.TRADER());
        require(usdc.balanceOf(address(orderBook)) == orderBook.totalEscrow(), "book balance != totalEscrow");
        require(orderBook.totalEscrow() == escrow, "totalEscrow != the orders' fees");
        if (vault.pendingRound().submittedAt == 0) {
            (bool needed, ) = vault.checkUpkeep("");
            // The vault keeps the fee while a position is open (an all-idle book needs no order).
            bool positions = _shortAboveDust() || vault.vaultState().spotQty > 1e12;
            if (needed && positions)
                require(usdc.balanceOf(address(vault)) >= orderBook.executionFee(), "no fee for the round");
        }
    }

    /// @notice R5. Eventually withdrawable: from the states the fuzzer reaches, finishing the
    /// pending round (executed, or expired and taken back), up to three keeper rounds (each idle
    /// round letting value out; a round for another band, such as the delta a cancelled order left,
    /// may come first) and then the guardian's close let every holder redeem its whole balance
    /// (probed on a snapshot by the handler: RoundExitProbe). The keeper's rounds alone empty a
    /// vault only geometrically (VaultRounds.t.sol), hence the close at the end.
    /// Found at the CI's depth and fixed: a round's cost counted its order's execution fee, so a
    /// vault worth under fee / bound could never refill idle again (VaultRounds.t.sol,
    /// test_smallVaultRoundsPayTheFeeToLetHoldersOut); a dust short kept the two-fee reserve from
    /// the last holder. The probe itself had taken a delta round before the idle round for an
    /// idle round that freed nothing.
    function invariant_everyHolderEventuallyWithdraws() public {
        _syncRounds();
        _requireRoundFlag(rounds.neverWithdrawable());
    }
}

/// @notice The round invariants on a CashMargin vault.
contract VaultRoundsCashMarginInvariantTest is VaultRoundsInvariants {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.CashMargin;
    }
}

/// @notice The round invariants on a SpotCollateral vault.
contract VaultRoundsSpotCollateralInvariantTest is VaultRoundsInvariants {
    function _hedgeMode() internal pure override returns (IDeltaNeutralVault.HedgeMode) {
        return IDeltaNeutralVault.HedgeMode.SpotCollateral;
    }
}
