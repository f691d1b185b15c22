// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";
import {IPerpVenue} from "../interfaces/IPerpVenue.sol";
import {OracleLib} from "../libraries/OracleLib.sol";
import {SpotCollateralMath} from "../libraries/SpotCollateralMath.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {VaultTrading} from "./VaultTrading.sol";

/// @title SpotCollateralTrading
/// @notice How a SpotCollateral vault trades: it carries out SpotCollateralMath's round, a leaver's
/// pro-rata unwind and the guardian's full close. The spot is posted at the venue as the short's
/// collateral; the USDC margin may be a debt that collateral covers. Spot trades and perp fills
/// are bounded as in VaultTrading (whose `trade` and `decreaseShort` this library uses).
/// @dev A linked library like VaultTrading: public functions run by DELEGATECALL, as the vault.
library SpotCollateralTrading {
    /// @notice Most withdraw-sell-repay steps an unwind takes to free its collateral. Each step
    /// withdraws what the venue's initial-margin rule allows, sells it and repays the debt with
    /// the proceeds, which makes room for the next (about 1/(1 - h) times as much at a haircut h):
    /// a book at its hard margin floor frees all of it in about five, one a step from
    /// liquidation (a 6.65% margin ratio at a 10% haircut) in nine.
    uint256 internal constant MAX_RELEASE_STEPS = 24;

    /// @notice Carries out one round of a rebalance of `band` (SpotCollateralMath.plan, with the
    /// no-trade region of VaultMath.planInput). A shrink buys back the short before any collateral
    /// leaves, sells what it withdraws and repays the margin debt from the proceeds; it grows the
    /// short only over posted spot it does not cover yet. A grow withdraws cash equity, buys spot,
    /// posts everything held and shorts it. On a venue that only queues the order the round stops
    /// there (`q.queued`); a shrink's withdraw-sell-repay then runs at settlement (`settle`).
    function carryOut(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Strategy memory strat,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Band band
    ) public returns (VaultTrading.Queued memory q) {
        SpotCollateralMath.Input memory p = _input(v, s, strat, b, band);
        SpotCollateralMath.Books memory books = SpotCollateralMath.booksOf(s, v.perpVenue.initialMarginBps());
        SpotCollateralMath.Plan memory r = SpotCollateralMath.plan(books, p);

        if (r.marginIn != 0) v.perpVenue.depositMargin(r.marginIn);
        _post(v, r.postQty);
        if (r.shortDecrease != 0 || r.collateralOut != 0 || r.sellHeld != 0 || r.heldBack != 0) {
            return _shrink(v, s, books, p, r);
        }
        if (r.marginOut != 0) v.perpVenue.withdrawMargin(r.marginOut, address(this));
        if (r.buyAssets != 0) {
            uint256 idleBefore = v.asset.balanceOf(address(this));
            VaultTrading.trade(v, false, r.buyAssets, s.price, p.slippageBps, true);
            // A buy the pool filled only in part leaves the margin it was withdrawn for at the
            // venue: idle never ends the round above where the buy would have left it.
            uint256 unspent = r.buyAssets - (idleBefore - v.asset.balanceOf(address(this)));
            uint256 back = Math.min(unspent, r.marginOut);
            if (back != 0) v.perpVenue.depositMargin(back);
        }
        // What the buy filled is posted, and the short follows the spot held and posted.
        uint256 bought = v.spot.balanceOf(address(this)) * v.sizePerSpotUnit;
        _post(v, bought);
        (uint256 increase, uint256 decrease) = SpotCollateralMath.hedge(
            books.collateral + r.postQty + bought,
            s.shortQty
        );
        if (increase != 0) {
            q = _increaseShort(v, s.perpPrice, s.shortQty, increase, p.slippageBps);
        } else if (decrease != 0 && !VaultTrading.decreaseShort(v, decrease, s.perpPrice, p.slippageBps)) {
            q = VaultTrading.Queued(true, false, s.shortQty - decrease, 0);
        }
    }

    /// @notice The second phase of a round whose order left the venue's book (see
    /// IDeltaNeutralVault.settleRound), on the books `s` now. After a filled shrink or close the
    /// collateral the short no longer covers (all of it with no short left) is withdrawn and sold
    /// with the spot held, and the proceeds repay the margin debt: toward the round's targets for
    /// a rebalance, all of it for a close, which then withdraws the margin left. What the pool
    /// would not take within its bound is posted back (a rebalance) or held (a close). A grow, or
    /// an order that did not fill, only posts the spot held: its short stays as it is, for the
    /// next round. Last (but after a close), the fee reserve is refilled from the margin
    /// (VaultTrading.keepFeeReserve).
    function settle(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Strategy memory strat,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.PendingRound storage round,
        bool filled
    ) public {
        if (filled && !round.increasesShort) {
            Release memory release = Release(0, 0, false);
            if (!round.emergencyClose) {
                SpotCollateralMath.Books memory books = SpotCollateralMath.booksOf(s, v.perpVenue.initialMarginBps());
                SpotCollateralMath.Targets memory t = SpotCollateralMath.targets(
                    books,
                    _input(v, s, strat, b, round.band)
                );
                release = Release(t.cashEquity, Math.min(s.idle, t.idle), false);
            }
            uint256 slippage = strat.maxSlippageBps;
            VaultTrading.trade(v, true, (s.spotQty - s.collateralQty) / v.sizePerSpotUnit, s.price, slippage, true);
            _repay(v, release);
            if (s.collateralQty > s.shortQty) {
                _freeCollateral(v, s, (s.collateralQty - s.shortQty) / v.sizePerSpotUnit, slippage, release);
            }
            if (round.emergencyClose) return VaultTrading._withdrawAllMargin(v);
        }
        _post(v, v.spot.balanceOf(address(this)) * v.sizePerSpotUnit);
        VaultTrading.keepFeeReserve(v);
    }

    /// @notice The round's planning input (VaultMath.planInput in this mode's terms).
    function _input(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Strategy memory strat,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Band band
    ) private pure returns (SpotCollateralMath.Input memory) {
        VaultMath.PlanInput memory pi = VaultMath.planInput(strat, b, band, v.assetDecimals, s.haircutBps);
        return
            SpotCollateralMath.Input(
                pi.idleBufferBps,
                pi.leverageBps,
                pi.slippageBps,
                pi.narrowestBandBps / 4,
                v.assetDecimals,
                pi.rescueOnly,
                band == IDeltaNeutralVault.Band.Idle
            );
    }

    /// @notice The shrink of a round (see `carryOut`): on a synchronous venue cut to the sale the
    /// pool takes now (`_toSellable`), then buy back, withdraw, sell, repay; under the
    /// venue's initial margin (nothing can leave at once), buy back what was held back and free it
    /// in steps.
    function _shrink(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        SpotCollateralMath.Books memory books,
        SpotCollateralMath.Input memory p,
        SpotCollateralMath.Plan memory r
    ) private returns (VaultTrading.Queued memory q) {
        // Nothing can leave at once: buy back what the rule held back too, then free it in steps.
        uint256 inSteps = r.collateralOut == 0 ? r.heldBack : 0;
        // A venue that fills later sells at settlement, on the pool as it is then: cut nothing now.
        if (inSteps == 0 && !v.perpVenue.fillsLater()) _toSellable(v, s, r, p.slippageBps);
        uint256 decrease = r.shortDecrease + inSteps;
        if (decrease != 0 && !VaultTrading.decreaseShort(v, decrease, s.perpPrice, p.slippageBps)) {
            return VaultTrading.Queued(true, false, s.shortQty - decrease, 0);
        }
        if (r.collateralOut != 0) v.perpVenue.withdrawCollateral(r.collateralOut / v.sizePerSpotUnit, address(this));
        VaultTrading.trade(v, true, (r.collateralOut + r.sellHeld) / v.sizePerSpotUnit, s.price, p.slippageBps, true);
        SpotCollateralMath.Targets memory t = SpotCollateralMath.targets(books, p);
        Release memory release = Release(t.cashEquity, Math.min(books.idle - r.marginIn, t.idle), false);
        _repay(v, release);
        if (inSteps != 0) {
            // What stays locked (the steps ran out of room) is left to the post-trade check.
            _freeCollateral(v, s, inSteps / v.sizePerSpotUnit, p.slippageBps, release);
            _post(v, v.spot.balanceOf(address(this)) * v.sizePerSpotUnit);
            return q;
        }
        // What the sale could not sell within its bound goes back as collateral, and posted spot
        // beyond the short (that, a donation, or spot a deposit bought) is shorted: the round then
        // only shrinks by what it sold, delta stays flat, and posted spot pays for its own initial
        // margin (1 - haircut above the venue's initial margin and the fill's cost).
        _post(v, v.spot.balanceOf(address(this)) * v.sizePerSpotUnit);
        IPerpVenue.Position memory position = v.perpVenue.position();
        if (position.collateral > position.shortSize) {
            uint256 size = position.collateral - position.shortSize;
            q = _increaseShort(v, s.perpPrice, position.shortSize, size, p.slippageBps);
        }
    }

    /// @notice Cuts a shrink's sale to what the pool takes now within the bound (VaultTrading
    /// .fillable, halved as the sale would be), and its buy-back with it: the short comes down only
    /// by the spot the round sells. Uncut, spot the sale could not sell went back as collateral
    /// and was shorted again: two taker fees and two fills off the index for no change. Collateral
    /// stays posted before held spot does (held spot left unsold is posted after the sale).
    function _toSellable(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        SpotCollateralMath.Plan memory r,
        uint256 slippageBps
    ) private {
        uint256 unit = v.sizePerSpotUnit;
        uint256 sale = (r.collateralOut + r.sellHeld) / unit;
        if (sale == 0) return;
        (uint256 sellable, ) = VaultTrading.fillable(v, true, sale, s.price, slippageBps);
        if (sellable == sale) return;
        uint256 unsold = (sale - sellable) * unit;
        uint256 collateralKept = Math.min(unsold, r.collateralOut);
        r.collateralOut -= collateralKept;
        r.sellHeld -= unsold - collateralKept;
        r.shortDecrease -= Math.min(unsold, r.shortDecrease);
    }

    /// @notice Unwinds `fractionWad` of every position: buys back that share of the short, frees
    /// that share of the collateral (`_release`) and of the held spot and sells them, and settles
    /// the leaver's share of the cash equity: a debt's share is repaid from the proceeds, a
    /// positive share is withdrawn. The stayers keep the rest, rounded in their favour. A share
    /// the venue will not pay out now stays at the venue, with the stayers: the account still owes
    /// (a debt the collateral covers, the share being unrealised profit or a buy-back's fill under
    /// the oracle), or the profit counted at the oracle is not there at the price a close would
    /// get. The exit then pays what idle holds (a redeem pays that much less, which its minimum
    /// bounds), rather than revert.
    function unwind(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 fractionWad,
        uint256 slippageBps
    ) public returns (uint256 spotUnits, uint256 shortReduce, uint256 marginOut) {
        int256 stayersCash = _stayersShare(s.perpEquity, fractionWad);
        (spotUnits, shortReduce) = _release(v, s, fractionWad, slippageBps, stayersCash);
        int256 cash = _cashEquity(v.perpVenue);
        if (cash > stayersCash) {
            marginOut = uint256(cash - stayersCash);
            try v.perpVenue.withdrawMargin(marginOut, address(this)) {} catch {
                marginOut = 0;
            }
        }
    }

    /// @notice Deploys a deposit of `assets` at once (a synchronous venue; see
    /// IDeltaNeutralVault.deposit). All of it but the idle buffer's share first tops the account's
    /// margin equity up to the mode's 1x target, 1 - h of the notional (after a rally the short's
    /// loss is a debt the collateral covers): the deposit moves the book toward its centre, as an
    /// Idle round would, at no trading cost. The rest buys spot, posted and shorted as much, so the
    /// short still equals the spot and the deposit needs no rebalance. A buy the pool fills only in part (VaultTrading.trade halves it) deploys what
    /// it filled. When the venue refuses the short (a fill past the bound under a short skew, an
    /// open-interest cap) the spot is withdrawn and sold back, and the deposit stays idle but for
    /// that round trip's cost.
    /// @return unspent Assets of the deposit's buy left idle, for the idle band.
    function hedgeDeposit(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 assets,
        uint256 idleBufferBps,
        uint256 slippageBps
    ) public returns (uint256 unspent) {
        uint256 spend = assets - Math.mulDiv(assets, idleBufferBps, VaultMath.BPS, Math.Rounding.Ceil);
        int256 target = int256(Math.mulDiv(s.shortNotional, VaultMath.BPS - s.haircutBps, VaultMath.BPS));
        int256 shortfall = target - int256(s.collateralMarginValue) - s.perpEquity;
        if (shortfall > 0) {
            uint256 topUp = Math.min(spend, uint256(shortfall));
            v.perpVenue.depositMargin(topUp);
            spend -= topUp;
        }
        uint256 heldBefore = v.spot.balanceOf(address(this));
        uint256 cashBefore = v.asset.balanceOf(address(this));
        VaultTrading.trade(v, false, spend, s.price, slippageBps, true);
        uint256 bought = v.spot.balanceOf(address(this)) - heldBefore;
        if (bought != 0) {
            _post(v, bought * v.sizePerSpotUnit);
            try
                v.perpVenue.increaseShort(bought * v.sizePerSpotUnit, VaultMath.lessBps(s.perpPrice, slippageBps))
            {} catch {
                v.perpVenue.withdrawCollateral(bought, address(this));
                VaultTrading.trade(v, true, bought, s.price, slippageBps, true);
            }
        }
        uint256 spent = cashBefore - Math.min(cashBefore, v.asset.balanceOf(address(this)));
        unspent = spend - Math.min(spend, spent);
    }

    /// @notice Closes the short, frees and sells all the collateral and spot, repays any debt and
    /// withdraws the margin left (the guardian's emergency unwind). As in VaultTrading.closeAll, a
    /// venue that refuses to pay the margin out does not stop the close.
    /// On a venue that only queues the buy-back the rest runs at settlement (`settle`).
    function closeAll(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 slippageBps
    ) public returns (VaultTrading.Queued memory q) {
        // An unpriced book holds no short and only dust of spot (left alone, too small to swap).
        if (s.price != 0 && s.shortQty != 0 && !VaultTrading.decreaseShort(v, s.shortQty, s.perpPrice, slippageBps)) {
            return VaultTrading.Queued(true, false, 0, 0);
        }
        // Bought back already: the release frees and sells the collateral.
        s.shortQty = 0;
        if (s.price != 0) _release(v, s, VaultMath.WAD, slippageBps, 0);
        VaultTrading._withdrawAllMargin(v);
    }

    /// @notice The pro-rata trades of an unwind, with the debt repaid down to `stayersCash` as the
    /// collateral is sold. The collateral comes out in steps when the venue's initial-margin rule
    /// does not let it all out at once (a debt the remaining collateral still covers).
    function _release(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 fractionWad,
        uint256 slippageBps,
        int256 stayersCash
    ) private returns (uint256 spotUnits, uint256 shortReduce) {
        uint256 unit = v.sizePerSpotUnit;
        uint256 heldUnits = (s.spotQty - s.collateralQty) / unit;
        uint256 collateralUnits = s.collateralQty / unit;
        // Rounded up so the proceeds cover what the leaver is owed; capped at what is held.
        uint256 heldSold = _share(heldUnits, fractionWad);
        uint256 owed = _share(collateralUnits, fractionWad);
        spotUnits = heldSold + owed;
        shortReduce = _share(s.shortQty, fractionWad);
        if (shortReduce != 0) VaultTrading.decreaseShortNow(v, shortReduce, s.perpPrice, slippageBps);
        _freeCollateral(v, s, owed, slippageBps, Release(stayersCash, 0, true));
        VaultTrading.trade(v, true, heldSold, s.price, slippageBps, false);
    }

    /// @notice How a release of collateral repays the debt, and whether collateral it cannot free
    /// is an error (a leaver's unwind) or left for the post-trade check (a rescue round).
    /// @param cashTarget Cash equity the repayments bring the account up to (the stayers' share of
    /// it in an unwind, the round's target in a rescue).
    /// @param idleFloor Idle the repayments leave in the vault.
    struct Release {
        int256 cashTarget;
        uint256 idleFloor;
        bool lockedReverts;
    }

    /// @notice Withdraws and sells `owed` collateral (token units), repaying the debt toward the
    /// release's cash target from idle above its floor after each sale, in as many steps as the
    /// venue's initial-margin rule needs (at most MAX_RELEASE_STEPS).
    function _freeCollateral(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 owed,
        uint256 slippageBps,
        Release memory release
    ) private {
        uint256 initialMarginBps = v.perpVenue.initialMarginBps();
        for (uint256 step; owed != 0; ++step) {
            uint256 free = _withdrawableUnits(v, s, initialMarginBps);
            // The last few units the rule's cushion and the venue's roundings hold back stay posted
            // for the stayers; the leaver's proceeds lack them (the redeem pays what idle holds).
            if (free < owed && _isDust(v, s, owed)) break;
            if (free == 0 || (free < owed && step >= MAX_RELEASE_STEPS)) {
                if (release.lockedReverts) revert IDeltaNeutralVault.CollateralLocked(owed, free);
                return;
            }
            uint256 out = Math.min(owed, free);
            v.perpVenue.withdrawCollateral(out, address(this));
            // A rescue trades what its bound allows (halving, as every rebalance does); an unwind
            // sells all it owes or nothing.
            VaultTrading.trade(v, true, out, s.price, slippageBps, !release.lockedReverts);
            owed -= out;
            _repay(v, release);
        }
    }

    /// @notice Repays the margin debt toward the release's cash target from idle above its floor.
    function _repay(VaultTrading.Venues memory v, Release memory release) private {
        uint256 repay = SpotCollateralMath.repayment(
            _cashEquity(v.perpVenue),
            release.cashTarget,
            v.asset.balanceOf(address(this)),
            release.idleFloor
        );
        if (repay != 0) v.perpVenue.depositMargin(repay);
    }

    /// @notice `fractionWad` of `amount`, rounded up, at most `amount`.
    function _share(uint256 amount, uint256 fractionWad) private pure returns (uint256) {
        return Math.min(Math.mulDiv(amount, fractionWad, VaultMath.WAD, Math.Rounding.Ceil), amount);
    }

    /// @notice Collateral (token units) the venue's initial-margin rule lets out now: the margin
    /// equity above the initial margin of the short held, less a cushion for the venue's own
    /// roundings, at the collateral's margin value, rounded down; all of it once neither a short
    /// nor a debt is left.
    function _withdrawableUnits(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 initialMarginBps
    ) private view returns (uint256) {
        IPerpVenue.Position memory p = v.perpVenue.position();
        // With no short and no debt no rule binds: the last units come out without a cushion.
        if (p.shortSize == 0 && _cashOf(p) >= 0) return p.collateral / v.sizePerSpotUnit;
        SpotCollateralMath.Books memory b = SpotCollateralMath.Books(
            s.price,
            s.perpPrice,
            0,
            0,
            p.collateral,
            p.shortSize,
            _cashOf(p),
            s.haircutBps,
            initialMarginBps
        );
        uint256 qty = SpotCollateralMath.withdrawableCollateral(b, v.assetDecimals);
        return qty / v.sizePerSpotUnit;
    }

    /// @notice Whether `units` of collateral are worth no more than twice the rule's cushion.
    function _isDust(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 units
    ) private pure returns (bool) {
        uint256 value = OracleLib.baseToQuoteDown(units * v.sizePerSpotUnit, s.perpPrice, 18, v.assetDecimals);
        return value <= 2 * SpotCollateralMath.RULE_CUSHION_UNITS;
    }

    /// @notice Grows the short by `size`, the fill bounded by the venue's index less the slippage
    /// setting; an order only queued by an asynchronous venue ends the round (`q.queued`).
    function _increaseShort(
        VaultTrading.Venues memory v,
        uint256 perpPrice,
        uint256 shortNow,
        uint256 size,
        uint256 slippageBps
    ) private returns (VaultTrading.Queued memory q) {
        (bool filled, ) = v.perpVenue.increaseShort(size, VaultMath.lessBps(perpPrice, slippageBps));
        if (!filled) q = VaultTrading.Queued(true, true, shortNow + size, 0);
    }

    /// @notice Posts `qty` (size units) of held spot as collateral.
    function _post(VaultTrading.Venues memory v, uint256 qty) private {
        uint256 units = qty / v.sizePerSpotUnit;
        if (units != 0) v.perpVenue.depositCollateral(units);
    }

    function _cashEquity(IPerpVenue venue) private view returns (int256) {
        return _cashOf(venue.position());
    }

    /// @notice Settled margin (negative under a debt) + unrealised PnL + accrued funding.
    function _cashOf(IPerpVenue.Position memory p) private pure returns (int256) {
        return int256(p.margin) - int256(p.marginDebt) + p.unrealizedPnl + p.accruedFunding;
    }

    /// @notice The stayers' share (1 - fraction) of the cash equity, rounded in their favour: up
    /// when it is a claim, its magnitude down when it is a debt.
    function _stayersShare(int256 cash, uint256 fractionWad) private pure returns (int256) {
        uint256 keep = VaultMath.WAD - fractionWad;
        if (cash >= 0) return int256(Math.mulDiv(uint256(cash), keep, VaultMath.WAD, Math.Rounding.Ceil));
        return -int256(Math.mulDiv(uint256(-cash), keep, VaultMath.WAD));
    }
}
