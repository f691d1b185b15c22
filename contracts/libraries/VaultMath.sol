// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";
import {OracleLib} from "./OracleLib.sol";

/// @title VaultMath
/// @notice Pure maths of the delta-neutral vault: band measurements, band classification,
/// rebalance targets and the exit charge of a withdrawal that unwinds positions. All values are
/// in asset units unless named otherwise; ratios are in bps.
library VaultMath {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = OracleLib.WAD;
    /// @notice Asset units of rounding an unwind may show on the books besides its trading cost,
    /// and the allowance its proceeds are sized with (`fractionForProceeds`): each leg rounds
    /// against the leaver (the sale floored, the buy-back's loss and fee rounded up, the stayers'
    /// share of the cash equity rounded in their favour, idle a unit short of value less cost).
    /// A SpotCollateral unwind has more legs (the collateral withdrawn at its haircut, the debt
    /// repaid): in books of some 30 units its last holder lost 6 and then 12 to them (found by the
    /// vault's handler invariants), so 12.
    uint256 internal constant UNWIND_ROUNDING_UNITS = 12;
    /// @notice Short notional, asset units, at or below which a short has no margin band: its
    /// margin ratio is a ratio of a few units, which the unit roundings of the collateral's value,
    /// its haircut and the venue's PnL move past any band (one unit of margin reads 0 or 10,000%),
    /// and no round could trade it back inside. A bank run leaves such a short behind (the virtual
    /// shares' cut, or a holder who stays with a few shares); as no short, the next deposit's round
    /// simply deploys over it. Treating it as no short, rather than closing it with the last exit,
    /// also covers the holder who stays. A short this small carries no risk a band could reduce.
    uint256 internal constant DUST_SHORT_NOTIONAL_UNITS = 10_000;
    /// @notice Spot or short below this (size units, 1e-6 of a token) is dust: spot held with no
    /// short is valued at zero rather than make an all-idle vault depend on the oracle (a donation
    /// of one wei would otherwise do that), and on a venue that fills later a position this small
    /// neither keeps the execution-fee reserve nor makes a low idle a breach.
    uint256 internal constant SPOT_DUST = 1e12;
    /// @notice Largest trade, in bps of NAV, a rebalance skips as too small to matter: a quarter
    /// of the narrowest soft band, capped at this so wide bands never skip a needed margin top-up.
    uint256 internal constant MAX_SKIP_BPS = 10;
    /// @notice Extra room, beyond the slippage setting, for the fill of a trade that shrinks the
    /// short (an exit's unwind, a deleveraging rebalance, the emergency close). A trader parking
    /// skew on the perp market moves every fill by its premium; risk-reducing trades must still
    /// go through, so griefing them takes a premium past slippage + 100 bps (on the local market,
    /// a skew of 1.5% of the skew scale held against the funding it pays).
    uint256 internal constant PERP_PREMIUM_ALLOWANCE_BPS = 100;
    /// @notice Room between the target margin ratio and each soft margin band (the bound
    /// VaultParams.checkBands keeps, and the room a rescue aims inside the floor when the venue's
    /// haircut has moved the centre under it).
    uint256 internal constant TARGET_CLEARANCE_BPS = 500;

    /// @notice The vault's books, valued at one oracle price.
    /// @param price Oracle price, WAD (asset per whole spot token): what spot trades and spot
    /// value are priced at.
    /// @param idle Asset tokens held by the vault.
    /// @param spotQty Spot tokens held or posted as the short's collateral, in perp size units
    /// (18 decimals).
    /// @param spotValue The spot held (not posted) valued at `price`, rounded down.
    /// @param shortQty Open perp short, size units (18 decimals).
    /// @param shortNotional shortQty valued at `perpPrice`, rounded up (as the venue values it).
    /// @param gapValue |spotQty - shortQty| valued at `price`, rounded up.
    /// @param perpMargin Settled perp margin (what the venue lets the vault withdraw at most).
    /// @param perpEquity The account's cash equity: settled margin (negative under a margin debt)
    /// + unrealised PnL + accrued funding.
    /// @param totalAssets idle + spotValue + the account's value (`equityOrZero`).
    /// @param venueOrderPending The perp venue has an asynchronous order waiting.
    /// @param supply Share supply the books are divided by: minted shares plus, in views, the fee
    /// shares owed but not yet minted.
    /// @param venueImpaired The perp venue can pay less than the account's equity (see
    /// IPerpVenue.payableEquity); perpEquity is then what it can pay.
    /// @param perpPrice The perp venue's own index, WAD (the spot token's USD price from the main
    /// feed, which the USDC-margined venue fills and margins at): the bound of every perp fill,
    /// the short's notional and its margin. Equal to `price` without an asset feed; with one, a
    /// depegged asset moves `price` and not the venue's fills.
    /// @param collateralQty Spot posted at the venue as collateral, size units (SpotCollateral
    /// mode; zero otherwise).
    /// @param collateralValue collateralQty valued at `price`, rounded down: part of the account.
    /// @param collateralMarginValue collateralQty as the venue's margin rules count it, at
    /// `perpPrice` less `haircutBps`, rounded down.
    /// @param haircutBps The venue's collateral haircut (SpotCollateral mode; zero otherwise).
    struct Snapshot {
        uint256 price;
        uint256 idle;
        uint256 spotQty;
        uint256 spotValue;
        uint256 shortQty;
        uint256 shortNotional;
        uint256 gapValue;
        uint256 perpMargin;
        int256 perpEquity;
        uint256 totalAssets;
        bool venueOrderPending;
        uint256 supply;
        bool venueImpaired;
        uint256 perpPrice;
        uint256 collateralQty;
        uint256 collateralValue;
        uint256 collateralMarginValue;
        uint256 haircutBps;
    }

    /// @notice What the fee accrual needs to know.
    /// @param nav totalAssets before the fee shares.
    /// @param supply Shares minted so far.
    /// @param virtualShares The decimals offset's virtual shares (10 ** offset).
    /// @param oneShare 10 ** decimals(): the unit of the share price.
    /// @param elapsed Seconds since the last accrual.
    struct FeeInput {
        uint256 nav;
        uint256 supply;
        uint256 virtualShares;
        uint256 oneShare;
        uint256 elapsed;
        uint256 managementFeeBps;
        uint256 performanceFeeBps;
        uint256 highWaterMark;
    }

    /// @notice The first half of a rebalance, in the order the vault carries it out.
    /// @param marginOut 1. Perp margin beyond what both the target short and the short held need,
    /// freed first (after a fall it pays for the spot to buy).
    /// @param marginIn 2. Before a buy, margin added from idle to bring the short held to its
    /// target margin: the rally rescue comes before deploying idle, so no buy can block it.
    /// @param buyAssets 3. Assets to spend on spot, toward the target (deploys idle; the vault
    /// may fill only part of it, see `ISpotVenue`).
    /// @param sellQty 3. Or spot to sell, size units, toward the target (deleverages).
    struct SpotPlan {
        uint256 marginOut;
        uint256 marginIn;
        uint256 buyAssets;
        uint256 sellQty;
    }

    /// @notice The second half, once the spot trade is done: the short follows the spot held.
    /// @param marginTarget Perp equity the new short needs (its notional / L, rounded up).
    /// @param marginIn Margin added before the short grows.
    /// @param shortIncrease Or shortDecrease: the change of the short, size units.
    struct HedgePlan {
        uint256 marginTarget;
        uint256 marginIn;
        uint256 shortIncrease;
        uint256 shortDecrease;
    }

    /// @notice What a rebalance needs to plan.
    struct PlanInput {
        uint256 idleBufferBps;
        uint256 leverageBps;
        uint256 slippageBps;
        /// The narrowest soft band a trade moves, bps (`narrowestBandBps`): trades smaller than a
        /// quarter of it, as a share of NAV, are skipped.
        uint256 narrowestBandBps;
        uint8 assetDecimals;
        /// The breached band is a risk band (MarginLow, Delta): only the rescue is planned, no
        /// idle is deployed. Deploying grows the short, a fill a trader's parked skew can push
        /// past its bound; the rescue must not share a transaction with it. A later rebalance
        /// (band Idle) deploys.
        bool rescueOnly;
        /// Cash the books count but keep out of idle (a venue's execution-fee reserve,
        /// DeltaNeutralVault._snapshot): the plan splits the books less it. Counted in, it would
        /// stand in for the buffer, and a small book's idle round would free nothing.
        uint256 feeReserve;
    }

    /// @notice The plan's inputs for a rebalance of `band`, with the no-trade region applied
    /// (IDeltaNeutralVault.Strategy.rebalanceTargetBps): a margin rebalance plans at the leverage
    /// of the region's target margin ratio (`regionMarginRatioBps`), an Idle one keeps the buffer
    /// plus that share of the idle band; a Delta one, and any with the region off, recentres.
    /// @dev Splitting the deployable D at margin ratio R gives spot D/(1 + R) and margin D·R/(1 + R),
    /// which is the plan's S* = D·L/(L + 1) at L = 1/R: the plan itself is unchanged. The leverage
    /// is rounded down, so the target holds the region's margin or a hair more (the safe side).
    function planInput(
        IDeltaNeutralVault.Strategy memory s,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Band band,
        uint8 assetDecimals,
        uint256 haircutBps
    ) internal pure returns (PlanInput memory p) {
        p = PlanInput(
            s.idleBufferBps,
            s.targetLeverageBps,
            s.maxSlippageBps,
            narrowestBandBps(b),
            assetDecimals,
            isRescue(band),
            0
        );
        if (band == IDeltaNeutralVault.Band.MarginLow && _centreUnderFloor(s, b, haircutBps)) {
            p.leverageBps = (BPS * BPS) / (regionMarginRatioBps(s, b, band, haircutBps) + haircutBps);
            return p;
        }
        if (s.rebalanceTargetBps == 0) return p;
        if (band == IDeltaNeutralVault.Band.MarginLow || band == IDeltaNeutralVault.Band.MarginHigh) {
            p.leverageBps = (BPS * BPS) / (regionMarginRatioBps(s, b, band, haircutBps) + haircutBps);
        } else if (band == IDeltaNeutralVault.Band.Idle) {
            p.idleBufferBps += Math.mulDiv(b.idleSoftBps, s.rebalanceTargetBps, BPS);
        }
    }

    /// @notice The margin ratio a margin rebalance aims at: from the centre (`centreMarginRatioBps`),
    /// `rebalanceTargetBps` of the way toward the breached soft edge (minSoft for MarginLow,
    /// maxSoft for MarginHigh), the distance rounded down so the target never passes the edge. The
    /// centre for other bands.
    function regionMarginRatioBps(
        IDeltaNeutralVault.Strategy memory s,
        IDeltaNeutralVault.Bands memory b,
        IDeltaNeutralVault.Band band,
        uint256 haircutBps
    ) internal pure returns (uint256) {
        uint256 centre = centreMarginRatioBps(s.targetLeverageBps, haircutBps);
        // VaultParams.checkBands keeps each soft margin edge at least TARGET_CLEARANCE_BPS beyond
        // the centre when it is set; a haircut the venue raised since can move the centre under the
        // soft floor, and a rally rescue then aims that clearance inside the floor instead (at a
        // lower leverage than L), so that neither difference underflows.
        if (band == IDeltaNeutralVault.Band.MarginLow) {
            if (_centreUnderFloor(s, b, haircutBps)) centre = b.minMarginRatioSoftBps + TARGET_CLEARANCE_BPS;
            return centre - Math.mulDiv(centre - b.minMarginRatioSoftBps, s.rebalanceTargetBps, BPS);
        }
        if (band == IDeltaNeutralVault.Band.MarginHigh) {
            return centre + Math.mulDiv(b.maxMarginRatioSoftBps - centre, s.rebalanceTargetBps, BPS);
        }
        return centre;
    }

    /// @notice The margin ratio at the target leverage L (notional N = L·E on account equity E):
    /// 1/L - haircut. In SpotCollateral mode the collateral equals the short, worth N, so the
    /// venue counts E - h·N of the equity; in CashMargin mode there is no collateral and the
    /// haircut is zero: 1/L. Rounded down; zero when the haircut exceeds 1/L (VaultParams.checkBands
    /// refuses such a target).
    function centreMarginRatioBps(uint256 leverageBps, uint256 haircutBps) internal pure returns (uint256) {
        uint256 ratio = (BPS * BPS) / leverageBps;
        return ratio > haircutBps ? ratio - haircutBps : 0;
    }

    /// @notice The centre sits less than TARGET_CLEARANCE_BPS above the soft margin floor.
    function _centreUnderFloor(
        IDeltaNeutralVault.Strategy memory s,
        IDeltaNeutralVault.Bands memory b,
        uint256 haircutBps
    ) private pure returns (bool) {
        return centreMarginRatioBps(s.targetLeverageBps, haircutBps) < b.minMarginRatioSoftBps + TARGET_CLEARANCE_BPS;
    }

    /// @notice A risk band's rebalance is a rescue: it runs even while new parameters settle, and it
    /// only rescues (PlanInput.rescueOnly): deploying idle waits for a later rebalance.
    function isRescue(IDeltaNeutralVault.Band band) internal pure returns (bool) {
        return band == IDeltaNeutralVault.Band.MarginLow || band == IDeltaNeutralVault.Band.Delta;
    }

    /// @notice The narrowest soft band a trade moves (delta, idle), capped at 4 x MAX_SKIP_BPS so
    /// that wide bands never skip a trade a margin top-up needs.
    function narrowestBandBps(IDeltaNeutralVault.Bands memory b) internal pure returns (uint256) {
        return Math.min(Math.min(b.deltaSoftBps, b.idleSoftBps), 4 * MAX_SKIP_BPS);
    }

    /// @notice Plans the margin moves and the spot trade from the targets (spot value
    /// S* = N(1 - b)·L/(L+1), margin S*/L). Risk comes off first: excess margin is freed; a sale
    /// of excess spot deleverages; before a buy deploys idle, the short already held gets its
    /// target margin from idle.
    function planSpot(Snapshot memory s, PlanInput memory p) public pure returns (SpotPlan memory plan) {
        // Trades smaller than a quarter of the narrowest band would not move any band.
        uint256 tolerance = Math.mulDiv(s.totalAssets, p.narrowestBandBps, 4 * BPS);
        uint256 spotTarget = targetSpotValue(s.totalAssets - p.feeReserve, p.idleBufferBps, p.leverageBps);
        uint256 equity = equityOrZero(s);
        // The short held keeps its margin until it shrinks (the hedge frees the rest after).
        uint256 heldMargin = targetMargin(s.shortNotional, p.leverageBps);
        uint256 plannedMargin = Math.max(targetMargin(spotTarget, p.leverageBps), heldMargin);
        if (equity > plannedMargin + tolerance) {
            uint256 freed = equity - plannedMargin;
            // A withdrawal within settled margin leaves the rest of it to pay the venue's fees on
            // the trades that follow; keep a reserve for them. (Beyond settled margin the venue
            // realises profit first and the whole planned margin stays settled.)
            uint256 feeReserve = Math.mulDiv(spotTarget, p.slippageBps, BPS, Math.Rounding.Ceil);
            if (freed <= s.perpMargin && s.perpMargin - freed < feeReserve) {
                freed = s.perpMargin > feeReserve ? s.perpMargin - feeReserve : 0;
            }
            plan.marginOut = freed;
            equity -= freed;
        }
        uint256 idle = s.idle + plan.marginOut;
        if (s.spotValue > spotTarget + tolerance) {
            // Deleveraging: the sale is the risk-reducing step; the hedge then tops up margin.
            uint256 excess = OracleLib.quoteToBaseUp(s.spotValue - spotTarget, s.price, 18, p.assetDecimals);
            plan.sellQty = Math.min(excess, s.spotQty);
        } else if (spotTarget > s.spotValue + tolerance) {
            // Deploying idle: the short already held gets its target margin first, so that a buy
            // the pool fills only in part (or not at all) never holds the rescue back.
            if (heldMargin > equity + tolerance) {
                plan.marginIn = Math.min(heldMargin - equity, idle);
                idle -= plan.marginIn;
            }
            if (!p.rescueOnly) plan.buyAssets = Math.min(spotTarget - s.spotValue, idle);
        }
    }

    /// @notice Plans the short from the spot actually held (never the spot planned): margin is
    /// added before the short grows; margin beyond the target is freed after it shrinks.
    /// @param equity Perp equity now (after the spot plan's margin moves).
    /// @param idle Assets held now, which a margin top-up may use.
    function planHedge(
        uint256 spotQty,
        uint256 shortQty,
        uint256 equity,
        uint256 idle,
        uint256 price,
        PlanInput memory p
    ) public pure returns (HedgePlan memory plan) {
        uint256 notional = OracleLib.baseToQuoteUp(spotQty, price, 18, p.assetDecimals);
        plan.marginTarget = targetMargin(notional, p.leverageBps);
        if (plan.marginTarget > equity) plan.marginIn = Math.min(plan.marginTarget - equity, idle);
        if (spotQty > shortQty) plan.shortIncrease = spotQty - shortQty;
        else plan.shortDecrease = shortQty - spotQty;
    }

    /// @notice How far `band` is past its soft threshold in `s`, in bps (0 inside the band). The
    /// margin bands only exist with a short open (`hasMarginBand`).
    function breachBps(
        Snapshot memory s,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Bands memory b,
        uint256 idleBufferBps
    ) internal pure returns (uint256) {
        if (band == IDeltaNeutralVault.Band.Delta) return _excess(SignedMath.abs(deltaBps(s)), b.deltaSoftBps);
        if (band == IDeltaNeutralVault.Band.Idle) return _excess(idleBps(s), idleBufferBps + b.idleSoftBps);
        if (!hasMarginBand(s)) return 0;
        uint256 ratio = marginRatioBps(s);
        if (band == IDeltaNeutralVault.Band.MarginLow) return _excess(b.minMarginRatioSoftBps, ratio);
        if (band == IDeltaNeutralVault.Band.MarginHigh) return _excess(ratio, b.maxMarginRatioSoftBps);
        return 0;
    }

    /// @notice The post-trade check of a partial rebalance: the breached `band` must have
    /// improved (or cleared), and no band may end past its hard threshold worse than it started.
    /// A rebalance therefore always makes progress and never trades one risk for a worse one,
    /// without needing every band back at once.
    function checkProgress(
        Snapshot memory before,
        Snapshot memory after_,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Bands memory b,
        uint256 idleBufferBps
    ) internal pure {
        uint256 left = _distanceBps(after_, band, b, idleBufferBps);
        if (left != 0 && left >= _distanceBps(before, band, b, idleBufferBps)) {
            revert IDeltaNeutralVault.BandStillBreached(
                band,
                deltaBps(after_),
                marginRatioBps(after_),
                idleBps(after_)
            );
        }
        // Checked per band: classify reports only the most urgent one.
        for (uint256 i = 1; i <= uint256(IDeltaNeutralVault.Band.Idle); ++i) {
            IDeltaNeutralVault.Band x = IDeltaNeutralVault.Band(i);
            uint256 now_ = breachBps(after_, x, b, idleBufferBps);
            if (_pastHard(after_, x, b, idleBufferBps) && now_ > breachBps(before, x, b, idleBufferBps)) {
                revert IDeltaNeutralVault.BandWorsened(x, breachBps(before, x, b, idleBufferBps), now_);
            }
        }
    }

    /// @notice Fee shares owed for `f.elapsed` seconds: the management fee pro rata on NAV, the
    /// performance fee on the rise of the share price above the high-water mark. The new shares
    /// own exactly the fee's assets: s / (supply + virtual + s) = fee / (nav + 1). Rounded down
    /// (in the holders' favour). Also returns the mark after the accrual, which only ever rises.
    function feesOwed(
        FeeInput memory f
    ) public pure returns (uint256 feeShares, uint256 managementShares, uint256 newHighWaterMark) {
        newHighWaterMark = f.highWaterMark;
        if (f.supply == 0 || f.nav == 0 || f.elapsed == 0) return (0, 0, newHighWaterMark);
        uint256 managementAssets = Math.mulDiv(f.nav, f.managementFeeBps * f.elapsed, BPS * 365 days);
        uint256 price = Math.mulDiv(f.oneShare, f.nav + 1, f.supply + f.virtualShares);
        uint256 performanceAssets;
        if (f.performanceFeeBps != 0 && price > f.highWaterMark) {
            performanceAssets = Math.mulDiv(
                Math.mulDiv(price - f.highWaterMark, f.supply, f.oneShare),
                f.performanceFeeBps,
                BPS
            );
        }
        uint256 feeAssets = managementAssets + performanceAssets;
        if (feeAssets == 0 || feeAssets >= f.nav) return (0, 0, newHighWaterMark);
        feeShares = Math.mulDiv(feeAssets, f.supply + f.virtualShares, f.nav + 1 - feeAssets);
        managementShares = Math.mulDiv(feeShares, managementAssets, feeAssets);
        if (price > f.highWaterMark) {
            // The post-fee price can sit below the old mark when the management fee outweighs
            // the gain; the mark only ever rises, so no gain is charged twice.
            uint256 postFee = Math.mulDiv(f.oneShare, f.nav + 1, f.supply + feeShares + f.virtualShares);
            if (postFee > f.highWaterMark) newHighWaterMark = postFee;
        }
    }

    /// @dev How far the books are from `band`, the measure a rebalance of it must lower: its
    /// breach, and for Idle also how far idle is under half its buffer, a breach where exits are
    /// paid from idle only (VaultBands.classify), so that such a round must free some idle. (At
    /// most one of the two sides is non-zero.)
    function _distanceBps(
        Snapshot memory s,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Bands memory b,
        uint256 idleBufferBps
    ) private pure returns (uint256) {
        uint256 breach = breachBps(s, band, b, idleBufferBps);
        if (band != IDeltaNeutralVault.Band.Idle) return breach;
        return breach + _excess(idleBufferBps, 2 * idleBps(s));
    }

    function _excess(uint256 value, uint256 threshold) private pure returns (uint256) {
        return value > threshold ? value - threshold : 0;
    }

    function _pastHard(
        Snapshot memory s,
        IDeltaNeutralVault.Band band,
        IDeltaNeutralVault.Bands memory b,
        uint256 idleBufferBps
    ) private pure returns (bool) {
        if (band == IDeltaNeutralVault.Band.Delta) return SignedMath.abs(deltaBps(s)) > b.deltaHardBps;
        if (band == IDeltaNeutralVault.Band.Idle) return idleBps(s) > idleBufferBps + b.idleHardBps;
        if (!hasMarginBand(s)) return false;
        if (band == IDeltaNeutralVault.Band.MarginLow) return marginRatioBps(s) < b.minMarginRatioHardBps;
        return marginRatioBps(s) > b.maxMarginRatioHardBps;
    }

    /// @notice The perp account's value, cash equity + collateral at the oracle, floored at zero:
    /// a negative account is the venue's loss, not the vault's debt.
    function equityOrZero(Snapshot memory s) internal pure returns (uint256) {
        return positivePart(s.perpEquity + int256(s.collateralValue));
    }

    function positivePart(int256 x) internal pure returns (uint256) {
        return x > 0 ? uint256(x) : 0;
    }

    /// @notice (spotQty - shortQty) valued at the price, in bps of totalAssets (signed).
    function deltaBps(Snapshot memory s) internal pure returns (int256) {
        if (s.totalAssets == 0) return 0;
        // Rounded down: one unit of rounding in gapValue must not read as a breach.
        uint256 gapBps = Math.mulDiv(s.gapValue, BPS, s.totalAssets);
        // The vault's notional is far below 2^255, so the cast cannot overflow.
        return s.spotQty >= s.shortQty ? int256(gapBps) : -int256(gapBps);
    }

    /// @notice Whether the short is large enough to have margin bands (see
    /// DUST_SHORT_NOTIONAL_UNITS).
    function hasMarginBand(Snapshot memory s) internal pure returns (bool) {
        return s.shortNotional > DUST_SHORT_NOTIONAL_UNITS;
    }

    /// @notice The venue's margin equity (cash equity + collateral at its haircut) / short
    /// notional in bps; type(uint256).max with no short or a dust short (`hasMarginBand`).
    function marginRatioBps(Snapshot memory s) internal pure returns (uint256) {
        if (!hasMarginBand(s)) return type(uint256).max;
        return Math.mulDiv(positivePart(s.perpEquity + int256(s.collateralMarginValue)), BPS, s.shortNotional);
    }

    /// @notice idle / totalAssets in bps (0 for an empty vault).
    function idleBps(Snapshot memory s) internal pure returns (uint256) {
        if (s.totalAssets == 0) return 0;
        return Math.mulDiv(s.idle, BPS, s.totalAssets);
    }

    /// @notice The most urgent breached band and its tier. Hard beats soft; among equal tiers a
    /// low margin ratio (liquidation risk) comes first, then delta, then excess margin, then idle.
    function classify(
        Snapshot memory s,
        IDeltaNeutralVault.Bands memory b,
        uint256 idleBufferBps
    ) internal pure returns (IDeltaNeutralVault.Band band, IDeltaNeutralVault.Tier tier) {
        uint256 absDelta = SignedMath.abs(deltaBps(s));
        uint256 ratio = marginRatioBps(s);
        uint256 idleRatio = idleBps(s);
        uint256 idleExcess = idleRatio > idleBufferBps ? idleRatio - idleBufferBps : 0;
        bool hasShort = hasMarginBand(s);

        // Hard tier first, in priority order.
        if (hasShort && ratio < b.minMarginRatioHardBps)
            return (IDeltaNeutralVault.Band.MarginLow, IDeltaNeutralVault.Tier.Hard);
        if (absDelta > b.deltaHardBps) return (IDeltaNeutralVault.Band.Delta, IDeltaNeutralVault.Tier.Hard);
        if (hasShort && ratio > b.maxMarginRatioHardBps)
            return (IDeltaNeutralVault.Band.MarginHigh, IDeltaNeutralVault.Tier.Hard);
        if (idleExcess > b.idleHardBps) return (IDeltaNeutralVault.Band.Idle, IDeltaNeutralVault.Tier.Hard);
        // Then the soft tier.
        if (hasShort && ratio < b.minMarginRatioSoftBps)
            return (IDeltaNeutralVault.Band.MarginLow, IDeltaNeutralVault.Tier.Soft);
        if (absDelta > b.deltaSoftBps) return (IDeltaNeutralVault.Band.Delta, IDeltaNeutralVault.Tier.Soft);
        if (hasShort && ratio > b.maxMarginRatioSoftBps)
            return (IDeltaNeutralVault.Band.MarginHigh, IDeltaNeutralVault.Tier.Soft);
        if (idleExcess > b.idleSoftBps) return (IDeltaNeutralVault.Band.Idle, IDeltaNeutralVault.Tier.Soft);
        return (IDeltaNeutralVault.Band.None, IDeltaNeutralVault.Tier.None);
    }

    /// @notice Target spot value S* = N(1 - buffer)·L/(L + 1), rounded down (never over-deploys).
    function targetSpotValue(
        uint256 totalAssets,
        uint256 idleBufferBps,
        uint256 leverageBps
    ) internal pure returns (uint256) {
        uint256 deployable = Math.mulDiv(totalAssets, BPS - idleBufferBps, BPS);
        return Math.mulDiv(deployable, leverageBps, leverageBps + BPS);
    }

    /// @notice Target perp equity for a short of `notional`: notional / L, rounded up (never under-margined).
    function targetMargin(uint256 notional, uint256 leverageBps) internal pure returns (uint256) {
        return Math.mulDiv(notional, BPS, leverageBps, Math.Rounding.Ceil);
    }

    /// @notice `amount` reduced by `bps`, rounded down: the worst accepted output of a trade.
    function lessBps(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, BPS - bps, BPS);
    }

    /// @notice `amount` increased by `bps`, rounded up: the worst accepted price of a buy.
    function plusBps(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, BPS + bps, BPS, Math.Rounding.Ceil);
    }

    /// @notice Entry charge per unit deposited, WAD, rounded up: the worst-case cost of deploying
    /// it. Of a deposit, (1 - b)·L/(L + 1) buys spot in CashMargin mode, (1 - b)·L in
    /// SpotCollateral mode (the spot is the account's equity, and beyond 1x a margin debt buys
    /// more), bounded by the slippage setting, and is shorted (fill bounded by it, the venue's fee
    /// within a second allowance): the same worst case an exit is charged for its unwind
    /// (`worstUnwindCost`), so entering and leaving cost the flow, not the holders.
    function entryChargeWad(
        uint256 idleBufferBps,
        uint256 leverageBps,
        uint256 slippageBps,
        bool spotCollateral
    ) internal pure returns (uint256) {
        uint256 spotShareWad = Math.mulDiv(
            WAD * (BPS - idleBufferBps),
            leverageBps,
            BPS * (spotCollateral ? BPS : leverageBps + BPS),
            Math.Rounding.Ceil
        );
        return Math.mulDiv(spotShareWad, 3 * slippageBps, BPS, Math.Rounding.Ceil);
    }

    /// @notice Value deployed in positions: spot plus perp equity.
    function deployedValue(Snapshot memory s) internal pure returns (uint256) {
        return s.spotValue + equityOrZero(s);
    }

    /// @notice Worst price, WAD, a buy-back of the short may fill at: the oracle price plus the
    /// slippage setting and the premium allowance, rounded up.
    function buyBackBound(uint256 price, uint256 slippageBps) internal pure returns (uint256) {
        return plusBps(price, slippageBps + PERP_PREMIUM_ALLOWANCE_BPS);
    }

    /// @notice Worst-case cost of buying back short notional, bps: the fill bound (slippage plus
    /// the premium allowance) and the venue's taker fee within a second slippage allowance (fees
    /// above it make the trade revert rather than charge more).
    function buyBackCostBps(uint256 slippageBps) internal pure returns (uint256) {
        return 2 * slippageBps + PERP_PREMIUM_ALLOWANCE_BPS;
    }

    /// @notice Share of every position to unwind so that its worst-case proceeds cover
    /// `shortfall` and UNWIND_ROUNDING_UNITS: selling f·spot yields at least
    /// f·spotValue·(1 - slip), and f·equity less the short's worst buy-back cost (see
    /// `buyBackCostBps`) is withdrawn. WAD, rounded up; above WAD when the positions cannot cover it.
    function fractionForProceeds(
        Snapshot memory s,
        uint256 shortfall,
        uint256 slippageBps
    ) internal pure returns (uint256) {
        if (shortfall == 0) return 0;
        uint256 buyBackCost = Math.mulDiv(s.shortNotional, buyBackCostBps(slippageBps), BPS, Math.Rounding.Ceil);
        // The posted collateral is sold too: it counts in the account at the oracle and is
        // proceeds only at the sale's bound.
        uint256 gross = lessBps(s.spotValue + s.collateralValue, slippageBps) + equityOrZero(s);
        uint256 costs = buyBackCost + s.collateralValue;
        uint256 worstProceedsOfAll = gross > costs ? gross - costs : 0;
        if (worstProceedsOfAll == 0) return type(uint256).max;
        // Sized for the shortfall plus the legs' roundings, which the slippage margin of a tiny
        // unwind (a fraction of a unit) does not cover: a withdraw pays exactly what it asked.
        // What the allowance raises beyond that stays in idle, still the vault's; the leaver pays
        // the larger unwind's cost.
        return Math.mulDiv(shortfall + UNWIND_ROUNDING_UNITS, WAD, worstProceedsOfAll, Math.Rounding.Ceil);
    }

    /// @notice Share of every position whose value is `value`. WAD, rounded up, at most WAD.
    function fractionForValue(Snapshot memory s, uint256 value) internal pure returns (uint256) {
        uint256 deployed = deployedValue(s);
        if (value == 0 || deployed == 0) return 0;
        return Math.min(Math.mulDiv(value, WAD, deployed, Math.Rounding.Ceil), WAD);
    }

    /// @notice Worst-case cost of unwinding `fractionWad` of every position: the slippage bound
    /// on the spot sold (held and posted), and the buy-back's worst cost on the short
    /// (`buyBackCostBps`). Rounded up.
    function worstUnwindCost(
        Snapshot memory s,
        uint256 fractionWad,
        uint256 slippageBps
    ) internal pure returns (uint256) {
        if (fractionWad == 0) return 0;
        uint256 atWorst =
            (s.spotValue + s.collateralValue) * slippageBps + s.shortNotional * buyBackCostBps(slippageBps);
        // Plus a few units for the roundings of the books around the trades (spot valued down
        // before and after, fees rounded up by the venues), which a tiny unwind can exceed.
        return Math.mulDiv(atWorst, fractionWad, WAD * BPS, Math.Rounding.Ceil) + UNWIND_ROUNDING_UNITS;
    }
}
