// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {OracleLib} from "../../libraries/OracleLib.sol";

/// @title EdgeLib
/// @notice The growth charge of the oracle-edge rule (IPerpMarket, "Trading ahead"). Each account
/// keeps its latest growth: the feed round it was made in, when, and the size grown in that round
/// (several growths in one round add up; a reduction uses the guarded size up first). When the
/// round after it landed less than the edge window after the growth (the trader could have seen
/// it pending), the guarded size is re-priced from the answer its fill was priced at to that
/// round's answer, where that is worse for the trader. A round that cannot be shown to have landed
/// after the window counts as inside it.
library EdgeLib {
    using SafeCast for int256;

    /// @notice Premium units: parts per million of the fill's oracle price.
    uint256 internal constant PPM = 1e6;

    /// @notice One account's latest growth, in one slot (248 bits). The slot is never cleared once
    /// written: a settled record keeps its round with a zero size and a closed position's record
    /// is left as it was (moot while the account is flat), so the next growth rewrites a slot
    /// instead of creating one.
    /// @param roundId The feed's latest round at the growth.
    /// @param grownAt Timestamp of the latest growth in that round.
    /// @param guardedSize Size grown in that round and still held (the position's sign; 0: none).
    /// @param atPrevious Every growth in the round filled at the previous round's answer (inside
    /// that round's window), so the guarded size's reference price is that answer.
    /// @param premiumPpm The largest skew premium of the round's growths (fill over its oracle
    /// price, ppm, rounded up; 0 for a fill at or below it). A fill at a premium moves with the
    /// price at that scale, so the move is charged at it.
    struct Growth {
        uint80 roundId;
        uint40 grownAt;
        int96 guardedSize;
        bool atPrevious;
        uint24 premiumPpm;
    }

    /// @notice The feed as one account action sees it (read once by the market's load step).
    struct Feed {
        AggregatorV3Interface aggregator;
        uint8 decimals;
        uint80 roundId;
        uint256 updatedAt;
        uint256 price;
        uint256 window;
    }

    /// @notice Whether the record can be settled now and the favourable move its guarded size
    /// gives up, per whole token (WAD; 0 when the next round went against the trader or landed
    /// after the window). A record settles once its round is no longer the latest, or once the
    /// window after the growth has passed with no new round (the next one can only land later).
    /// @param reducing The action is a trade against the position. Inside the next round's own
    /// window such a trade fills at the worse of that round's answer and the growth round's (the
    /// after-round rule), so the guarded size it closes has no move left to give up: the record
    /// waits, and the reduction uses the guarded size up first. Anything else settles at once.
    function pendingMove(
        Growth memory g,
        Feed memory feed,
        bool reducing
    ) internal view returns (bool settles, uint256 move) {
        if (g.guardedSize == 0) return (false, 0);
        // The rule is off: nothing is charged.
        if (feed.window == 0) return (true, 0);
        uint256 windowEnd = uint256(g.grownAt) + feed.window;
        if (feed.roundId == g.roundId) return (block.timestamp >= windowEnd, 0);
        if (reducing && feed.roundId == uint256(g.roundId) + 1 && block.timestamp < feed.updatedAt + feed.window) {
            return (false, 0);
        }
        (bool known, uint256 nextUpdatedAt, uint256 nextPrice) = nextRound(g.roundId, feed);
        if (known && nextUpdatedAt >= windowEnd) return (true, 0);
        uint256 ref = referencePrice(g, feed, nextPrice);
        if (g.guardedSize > 0) return (true, nextPrice > ref ? nextPrice - ref : 0);
        return (true, ref > nextPrice ? ref - nextPrice : 0);
    }

    /// @notice The round after `roundId`: the next id of its phase, or else the first round of the
    /// next phase (a Chainlink proxy moved to a new aggregator restarts its ids there). When
    /// neither can be read but the feed has moved on (a gap in the ids), `known` is false and the
    /// latest answer stands in for it.
    function nextRound(
        uint80 roundId,
        Feed memory feed
    ) internal view returns (bool known, uint256 updatedAt, uint256 price) {
        uint256 next = uint256(roundId) + 1;
        if (next != feed.roundId) {
            (known, updatedAt, price) = readRound(feed, next);
            if (known) return (known, updatedAt, price);
            next = (((uint256(roundId) >> 64) + 1) << 64) | 1;
        }
        if (next == feed.roundId) return (true, feed.updatedAt, feed.price);
        (known, updatedAt, price) = readRound(feed, next);
        if (!known) price = feed.price;
    }

    /// @notice The oracle answer the guarded fills were priced at before their skew premium: the
    /// growth round's answer, or the worse for the trader of it and the previous round's when
    /// every growth filled inside that round's window. A growth round that cannot be read any more
    /// (a feed's history is kept; no trader can cause this) measures no move.
    function referencePrice(Growth memory g, Feed memory feed, uint256 fallbackWad) internal view returns (uint256) {
        (bool known, , uint256 answer) = readRound(feed, g.roundId);
        if (!known) return fallbackWad;
        if (!g.atPrevious) return answer;
        uint256 previous = OracleLib.previousAnswerWad(feed.aggregator, g.roundId, feed.decimals, answer);
        return g.guardedSize > 0 ? Math.max(answer, previous) : Math.min(answer, previous);
    }

    /// @notice One round as a WAD answer and its time; `known` is false when the round does not
    /// exist (no timestamp), has no positive answer, or the call reverts.
    function readRound(
        Feed memory feed,
        uint256 roundId
    ) internal view returns (bool known, uint256 updatedAt, uint256 price) {
        if (roundId > type(uint80).max) return (false, 0, 0);
        try feed.aggregator.getRoundData(uint80(roundId)) returns (uint80, int256 answer, uint256, uint256 at, uint80) {
            if (at == 0 || answer <= 0) return (false, 0, 0);
            return (true, at, OracleLib.scaleToWad(uint256(answer), feed.decimals));
        } catch {
            return (false, 0, 0);
        }
    }

    /// @notice The entry of a position of `size` at `entry` after its `guarded` part gives up
    /// `move` per token at the scale of its fills (`premium`, ppm over the oracle): raised for a long, lowered for a
    /// short, rounded against the account (never below one wei for a short).
    function reprice(
        int256 size,
        uint256 entry,
        int256 guarded,
        uint256 move,
        uint256 premium
    ) internal pure returns (uint256) {
        uint256 shift = Math.mulDiv(
            SignedMath.abs(guarded) * move,
            PPM + premium,
            SignedMath.abs(size) * PPM,
            Math.Rounding.Ceil
        );
        if (size > 0) return entry + shift;
        return entry > shift ? entry - shift : 1;
    }

    /// @notice The record after a trade from `oldSize` to `newSize` in round `roundId`: a growth
    /// adds to the guarded size of the same round (or starts a new record; an older record has
    /// settled first), a reduction uses the guarded size up first, a flip guards the new side.
    /// @param feed The feed as the trade saw it (its round and latest answer).
    /// @param fill The trade's fill price.
    /// @param basePrice The oracle price the fill was priced from, before its skew premium (the
    /// previous round's answer when it differs from the latest).
    /// @return changed False when the record is left as it was: a reduction with nothing guarded,
    /// or a close.
    function afterTrade(
        Growth memory g,
        int256 oldSize,
        int256 newSize,
        Feed memory feed,
        uint256 fill,
        uint256 basePrice
    ) internal view returns (bool changed) {
        if (newSize == 0) {
            // A closed position's record is moot (nothing reads it while the account is flat, and
            // the next growth starts a new one), so it is left unwritten.
            return false;
        }
        uint256 oldAbs = SignedMath.abs(oldSize);
        uint256 newAbs = SignedMath.abs(newSize);
        bool sameSide = oldSize != 0 && (oldSize > 0) == (newSize > 0);
        if (sameSide && newAbs < oldAbs) {
            if (g.guardedSize == 0) return false;
            uint256 guarded = SignedMath.abs(g.guardedSize);
            int256 left = int256(guarded - Math.min(guarded, oldAbs - newAbs));
            g.guardedSize = (newSize > 0 ? left : -left).toInt96();
        } else if (sameSide && g.guardedSize != 0) {
            // Same round: a guarded size from an earlier round has settled before the trade.
            g.guardedSize = (g.guardedSize + newSize - oldSize).toInt96();
            g.grownAt = uint40(block.timestamp);
            g.atPrevious = g.atPrevious && basePrice != feed.price;
            g.premiumPpm = uint24(Math.max(g.premiumPpm, premiumPpm(fill, basePrice)));
        } else {
            // A new side, or the first growth since the record settled or was used up.
            g.roundId = feed.roundId;
            g.grownAt = uint40(block.timestamp);
            g.guardedSize = (sameSide ? newSize - oldSize : newSize).toInt96();
            g.atPrevious = basePrice != feed.price;
            g.premiumPpm = uint24(premiumPpm(fill, basePrice));
        }
        return true;
    }

    /// @notice How far `fill` lies above `basePrice`, ppm, rounded up and capped at the field's
    /// maximum (1,677%); 0 at or below it (charging the plain move then errs towards the pool).
    function premiumPpm(uint256 fill, uint256 basePrice) internal pure returns (uint256) {
        if (fill <= basePrice) return 0;
        return Math.min(Math.mulDiv(fill - basePrice, PPM, basePrice, Math.Rounding.Ceil), type(uint24).max);
    }
}
