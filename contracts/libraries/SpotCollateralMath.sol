// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OracleLib} from "./OracleLib.sol";
import {VaultMath} from "./VaultMath.sol";

/// @title SpotCollateralMath
/// @notice Pure maths of the vault's SpotCollateral hedge mode: the spot bought is posted as the
/// short's collateral at a venue that accepts the base token (IPerpVenue.depositCollateral), and
/// the short equals the spot. The targets and the plan of one rebalance round; the vault measures
/// and classifies the books with VaultMath (whose snapshot counts the collateral).
///
/// The books (P the oracle price, Pv the venue's index, h the venue's collateral haircut; spot
/// quantities S = spot held by the vault, C = spot posted, Q = short; c = cash equity at the venue,
/// i.e. settled USDC margin (negative under a margin debt) + unrealised PnL + accrued funding):
/// - NAV = idle + (S + C)·P + c. With S + C = Q and the short opened at E, c = m + f + Q(E - P), so
///   NAV = idle + m + f + Q·E: the price drops out. (The account, c + C·P, counts at zero when
///   negative: the venue's loss, not the vault's debt.)
/// - margin equity (the venue's rules) Me = c + C·Pv·(1 - h); margin ratio = Me / (Q·Pv). At the
///   target (c = 0, C = Q) it is 1 - h; after a move to P it is E/P - h: only a big rally lowers it.
/// - deployment = hedged notional / NAV = Q·Pv / NAV. It drifts as P/E: up in a rally, down in a
///   fall. With no idle and c + C·P = NAV, margin ratio = 1/deployment - h: the vault's margin
///   bands are the deployment band (at h = 10%, a margin ratio of 40%..190% is 2x..0.5x).
///
/// Targets, from NAV N, idle buffer b and target deployment k (of the deployable NAV): idle
/// N·b (rounded up), deployable D = N - idle, short Q* = D·k / P (rounded down), and the cash
/// equity that splits D: c* = D - Q*·P (zero at k = 1: no margin debt, every dollar hedged).
///
/// A rebalance round moves toward Q*:
/// - shrink (after a rally: too much notional, the margin ratio low): decrease the short by y,
///   withdraw y collateral, sell it and repay the margin debt with the proceeds. The venue keeps
///   its initial-margin rule on the withdrawal, so y is capped (`maxCollateralOut`): with IM the
///   venue's initial margin and x = 2·slippage + premium the buy-back's worst cost (VaultMath),
///   Me - y·Pv·(1 - h) - y·Pv·x >= IM·(Q - y)·Pv, i.e. y·Pv <= (Me - IM·Q·Pv) / (1 - h - IM + x).
///   A round that hits the cap still makes progress: selling collateral for cash margin adds
///   y·Pv·(h - x - slippage) of margin equity, so the next round may go further.
/// - grow (after a fall, or deposits): realise the short's profit by withdrawing cash equity (the
///   venue realises profit when a withdrawal passes settled margin), add idle above the buffer,
///   buy spot, post it and grow the short by what was bought. Withdrawing at most the positive
///   cash equity leaves Me >= C·Pv·(1 - h), and the bands keep 1 - h above IM, so the grown short
///   keeps the initial margin.
/// Rounding favours the vault: the short target, the withdrawals and the sizes round down, the
/// values taken from it (notional, the venue's requirement) round up.
library SpotCollateralMath {
    uint256 internal constant BPS = VaultMath.BPS;
    /// @notice Asset units kept clear of the venue's initial-margin rule on a collateral
    /// withdrawal, for the venue's own roundings of the collateral's value and its requirement.
    uint256 internal constant RULE_CUSHION_UNITS = 4;

    /// @notice The books of a SpotCollateral vault.
    /// @param price Oracle price, WAD (asset per whole spot token): spot value and spot trades.
    /// @param perpPrice The venue's index, WAD: notional, PnL and the collateral's margin value.
    /// @param idle Asset tokens held by the vault.
    /// @param spotHeld Spot held by the vault, not posted, size units (18 decimals).
    /// @param collateral Spot posted at the venue (IPerpVenue.Position.collateral), size units.
    /// @param shortQty Open short, size units.
    /// @param cashEquity Settled margin (margin - marginDebt) + unrealised PnL + accrued funding.
    /// @param haircutBps The venue's collateral haircut (IPerpVenue.collateralHaircutBps).
    /// @param initialMarginBps The venue's initial margin (IPerpVenue.initialMarginBps).
    struct Books {
        uint256 price;
        uint256 perpPrice;
        uint256 idle;
        uint256 spotHeld;
        uint256 collateral;
        uint256 shortQty;
        int256 cashEquity;
        uint256 haircutBps;
        uint256 initialMarginBps;
    }

    /// @notice What a round needs to plan.
    /// @param deploymentBps Target hedged notional / deployable NAV (10_000: all of it).
    /// @param toleranceBps Trades smaller than this share of NAV are skipped.
    /// @param rescueOnly Only risk comes off (a MarginLow or Delta rebalance): nothing is grown.
    /// @param refillIdle An Idle round: a grow brings idle up to its target before it buys (the
    /// idle-low breach of a venue that fills later, where exits are paid from idle).
    struct Input {
        uint256 idleBufferBps;
        uint256 deploymentBps;
        uint256 slippageBps;
        uint256 toleranceBps;
        uint8 assetDecimals;
        bool rescueOnly;
        bool refillIdle;
    }

    /// @notice One round, in the order the vault carries it out. A shrink (spot above its target):
    /// 1. marginIn: idle deposited as margin first, only when the venue's rule would not let the
    ///    whole withdrawal out otherwise (the rescue comes before the buffer);
    /// 2. postQty: spot held beyond what the round sells, posted;
    /// 3. shortDecrease: the short bought back, before any collateral leaves;
    /// 4. collateralOut: collateral withdrawn; it and sellHeld (spot held, which needs no
    ///    withdrawal) are sold, and the proceeds repay the margin debt (`repayment`).
    /// A grow (spot below its target): postQty (all spot held), then marginOut (cash equity
    /// withdrawn, realising a fall's profit) or, under a margin debt, marginIn (idle the buy does
    /// not need repays it), then buyAssets (spent on spot, which is posted and shorted: `hedge`). Otherwise only the held spot is posted and the short follows the spot.
    /// heldBack: collateral the shrink wanted out but the rule held back this round. When none can
    /// leave at once (a book under the venue's initial margin), the vault buys all of it back
    /// first, which frees its initial margin, and then frees it in withdraw-sell-repay steps.
    struct Plan {
        uint256 marginIn;
        uint256 postQty;
        uint256 shortDecrease;
        uint256 collateralOut;
        uint256 sellHeld;
        uint256 marginOut;
        uint256 buyAssets;
        uint256 heldBack;
    }

    /// @notice What the round aims at (see the library's notes).
    struct Targets {
        uint256 nav;
        uint256 idle;
        uint256 deployable;
        uint256 shortQty;
        int256 cashEquity;
    }

    // ---------------------------------------------------------------------------------------
    // Measurements
    // ---------------------------------------------------------------------------------------

    /// @notice idle + (spot held + posted)·P + cash equity, the venue account floored at zero.
    /// Spot is valued at the oracle, rounded down.
    function nav(Books memory b, uint8 assetDecimals) internal pure returns (uint256) {
        uint256 held = OracleLib.baseToQuoteDown(b.spotHeld, b.price, 18, assetDecimals);
        int256 account = b.cashEquity + int256(OracleLib.baseToQuoteDown(b.collateral, b.price, 18, assetDecimals));
        return b.idle + held + VaultMath.positivePart(account);
    }

    /// @notice Cash equity + the collateral at the venue's index less the haircut, rounded down.
    function marginEquity(Books memory b, uint8 assetDecimals) internal pure returns (int256) {
        return b.cashEquity + int256(marginValue(b.collateral, b, assetDecimals));
    }

    /// @notice `qty` of collateral as the venue's margin rules count it: Pv·(1 - h), rounded down.
    function marginValue(uint256 qty, Books memory b, uint8 assetDecimals) internal pure returns (uint256) {
        uint256 value = OracleLib.baseToQuoteDown(qty, b.perpPrice, 18, assetDecimals);
        return Math.mulDiv(value, BPS - b.haircutBps, BPS);
    }

    /// @notice The short at the venue's index, rounded up (as the venue values it).
    function notional(Books memory b, uint8 assetDecimals) internal pure returns (uint256) {
        return OracleLib.baseToQuoteUp(b.shortQty, b.perpPrice, 18, assetDecimals);
    }

    // ---------------------------------------------------------------------------------------
    // Targets and the plan
    // ---------------------------------------------------------------------------------------

    /// @notice The round's targets (see the library's notes).
    function targets(Books memory b, Input memory p) internal pure returns (Targets memory t) {
        t.nav = nav(b, p.assetDecimals);
        t.idle = Math.mulDiv(t.nav, p.idleBufferBps, BPS, Math.Rounding.Ceil);
        t.deployable = t.nav - t.idle;
        uint256 hedged = Math.mulDiv(t.deployable, p.deploymentBps, BPS);
        t.shortQty = OracleLib.quoteToBaseDown(hedged, b.price, 18, p.assetDecimals);
        t.cashEquity = int256(t.deployable) - int256(OracleLib.baseToQuoteUp(t.shortQty, b.price, 18, p.assetDecimals));
    }

    /// @notice Plans one round toward the targets: shrink (sell spot held, buy back, withdraw
    /// collateral within the venue's rule, sell) or grow (withdraw cash equity, buy, post, short).
    /// Differences within the tolerance are left alone; a rescue never grows. A shrink never grows
    /// the short: a spot excess the round cannot sell stays for the next round (the short may not
    /// grow on an account the rally left near its initial margin).
    function plan(Books memory b, Input memory p) internal pure returns (Plan memory r) {
        Targets memory t = targets(b, p);
        uint256 spot = b.spotHeld + b.collateral;
        uint256 toleranceQty = OracleLib.quoteToBaseDown(
            Math.mulDiv(t.nav, p.toleranceBps, BPS),
            b.price,
            18,
            p.assetDecimals
        );
        if (spot > t.shortQty + toleranceQty) {
            uint256 wanted = spot - t.shortQty;
            r.sellHeld = Math.min(b.spotHeld, wanted);
            r.postQty = b.spotHeld - r.sellHeld;
            wanted -= r.sellHeld;
            // The venue's account once the held spot is sold or posted (the sale's proceeds are not
            // counted: they arrive after the withdrawal).
            Books memory posted = copy(b);
            posted.spotHeld = 0;
            posted.collateral += r.postQty;
            uint256 allowed = maxCollateralOut(posted, p);
            if (allowed < wanted && b.idle != 0) {
                // Idle margin counts in full (no haircut): deposit what the rule lacks for the
                // whole withdrawal, as far as idle goes.
                r.marginIn = Math.min(b.idle, marginShortfall(posted, p, wanted));
                posted.cashEquity += int256(r.marginIn);
                allowed = maxCollateralOut(posted, p);
            }
            r.collateralOut = Math.min(wanted, allowed);
            r.heldBack = wanted - r.collateralOut;
            // The short follows the spot that stays.
            uint256 stays = spot - r.sellHeld - r.collateralOut;
            if (b.shortQty > stays) r.shortDecrease = b.shortQty - stays;
        } else {
            r.postQty = b.spotHeld;
            // An Idle round under its target takes what idle lacks from the cash equity first.
            uint256 idleDeficit = p.refillIdle && b.idle < t.idle ? t.idle - b.idle : 0;
            if (p.rescueOnly || t.shortQty <= spot + toleranceQty) {
                // The spot on target: after a fall the buffer is in the cash equity (the short's
                // profit), and an Idle round withdraws it.
                if (idleDeficit != 0) r.marginOut = Math.min(idleDeficit, withdrawableCash(b, p, 0));
                return r;
            }
            uint256 need = OracleLib.baseToQuoteUp(t.shortQty - spot, b.price, 18, p.assetDecimals);
            uint256 idleExcess = b.idle > t.idle ? b.idle - t.idle : 0;
            if (need + idleDeficit > idleExcess) {
                r.marginOut = Math.min(need + idleDeficit - idleExcess, withdrawableCash(b, p, need));
            }
            uint256 available = idleExcess + r.marginOut;
            r.buyAssets = Math.min(need, available > idleDeficit ? available - idleDeficit : 0);
            // Under a margin debt (after a rally) the target's cash equity is higher than the
            // account's: the idle excess the buy leaves repays the debt instead of staying idle.
            if (b.cashEquity < 0 && idleExcess > r.buyAssets) {
                r.marginIn = Math.min(idleExcess - r.buyAssets, uint256(-b.cashEquity));
            }
        }
    }

    /// @notice The largest collateral withdrawal the venue's initial-margin rule allows once the
    /// short has come down by as much (and by any excess of the short over the spot), the
    /// buy-back filled at its worst bound. Zero when the rule has no room. Rounded down.
    /// @dev With V the withdrawal's value at Pv and x the buy-back's worst cost (bps of what is
    /// bought back), a matched buy-back: (Me - V(1 - h) - x·V) >= IM·(N - V) holds when
    /// V <= (Me - IM·N) / (1 - h - IM + x). A delta gap moves the numerator (see `_room`).
    function maxCollateralOut(Books memory b, Input memory p) internal pure returns (uint256) {
        uint256 cost = VaultMath.buyBackCostBps(p.slippageBps);
        int256 room = _room(b, p);
        if (room <= 0 || b.haircutBps + b.initialMarginBps >= BPS + cost) return 0;
        uint256 value = uint256(room) / (BPS + cost - b.haircutBps - b.initialMarginBps);
        return Math.min(OracleLib.quoteToBaseDown(value, b.perpPrice, 18, p.assetDecimals), b.spotHeld + b.collateral);
    }

    /// @notice Margin the venue's rule lacks for a withdrawal of `qty` collateral (see
    /// `maxCollateralOut`), rounded up; zero when it already has room.
    function marginShortfall(Books memory b, Input memory p, uint256 qty) internal pure returns (uint256) {
        uint8 d = p.assetDecimals;
        uint256 cost = VaultMath.buyBackCostBps(p.slippageBps);
        if (b.haircutBps + b.initialMarginBps >= BPS + cost) return type(uint256).max;
        uint256 value = OracleLib.baseToQuoteUp(qty, b.perpPrice, 18, d) + 1;
        int256 needed = int256(value * (BPS + cost - b.haircutBps - b.initialMarginBps)) - _room(b, p);
        return needed <= 0 ? 0 : Math.ceilDiv(uint256(needed), BPS);
    }

    /// @notice Cash equity a grow round may withdraw: at most the positive cash equity (so the
    /// collateral alone still covers the grown short's initial margin) and what the venue's
    /// withdrawal rule allows, less the worst cost of growing the short by `need`, which the
    /// venue takes from margin. Rounded down.
    function withdrawableCash(Books memory b, Input memory p, uint256 need) internal pure returns (uint256) {
        uint8 d = p.assetDecimals;
        int256 ruleRoom =
            marginEquity(b, d) - int256(Math.mulDiv(notional(b, d), b.initialMarginBps, BPS, Math.Rounding.Ceil));
        uint256 cash = Math.min(VaultMath.positivePart(b.cashEquity), VaultMath.positivePart(ruleRoom));
        uint256 reserve = Math.mulDiv(need, VaultMath.buyBackCostBps(p.slippageBps), BPS, Math.Rounding.Ceil);
        return cash > reserve ? cash - reserve : 0;
    }

    /// @notice Collateral (size units) the venue's initial-margin rule lets out of `b` as it is:
    /// margin equity above the short's initial margin (rounded up) and RULE_CUSHION_UNITS, at the
    /// collateral's margin value, rounded down; at most the collateral posted.
    function withdrawableCollateral(Books memory b, uint8 assetDecimals) internal pure returns (uint256) {
        int256 room =
            marginEquity(b, assetDecimals) -
                int256(Math.mulDiv(notional(b, assetDecimals), b.initialMarginBps, BPS, Math.Rounding.Ceil)) -
                int256(RULE_CUSHION_UNITS);
        if (room <= 0) return 0;
        uint256 value = Math.mulDiv(uint256(room), BPS, BPS - b.haircutBps);
        return Math.min(OracleLib.quoteToBaseDown(value, b.perpPrice, 18, assetDecimals), b.collateral);
    }

    /// @notice After the spot trade: the short follows the spot held and posted.
    function hedge(uint256 spot, uint256 shortQty) internal pure returns (uint256 increase, uint256 decrease) {
        if (spot > shortQty) increase = spot - shortQty;
        else decrease = shortQty - spot;
    }

    /// @notice After a shrink's sale: the margin deposited to bring the cash equity up to its
    /// target (repaying the margin debt), from the sale's proceeds and idle above `idleFloor`
    /// (what the round left of the buffer, at most its target). The debt comes before the buffer:
    /// a buffer the round's first margin deposit used is refilled only by later flows or rounds.
    function repayment(
        int256 cashEquity,
        int256 cashTarget,
        uint256 idle,
        uint256 idleFloor
    ) internal pure returns (uint256) {
        if (cashTarget <= cashEquity || idle <= idleFloor) return 0;
        return Math.min(uint256(cashTarget - cashEquity), idle - idleFloor);
    }

    /// @notice The books of the vault's snapshot (a SpotCollateral vault's: its spot quantity
    /// counts the collateral, its perp equity is the cash equity), with the venue's initial margin.
    function booksOf(VaultMath.Snapshot memory s, uint256 initialMarginBps) internal pure returns (Books memory) {
        return
            Books(
                s.price,
                s.perpPrice,
                s.idle,
                s.spotQty - s.collateralQty,
                s.collateralQty,
                s.shortQty,
                s.perpEquity,
                s.haircutBps,
                initialMarginBps
            );
    }

    /// @notice A copy of `b` (memory structs are shared by reference).
    function copy(Books memory b) internal pure returns (Books memory) {
        return
            Books(
                b.price,
                b.perpPrice,
                b.idle,
                b.spotHeld,
                b.collateral,
                b.shortQty,
                b.cashEquity,
                b.haircutBps,
                b.initialMarginBps
            );
    }

    /// @dev The numerator of `maxCollateralOut`, times BPS: Me·BPS - IM·N - x·G - IM·H, less the
    /// cushion, where G is the short's excess over the spot (bought back too, at cost x) and H
    /// the spot's excess over the short (that much of the withdrawal is not matched by a buy-back,
    /// so it frees no initial margin). Margin equity counts the held spot, which the round posts
    /// first.
    function _room(Books memory b, Input memory p) private pure returns (int256) {
        uint8 d = p.assetDecimals;
        int256 equity = marginEquity(b, d) + int256(marginValue(b.spotHeld, b, d));
        uint256 spot = b.spotHeld + b.collateral;
        uint256 gap = OracleLib.baseToQuoteUp(
            spot > b.shortQty ? spot - b.shortQty : b.shortQty - spot,
            b.perpPrice,
            18,
            d
        );
        uint256 gapBps = spot > b.shortQty ? b.initialMarginBps : VaultMath.buyBackCostBps(p.slippageBps);
        uint256 taken = notional(b, d) * b.initialMarginBps + gap * gapBps + RULE_CUSHION_UNITS * BPS;
        return equity * int256(BPS) - int256(taken);
    }
}
