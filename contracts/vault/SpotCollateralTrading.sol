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
    /// the proceeds, which makes room for the next; a book at its hard margin floor frees all of
    /// it in about five.
    uint256 internal constant MAX_RELEASE_STEPS = 8;

    /// @notice Carries out one round of a rebalance of `band` (SpotCollateralMath.plan, with the
    /// no-trade region of VaultMath.planInput). A shrink buys back the short before any collateral
    /// leaves, sells what it withdraws and repays the margin debt from the proceeds; it never grows
    /// the short. A grow withdraws cash equity, buys spot, posts everything held and shorts it.
    function carryOut(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        IDeltaNeutralVault.Strategy memory strat,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Band band
    ) public {
        VaultMath.PlanInput memory pi = VaultMath.planInput(strat, b, band, v.assetDecimals, s.haircutBps);
        SpotCollateralMath.Input memory p = SpotCollateralMath.Input(
            pi.idleBufferBps,
            pi.leverageBps,
            pi.slippageBps,
            pi.narrowestBandBps / 4,
            v.assetDecimals,
            pi.rescueOnly
        );
        SpotCollateralMath.Books memory books = SpotCollateralMath.booksOf(s, v.perpVenue.initialMarginBps());
        SpotCollateralMath.Plan memory r = SpotCollateralMath.plan(books, p);

        if (r.marginIn != 0) v.perpVenue.depositMargin(r.marginIn);
        _post(v, r.postQty);
        if (r.shortDecrease != 0 || r.collateralOut != 0 || r.sellHeld != 0) {
            if (r.shortDecrease != 0) VaultTrading.decreaseShort(v, r.shortDecrease, s.perpPrice, p.slippageBps);
            if (r.collateralOut != 0)
                v.perpVenue.withdrawCollateral(r.collateralOut / v.sizePerSpotUnit, address(this));
            VaultTrading.trade(
                v,
                true,
                (r.collateralOut + r.sellHeld) / v.sizePerSpotUnit,
                s.price,
                p.slippageBps,
                true
            );
            SpotCollateralMath.Targets memory t = SpotCollateralMath.targets(books, p);
            uint256 repay = SpotCollateralMath.repayment(
                _cashEquity(v.perpVenue),
                t.cashEquity,
                v.asset.balanceOf(address(this)),
                Math.min(books.idle - r.marginIn, t.idle)
            );
            if (repay != 0) v.perpVenue.depositMargin(repay);
            return;
        }
        if (r.marginOut != 0) v.perpVenue.withdrawMargin(r.marginOut, address(this));
        if (r.buyAssets != 0) VaultTrading.trade(v, false, r.buyAssets, s.price, p.slippageBps, true);
        // What the buy filled is posted, and the short follows the spot held and posted.
        uint256 bought = v.spot.balanceOf(address(this)) * v.sizePerSpotUnit;
        _post(v, bought);
        (uint256 increase, uint256 decrease) = SpotCollateralMath.hedge(
            books.collateral + r.postQty + bought,
            s.shortQty
        );
        if (increase != 0) {
            (bool filled, ) = v.perpVenue.increaseShort(increase, VaultMath.lessBps(s.perpPrice, p.slippageBps));
            if (!filled) revert IDeltaNeutralVault.VenueOrderPending();
        } else if (decrease != 0) {
            VaultTrading.decreaseShort(v, decrease, s.perpPrice, p.slippageBps);
        }
    }

    /// @notice Unwinds `fractionWad` of every position: buys back that share of the short, frees
    /// that share of the collateral (`_release`) and of the held spot and sells them, and settles
    /// the leaver's share of the cash equity: a debt's share is repaid from the proceeds, a
    /// positive share is withdrawn. The stayers keep the rest, rounded in their favour.
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
            v.perpVenue.withdrawMargin(marginOut, address(this));
        }
    }

    /// @notice Closes the short, frees and sells all the collateral and spot, repays any debt and
    /// withdraws the margin left (the guardian's emergency unwind). As in VaultTrading.closeAll, a
    /// venue that refuses to pay the margin out does not stop the close.
    function closeAll(VaultTrading.Venues memory v, VaultMath.Snapshot memory s, uint256 slippageBps) public {
        // An unpriced book holds no short and only dust of spot (left alone, too small to swap).
        if (s.price != 0) _release(v, s, VaultMath.WAD, slippageBps, 0);
        uint256 margin = v.perpVenue.position().margin;
        if (margin != 0) {
            try v.perpVenue.withdrawMargin(margin, address(this)) {} catch {} // solhint-disable-line no-empty-blocks
        }
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
        if (shortReduce != 0) VaultTrading.decreaseShort(v, shortReduce, s.perpPrice, slippageBps);
        _freeCollateral(v, s, owed, slippageBps, stayersCash);
        VaultTrading.trade(v, true, heldSold, s.price, slippageBps, false);
    }

    /// @notice Withdraws and sells `owed` collateral (token units), repaying the debt down to
    /// `stayersCash` from what idle holds after each sale, in as many steps as the venue's
    /// initial-margin rule needs (at most MAX_RELEASE_STEPS).
    function _freeCollateral(
        VaultTrading.Venues memory v,
        VaultMath.Snapshot memory s,
        uint256 owed,
        uint256 slippageBps,
        int256 stayersCash
    ) private {
        uint256 initialMarginBps = v.perpVenue.initialMarginBps();
        for (uint256 step; owed != 0; ++step) {
            uint256 free = _withdrawableUnits(v, s, initialMarginBps);
            // The last few units the rule's cushion and the venue's roundings hold back stay posted
            // for the stayers; the leaver's proceeds lack them (the redeem pays what idle holds).
            if (free < owed && _isDust(v, s, owed)) break;
            if (free == 0 || step == MAX_RELEASE_STEPS) revert IDeltaNeutralVault.CollateralLocked(owed, free);
            uint256 out = Math.min(owed, free);
            v.perpVenue.withdrawCollateral(out, address(this));
            VaultTrading.trade(v, true, out, s.price, slippageBps, false);
            owed -= out;
            int256 cash = _cashEquity(v.perpVenue);
            if (cash < stayersCash) {
                uint256 repay = Math.min(uint256(stayersCash - cash), v.asset.balanceOf(address(this)));
                if (repay != 0) v.perpVenue.depositMargin(repay);
            }
        }
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
