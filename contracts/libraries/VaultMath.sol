// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IDeltaNeutralVault} from "../interfaces/IDeltaNeutralVault.sol";

/// @title VaultMath
/// @notice Pure maths of the delta-neutral vault: band measurements, band classification,
/// rebalance targets and the exit charge of a withdrawal that unwinds positions. All values are
/// in asset units unless named otherwise; ratios are in bps.
library VaultMath {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    /// @notice Asset units of rounding an unwind may show on the books besides its trading cost.
    uint256 internal constant UNWIND_ROUNDING_UNITS = 4;

    /// @notice The vault's books, valued at one oracle price.
    /// @param price Oracle price, WAD (asset per whole spot token).
    /// @param idle Asset tokens held by the vault.
    /// @param spotQty Spot tokens held, in perp size units (18 decimals).
    /// @param spotValue spotQty valued at `price`, rounded down.
    /// @param shortQty Open perp short, size units (18 decimals).
    /// @param shortNotional shortQty valued at `price`, rounded up.
    /// @param gapValue |spotQty - shortQty| valued at `price`, rounded up.
    /// @param perpMargin Settled perp margin (what the venue lets the vault withdraw at most).
    /// @param perpEquity Perp margin + unrealised PnL + accrued funding (negative under bad debt).
    /// @param totalAssets idle + spotValue + max(perpEquity, 0).
    /// @param venueOrderPending The perp venue has an asynchronous order waiting.
    /// @param supply Share supply the books are divided by: minted shares plus, in views, the fee
    /// shares owed but not yet minted.
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

    /// @notice Perp equity floored at zero: a negative equity is the venue's loss, not the vault's debt.
    function equityOrZero(Snapshot memory s) internal pure returns (uint256) {
        return positivePart(s.perpEquity);
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

    /// @notice Perp equity / short notional in bps; type(uint256).max with no short.
    function marginRatioBps(Snapshot memory s) internal pure returns (uint256) {
        if (s.shortNotional == 0) return type(uint256).max;
        return Math.mulDiv(equityOrZero(s), BPS, s.shortNotional);
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
        bool hasShort = s.shortQty != 0;

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

    /// @notice Value deployed in positions: spot plus perp equity.
    function deployedValue(Snapshot memory s) internal pure returns (uint256) {
        return s.spotValue + equityOrZero(s);
    }

    /// @notice Share of every position to unwind so that its worst-case proceeds cover
    /// `shortfall`: selling f·spot yields at least f·spotValue·(1 - slip), and f·equity less the
    /// short's buy-back cost (at most f·shortNotional·2·slip, see `worstUnwindCost`) is withdrawn. WAD, rounded up; above
    /// WAD when the positions cannot cover it.
    function fractionForProceeds(
        Snapshot memory s,
        uint256 shortfall,
        uint256 slippageBps
    ) internal pure returns (uint256) {
        if (shortfall == 0) return 0;
        uint256 buyBackCost = Math.mulDiv(2 * s.shortNotional, slippageBps, BPS, Math.Rounding.Ceil);
        uint256 gross = lessBps(s.spotValue, slippageBps) + equityOrZero(s);
        uint256 worstProceedsOfAll = gross > buyBackCost ? gross - buyBackCost : 0;
        if (worstProceedsOfAll == 0) return type(uint256).max;
        return Math.mulDiv(shortfall, WAD, worstProceedsOfAll, Math.Rounding.Ceil);
    }

    /// @notice Share of every position whose value is `value`. WAD, rounded up, at most WAD.
    function fractionForValue(Snapshot memory s, uint256 value) internal pure returns (uint256) {
        uint256 deployed = deployedValue(s);
        if (value == 0 || deployed == 0) return 0;
        return Math.min(Math.mulDiv(value, WAD, deployed, Math.Rounding.Ceil), WAD);
    }

    /// @notice Worst-case cost of unwinding `fractionWad` of every position: the slippage bound
    /// on the spot sold, and twice it on the short bought back (its fill price is bounded by the
    /// slippage setting, and the venue's taker fee comes on top; fees above the slippage bound
    /// make the unwind revert rather than charge more). Rounded up.
    function worstUnwindCost(
        Snapshot memory s,
        uint256 fractionWad,
        uint256 slippageBps
    ) internal pure returns (uint256) {
        if (fractionWad == 0) return 0;
        uint256 traded = Math.mulDiv(s.spotValue + 2 * s.shortNotional, fractionWad, WAD, Math.Rounding.Ceil);
        // Plus a few units for the roundings of the books around the trades (spot valued down
        // before and after, fees rounded up by the venues), which a tiny unwind can exceed.
        return Math.mulDiv(traded, slippageBps, BPS, Math.Rounding.Ceil) + UNWIND_ROUNDING_UNITS;
    }
}
