// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {DelayedOrders} from "../../contracts/perp/DelayedOrders.sol";
import {DeltaNeutralVault} from "../../contracts/vault/DeltaNeutralVault.sol";
import {IDeltaNeutralVault} from "../../contracts/interfaces/IDeltaNeutralVault.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice Every holder's value is eventually withdrawable on a delayed venue: from the current
/// state, the executor fills the pending order (or it expires and is taken back) and anyone
/// settles; the keeper's rounds run (each idle round must let some value out, holders redeeming their
/// maxRedeem around them); then the guardian's emergency close runs and settles, and every holder
/// must be out. Holds the keeper and guardian roles; `probe` restores the state it started from.
/// @dev Keeper rounds alone refill idle to the buffer only (5% of NAV a round), so a full exit
/// needs the close (VaultRounds.t.sol, test_fullExitThroughIdleRoundsIsGeometric). "Out" allows
/// the execution fee, which stays reserved in idle even when nothing is deployed, so the last
/// holder keeps shares worth it (a finding: VaultRounds.t.sol, test_lastHolderKeepsTheFeeReserve).
contract RoundExitProbe is TestBase {
    /// @notice Keeper rounds before the guardian's close: a round for another band may come
    /// before the idle round (see `drain`).
    uint256 public constant KEEPER_ROUNDS = 3;
    /// @notice VaultMath.SPOT_DUST: a short this small makes no idle breach.
    uint256 internal constant DUST_SHORT_QTY = 1e12;
    address internal constant EXECUTOR = address(0xE1EC);
    address internal constant SETTLER = address(0x5E771E);
    /// @notice The drain's outcome when a keeper round spent idle down to less than the execution
    /// fee and freed nothing (a SpotCollateral finding: VaultRounds.t.sol,
    /// VaultRoundSpotCollateralFindingTest).
    string public constant FEE_RESERVE_SPENT = "drain: idle round spent the fee reserve";

    DeltaNeutralVault internal immutable _vault;
    DelayedOrders internal immutable _book;
    MockV3Aggregator internal immutable _feed;
    address internal immutable _account; // the vault's account at the venue (the adapter)
    address[] internal _holders;

    constructor(
        DeltaNeutralVault vault_,
        DelayedOrders book_,
        MockV3Aggregator feed_,
        address account_,
        address[] memory holders_
    ) {
        (_vault, _book, _feed, _account, _holders) = (vault_, book_, feed_, account_, holders_);
    }

    /// @notice Runs the drain at `time` on a snapshot, restores the state, returns the outcome.
    function probe(uint256 time) external returns (bool ok, string memory why) {
        uint256 snapshot = vm.snapshotState();
        vm.warp(time);
        (ok, , why) = drain(KEEPER_ROUNDS, true);
        vm.revertToState(snapshot);
    }

    /// @notice The drain for real: up to `maxRounds` keeper rounds, then (`close`) the guardian's
    /// close. Returns whether every holder is out and how many keeper rounds ran.
    function drain(uint256 maxRounds, bool close) public returns (bool ok, uint256 n, string memory why) {
        if (!_finishRound()) return (false, 0, "drain: round not finished");
        for (n = 0; n < maxRounds; n++) {
            if (!_redeemAll()) return (false, n, "drain: redeem reverted");
            if (_allOut()) return (true, n, "");
            // The keeper waits out the interval; the idle breach's round refills idle.
            _publishAt(Math.max(_vault.vaultState().nextKeeperRebalanceAt, block.timestamp + 1));
            (, , bool allowed) = _vault.rebalanceGate(address(this));
            if (!allowed) {
                // A book whose buffer is worth no more than the two-fee reserve makes no idle
                // breach (VaultBands._worthIdleRounds), nor does a dust short (at most
                // VaultMath.SPOT_DUST, or too small for a margin band; VaultBands.classify): the
                // guardian's close is its exit.
                if (!_tooSmallForIdleRounds() && !_dustShort()) return (false, n, "drain: no round allowed");
                break;
            }
            IDeltaNeutralVault.Band band;
            try _vault.rebalance() returns (IDeltaNeutralVault.Band band_, IDeltaNeutralVault.Tier) {
                band = band_;
            } catch (bytes memory err) {
                // A vault worth under fee / cost bound cannot pay a round that grows its short
                // (VaultTrading.submitRound): the guardian's close is its exit.
                if (!_tooSmallToGrow(err)) return (false, n, "drain: round reverted");
                break;
            }
            if (!_finishRound()) return (false, n, "drain: round not finished");
            // A round for another band (a delta the last order's cancellation left open) comes
            // first by the gate's order and need not refill idle; the idle round after it must.
            if (band == IDeltaNeutralVault.Band.Idle && _redeemableAssets() <= 1) {
                bool reserveSpent = IERC20(_vault.asset()).balanceOf(address(_vault)) < _book.executionFee();
                return (false, n, reserveSpent ? FEE_RESERVE_SPENT : "drain: round freed nothing");
            }
        }
        if (!_redeemAll()) return (false, n, "drain: redeem reverted");
        if (_allOut() || !close) return (_allOut(), n, "drain: holders left");
        try _vault.emergencyUnwind() {} catch {
            return (false, n, "drain: close reverted");
        }
        if (!_finishRound()) return (false, n, "drain: close not finished");
        if (!_redeemAll()) return (false, n, "drain: redeem reverted after close");
        if (!_allOut()) return (false, n, "drain: holders left after close");
        return (true, n, "");
    }

    /// @dev Executes the vault's order at the first round after it if it can still fill, else lets
    /// it expire; settles as anyone.
    function _finishRound() internal returns (bool) {
        if (_vault.pendingRound().submittedAt == 0) return true;
        if (_book.hasPendingOrder(_account)) {
            (uint256 executableAt, uint256 expiresAt) = _book.orderWindow(_account);
            (, , , uint256 updatedAt, ) = _feed.latestRoundData();
            if (updatedAt <= _book.orderOf(_account).submittedAt) {
                _publishAt(Math.max(executableAt, block.timestamp + 1));
                vm.prank(EXECUTOR);
                try _book.executeOrder(_account) {} catch {}
            }
            if (_book.hasPendingOrder(_account)) _publishAt(Math.max(expiresAt, block.timestamp + 1));
        }
        vm.prank(SETTLER);
        try _vault.settleRound() {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev The clock moves to `time` and the feed posts a round at its current answer.
    function _publishAt(uint256 time) internal {
        vm.warp(time);
        (, int256 answer, , , ) = _feed.latestRoundData();
        _feed.updateAnswer(answer);
    }

    function _redeemAll() internal returns (bool) {
        for (uint256 i; i < _holders.length; i++) {
            uint256 max = _vault.maxRedeem(_holders[i]);
            if (max == 0) continue;
            vm.prank(_holders[i]);
            try _vault.redeem(max, _holders[i], _holders[i]) {} catch {
                return false;
            }
        }
        return true;
    }

    /// @dev Every holder is out but for the execution fee reserve, +1 unit of rounding.
    function _allOut() internal view returns (bool) {
        uint256 left;
        for (uint256 i; i < _holders.length; i++) left += _vault.previewRedeem(_vault.balanceOf(_holders[i]));
        return left <= _book.executionFee() + 1;
    }

    /// @dev The vault's rule with the full two-fee reserve (the vault's own reserve is at most that,
    /// so whenever the vault makes no breach for this reason, this holds).
    function _tooSmallForIdleRounds() internal view returns (bool) {
        uint256 reserve = 2 * _book.executionFee();
        uint256 nav = _vault.totalAssets();
        return nav <= reserve || ((nav - reserve) * _vault.strategy().idleBufferBps) / 10_000 <= reserve;
    }

    function _dustShort() internal view returns (bool) {
        IDeltaNeutralVault.VaultState memory st = _vault.vaultState();
        return st.shortQty <= DUST_SHORT_QTY || st.marginRatioBps == type(uint256).max;
    }

    function _tooSmallToGrow(bytes memory err) internal view returns (bool) {
        if (bytes4(err) != IDeltaNeutralVault.CostTooHigh.selector) return false;
        return _vault.totalAssets() * _vault.strategy().maxRebalanceCostBps < _book.executionFee() * 10_000;
    }

    /// @dev What the holders may redeem now, in assets: one unit is rounding, not value let out.
    function _redeemableAssets() internal view returns (uint256 assets) {
        for (uint256 i; i < _holders.length; i++) assets += _vault.previewRedeem(_vault.maxRedeem(_holders[i]));
    }
}
