// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PositionLib} from "../../contracts/perp/libraries/PositionLib.sol";
import {TestBase} from "../utils/Vm.sol";

/// @notice PositionLib on its own: trades, the oracle-edge guard.
contract PositionLibTest is TestBase {
    using PositionLib for PositionLib.Account;

    uint256 internal constant DIVISOR = 1e30;

    function _ctx(
        uint256 price,
        uint256 updatedAt,
        uint256 window
    ) internal pure returns (PositionLib.Context memory c) {
        c.price = price;
        c.updatedAt = updatedAt;
        c.divisor = DIVISOR;
        c.edgeWindow = window;
    }

    /// @notice The edge charge is the favourable move times the closed size (rounded up), and
    /// never a credit.
    function testFuzz_edgeChargeIsTheFavourableMoveOnly(
        int256 size,
        uint256 closed,
        uint256 price,
        uint256 ref
    ) public pure {
        size = int256(bound(uint256(size), 0, 2e24)) - 1e24;
        if (size == 0) size = 1;
        closed = bound(closed, 0, 1e24);
        price = bound(price, 1e18, 1e24);
        ref = bound(ref, 1e18, 1e24);
        uint256 charge = PositionLib.edgeCharge(size, closed, price, ref, DIVISOR);
        bool favourable = size > 0 ? price > ref : ref > price;
        if (!favourable) {
            require(charge == 0, "charged an adverse move");
            return;
        }
        uint256 move = price > ref ? price - ref : ref - price;
        uint256 product = closed * move;
        require(charge == product / DIVISOR + (product % DIVISOR == 0 ? 0 : 1), "not the move, rounded up");
    }

    /// @notice Guarded exactly while the latest update landed within the window after the growth;
    /// a zero window is off.
    function testFuzz_guardWindow(uint40 grewAt, uint256 updatedAt, uint256 window) public pure {
        window = bound(window, 0, 1 hours);
        updatedAt = bound(updatedAt, 0, uint256(grewAt) + 2 hours);
        PositionLib.Account memory a;
        a.size = 1e18;
        a.guardTime = grewAt;
        bool guarded = a.isGuarded(_ctx(3_000e18, updatedAt, window));
        bool expected = window != 0 && updatedAt >= grewAt && updatedAt <= uint256(grewAt) + window;
        require(guarded == expected, "guard window");
    }

    /// @notice Growing while guarded keeps the guard time and the price least favourable to the
    /// position; growing unguarded starts a new guard at the price now.
    function testFuzz_nextGuardKeepsTheWorstPrice(
        bool long,
        uint256 oldPrice,
        uint256 nowPrice,
        bool guarded
    ) public pure {
        oldPrice = bound(oldPrice, 1e18, 1e24);
        nowPrice = bound(nowPrice, 1e18, 1e24);
        PositionLib.Account memory a;
        a.size = long ? int96(1e18) : -1e18;
        a.guardTime = 1_000;
        a.guardPrice = PositionLib.toGuardPrice(oldPrice, long);
        PositionLib.Context memory ctx = _ctx(nowPrice, guarded ? 1_005 : 5_000, 15);
        (uint40 time, uint64 price) = a.nextGuard(long ? int256(2e18) : -2e18, true, ctx, 6_000);
        uint64 fresh = PositionLib.toGuardPrice(nowPrice, long);
        if (!guarded) {
            require(time == 6_000 && price == fresh, "unguarded growth keeps an old guard");
            return;
        }
        require(time == 1_000, "guarded growth moved the guard time");
        uint64 old = a.guardPrice;
        require(price == (long ? (fresh < old ? fresh : old) : (fresh > old ? fresh : old)), "not the worst price");
    }

    /// @notice A full close realises PnL at the fill and leaves no entry; the edge charge applies
    /// only to guarded closes.
    function testFuzz_closeRealisesAtTheFill(bool long, uint256 entry, uint256 fill, uint256 ref) public pure {
        entry = bound(entry, 1e18, 1e24);
        fill = bound(fill, 1e18, 1e24);
        ref = bound(ref, 1e18, 1e24);
        PositionLib.Account memory a;
        a.size = long ? int96(5e18) : -5e18;
        a.entryPrice = uint96(entry);
        PositionLib.Trade memory t = a.trade(-int256(a.size), fill, ref, 5, _ctx(fill, 0, 0));
        require(t.newSize == 0 && t.newEntry == 0 && !t.grows, "not closed");
        int256 move = int256(fill) - int256(entry);
        int256 expected = long ? move * 5 : -move * 5; // 5 tokens, per-WAD price move
        // signedValue rounds toward negative infinity: within one collateral unit.
        int256 scaled = t.realizedPnl * int256(DIVISOR);
        require(scaled <= expected * 1e18 && expected * 1e18 - scaled < int256(DIVISOR), "PnL not at the fill");
        require(t.edgeFee == PositionLib.edgeCharge(a.size, 5e18, fill, ref, DIVISOR), "edge charge");
    }
}
