// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";
import {VaultMath} from "../libraries/VaultMath.sol";

/// @title VaultBands
/// @notice Where the vault's books stand against its bands: the breached band and tier, the one
/// rebalance gate (who may act on a breach, and when), the check that a rebalance made progress
/// at a bounded cost, and the `vaultState` report built on them.
/// @dev A linked library (public functions, run by DELEGATECALL) only because of the vault's
/// 24,576-byte code limit (EIP-170): the classification and the report are the vault's own
/// logic, moved out whole so that each call passes the books once. It holds no state; the vault
/// passes what it reads from its storage.
library VaultBands {
    using Math for uint256;
    using VaultMath for VaultMath.Snapshot;

    /// @notice What the gate reads from the vault besides the books and the parameters.
    /// @param supply The shares minted (totalSupply()): a vault without shares is never in breach.
    /// @param paused Whether the vault is paused.
    /// @param lastRebalanceAt When the last rebalance ran.
    /// @param settledAt When the last change of bands or strategy has settled.
    /// @param caller Who asks to rebalance.
    /// @param callerIsKeeper Whether `caller` holds the keeper role.
    /// @param enforce Revert with the reason instead of returning `allowed` false.
    /// @param idleLowBreaches The venue fills orders later, so exits are paid from idle only:
    /// idle under half its buffer is an idle breach (see `classify`).
    struct GateInput {
        uint256 supply;
        bool paused;
        uint256 lastRebalanceAt;
        uint256 settledAt;
        address caller;
        bool callerIsKeeper;
        bool enforce;
        bool idleLowBreaches;
    }

    /// @notice The rebalance gate (rebalance, checkUpkeep, rebalanceGate): the breached band and
    /// tier of the books `s`, and whether `g.caller` may act now.
    function gate(
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Strategy memory strat,
        GateInput memory g
    ) public view returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier, bool allowed) {
        (band, tier) = classify(s, b, strat.idleBufferBps, g);
        if (tier == IDeltaNeutralVault.Tier.None) {
            if (g.enforce) revert IDeltaNeutralVault.WithinBands(s.deltaBps(), s.marginRatioBps(), s.idleBps());
            return (band, tier, false);
        }
        // Paused or impaired: `rebalance` itself reverts (EnforcedPause, VenueImpaired).
        if (g.paused || s.venueImpaired) return (band, tier, false);
        if (!VaultMath.isRescue(band) && block.timestamp < g.settledAt) {
            if (g.enforce) revert IDeltaNeutralVault.ParametersSettling(g.settledAt);
            return (band, tier, false);
        }
        if (tier == IDeltaNeutralVault.Tier.Hard) return (band, tier, true);
        if (!g.callerIsKeeper) {
            if (g.enforce) revert IDeltaNeutralVault.RebalanceNotAllowed(g.caller, band, tier);
            return (band, tier, false);
        }
        uint256 next = g.lastRebalanceAt + strat.minRebalanceInterval;
        if (block.timestamp < next) {
            if (g.enforce) revert IDeltaNeutralVault.RebalanceTooSoon(next);
            return (band, tier, false);
        }
        return (band, tier, true);
    }

    /// @notice The post-trade check of a rebalance of `band`: the band improved without another
    /// one worsening past its hard threshold (VaultMath.checkProgress), and the books lost at most
    /// `strat.maxRebalanceCostBps` of `before.totalAssets`.
    function checkOutcome(
        VaultMath.Snapshot memory before,
        VaultMath.Snapshot memory after_,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Strategy memory strat
    ) public pure {
        VaultMath.checkProgress(before, after_, band, b, strat.idleBufferBps);
        checkCost(before.totalAssets, after_.totalAssets, strat.maxRebalanceCostBps);
    }

    /// @notice The books lost at most `maxCostBps` of `navBefore` (the rebalance cost bound).
    function checkCost(uint256 navBefore, uint256 navAfter, uint256 maxCostBps) internal pure {
        uint256 maxLoss = navBefore.mulDiv(maxCostBps, VaultMath.BPS);
        if (navAfter + maxLoss < navBefore) revert IDeltaNeutralVault.CostTooHigh(navBefore, navAfter, maxLoss);
    }

    /// @notice The `vaultState` report of the books `s` (see IDeltaNeutralVault.VaultState).
    /// @param g As for `gate`; `caller`, `callerIsKeeper` and `enforce` are unused.
    /// @param sharePrice The value of one whole share, rounded down.
    function state(
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Strategy memory strat,
        GateInput memory g,
        uint256 sharePrice
    ) public view returns (IDeltaNeutralVault.VaultState memory st) {
        (st.band, st.tier) = classify(s, b, strat.idleBufferBps, g);
        st.totalAssets = s.totalAssets;
        st.totalSupply = g.supply;
        st.sharePrice = sharePrice;
        st.price = s.price;
        st.spotQty = s.spotQty;
        st.shortQty = s.shortQty;
        st.perpEquity = s.equityOrZero();
        st.marginRatioBps = s.marginRatioBps();
        st.deltaBps = s.deltaBps();
        st.idle = s.idle;
        st.idleBps = s.idleBps();
        st.secondsSinceRebalance = block.timestamp - g.lastRebalanceAt;
        st.nextKeeperRebalanceAt = g.lastRebalanceAt + strat.minRebalanceInterval;
        st.paused = g.paused;
        st.parametersSettledAt = g.settledAt;
        st.collateralQty = s.collateralQty;
        if (s.totalAssets != 0) st.deploymentBps = s.shortNotional.mulDiv(VaultMath.BPS, s.totalAssets);
    }

    /// @notice Bands of the books; a vault without shares (`supply` 0) has nobody to manage for,
    /// so dust donated to it is never a breach (it could not be traded anyway). Where exits are
    /// paid from idle only (`g.idleLowBreaches`), a hedged book whose idle fell under half its
    /// buffer (leavers took it) is an idle breach, soft, and hard under a quarter of it: its round
    /// refills idle from the hedge, so that the next leavers can be paid.
    function classify(
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Bands memory b,
        uint256 idleBufferBps,
        GateInput memory g
    ) internal pure returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) {
        if (g.supply == 0) return (IDeltaNeutralVault.Band.None, IDeltaNeutralVault.Tier.None);
        (band, tier) = s.classify(b, idleBufferBps);
        // Only a short a round can free value from: above dust (which keeps the execution-fee
        // reserve such a round pays from) and with a margin band, in a book worth its rounds.
        bool freeable = s.shortQty > VaultMath.SPOT_DUST && s.hasMarginBand() && _worthIdleRounds(s, idleBufferBps);
        if (tier == IDeltaNeutralVault.Tier.None && g.idleLowBreaches && freeable) {
            // Under a quarter of the buffer it is hard: anyone may refill it, keepers or not.
            uint256 idleBps = s.idleBps();
            if (4 * idleBps < idleBufferBps) return (IDeltaNeutralVault.Band.Idle, IDeltaNeutralVault.Tier.Hard);
            if (2 * idleBps < idleBufferBps) return (IDeltaNeutralVault.Band.Idle, IDeltaNeutralVault.Tier.Soft);
        }
    }

    /// @dev The idle buffer of the books less the execution-fee reserve (two fees: the cash they
    /// count beyond idle, DeltaNeutralVault._snapshot) is worth more than that reserve, so an idle
    /// round frees more than twice the one fee it pays. In a smaller book such rounds would spend
    /// more of its holders' value on fees than they let out (30 USDC paid 3 fees of 1 USDC to free
    /// 1): the guardian's close is its exit.
    function _worthIdleRounds(VaultMath.Snapshot memory s, uint256 idleBufferBps) private pure returns (bool) {
        uint256 reserve = s.totalAssets - s.idle - s.spotValue - s.equityOrZero();
        return (s.totalAssets - reserve).mulDiv(idleBufferBps, VaultMath.BPS) > reserve;
    }
}
