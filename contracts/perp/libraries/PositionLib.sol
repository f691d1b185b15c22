// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title PositionLib
/// @notice One account of the perp market: its stored form, the outcome of a trade on it, its
/// equity, and the oracle-edge guard: exposure that grew just before a feed update is closed as if
/// the oracle still read the price at its growth, whenever that is worse for the account.
library PositionLib {
    /// @notice The guard price is stored at 1e-8 of the quote unit (a feed's usual precision).
    uint256 internal constant GUARD_PRICE_UNIT = 1e10;

    /// @notice One account in two slots.
    /// @param margin Settled margin, collateral units.
    /// @param size Signed size, base units.
    /// @param guardTime When the position last grew.
    /// @param entryPrice Average entry, WAD.
    /// @param lastFundingIndex Funding index at the last settlement.
    /// @param guardPrice Oracle price at the last growth, in GUARD_PRICE_UNIT, rounded so that the
    /// gain measured from it is never understated.
    struct Account {
        uint96 margin;
        int96 size;
        uint40 guardTime;
        uint96 entryPrice;
        int96 lastFundingIndex;
        uint64 guardPrice;
    }

    /// @notice The market at the moment of an account action.
    /// @param price Oracle price, WAD.
    /// @param updatedAt When the feed's latest answer was written.
    /// @param fundingIndex Funding index accrued to now.
    /// @param divisor Base-times-price to collateral divisor (see PerpMath).
    /// @param edgeWindow Seconds before an update within which growth is guarded.
    struct Context {
        uint256 price;
        uint256 updatedAt;
        int256 fundingIndex;
        uint256 divisor;
        uint256 edgeWindow;
    }

    /// @notice Outcome of one trade on one account, before the pool pays or charges it.
    /// @param edgeFee Oracle-edge charge on the closed part, taken from its PnL.
    struct Trade {
        int256 newSize;
        uint256 newEntry;
        int256 funding;
        int256 realizedPnl;
        uint256 fee;
        uint256 edgeFee;
        bool grows;
    }

    /// @notice Settles funding, realises PnL on the closing part at `fill`, charges the taker fee
    /// and the oracle-edge charge on the closed part. A trade in the position's direction (or from
    /// flat) grows it at an averaged entry; an opposite trade closes min(|old|, |delta|) at the
    /// fill, and a flip opens the rest at the fill.
    /// @param referenceFill What the trade would fill at with the oracle at the guard price (the
    /// fill itself when unguarded): the closed part's PnL is capped at what it makes there.
    function trade(
        Account memory account,
        int256 sizeDelta,
        uint256 fill,
        uint256 referenceFill,
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
            t.edgeFee = edgeCharge(account.size, SignedMath.abs(closed), fill, referenceFill, ctx.divisor);
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

    /// @notice Funding owed to (+) or by (-) the account since its last settlement.
    function pendingFunding(Account memory account, Context memory ctx) internal pure returns (int256) {
        return PerpMath.signedValue(-account.size, ctx.fundingIndex - account.lastFundingIndex, ctx.divisor);
    }

    /// @notice PnL of the open position at the oracle price.
    function unrealizedPnl(Account memory account, Context memory ctx) internal pure returns (int256) {
        return PerpMath.signedValue(account.size, PerpMath.priceDelta(ctx.price, account.entryPrice), ctx.divisor);
    }

    /// @notice margin + unrealised PnL + pending funding, at the oracle price.
    function equity(Account memory account, Context memory ctx) internal pure returns (int256) {
        return int256(uint256(account.margin)) + unrealizedPnl(account, ctx) + pendingFunding(account, ctx);
    }

    /// @notice `bps` of the position's notional at the oracle price, rounded up.
    function requirement(int256 size, uint256 bps, Context memory ctx) internal pure returns (uint256) {
        return PerpMath.bpsUp(PerpMath.notionalUp(size, ctx.price, ctx.divisor), bps);
    }

    /// @notice True while the latest feed update landed within `edgeWindow` seconds after the
    /// position last grew (the same second included: a trade placed ahead of the update in its
    /// block). A zero window turns the guard off.
    function isGuarded(Account memory account, Context memory ctx) internal pure returns (bool) {
        uint256 grewAt = account.guardTime;
        return
            ctx.edgeWindow != 0 &&
            account.size != 0 &&
            grewAt <= ctx.updatedAt &&
            ctx.updatedAt <= grewAt + ctx.edgeWindow;
    }

    /// @notice What `closedAbs` of a position of sign `size` gains between a `referencePrice` and
    /// `price` (zero when the move is against it; never a credit), rounded up.
    function edgeCharge(
        int256 size,
        uint256 closedAbs,
        uint256 price,
        uint256 referencePrice,
        uint256 divisor
    ) internal pure returns (uint256) {
        uint256 gain;
        if (size > 0) gain = price > referencePrice ? price - referencePrice : 0;
        else gain = referencePrice > price ? referencePrice - price : 0;
        return gain == 0 ? 0 : PerpMath.toCollateralUp(closedAbs, gain, divisor);
    }

    /// @notice The stored guard price as a WAD.
    function guardPriceWad(Account memory account) internal pure returns (uint256) {
        return uint256(account.guardPrice) * GUARD_PRICE_UNIT;
    }

    /// @notice The guard after a trade that leaves `newSize`: a position that grows while guarded
    /// keeps its guard time and the price least favourable to it (its earlier gain stays
    /// chargeable); any other growth starts a new guard at the oracle price now.
    function nextGuard(
        Account memory account,
        int256 newSize,
        bool grows,
        Context memory ctx,
        uint256 timestamp
    ) internal pure returns (uint40 guardTime, uint64 guardPrice) {
        if (!grows) return (account.guardTime, account.guardPrice);
        bool flips = account.size != 0 && (account.size > 0) != (newSize > 0);
        uint64 now_ = toGuardPrice(ctx.price, newSize > 0);
        if (flips || !isGuarded(account, ctx)) return (uint40(timestamp), now_);
        uint64 old = account.guardPrice;
        // Long: the lower referencePrice charges more on a sale; short: the higher one on a purchase.
        return (account.guardTime, newSize > 0 ? (now_ < old ? now_ : old) : (now_ > old ? now_ : old));
    }

    /// @notice A WAD price in guard units: down for a long, up for a short (a larger charge).
    function toGuardPrice(uint256 priceWad, bool isLong) internal pure returns (uint64) {
        uint256 scaled = isLong ? priceWad / GUARD_PRICE_UNIT : Math.ceilDiv(priceWad, GUARD_PRICE_UNIT);
        // Feeds price below 1.8e11 quote units per token; saturate rather than revert beyond.
        return scaled > type(uint64).max ? type(uint64).max : uint64(scaled);
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
