// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {PerpMath} from "./PerpMath.sol";
import {CollateralLib} from "./CollateralLib.sol";

/// @title PositionLib
/// @notice One account of the perp market: its stored form, the outcome of a trade on it, its
/// equity (with its base-token collateral at the haircut the margin rules use), and the oracle-edge price rule: while the feed's latest round is younger than the edge
/// window, a trade fills at the worse, for the trader, of that round's answer and the previous one.
library PositionLib {
    /// @notice One account in two slots.
    /// @param margin Settled margin, collateral units; negative is a debt to the pool, allowed
    /// while the account's base-token collateral covers it at the haircut.
    /// @param size Signed size, base units.
    /// @param collateralHigh High 64 bits of the base-token collateral (see `collateralOf`).
    /// @param entryPrice Average entry, WAD.
    /// @param lastFundingIndex Funding index at the last settlement.
    /// @param collateralLow Low 64 bits of the base-token collateral.
    struct Account {
        int96 margin;
        int96 size;
        uint64 collateralHigh;
        uint96 entryPrice;
        int96 lastFundingIndex;
        uint64 collateralLow;
    }

    /// @notice Collateral beyond 2^128 base units (3.4e20 whole tokens) cannot be stored.
    error CollateralOverflow(uint256 qty);

    /// @notice The market at the moment of an account action.
    /// @param price Oracle price (the latest answer), WAD: equity, margin and open claims use it.
    /// @param previousPrice The previous round's answer while the latest round is younger than the
    /// edge window; otherwise `price`.
    /// @param fundingIndex Funding index accrued to now.
    /// @param divisor Base-times-price to collateral divisor (see PerpMath).
    struct Context {
        uint256 price;
        uint256 previousPrice;
        int256 fundingIndex;
        uint256 divisor;
    }

    /// @notice Outcome of one trade on one account, before the pool pays or charges it.
    struct Trade {
        int256 newSize;
        uint256 newEntry;
        int256 funding;
        int256 realizedPnl;
        uint256 fee;
        bool grows;
    }

    /// @notice Settles funding, realises PnL on the closing part at `fill` and charges the taker
    /// fee. A trade in the position's direction (or from flat) grows it at an averaged entry; an
    /// opposite trade closes min(|old|, |delta|) at the fill, and a flip opens the rest at the fill.
    function trade(
        Account memory account,
        int256 sizeDelta,
        uint256 fill,
        uint256 takerFeeBps,
        Context memory ctx
    ) internal pure returns (Trade memory t) {
        int256 oldSize = account.size;
        t.newSize = oldSize + sizeDelta;
        t.funding = pendingFunding(account, ctx);
        if (oldSize == 0 || (oldSize > 0) == (sizeDelta > 0)) {
            t.grows = true;
            t.newEntry = oldSize == 0 ? fill : averageEntry(oldSize, account.entryPrice, sizeDelta, fill);
        } else {
            // The closed part carries the old position's sign.
            int256 closed = SignedMath.abs(sizeDelta) < SignedMath.abs(oldSize) ? -sizeDelta : oldSize;
            t.realizedPnl = PerpMath.signedValue(closed, PerpMath.priceDelta(fill, account.entryPrice), ctx.divisor);
            if (t.newSize == 0) {
                t.newEntry = 0;
            } else if ((t.newSize > 0) == (oldSize > 0)) {
                t.newEntry = account.entryPrice;
            } else {
                t.grows = true;
                t.newEntry = fill;
            }
        }
        t.fee = PerpMath.bpsUp(PerpMath.notionalUp(sizeDelta, fill, ctx.divisor), takerFeeBps);
    }

    /// @notice The oracle price a buy (`buys`) or a sale fills at before its skew premium: the
    /// higher of the latest and previous answers for a buyer, the lower for a seller. Outside the
    /// edge window both are the latest answer.
    function tradePrice(Context memory ctx, bool buys) internal pure returns (uint256) {
        return buys ? Math.max(ctx.price, ctx.previousPrice) : Math.min(ctx.price, ctx.previousPrice);
    }

    /// @notice Funding owed to (+) or by (-) the account since its last settlement.
    function pendingFunding(Account memory account, Context memory ctx) internal pure returns (int256) {
        return PerpMath.signedValue(-account.size, ctx.fundingIndex - account.lastFundingIndex, ctx.divisor);
    }

    /// @notice PnL of the open position at `price`.
    function pnlAt(Account memory account, uint256 price, uint256 divisor) internal pure returns (int256) {
        return PerpMath.signedValue(account.size, PerpMath.priceDelta(price, account.entryPrice), divisor);
    }

    /// @notice PnL of the open position at the oracle price.
    function unrealizedPnl(Account memory account, Context memory ctx) internal pure returns (int256) {
        return pnlAt(account, ctx.price, ctx.divisor);
    }

    /// @notice The unrealised PnL at the oracle, on the entry it has now, of the part of the
    /// position a trade to `newSize` keeps open: all of it on a growth, its share on a reduction,
    /// none on a close or a flip. Its magnitude rounds down.
    function keptPnl(Account memory account, int256 newSize, Context memory ctx) internal pure returns (int256) {
        int256 size = account.size;
        if (size == 0 || newSize == 0 || (size > 0) != (newSize > 0)) return 0;
        int256 pnl = unrealizedPnl(account, ctx);
        uint256 held = SignedMath.abs(size);
        uint256 kept = SignedMath.abs(newSize);
        return kept >= held ? pnl : (pnl * int256(kept)) / int256(held);
    }

    /// @notice margin + unrealised PnL + pending funding, at the oracle price (the margin token only).
    function equity(Account memory account, Context memory ctx) internal pure returns (int256) {
        return int256(account.margin) + unrealizedPnl(account, ctx) + pendingFunding(account, ctx);
    }

    /// @notice The equity every margin rule uses: `equity` plus the collateral at the oracle price
    /// less `haircutBps` (CollateralLib.marginValue).
    function marginEquity(
        Account memory account,
        Context memory ctx,
        uint256 haircutBps
    ) internal pure returns (int256) {
        return equity(account, ctx) + int256(collateralValue(account, ctx, haircutBps));
    }

    /// @notice The account's collateral as the margin rules count it.
    function collateralValue(
        Account memory account,
        Context memory ctx,
        uint256 haircutBps
    ) internal pure returns (uint256) {
        uint256 qty = collateralOf(account);
        // Most accounts hold none: skip the valuation.
        if (qty == 0) return 0;
        return CollateralLib.marginValue(qty, ctx.price, ctx.divisor, haircutBps);
    }

    /// @notice Base-token collateral, base units. Kept in two 64-bit halves, one in each slot's
    /// spare bits, so the account stays two slots.
    function collateralOf(Account memory account) internal pure returns (uint256) {
        return (uint256(account.collateralHigh) << 64) | account.collateralLow;
    }

    /// @notice Sets the base-token collateral to `qty`.
    function setCollateral(Account memory account, uint256 qty) internal pure {
        if (qty > type(uint128).max) revert CollateralOverflow(qty);
        account.collateralHigh = uint64(qty >> 64);
        account.collateralLow = uint64(qty);
    }

    /// @notice `bps` of the position's notional at the oracle price, rounded up.
    function requirement(int256 size, uint256 bps, Context memory ctx) internal pure returns (uint256) {
        return PerpMath.bpsUp(PerpMath.notionalUp(size, ctx.price, ctx.divisor), bps);
    }

    /// @notice Size-weighted entry of a growing position; longs round up, shorts down (both lower
    /// the account's PnL).
    function averageEntry(
        int256 oldSize,
        uint256 oldEntry,
        int256 sizeDelta,
        uint256 fill
    ) internal pure returns (uint256) {
        uint256 oldAbs = SignedMath.abs(oldSize);
        uint256 deltaAbs = SignedMath.abs(sizeDelta);
        uint256 numerator = oldAbs * oldEntry + deltaAbs * fill;
        uint256 total = oldAbs + deltaAbs;
        return oldSize > 0 ? Math.ceilDiv(numerator, total) : numerator / total;
    }
}
